"""The work queue screen against the real test database: model, filters, sorting, saved filters, next claim."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QDateEdit, QLineEdit, QTableView, QWidget
from sqlalchemy import text

from claimdesk.services.claims import queue, simulator
from claimdesk.services.security import current_identity
from claimdesk.services.uow import UnitOfWork
from claimdesk.ui import ops
from claimdesk.ui.claims.queue_screen import ClaimsWorkspace, FilterState, QueueScreen, parse_amount
from claimdesk.ui.context import AppContext
from tests.factories import make_scenario, scenario_data

TIMEOUT_MS = 15000


@pytest.fixture
def ctx(db, settings):
    identity = current_identity(db.sessions)
    return AppContext(settings, db, user=identity.user, roles=identity.roles)


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "queue.ini"), QSettings.Format.IniFormat)


def make_member_claim(db, first: str, last: str):
    """A claim of our own whose member has a name we choose (the simulator's rows, not hand-written ones)."""
    sc = simulator.parse_scenario(copy.deepcopy(scenario_data("01")))
    with UnitOfWork(db.sessions) as uow:
        created = simulator.create_scenario_rows(uow.connection, sc, member_name=(first, last))
        uow.commit()
    return created


def set_pended(db, claim_id, reason="MANUAL_REVIEW"):
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE claims.claims SET status = 'PENDED', pend_reason = :r, version = version + 1 WHERE id = :id"),
            {"r": reason, "id": claim_id},
        )


def shown_screen(qtbot, ctx, qsettings, state: FilterState | None = None) -> QueueScreen:
    screen = QueueScreen(ctx, qsettings=qsettings)
    qtbot.addWidget(screen)
    screen.resize(1200, 600)
    screen.show()
    qtbot.waitExposed(screen)
    if state is not None:
        apply(qtbot, screen, state)
    else:
        wait_loaded(qtbot, screen)
    return screen


def wait_loaded(qtbot, screen: QueueScreen) -> None:
    model = screen.model()
    qtbot.waitUntil(lambda: not model.is_loading() and (model.rowCount() > 0 or model.is_exhausted()), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "match" in screen.findChild(QWidget, "queueCount").text(), timeout=TIMEOUT_MS)


def apply(qtbot, screen: QueueScreen, state: FilterState) -> None:
    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        screen.set_filter_state(state)
    wait_loaded(qtbot, screen)


def rows(screen: QueueScreen) -> list[dict]:
    model = screen.model()
    return [model.row_at(r) for r in range(model.rowCount())]


def column(screen: QueueScreen, key: str) -> int:
    model = screen.model()
    return next(n for n, c in enumerate(model.columns()) if c.key == key)


# --------------------------------------------------------------------------


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform's note on showing a window
def test_queue_model_passes_the_model_tester_with_real_rows(qtbot, qtmodeltester, db, ctx, qsettings):
    for _ in range(3):
        make_scenario(db)
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))
    model = screen.model()
    assert model.rowCount() >= 3
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)

    first = model.row_at(0)
    amount = model.data(model.index(0, column(screen, "amount_claimed")))
    assert amount.endswith(first["amount_claimed"][-3:])  # "1,234.56 USD": two decimals and the currency
    assert Decimal(amount.split()[0].replace(",", "")) == Decimal(amount.split()[0].replace(",", "")).quantize(Decimal("0.01"))
    align = model.data(model.index(0, column(screen, "amount_claimed")), Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight
    assert isinstance(model.data(model.index(0, 0), Qt.ItemDataRole.UserRole), uuid.UUID)


def test_status_filter_and_counts(qtbot, db, ctx, qsettings):
    created = make_scenario(db)
    set_pended(db, created.claim_id)
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="PENDED"))

    listed = rows(screen)
    assert listed, "our pended claim must be listed"
    assert {r["status_code"] for r in listed} == {"PENDED"}
    assert created.claim_id in {r["_id"] for r in listed}
    assert screen.counts()["PENDED"] >= 1

    status_box = screen.findChild(QComboBox, "queueStatus")
    assert status_box.currentText().startswith("Pended (")
    assert f"{screen.counts()['PENDED']:,}" in status_box.currentText()
    count_text = screen.findChild(QWidget, "queueCount").text()
    assert count_text.endswith("match") or count_text.endswith("matches")

    apply(qtbot, screen, FilterState(status="PENDED", pend_reason="MANUAL_REVIEW"))
    assert created.claim_id in {r["_id"] for r in rows(screen)}
    assert {r["pend_reason"] for r in rows(screen)} == {"Manual review"}
    apply(qtbot, screen, FilterState(status="PENDED", pend_reason="DUPLICATE"))
    assert created.claim_id not in {r["_id"] for r in rows(screen)}


