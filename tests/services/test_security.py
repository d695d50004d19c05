"""Who may do what: each refusal happens in PostgreSQL, signed in as that role."""

from __future__ import annotations

import uuid
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text

from claimdesk.db import connect
from claimdesk.services import security
from claimdesk.services.claims import queue, service
from claimdesk.services.errors import ConflictError, PermissionDenied
from claimdesk.settings import Settings
from tests.factories import make_scenario, scenario_data


def _login(db, group: str | None) -> str:
    """A fresh login role in ``group`` (cluster-wide, so the name is unique per test)."""
    name = f"t_{group or 'nobody'}_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
        if group:
            conn.exec_driver_sql(f'GRANT claimdesk_{group} TO "{name}"')
    return name


def _as(database_url: str, user: str):
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    info["user"] = user
    url = psycopg.conninfo.make_conninfo(**info)
    return connect(Settings(database_url=url), url=url, pool_size=2)


@pytest.fixture
def as_role(db, database_url):
    opened = []

    def make(group: str | None):
        user = _login(db, group)
        database = _as(database_url, user)
        opened.append(database)
        return database

    yield make
    for d in opened:
        d.dispose()


def _refused(database, sql: str, params: dict | None = None) -> None:
    with pytest.raises(Exception) as err:
        with database.engine.begin() as conn:
            conn.execute(text(sql), params or {})
    assert isinstance(err.value.orig, psycopg.errors.InsufficientPrivilege), err.value


def test_roles_come_from_membership(as_role):
    adjudicator = as_role("adjudicator")
    identity = security.current_identity(adjudicator.sessions)
    assert identity.roles == ("adjudicator",)
    assert "claims" in identity.screens and "enrollment" not in identity.screens


def test_auditor_reads_everything_and_changes_nothing(db, as_role):
    created = make_scenario(db, scenario_data("01"))
    auditor = as_role("auditor")
    with auditor.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM audit.change_log")).scalar() >= 1
    _refused(auditor, "UPDATE claims.claims SET status = 'VOIDED' WHERE id = :id", {"id": created.claim_id})
    _refused(auditor, "INSERT INTO claims.claim_events (claim_id, event_type) VALUES (:id, 'X')", {"id": created.claim_id})
    with pytest.raises(PermissionDenied):
        service.price(auditor.sessions, created.claim_id)


def test_enrollment_clerk_cannot_adjudicate(db, as_role):
    created = make_scenario(db, scenario_data("01"))
    clerk = as_role("enrollment")
    with pytest.raises(PermissionDenied):
        service.approve(clerk.sessions, created.claim_id, None)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).scalar() == "RECEIVED"


def test_adjudicator_pays_through_the_database_but_cannot_write_billing_or_enrollment(db, as_role):
    created = make_scenario(db, scenario_data("02"))
    adjudicator = as_role("adjudicator")
    change = service.approve(adjudicator.sessions, created.claim_id, None)
    assert change.status == "FINALIZED"
    with db.engine.connect() as conn:
        charge = conn.execute(text("SELECT amount FROM billing.charges WHERE claim_id = :id"), {"id": created.claim_id}).scalar()
        actors = conn.execute(
            text("SELECT DISTINCT actor FROM claims.claim_events WHERE claim_id = :id AND event_type <> 'RECEIVED'"), {"id": created.claim_id}
        ).scalars().all()
    assert charge == Decimal("560.00")
    assert actors == [adjudicator.user]
    _refused(
        adjudicator,
        "INSERT INTO billing.charges (locator, account_id, category, amount, currency, charge_date) "
        "SELECT 'CHG-X', account_id, 'CLAIM_PAYMENT', 1, 'USD', current_date FROM enrollment.policies LIMIT 1",
    )
    _refused(adjudicator, "UPDATE enrollment.policies SET status = 'CANCELLED' WHERE id = :id", {"id": created.policy_id})
    _refused(adjudicator, "UPDATE eligibility.coverage_accumulators SET limit_amount = 0 WHERE party_id = :p", {"p": created.party_id})


