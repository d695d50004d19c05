"""Providers against a real database: find by NPI or name, network status, prices in force, claims by role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.services import providers
from claimdesk.settings import Settings
from claimdesk.ui.context import AppContext
from claimdesk.ui.providers.screen import ProvidersScreen
from tests.factories import demo_database, login
from tests.ui.helpers import cells, shown

TIMEOUT_MS = 15000

pytestmark = pytest.mark.usefixtures("iso_dates")


@pytest.fixture(scope="module")
def world(pg_admin_url, tmp_path_factory):
    url, db = demo_database(pg_admin_url, "cdprov", members=20, claims=120, seed=19, work=120, lines_per_claim=1)
    clerk = login(db, url, "enrollment")
    with db.engine.begin() as conn:
        busiest = conn.execute(text(
            "SELECT p.locator, p.npi, p.name, p.id FROM claims.claims c JOIN provider.providers p ON p.id = c.provider_id "
            "GROUP BY p.id ORDER BY count(*) DESC, p.locator LIMIT 1")).one()
        # A contracted price for one code: it must win over the general schedule for this provider only.
        conn.execute(text(
            "INSERT INTO provider.fee_schedule (procedure_code, description, allowed_amount, currency, effective_from, provider_id) "
            "VALUES ('99213', 'Office visit, contracted', 111.11, 'USD', current_date - 10, :p)"), {"p": busiest.id})
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("prov"))
    yield {"db": db, "clerk": clerk, "settings": settings, "provider": busiest}
    clerk.dispose()
    db.dispose()


def _screen(qtbot, world, database=None, roles=("adjudicator",)) -> ProvidersScreen:
    database = database or world["db"]
    return shown(qtbot, ProvidersScreen(AppContext(settings=world["settings"], db=database, user=database.user, roles=roles)))



def test_found_by_npi_with_contracted_prices_and_claim_counts(qtbot, world):
    provider, db = world["provider"], world["db"]
    with db.engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT status, count(*) FROM claims.claims c JOIN provider.providers p ON p.id = c.provider_id "
                                        "WHERE p.locator = :l GROUP BY status"), {"l": provider.locator}).all())
        general = conn.execute(text("SELECT allowed_amount FROM provider.fee_schedule WHERE procedure_code = '80053' AND provider_id IS NULL "
                                    "AND currency = 'USD'")).scalar()
    screen = _screen(qtbot, world)
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.search(provider.npi)
    assert [r.locator for r in screen.rows()] == [provider.locator]
    assert screen.fact("provider") == f"{provider.locator} · NPI {provider.npi}"
    prices = {row[0]: row for row in cells(screen.table("prices")) if row[2].endswith("USD")}
    assert prices["99213"][2:4] == ["111.11 USD", "contracted"]
    assert prices["80053"][2:4] == [f"{general:,.2f} USD", "general"]
    assert screen.table("claims").rowCount() == min(sum(counts.values()), providers.CLAIMS_SHOWN)
    for status, n in counts.items():
        assert f"{n:,} {status.lower().replace('_', ' ')}" in screen.fact("claims")
    # Another provider still gets the general price for the same code.
    other = providers.find_providers(db.sessions, "")
    someone_else = next(r for r in other if r.locator != provider.locator)
    their = {p.procedure_code: p for p in providers.provider_detail(db.sessions, someone_else.locator).prices if p.currency == "USD"}
    assert not their["99213"].contracted and their["99213"].allowed != Decimal("111.11")


def test_found_by_name_prefix_and_a_clerk_sees_no_claims(qtbot, world):
    provider = world["provider"]
    word = provider.name.split()[0]
    assert provider.locator in [r.locator for r in providers.find_providers(world["db"].sessions, word.lower())]
    screen = _screen(qtbot, world, database=world["clerk"], roles=("enrollment",))
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT_MS):
        screen.search(provider.locator.lower())
    assert not screen.claims_tab_enabled() and screen.fact("claims") == "Your role does not read claims."
    assert screen.table("prices").rowCount() > 0
    assert providers.find_providers(world["db"].sessions, "zz%_nobody") == []
    assert isinstance(screen.detail().activated_at, dt.datetime)
