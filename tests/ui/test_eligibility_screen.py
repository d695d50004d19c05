"""Eligibility against a real database: find a person, covered or not on a day, balances, benefits, claims by role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.services import eligibility
from claimdesk.settings import Settings
from claimdesk.ui.context import AppContext
from claimdesk.ui.eligibility.screen import EligibilityScreen
from tests.factories import demo_database, login
from tests.ui.helpers import cells, shown

TIMEOUT_MS = 15000

pytestmark = pytest.mark.usefixtures("iso_dates")


@pytest.fixture(scope="module")
def world(pg_admin_url, tmp_path_factory):
    url, db = demo_database(pg_admin_url, "cdelig", members=20, claims=160, seed=17, work=160, lines_per_claim=2)
    clerk = login(db, url, "enrollment")
    with db.engine.connect() as conn:
        # The member with the most paid claims: balances used, claims to list.
        member = conn.execute(text(
            "SELECT p.locator FROM claims.claims c JOIN policy_admin.parties p ON p.id = c.claimant_party_id "
            "WHERE c.status = 'FINALIZED' GROUP BY p.locator ORDER BY count(*) DESC, p.locator LIMIT 1")).scalar()
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("elig"))
    yield {"db": db, "clerk": clerk, "settings": settings, "member": member}
    clerk.dispose()
    db.dispose()


def _screen(qtbot, world, database=None, roles=("adjudicator",)) -> EligibilityScreen:
    database = database or world["db"]
    return shown(qtbot, EligibilityScreen(AppContext(settings=world["settings"], db=database, user=database.user, roles=roles)))



def test_a_member_found_by_name_shows_cover_balances_benefits_and_claims(qtbot, world):
    db, member = world["db"], world["member"]
    with db.engine.connect() as conn:
        person = conn.execute(text("SELECT id, last_name FROM policy_admin.parties WHERE locator = :l"), {"l": member}).one()
        expected = conn.execute(text(
            "SELECT a.limit_amount, a.consumed_amount, a.currency FROM eligibility.coverage_accumulators a WHERE a.party_id = :p "
            "AND a.accumulator_type = 'DEDUCTIBLE'"), {"p": person.id}).one()
        claims = conn.execute(text("SELECT count(*) FROM claims.claims WHERE claimant_party_id = :p"), {"p": person.id}).scalar()
        policy = conn.execute(text("SELECT pol.locator FROM enrollment.policies pol WHERE pol.policyholder_party_id = :p"), {"p": person.id}).scalar()
    screen = _screen(qtbot, world)
    screen.search(person.last_name.lower())
    qtbot.waitUntil(lambda: member in [r.locator for r in screen.rows()], timeout=TIMEOUT_MS)
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.load(member)
    d = screen.detail()
    covered = d.in_force is not None
    assert screen.badge_text() == ("Covered" if covered else "Not covered")
    # The deductible row reads what the balance table holds: limit, used, and what is left.
    deductible = next(row for row in cells(screen.table("balances")) if row[2] == "Deductible")
    left = max(Decimal("0.00"), expected.limit_amount - expected.consumed_amount)
    cur = expected.currency
    assert deductible == [policy, "1", "Deductible", f"{expected.limit_amount:,.2f} {cur}", f"{expected.consumed_amount:,.2f} {cur}", f"{left:,.2f} {cur}"]
    assert expected.consumed_amount > 0  # the demo's worked claims used some of it
    assert [row[0] for row in cells(screen.table("benefits"))][:2] == ["Cosmetic", "Imaging"]
    assert screen.table("claims").rowCount() == min(claims, eligibility.CLAIMS_SHOWN) > 0


def test_not_covered_on_a_day_outside_the_term(qtbot, world):
    screen = _screen(qtbot, world)
    screen.search(world["member"])
    qtbot.waitUntil(lambda: screen.detail() is not None, timeout=TIMEOUT_MS)
    cover = screen.detail().coverage[0]
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.set_day(cover.effective_from - dt.timedelta(days=1))
    assert screen.badge_text() == "Not covered"
    assert screen.fact("cover") == f"No cover in force on {(cover.effective_from - dt.timedelta(days=1)).isoformat()}."
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.set_day(cover.effective_from)
    assert screen.badge_text() == "Covered" and screen.fact("cover").startswith(f"{cover.policy}, ")


def test_an_enrollment_clerk_sees_cover_but_not_claims(qtbot, world):
    found = eligibility.member_eligibility(world["clerk"].sessions, world["member"])
    assert found.claims is None and found.coverage and found.balances  # no permission error: claims are simply not shown
    screen = _screen(qtbot, world, database=world["clerk"], roles=("enrollment",))
    screen.search(world["member"])
    qtbot.waitUntil(lambda: screen.detail() is not None, timeout=TIMEOUT_MS)
    assert not screen.claims_tab_enabled()


def test_find_by_policy_number_and_nobody_matches(qtbot, world):
    with world["db"].engine.connect() as conn:
        policy = conn.execute(text(
            "SELECT pol.locator FROM enrollment.policies pol JOIN policy_admin.parties p ON p.id = pol.policyholder_party_id "
            "WHERE p.locator = :l"), {"l": world["member"]}).scalar()
    assert [r.locator for r in eligibility.find_members(world["db"].sessions, policy.lower())] == [world["member"]]
    assert eligibility.find_members(world["db"].sessions, "zz%_nobody") == []