def test_text_search_by_name_and_locator(qtbot, db, ctx, qsettings):
    tag = uuid.uuid4().hex[:8]
    mine = make_member_claim(db, "Zoë", f"Ünïcødé{tag}")
    hostile = make_member_claim(db, "Robert", f"'; DROP TABLE x; --{tag}")
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))

    apply(qtbot, screen, FilterState(status="all", text=f"ünïcødé{tag}"))
    assert [r["_id"] for r in rows(screen)] == [mine.claim_id]
    assert rows(screen)[0]["member"] == f"Zoë Ünïcødé{tag}"

    apply(qtbot, screen, FilterState(status="all", text=mine.claim_locator.lower()))
    assert [r["_id"] for r in rows(screen)] == [mine.claim_id]

    # SQL is a value like any other: found literally, nothing else happens.
    apply(qtbot, screen, FilterState(status="all", text=f"'; DROP TABLE x; --{tag}"))
    assert [r["_id"] for r in rows(screen)] == [hostile.claim_id]

    for term in ("'; DROP TABLE y; --", '"quoted" \'single\'', "100%_\\", "🦷 Zoë ü", "%", "_", "nul\x00byte"):
        apply(qtbot, screen, FilterState(status="all", text=term + tag))
        assert rows(screen) == []
        assert "No claims match" in screen.findChild(QWidget, "queueCount").text()

    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims.claims WHERE id = :id"), {"id": hostile.claim_id}).scalar() == 1


def test_enter_in_the_search_box_applies_it(qtbot, db, ctx, qsettings):
    tag = uuid.uuid4().hex[:8]
    mine = make_member_claim(db, "Enter", f"Key{tag}")
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))
    search = screen.findChild(QLineEdit, "queueSearch")
    search.setText(f"key{tag}")
    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        qtbot.keyClick(search, Qt.Key.Key_Return)
    wait_loaded(qtbot, screen)
    assert [r["_id"] for r in rows(screen)] == [mine.claim_id]
    assert screen.filter_state().text == f"key{tag}"


def test_amount_filter_takes_decimals_and_explains_bad_input(qtbot, db, ctx, qsettings, shown_errors):
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))
    low = screen.findChild(QLineEdit, "queueAmountMin")
    high = screen.findChild(QLineEdit, "queueAmountMax")
    message = screen.findChild(QWidget, "queueFilterMessage")
    before = screen.filter_state()

    for bad in ("abc", "1e5", "12.345", "12,50", "-5", "nan"):
        low.clear()
        qtbot.keyClicks(low, bad)
        assert message.isVisible(), bad
        assert "Minimum amount" in message.text()
        assert not low.hasAcceptableInput()
    assert screen.filter_state() == before
    low.clear()
    qtbot.keyClicks(low, "x")
    assert "e.g. 1250.00" in message.text()

    low.clear()
    qtbot.keyClicks(low, "1,250.50")
    assert not message.isVisible()
    high.clear()
    qtbot.keyClicks(high, "100")
    assert "minimum amount is above the maximum" in message.text()
    high.clear()
    qtbot.keyClicks(high, "1000000")
    assert not message.isVisible()
    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        high.editingFinished.emit()
    wait_loaded(qtbot, screen)

    query = screen.filter_state().to_query(ctx.user)
    assert query.amount_min == Decimal("1250.50") and isinstance(query.amount_min, Decimal)
    assert query.amount_max == Decimal("1000000")
    for row in rows(screen):
        assert Decimal("1250.50") <= Decimal(row["amount_claimed"].split()[0].replace(",", "")) <= Decimal("1000000")
    assert parse_amount(" 7 ") == Decimal("7") and parse_amount("") is None
    assert not shown_errors


