"""The schema: every table of seed 000, migrations that round-trip, no drift."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, text

from claimdesk import migrate
from claimdesk.db import connect
from claimdesk.settings import Settings
from tests.conftest import SHARED


def _seed_tables() -> dict[str, set[str]]:
    """Tables and key columns named by seed 000, keyed by schema.table."""
    text_ = next((SHARED / "seeds").glob("000_*.txt")).read_text()
    tables: dict[str, set[str]] = {}
    for line in text_.splitlines():
        m = re.match(r"^([a-z_]+\.)?([a-z_]+) \| ([^|]+) \|", line)
        if not m:
            continue
        schema = (m.group(1) or "care.").rstrip(".")
        cols = {c.strip().split(" ")[0] for c in m.group(3).split(",")}
        cols = {c for c in cols if re.fullmatch(r"[a-z_]+", c)}
        tables[f"{schema}.{m.group(2)}"] = cols
    return tables


def test_every_seed_table_and_column_exists(db):
    seed = _seed_tables()
    assert len(seed) >= 55, "the seed parser found too few tables"
    insp = inspect(db.engine)
    missing = []
    for qualified, cols in seed.items():
        schema, table = qualified.split(".")
        if not insp.has_table(table, schema=schema):
            missing.append(qualified)
            continue
        have = {c["name"] for c in insp.get_columns(table, schema=schema)}
        missing.extend(f"{qualified}.{c}" for c in sorted(cols - have))
    assert missing == []


def test_money_columns_are_numeric_15_2(db):
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale "
                "FROM information_schema.columns WHERE column_name IN "
                "('amount', 'amount_claimed', 'amount_allowed', 'amount_paid', 'limit_amount', 'consumed_amount', "
                "'total_amount', 'allowed_amount', 'deductible', 'copay', 'coinsurance', 'member_responsibility')"
            )
        ).all()
    assert rows
    assert all((r.data_type, r.numeric_precision, r.numeric_scale) == ("numeric", 15, 2) for r in rows), rows


def test_upgrade_downgrade_upgrade_round_trip(empty_database_url):
    db = connect(Settings(database_url=empty_database_url), url=empty_database_url)
    try:
        migrate.upgrade(db.engine, "head")
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        migrate.downgrade(db.engine, "base")
        assert migrate.current_revision(db.engine) is None
        with db.engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema IN ('claims','billing','care')")
            ).scalar()
        assert left == 0
        migrate.upgrade(db.engine, "head")
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        migrate.check(db.engine)  # raises when models and migrations disagree
    finally:
        db.dispose()


def test_reason_codes_loaded_with_official_text(db):
    with db.engine.connect() as conn:
        codes = dict(conn.execute(text("SELECT code, description FROM claims.reason_codes")).all())
    for code in ("1", "2", "3", "26", "27", "45", "96", "119", "197", "242"):
        assert code in codes
    assert codes["45"].startswith("Charge exceeds fee schedule")


def test_claim_events_are_append_only_and_stamp_the_session_user(db):
    from claimdesk.services.errors import ClaimDeskError  # noqa: F401

    with db.engine.connect() as conn:
        user = conn.execute(text("SELECT session_user")).scalar()
    from tests.factories import make_claim

    claim_id = make_claim(db)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO claims.claim_events (claim_id, event_type, actor, note) VALUES (:c, 'TEST', 'somebody_else', 'x')"),
            {"c": claim_id},
        )
        actor = conn.execute(text("SELECT actor FROM claims.claim_events WHERE claim_id = :c"), {"c": claim_id}).scalar()
    assert actor == user  # the forged actor was replaced
    for stmt in (
        "UPDATE claims.claim_events SET note = 'changed' WHERE claim_id = :c",
        "DELETE FROM claims.claim_events WHERE claim_id = :c",
        "TRUNCATE claims.claim_events CASCADE",
    ):
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(stmt), {"c": claim_id})


def test_workstation_refuses_a_database_behind_or_ahead(empty_database_url):
    from claimdesk.db import check_revision
    from claimdesk.services.errors import DatabaseRevisionMismatch

    db = connect(Settings(database_url=empty_database_url), url=empty_database_url)
    try:
        with pytest.raises(DatabaseRevisionMismatch, match="no ClaimDesk schema"):
            check_revision(db)
        migrate.upgrade(db.engine, "0002")
        with pytest.raises(DatabaseRevisionMismatch, match="behind"):
            check_revision(db)
        migrate.upgrade(db.engine, "head")
        check_revision(db)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE public.alembic_version SET version_num = '9999'"))
        with pytest.raises(DatabaseRevisionMismatch, match="does not know"):
            check_revision(db)
    finally:
        db.dispose()
