"""Billing against a real database: an account's premium, refund and claim payment charges, and a ledger that nets to zero."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.services import billing_views
from claimdesk.services.enrollment import group_load, policies, quotes
from claimdesk.settings import Settings
from claimdesk.ui.billing.screen import BillingScreen
from claimdesk.ui.context import AppContext
from tests.factories import demo_database, login
from tests.ui.helpers import cells, shown

TIMEOUT_MS = 15000

pytestmark = pytest.mark.usefixtures("iso_dates")


@pytest.fixture(scope="module")
def world(pg_admin_url, tmp_path_factory):
    url, db = demo_database(pg_admin_url, "cdbill", members=6, claims=60, seed=23, work=60, lines_per_claim=1)
    billing = login(db, url, "billing")
    with db.engine.connect() as conn:
        # The account whose member has the most paid claims.
        account, policy = conn.execute(text(
            "SELECT a.locator, pol.locator FROM claims.claims c JOIN enrollment.policies pol ON pol.id = c.policy_id "
            "JOIN policy_admin.accounts a ON a.id = pol.account_id WHERE c.status = 'FINALIZED' AND c.amount_paid > 0 "
            "GROUP BY a.locator, pol.locator ORDER BY count(*) DESC, a.locator LIMIT 1")).one()
        today = conn.execute(text("SELECT current_date")).scalar()
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("bill"))
    yield {"db": db, "billing": billing, "settings": settings, "account": account, "policy": policy, "today": today}
    billing.dispose()
    db.dispose()



def test_an_accounts_charges_add_up_and_its_ledger_nets_to_zero(qtbot, world):
    db = world["db"]
    # A second policy on the account, issued and then cancelled: a premium and a refund beside the claim payments.
    with db.engine.connect() as conn:
        product = conn.execute(text(
            "SELECT pr.code FROM enrollment.policies p JOIN policy_admin.product_versions pv ON pv.id = p.product_version_id "
            "JOIN policy_admin.products pr ON pr.id = pv.product_id WHERE p.locator = :l"), {"l": world["policy"]}).scalar()
        scheme = conn.execute(text("SELECT code FROM group_scheme.schemes LIMIT 1")).scalar()
    last = f"Bill{uuid.uuid4().hex[:8]}"
    joined = group_load.load_members_text(db.sessions, scheme, f"first_name,last_name,date_of_birth\nKim,{last},1979-09-09\n")
    quote = quotes.create_quote(db.sessions, world["account"], product,
                                {"start_date": world["today"].isoformat(), "smoker": "no", "dependants": "0"})
    second = policies.issue_policy(db.sessions, quote.locator, joined.member_locators[0])
    cancelled = policies.cancel_policy(db.sessions, second.locator, world["today"] + dt.timedelta(days=100), "moved abroad")
    assert cancelled.premium_change < 0
    with db.engine.connect() as conn:
        expected = dict(
            ((r.category, r.currency), r.total)
            for r in conn.execute(text(
                "SELECT ch.category, ch.currency, sum(ch.amount) AS total FROM billing.charges ch JOIN policy_admin.accounts a ON a.id = ch.account_id "
                "WHERE a.locator = :a AND ch.status <> 'CANCELLED' GROUP BY 1, 2"), {"a": world["account"]})
        )
    screen = BillingScreen(AppContext(settings=world["settings"], db=world["billing"], user=world["billing"].user, roles=("billing",)))
    shown(qtbot, screen)
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.search(world["policy"].lower())  # found by its policy, as a caller quoting it would
    d = screen.detail()
    assert d.locator == world["account"] and world["policy"] in screen.fact("policies")
    assert {(k, c): t for k, c, t in d.by_category} == expected
    assert ("CLAIM_PAYMENT", d.currency) in expected and ("PREMIUM", d.currency) in expected
    assert screen.fact("ledger") == "balanced: debits equal credits"
    ledger = {row[0]: row for row in cells(screen.table("ledger"))}
    assert ledger["Premium Income"][2:4] != ["0.00", "0.00"]
    assert Decimal(ledger["Claims Expense"][4].replace(",", "")) == expected[("CLAIM_PAYMENT", d.currency)]
    kinds = {row[2] for row in cells(screen.table("charges"))}
    assert {"Premium", "Claim payment"} <= kinds
    refunds = [row for row in cells(screen.table("charges")) if row[2] == "Refund"]
    assert [(row[3], row[5]) for row in refunds] == [(second.locator, f"−{-cancelled.premium_change:,.2f} {d.currency}")]


def test_accounts_by_name_and_nothing_for_nonsense(world):
    with world["db"].engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM policy_admin.accounts WHERE locator = :a"), {"a": world["account"]}).scalar()
    found = billing_views.find_accounts(world["billing"].sessions, name.split()[-1].lower())
    assert world["account"] in [a.locator for a in found]
    assert billing_views.find_accounts(world["billing"].sessions, "zz%_nobody") == []
    assert billing_views.find_accounts(world["billing"].sessions, "   ") == []