def test_incident_date_range_and_any(qtbot, db, ctx, qsettings):
    created = make_scenario(db)
    with db.engine.connect() as conn:
        incident = conn.execute(text("SELECT incident_date FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).scalar()
    screen = shown_screen(qtbot, ctx, qsettings)
    date_from = screen.findChild(QDateEdit, "queueIncidentFrom")
    assert date_from.text() == "any"

    day = incident.isoformat()
    apply(qtbot, screen, FilterState(status="all", incident_from=day, incident_to=day))
    assert created.claim_id in {r["_id"] for r in rows(screen)}
    assert date_from.text() != "any"

    apply(qtbot, screen, FilterState(status="all", incident_from="2001-01-01", incident_to="2001-01-02"))
    assert rows(screen) == []
    screen.set_filter_state(FilterState(status="all", incident_from="2001-01-05", incident_to="2001-01-02"))
    assert "after" in screen.findChild(QWidget, "queueFilterMessage").text()


def test_sorting_by_clicking_headers(qtbot, db, ctx, qsettings):
    for _ in range(3):
        make_scenario(db)
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))
    header = screen.table().horizontalHeader()

    amount_col = column(screen, "amount_claimed")
    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(amount_col, Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, screen)
    assert screen.filter_state().sort == "amount" and not screen.filter_state().descending
    amounts = [Decimal(r["amount_claimed"].split()[0].replace(",", "")) for r in rows(screen)]
    assert amounts == sorted(amounts)

    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(amount_col, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, screen)
    amounts = [Decimal(r["amount_claimed"].split()[0].replace(",", "")) for r in rows(screen)]
    assert amounts == sorted(amounts, reverse=True)

    locator_col = column(screen, "locator")
    with qtbot.waitSignal(screen.counts_loaded, timeout=TIMEOUT_MS):
        header.setSortIndicator(locator_col, Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, screen)
    locators = [r["locator"] for r in rows(screen)]
    assert locators == sorted(locators)

    # A column the queue cannot sort by keeps the current sort, and says so.
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS) as said:
        header.setSortIndicator(column(screen, "member"), Qt.SortOrder.AscendingOrder)
    assert "sorts by" in said.args[0]
    assert screen.filter_state().sort == "locator"
    assert header.sortIndicatorSection() == locator_col


