"""Claim entry, quote fields and scheme CSV rows: good input is written, bad input is named and writes nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from claimdesk.services import demo
from claimdesk.services.claims import intake
from claimdesk.services.enrollment import group_load, quotes
from claimdesk.services.errors import ValidationError

TAG = "DEMO42"


@pytest.fixture(scope="module")
def demo_rows(db):
    with db.engine.connect() as conn:
        loaded = conn.execute(text("SELECT 1 FROM group_scheme.schemes WHERE code = :c"), {"c": f"ACME-{TAG}"}).first()
    if not loaded:
        demo.seed(db.engine, members=30, claims=0, seed=42, work=0)
    with db.engine.connect() as conn:
        member = conn.execute(
            text(
                "SELECT p.locator FROM policy_admin.parties p JOIN eligibility.member_coverage mc ON mc.party_id = p.id "
                "JOIN enrollment.policies pol ON pol.id = mc.policy_id JOIN policy_admin.accounts a ON a.id = pol.account_id "
                "WHERE a.currency = 'USD' AND mc.effective_to = '2026-12-31' ORDER BY p.locator LIMIT 1"
            )
        ).scalar()
        provider = conn.execute(text("SELECT locator FROM provider.providers WHERE network_status = 'IN_NETWORK' ORDER BY locator LIMIT 1")).scalar()
        account = conn.execute(text("SELECT locator FROM policy_admin.accounts WHERE currency = 'USD' ORDER BY locator LIMIT 1")).scalar()
    return {"member": member, "provider": provider, "account": account, "product": f"HP-SILVER-PPO-{TAG}", "scheme": f"ACME-{TAG}"}


def _count(db, table):
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


# ---------------------------------------------------------------- claim entry

def test_claim_entry_writes_a_received_claim(db, demo_rows):
    entry = intake.ClaimEntry(demo_rows["member"], demo_rows["provider"], "2026-03-02",
                              [intake.LineEntry("office_visit", "99213", "150.00"), intake.LineEntry("lab", "80053", "62.50")])
    change = intake.submit_claim(db.sessions, entry)
    with db.engine.connect() as conn:
        claim = conn.execute(text("SELECT status, amount_claimed FROM claims.claims WHERE locator = :l"), {"l": change.locator}).one()
        events = conn.execute(text("SELECT event_type FROM claims.claim_events e JOIN claims.claims c ON c.id = e.claim_id WHERE c.locator = :l"), {"l": change.locator}).scalars().all()
    assert claim == ("RECEIVED", Decimal("212.50"))
    assert events == ["RECEIVED"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    date=st.one_of(st.text(max_size=12), st.sampled_from(["2026-02-30", "2999-01-01", "1900-01-01", "2026-03-02"])),
    code=st.one_of(st.text(max_size=9), st.sampled_from(["99213", "9921", "99213;--", "ＡＢＣＤ"])),
    benefit=st.one_of(st.text(max_size=10), st.sampled_from(["office_visit", "Office Visit", ""])),
    amount=st.one_of(st.text(max_size=12), st.sampled_from(["0", "-5", "1e30", "NaN", "12.345", "99999999.99", "150.00"])),
)
def test_claim_entry_fuzz(db, demo_rows, date, code, benefit, amount):
    before = _count(db, "claims.claims")
    entry = intake.ClaimEntry(demo_rows["member"], demo_rows["provider"], date, [intake.LineEntry(benefit, code, amount)])
    try:
        intake.submit_claim(db.sessions, entry)
    except ValidationError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert _count(db, "claims.claims") == before
    else:
        assert _count(db, "claims.claims") == before + 1


def test_claim_entry_names_the_bad_line(db, demo_rows):
    entry = intake.ClaimEntry(demo_rows["member"], demo_rows["provider"], "2026-03-02",
                              [intake.LineEntry("office_visit", "99213", "10.00"), intake.LineEntry("office_visit", "99213", "ten")])
    with pytest.raises(ValidationError, match="line 2 amount"):
        intake.submit_claim(db.sessions, entry)
    with pytest.raises(ValidationError, match="no member"):
        intake.submit_claim(db.sessions, intake.ClaimEntry("MBR-00000000", demo_rows["provider"], "2026-03-02", entry.lines[:1]))


# ---------------------------------------------------------------- quotes

def test_quote_is_rated_from_its_fields(db, demo_rows):
    result = quotes.create_quote(db.sessions, demo_rows["account"], demo_rows["product"],
                                 {"start_date": "2026-12-01", "smoker": "yes", "dependants": "2", "region": "NORTH"})
    # 412.00 base, x1.20 smoker, x(1 + 2 x 0.35) dependants = 840.48
    assert result.premium == Decimal("840.48")
    with db.engine.connect() as conn:
        values = dict(conn.execute(
            text("SELECT f.field_key, v.value FROM enrollment.quote_field_values v JOIN policy_admin.field_definitions f ON f.id = v.field_def_id "
                 "WHERE v.quote_id = :q"), {"q": result.quote_id}).all())
    assert values == {"start_date": "2026-12-01", "smoker": "true", "dependants": "2", "region": "NORTH"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["start_date", "smoker", "dependants", "region", "occupation", "unknown_field"]),
    value=st.one_of(st.none(), st.text(max_size=90), st.integers(-20, 20), st.floats(), st.booleans(),
                    st.sampled_from(["2026-02-30", "maybe", "11", "-1", "SOUTH", "south", "\x00"])),
)
def test_quote_fields_fuzz(db, demo_rows, field, value):
    answers = {"start_date": "2026-12-01", "smoker": "no", "dependants": "0", field: value}
    before = _count(db, "enrollment.quotes")
    try:
        quotes.create_quote(db.sessions, demo_rows["account"], demo_rows["product"], answers)
    except ValidationError as exc:
        assert str(exc)
        assert _count(db, "enrollment.quotes") == before
    else:
        assert _count(db, "enrollment.quotes") == before + 1


# ---------------------------------------------------------------- scheme CSV

GOOD = "first_name,last_name,date_of_birth,email\nAda,Lovelace,1985-12-10,ada@acme.example\nAlan,Turing,1979-06-23,\n"


def test_scheme_csv_loads_every_row(db, demo_rows):
    before = _count(db, "group_scheme.scheme_members")
    result = group_load.load_members_text(db.sessions, demo_rows["scheme"], GOOD.replace("Ada", "Adah"))
    assert result.loaded == 2
    assert _count(db, "group_scheme.scheme_members") == before + 2


def test_a_second_load_of_the_same_people_is_refused_by_line(db, demo_rows):
    people = "first_name,last_name,date_of_birth\nMaria,Sibylla,1947-01-13\nCarl,Linnaeus,1907-05-23\nNew,Person,1990-01-01\n"
    first = group_load.load_members_text(db.sessions, demo_rows["scheme"], people.replace("New,Person,1990-01-01\n", ""))
    before = (_count(db, "group_scheme.scheme_members"), _count(db, "policy_admin.parties"))
    with pytest.raises(ValidationError) as err:
        group_load.load_members_text(db.sessions, demo_rows["scheme"], people.replace("Maria", "MARIA"), source="again.csv")
    assert str(err.value) == (
        f"again.csv: line 2: MARIA Sibylla, born 1947-01-13, is already in {demo_rows['scheme']} as {first.member_locators[0]}; "
        f"line 3: Carl Linnaeus, born 1907-05-23, is already in {demo_rows['scheme']} as {first.member_locators[1]}; nothing was loaded"
    )
    assert (_count(db, "group_scheme.scheme_members"), _count(db, "policy_admin.parties")) == before  # not even the new person


def test_scheme_csv_bad_row_names_the_line_and_writes_nothing(db, demo_rows, tmp_path, database_url):
    bad = GOOD + "Grace,Hopper,1906-13-09,grace@navy.example\nEdsger,,1930-05-11,\n"
    before = (_count(db, "group_scheme.scheme_members"), _count(db, "policy_admin.parties"))
    with pytest.raises(ValidationError) as err:
        group_load.load_members_text(db.sessions, demo_rows["scheme"], bad, source="staff.csv")
    message = str(err.value)
    assert "staff.csv: line 4: date_of_birth '1906-13-09' is not a date" in message and "line 5: last_name" in message
    assert (_count(db, "group_scheme.scheme_members"), _count(db, "policy_admin.parties")) == before
    path = tmp_path / "staff.csv"
    path.write_text(bad)
    env = {**os.environ, "CLAIMDESK_DATABASE_URL": database_url}
    proc = subprocess.run([sys.executable, "-m", "claimdesk", "scheme", "load", demo_rows["scheme"], str(path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "line 4" in proc.stderr and "Traceback" not in proc.stderr


@settings(max_examples=120, deadline=None)
@given(rows=st.lists(st.lists(st.text(max_size=15), min_size=0, max_size=5), max_size=5), header=st.booleans())
def test_scheme_csv_parser_fuzz(rows, header):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    if header:
        writer.writerow(["first_name", "last_name", "date_of_birth", "email"])
    for row in rows:
        writer.writerow(row)
    try:
        parsed = group_load.parse_members_csv(buf.getvalue(), dt.date(2026, 11, 21), "fuzz.csv")
    except ValidationError as exc:
        assert str(exc).startswith("fuzz.csv")
    else:
        assert parsed and all(isinstance(r.date_of_birth, dt.date) for r in parsed)


# ---------------------------------------------------------------- demo data


def test_a_second_demo_load_with_another_seed_adds_to_the_first(pg_admin_url):
    """Two demo loads share a database (a trainer adds a second cohort); the same seed twice is refused."""
    from claimdesk.db import connect
    from claimdesk.migrate import upgrade
    from claimdesk.settings import Settings
    from tests.conftest import _as_url, _fresh_database

    url = _as_url(_fresh_database(pg_admin_url, "cddemo"))
    fresh = connect(Settings(database_url=url), url=url, pool_size=1)
    try:
        upgrade(fresh.engine, "head")
        first = demo.seed(fresh.engine, members=120, claims=30, seed=1, work=0)
        second = demo.seed(fresh.engine, members=120, claims=30, seed=2, work=0)
        assert first["provider.providers"] == second["provider.providers"] > 0
        assert _count(fresh, "provider.providers") == first["provider.providers"] * 2
        assert _count(fresh, "claims.claims") == 60
        before = _count(fresh, "policy_admin.parties")
        with pytest.raises(ValidationError, match="demo data for seed 2 is already loaded"):
            demo.seed(fresh.engine, members=120, claims=30, seed=2, work=0)
        assert _count(fresh, "policy_admin.parties") == before
    finally:
        fresh.dispose()