def test_large_override_needs_a_supervisor(db, as_role):
    data = scenario_data("07")  # a knee replacement: allowed 15,000.00
    created = make_scenario(db, data)
    adjudicator = as_role("adjudicator")
    change = service.price(adjudicator.sessions, created.claim_id)
    policy = service.Policy(supervisor_override_threshold=Decimal("1e9"))  # skip the friendly check: prove the database refuses
    with pytest.raises(PermissionDenied, match="supervisor"):
        service.override_line(adjudicator.sessions, created.claim_id, change.version, 1, allowed="16000.00", note="contract", policy=policy)
    supervisor = as_role("supervisor")
    change = service.override_line(supervisor.sessions, created.claim_id, change.version, 1, allowed="16000.00", note="contract rate")
    assert change.status == "APPROVED"


def test_only_the_assignee_or_a_supervisor_may_save_a_leased_claim(db, as_role):
    created = make_scenario(db, scenario_data("01"))
    alice, bob, sue = as_role("adjudicator"), as_role("adjudicator"), as_role("supervisor")
    with db.engine.begin() as conn:  # alice holds the lease
        conn.execute(
            text("UPDATE claims.claims SET assignee = :a, lease_expires_at = now() + interval '30 minutes' WHERE id = :id"),
            {"a": alice.user, "id": created.claim_id},
        )
    with pytest.raises(ConflictError, match=f"being worked by {alice.user}"):
        service.price(bob.sessions, created.claim_id)
    with bob.engine.begin() as conn:  # even bypassing the service, the row is out of reach
        n = conn.execute(text("UPDATE claims.claims SET pend_note = 'x' WHERE id = :id"), {"id": created.claim_id}).rowcount
    assert n == 0
    assert service.price(alice.sessions, created.claim_id).status == "APPROVED"
    assert service.pend(sue.sessions, created.claim_id, None, "MANUAL_REVIEW", "supervisor review").status == "PENDED"


def test_change_log_records_who_and_what_and_is_append_only(db, as_role):
    created = make_scenario(db, scenario_data("01"))
    adjudicator = as_role("adjudicator")
    service.price(adjudicator.sessions, created.claim_id)
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, operation, old_values ->> 'status' AS old, new_values ->> 'status' AS new FROM audit.change_log "
                "WHERE table_name = 'claims.claims' AND row_id = :id ORDER BY id"
            ),
            {"id": created.claim_id},
        ).all()
    assert ("INSERT", None) == (rows[0].operation, rows[0].old)
    assert (adjudicator.user, "UPDATE", "RECEIVED", "APPROVED") in [tuple(r) for r in rows]
    for stmt in ("UPDATE audit.change_log SET actor = 'x'", "DELETE FROM audit.change_log", "TRUNCATE audit.change_log"):
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:  # even the superuser
                conn.execute(text(stmt))


def test_admin_user_add_creates_a_login_in_its_groups(db):
    name = f"pat_{uuid.uuid4().hex[:6]}"
    password = security.add_user(db.engine, name, ["adjudicator", "supervisor"])
    assert len(password) >= 20
    with db.engine.connect() as conn:
        groups = conn.execute(
            text("SELECT r.rolname FROM pg_roles r WHERE pg_has_role(:n, r.oid, 'member') AND r.rolname LIKE 'claimdesk_%' ORDER BY 1"),
            {"n": name},
        ).scalars().all()
    assert groups == ["claimdesk_adjudicator", "claimdesk_supervisor"]


def test_get_next_claim_works_for_an_adjudicator(db, as_role):
    created = make_scenario(db, scenario_data("01"))
    adjudicator = as_role("adjudicator")
    lease = queue.get_next_claim(adjudicator.sessions)
    assert lease is not None
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT assignee FROM claims.claims WHERE id = :id"), {"id": lease.claim_id}).scalar() == adjudicator.user
    assert created