def test_saved_filter_and_last_filter_survive_a_restart(qtbot, db, ctx, qsettings):
    screen = shown_screen(qtbot, ctx, qsettings)
    wanted = FilterState(status="PENDED", pend_reason="HIGH_AMOUNT", assignee="unassigned", amount_min="10.00",
                         text="Smith", sort="amount", descending=True)
    apply(qtbot, screen, wanted)
    screen.save_filter("High pended")
    header = screen.table().horizontalHeader()
    header.resizeSection(column(screen, "provider"), 321)
    screen.hide()  # saves the column widths
    qsettings.sync()
    assert "password" not in " ".join(qsettings.allKeys()).lower()

    again = QueueScreen(ctx, qsettings=QSettings(qsettings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.show()
    wait_loaded(qtbot, again)
    assert again.filter_state() == wanted, "the last filter comes back"
    assert again.saved_filter_names() == ["High pended"]
    assert again.table().horizontalHeader().sectionSize(column(again, "provider")) == 321

    apply(qtbot, again, FilterState())
    assert again.filter_state() == FilterState()
    with qtbot.waitSignal(again.counts_loaded, timeout=TIMEOUT_MS):
        assert again.apply_saved_filter("High pended")
    assert again.filter_state() == wanted
    assert again.findChild(QComboBox, "queueSavedFilters").currentText() == "High pended"
    again.forget_filter("High pended")
    assert again.saved_filter_names() == []


def test_refreshes_when_the_change_bus_names_the_queue(qtbot, db, ctx, qsettings):
    tag = uuid.uuid4().hex[:8]
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all", text=f"bus{tag}"))
    assert rows(screen) == []
    created = make_member_claim(db, "Change", f"Bus{tag}")

    ops.change_bus().emit_changes(frozenset({"documents"}))
    qtbot.wait(400)  # long enough for the debounce; nothing must reload for another area
    assert rows(screen) == []

    ops.change_bus().emit_changes(frozenset({"claim", "queue"}))
    qtbot.waitUntil(lambda: [r["_id"] for r in rows(screen)] == [created.claim_id], timeout=TIMEOUT_MS)


def test_get_next_claim_leases_it_in_the_database_and_opens_it(qtbot, db, ctx, qsettings):
    make_scenario(db)  # at least one workable claim nobody holds
    workspace = ClaimsWorkspace(ctx, qsettings=qsettings)
    qtbot.addWidget(workspace)
    workspace.resize(1200, 700)
    workspace.show()
    qtbot.waitExposed(workspace)
    queue_screen = workspace.queue()
    wait_loaded(qtbot, queue_screen)

    actions = {a.text(): a for a in workspace.actions()}
    assert actions["Get next claim"].shortcut().toString() == "Ctrl+N"
    assert actions["Refresh"].shortcut().toString() == "F5"
    assert actions["Open claim"].shortcut().toString() == "Return"

    messages = []
    workspace.status_message.connect(messages.append)
    with qtbot.waitSignal(queue_screen.claim_requested, timeout=TIMEOUT_MS) as opened:
        actions["Get next claim"].trigger()
    claim_id, locator = opened.args
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                text("SELECT locator, assignee, lease_expires_at > now() AS leased FROM claims.claims WHERE id = :id"),
                {"id": claim_id},
            ).one()
        assert row.assignee == ctx.user
        assert row.leased
        assert row.locator == locator
        assert any(m.startswith(f"{locator} assigned to you until ") for m in messages), messages

        tabs = workspace.findChild(QWidget, "claimsTabs")
        assert workspace.claim_screen() is not None
        assert tabs.currentWidget() is workspace.claim_screen()
        assert tabs.tabText(tabs.currentIndex()) == locator
        assert not actions["Refresh"].isEnabled(), "F5 belongs to the claim tab while it is in front"

        workspace.show_queue()
        assert tabs.currentWidget() is queue_screen
        assert actions["Refresh"].isEnabled()

        # The claim screen asking to close takes its tab away.
        workspace.open_claim(claim_id, locator)
        workspace.claim_screen().closed.emit()
        assert tabs.count() == 1 and tabs.currentWidget() is queue_screen
    finally:
        queue.release_claim(db.sessions, claim_id)


def test_open_claim_with_enter_and_double_click(qtbot, db, ctx, qsettings):
    make_scenario(db)
    screen = shown_screen(qtbot, ctx, qsettings, FilterState(status="all"))
    table = screen.findChild(QTableView, "queueTable")
    table.setCurrentIndex(screen.model().index(0, 0))
    expected = screen.model().id_at(0)

    screen.activateWindow()
    table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(screen.claim_requested, timeout=TIMEOUT_MS) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args[0] == expected

    rect = table.visualRect(screen.model().index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(screen.claim_requested, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args[0] == expected


def test_every_control_has_an_accessible_name(qtbot, db, ctx, qsettings):
    workspace = ClaimsWorkspace(ctx, qsettings=qsettings)
    qtbot.addWidget(workspace)
    workspace.show()
    wait_loaded(qtbot, workspace.queue())
    controls = [w for w in workspace.findChildren(QWidget) if isinstance(w, (QAbstractButton, QComboBox, QLineEdit, QDateEdit, QTableView))]
    assert controls

    def ours(widget: QWidget) -> bool:
        # Qt's own parts (a date edit's calendar, a line edit's clear button,
        # a table's corner button) are named by Qt's accessibility layer.
        return not widget.objectName().startswith("qt_") and not isinstance(
            widget.parent(), (QDateEdit, QComboBox, QLineEdit, QAbstractSpinBox)
        )

    unnamed = [f"{type(w).__name__} {w.objectName()}" for w in controls if ours(w) and not w.accessibleName()]
    assert unnamed == []
