"""Claim lifecycle through PostgreSQL: transitions, events, balances, billing, stale saves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.services.claims import lifecycle as lc
from claimdesk.services.claims import queue, service
from claimdesk.services.errors import ConflictError, InvalidTransition, ValidationError
from tests.factories import make_scenario, scenario_data


def _claim(db, claim_id):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM claims.claims WHERE id = :id"), {"id": claim_id}).mappings().one()


def _balances(db, created):
    with db.engine.connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT accumulator_type || '/' || coverage_term_key, consumed_amount FROM eligibility.coverage_accumulators "
                    "WHERE party_id = :p"
                ),
                {"p": created.party_id},
            ).all()
        )


def _events(db, claim_id):
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT event_type, from_status, to_status, actor FROM claims.claim_events WHERE claim_id = :id ORDER BY created_at, id"),
            {"id": claim_id},
        ).all()


def test_transition_table_refuses_what_it_does_not_list():
    assert lc.can_move(lc.FINALIZED, lc.REOPENED)
    assert not lc.can_move(lc.VOIDED, lc.RECEIVED)
    assert not lc.can_move(lc.FINALIZED, lc.APPROVED)
    assert set(lc.TRANSITIONS) == {"RECEIVED", "PENDED", "APPROVED", "PARTIALLY_APPROVED", "DENIED", "FINALIZED", "REOPENED", "VOIDED"}


def test_approve_prices_finalises_pays_and_records_events(db):
    created = make_scenario(db, scenario_data("02"))
    change = service.approve(db.sessions, created.claim_id, None)
    assert change.status == "FINALIZED"
    claim = _claim(db, created.claim_id)
    assert claim["amount_paid"] == Decimal("560.00")
    assert _balances(db, created)["DEDUCTIBLE/plan"] == Decimal("500.00")
    with db.engine.connect() as conn:
        charge = conn.execute(text("SELECT amount, payee, status FROM billing.charges WHERE claim_id = :id"), {"id": created.claim_id}).one()
        ledger = conn.execute(
            text(
                "SELECT direction, sum(l.amount) FROM billing.ledger_entries l JOIN billing.charges c ON c.id = l.reference_id "
                "WHERE c.claim_id = :id GROUP BY direction"
            ),
            {"id": created.claim_id},
        ).all()
        outbox = conn.execute(text("SELECT topic FROM claims.outbox WHERE key = :l ORDER BY created_at"), {"l": created.claim_locator}).scalars().all()
    assert charge == (Decimal("560.00"), "PROVIDER", "PENDING")
    assert dict(ledger) == {"DEBIT": Decimal("560.00"), "CREDIT": Decimal("560.00")}
    assert [e[:3] for e in _events(db, created.claim_id)][-2:] == [("PRICED", "RECEIVED", "APPROVED"), ("FINALIZED", "APPROVED", "FINALIZED")]
    assert outbox[-2:] == ["claims.claim.priced", "claims.claim.finalized"]


def test_reopen_gives_balances_back_and_repricing_consumes_exactly_once(db):
    created = make_scenario(db, scenario_data("02"))
    service.approve(db.sessions, created.claim_id, None)
    after_first = _balances(db, created)
    service.reopen(db.sessions, created.claim_id, None, "corrected bill received")
    assert _balances(db, created) == {"DEDUCTIBLE/plan": Decimal("300.00"), "OUT_OF_POCKET/plan": Decimal("300.00")}
    with db.engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM billing.charges WHERE claim_id = :id"), {"id": created.claim_id}).scalars().all()
    assert statuses == ["CANCELLED"]
    service.price(db.sessions, created.claim_id)
    service.price(db.sessions, created.claim_id)  # pricing twice consumes nothing twice
    assert _balances(db, created) == after_first


def test_void_reverses_and_is_final(db):
    created = make_scenario(db, scenario_data("02"))
    service.approve(db.sessions, created.claim_id, None)
    service.void(db.sessions, created.claim_id, None, "submitted in error")
    assert _claim(db, created.claim_id)["status"] == "VOIDED"
    assert _balances(db, created)["DEDUCTIBLE/plan"] == Decimal("300.00")
    with pytest.raises(InvalidTransition, match="VOIDED"):
        service.reopen(db.sessions, created.claim_id, None, "try")


def test_override_line_allowed_and_deny_with_note(db):
    created = make_scenario(db, scenario_data("04"))
    change = service.price(db.sessions, created.claim_id)
    assert change.status == "PARTIALLY_APPROVED"
    with pytest.raises(ValidationError, match="note"):
        service.override_line(db.sessions, created.claim_id, change.version, 1, allowed="90.00", note="  ")
    change = service.override_line(db.sessions, created.claim_id, change.version, 1, allowed="90.00", note="contracted rate per provider agreement")
    with db.engine.connect() as conn:
        line = conn.execute(
            text("SELECT amount_allowed, copay, amount_paid, override_note, overridden_by FROM claims.claim_lines WHERE claim_id = :id AND line_number = 1"),
            {"id": created.claim_id},
        ).one()
    assert line[:3] == (Decimal("90.00"), Decimal("25.00"), Decimal("65.00"))
    assert line.override_note == "contracted rate per provider agreement"
    change = service.override_line(db.sessions, created.claim_id, change.version, 1, deny_carc="50", note="not medically necessary")
    assert change.status == "DENIED"
    assert _balances(db, created)["OUT_OF_POCKET/plan"] == Decimal("0.00")
    with pytest.raises(ValidationError, match="not a known reason code"):
        service.override_line(db.sessions, created.claim_id, change.version, 1, deny_carc="X99", note="n")
    with pytest.raises(ValidationError, match="more than"):
        service.override_line(db.sessions, created.claim_id, change.version, 1, allowed="100.01", note="n")


def test_stale_save_is_refused_with_who_and_when_and_changes_nothing(db):
    created = make_scenario(db, scenario_data("02"))
    version = _claim(db, created.claim_id)["version"]
    service.price(db.sessions, created.claim_id, version)
    before = _claim(db, created.claim_id)
    with pytest.raises(ConflictError) as err:
        service.pend(db.sessions, created.claim_id, version, "MANUAL_REVIEW", "second look")
    assert "changed by" in str(err.value) and err.value.changed_by
    assert _claim(db, created.claim_id)["version"] == before["version"]
    assert _claim(db, created.claim_id)["status"] == "APPROVED"


def test_pend_unpend_and_auto_adjudication_reasons(db):
    big = scenario_data("07")  # a 20,000.00 claim: above the review threshold
    created = make_scenario(db, big)
    result = service.auto_adjudicate(db.sessions, [created.claim_id])
    assert result.pended == 1
    claim = _claim(db, created.claim_id)
    assert (claim["status"], claim["pend_reason"]) == ("PENDED", "HIGH_AMOUNT")
    assert _balances(db, created)["OUT_OF_POCKET/plan"] == Decimal("1950.00")  # pended claims consume nothing
    service.unpend(db.sessions, created.claim_id, None, "reviewed the operative report")
    assert _claim(db, created.claim_id)["status"] == "RECEIVED"
    assert service.auto_adjudicate(db.sessions, [created.claim_id], service.Policy(pend_threshold=Decimal("50000"))).finalized == 1


def test_duplicate_claim_is_pended(db):
    from claimdesk.services.claims import simulator
    from claimdesk.services.uow import UnitOfWork

    created = make_scenario(db, scenario_data("01"))
    service.approve(db.sessions, created.claim_id, None)
    with UnitOfWork(db.sessions) as uow:  # the same service again, from the same provider, for the same member
        loc = uow.connection.execute(text("SELECT 'CLM-D' || floor(random() * 1e7)::int")).scalar()
        dup = uow.connection.execute(
            text(
                "INSERT INTO claims.claims (locator, policy_id, term_id, claimant_party_id, provider_id, incident_date, amount_claimed) "
                "SELECT :loc, policy_id, term_id, claimant_party_id, provider_id, incident_date, amount_claimed FROM claims.claims "
                "WHERE id = :id RETURNING id"
            ),
            {"loc": loc, "id": created.claim_id},
        ).scalar_one()
        uow.connection.execute(
            text(
                "INSERT INTO claims.claim_lines (claim_id, line_number, coverage_term_key, procedure_code, amount_claimed) "
                "SELECT :dup, line_number, coverage_term_key, procedure_code, amount_claimed FROM claims.claim_lines WHERE claim_id = :id"
            ),
            {"dup": dup, "id": created.claim_id},
        )
        uow.commit()
    assert simulator  # the rows above mirror what a second submission would hold
    service.auto_adjudicate(db.sessions, [dup])
    claim = _claim(db, dup)
    assert (claim["status"], claim["pend_reason"]) == ("PENDED", "DUPLICATE")
    assert created.claim_locator in claim["pend_note"]


def test_get_next_claim_leases_and_lease_blocks_others(db):
    created = make_scenario(db, scenario_data("01"))
    lease = None
    for _ in range(10_000):  # other tests' claims may be older; take until ours comes up
        lease = queue.get_next_claim(db.sessions, lease_minutes=30)
        if lease is None or lease.claim_id == created.claim_id:
            break
    assert lease is not None and lease.claim_id == created.claim_id
    claim = _claim(db, created.claim_id)
    assert claim["assignee"] and claim["lease_expires_at"] is not None
    assert [e.event_type for e in _events(db, created.claim_id)][-1] == "ASSIGNED"
