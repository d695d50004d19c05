"""The claim screen against a real database: load, price, explain, override, approve, deny, conflicts.

Every claim comes from ``make_scenario`` (the simulator's own row maker);
every check of what was written reads the database, never a mock.
"""

from __future__ import annotations

import datetime as dt

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QWidget
from sqlalchemy import text

from claimdesk.services.claims import service
from claimdesk.ui import ops
from claimdesk.ui.claims import claim_screen as claim_screen_module
from claimdesk.ui.claims.claim_screen import ClaimScreen, LinesModel, format_date
from claimdesk.ui.claims.dialogs import DenyDialog, NoteDialog, OverrideDialog, PendDialog
from claimdesk.ui.context import AppContext
from tests.factories import make_scenario, scenario_data

TIMEOUT_MS = 10000


@pytest.fixture(autouse=True)
def _us_locale():
    # Dates and times on screen follow the user's locale; pin one so the test reads the same everywhere.
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def ctx(db, settings) -> AppContext:
    return AppContext(settings=settings, db=db, user=db.user, roles=("adjudicator",))


@pytest.fixture
def screen(qtbot, ctx) -> ClaimScreen:
    widget = ClaimScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1440, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _open(qtbot, screen: ClaimScreen, claim_id: uuid.UUID) -> None:
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        screen.open_claim(claim_id)


def _act(qtbot, screen: ClaimScreen, name: str) -> None:
    """Trigger an immediate action and wait until the screen shows its result."""
    assert screen.action(name).isEnabled(), screen.action(name).toolTip()
    with qtbot.waitSignal(screen.message, timeout=TIMEOUT_MS), qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        screen.action(name).trigger()


def _dialog(qtbot, screen: ClaimScreen, name: str, kind: type):
    screen.action(name).trigger()
    qtbot.waitUntil(lambda: screen.active_dialog() is not None and screen.active_dialog().isVisible(), timeout=TIMEOUT_MS)
    dialog = screen.active_dialog()
    assert isinstance(dialog, kind)
    return dialog


def _claim_row(db, claim_id: uuid.UUID):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT status, version FROM claims.claims WHERE id = :id"), {"id": claim_id}).one()


def _events(db, claim_id: uuid.UUID) -> list[str]:
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT event_type FROM claims.claim_events WHERE claim_id = :id ORDER BY created_at, id"), {"id": claim_id}
            ).scalars()
        )


def _label(screen: ClaimScreen, name: str) -> str:
    label = screen.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


# --------------------------------------------------------------------------- reading


def test_header_shows_member_provider_and_totals_after_price(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)

    assert _label(screen, "claimLocator") == created.claim_locator
    assert "Simulated Member" in _label(screen, "member")
    assert f"born {format_date(dt.date(1980, 5, 17))}" in _label(screen, "member")
    assert "Simulated provider" in _label(screen, "provider")
    assert _label(screen, "network") == "IN NETWORK"
    assert _label(screen, "claimStatus") == "Received"
    assert _label(screen, "incident") == format_date(dt.date(2026, 3, 10))
    # Unpriced: zero reads 0.00 with the currency, never blank.
    assert _label(screen, "total_claimed") == "3,100.00 USD"
    assert _label(screen, "total_allowed") == "0.00 USD"

    _act(qtbot, screen, "price")

    assert _label(screen, "claimStatus") == "Partially approved"
    assert _label(screen, "total_claimed") == "3,100.00 USD"
    assert _label(screen, "total_allowed") == "100.00 USD"
    assert _label(screen, "total_paid") == "75.00 USD"
    assert _label(screen, "total_member") == "25.00 USD"
    total = screen.findChild(QLabel, "total_paid")
    assert total.alignment() & Qt.AlignmentFlag.AlignRight
    assert total.accessibleName() == "Paid: 75.00 USD"
    assert _claim_row(db, created.claim_id).status == "PARTIALLY_APPROVED"


def test_lines_model_passes_the_model_tester(qtbot, qtmodeltester, screen, db):
    qtmodeltester.check(LinesModel())
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    _act(qtbot, screen, "price")

    model = screen.lines_model()
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.text(0, "claimed") == "100.00"
    assert model.text(0, "copay") == "25.00"
    assert model.text(0, "deductible") == "0.00"
    assert model.text(1, "status") == "Denied"
    assert model.text(1, "reasons").startswith("96 — Non-covered charge")
    reasons = model.index(0, [k for k, _ in LinesModel.COLUMNS].index("reasons"))
    assert model.data(reasons, Qt.ItemDataRole.ToolTipRole) == "3 — Co-payment Amount"
    paid = model.index(0, [k for k, _ in LinesModel.COLUMNS].index("paid"))
    assert model.data(paid, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_selected_line_explains_its_steps_and_balances(qtbot, screen, db):
    created = make_scenario(db, scenario_data("02"))  # MRI: rest of the deductible, then coinsurance
    _open(qtbot, screen, created.claim_id)
    assert "not been priced yet" in screen.explanation_text()

    _act(qtbot, screen, "price")
    assert screen.select_line(1)
    explanation = screen.explanation_text()
    assert "Deductible" in explanation
    assert "200.00 of the 500.00 deductible is left" in explanation
    assert "Deductible used" in explanation and "300.00 → 500.00" in explanation
    assert "Out-of-pocket maximum used" in explanation and "300.00 → 640.00" in explanation
    assert "45 — Charge exceeds fee schedule" in explanation  # full CARC text, not only in a tooltip

    def bars() -> set[str]:
        return {bar.accessibleName() for bar in screen.findChildren(QProgressBar) if bar.isVisible()}

    qtbot.waitUntil(
        lambda: bars()
        == {"Deductible 500.00 of 500.00 used — 0.00 left", "Out-of-pocket maximum 640.00 of 2,000.00 used — 1,360.00 left"},
        timeout=TIMEOUT_MS,
    )
    assert all(bar.format() == bar.accessibleName() for bar in screen.findChildren(QProgressBar) if bar.isVisible())


# --------------------------------------------------------------------------- acting


def test_override_line_writes_the_row_and_the_history(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    _act(qtbot, screen, "price")
    assert screen.select_line(1)

    dialog = _dialog(qtbot, screen, "override", OverrideDialog)
    amount = dialog.findChild(QLineEdit, "allowedAmount")
    qtbot.waitUntil(lambda: dialog.focusWidget() is amount, timeout=TIMEOUT_MS)  # focus lands on the first field
    assert amount.text() == "100.00"
    dialog.set_allowed("80.00")
    dialog.set_note("contracted rate per provider agreement")
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()

    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT override_allowed, amount_allowed, copay, amount_paid, override_note FROM claims.claim_lines "
                "WHERE claim_id = :id AND line_number = 1"
            ),
            {"id": created.claim_id},
        ).one()
    assert row.override_allowed == Decimal("80.00")
    assert row.amount_allowed == Decimal("80.00")
    assert row.amount_paid == Decimal("55.00")
    assert row.override_note == "contracted rate per provider agreement"
    assert "LINE_OVERRIDDEN" in _events(db, created.claim_id)

    history = screen.history_texts()
    assert "Line overridden" in history[0] and "contracted rate" in history[0]
    assert screen.lines_model().text(0, "override") == "Overridden"
    assert "Override:" in screen.explanation_text() and "80.00" in screen.explanation_text()
    assert _label(screen, "total_allowed") == "80.00 USD"


def test_approve_finalizes_and_the_history_shows_it(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    assert screen.action("approve").isEnabled()
    assert not screen.action("reopen").isEnabled()

    _act(qtbot, screen, "approve")  # a received claim is priced on the way

    assert _claim_row(db, created.claim_id).status == "FINALIZED"
    assert _label(screen, "claimStatus") == "Finalized"
    assert "Finalized" in screen.history_texts()[0]
    # From FINALIZED only reopen and void remain (lifecycle.TRANSITIONS).
    enabled = {name for name in ("price", "override", "pend", "unpend", "approve", "deny", "reopen", "void")
               if screen.action(name).isEnabled()}
    assert enabled == {"reopen", "void"}
    assert "not available" in screen.action("approve").toolTip()


def test_stale_save_shows_the_conflict_and_keeps_the_typing(qtbot, screen, db, shown_errors):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    dialog = _dialog(qtbot, screen, "deny", DenyDialog)
    assert dialog.set_carc("96")
    dialog.set_note("cosmetic procedure, excluded by the plan")

    # Someone else prices the claim meanwhile: its version moves on.
    service.price(db.sessions, created.claim_id, None)
    before = _events(db, created.claim_id)

    dialog.submit()
    qtbot.waitUntil(lambda: "changed by" in dialog.error_text(), timeout=TIMEOUT_MS)
    assert dialog.isVisible()
    assert dialog.note() == "cosmetic procedure, excluded by the plan"
    assert dialog.findChild(QComboBox, "denyCarc").currentData() == "96"
    assert dialog.reload_button().isVisible()
    assert shown_errors == []  # said inside the dialog, not in a second window
    assert _events(db, created.claim_id) == before
    assert _claim_row(db, created.claim_id).status == "PARTIALLY_APPROVED"

    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.reload_button(), Qt.MouseButton.LeftButton)
    assert "Reloaded" in dialog.error_text() and "partially approved" in dialog.error_text()
    assert "no longer possible" not in dialog.error_text()  # a priced claim can still be denied
    assert dialog.note() == "cosmetic procedure, excluded by the plan"

    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert _claim_row(db, created.claim_id).status == "DENIED"


def test_deny_requires_a_note(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    before = (_claim_row(db, created.claim_id), _events(db, created.claim_id))

    dialog = _dialog(qtbot, screen, "deny", DenyDialog)
    dialog.submit()
    assert dialog.error_text().startswith("Reason code:")
    assert dialog.set_carc("96")
    dialog.submit()
    assert "Note" in dialog.error_text() and "required" in dialog.error_text()
    assert dialog.focusWidget() is dialog.findChild(QPlainTextEdit, "note")
    assert dialog.isVisible()
    assert (_claim_row(db, created.claim_id), _events(db, created.claim_id)) == before

    dialog.reject()  # Escape's slot


def test_refused_action_is_explained_in_the_dialog(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    _act(qtbot, screen, "price")
    screen.select_line(1)
    dialog = _dialog(qtbot, screen, "override", OverrideDialog)
    dialog.set_allowed("150.00")
    dialog.set_note("typo check")
    dialog.submit()
    assert "150.00 is more than the 100.00 USD claimed" in dialog.error_text()

    # A refusal only the service can make (the claim moved to a status that cannot be priced).
    dialog.set_allowed("90.00")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE claims.claims SET status = 'FINALIZED' WHERE id = :id"), {"id": created.claim_id})
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.error_text()) and not dialog.is_busy(), timeout=TIMEOUT_MS)
    assert dialog.isVisible()
    assert dialog.amount_text() == "90.00" and dialog.note() == "typo check"
    dialog.reject()


def test_pend_release_and_void(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    assert not screen.action("unpend").isEnabled()

    dialog = _dialog(qtbot, screen, "pend", PendDialog)
    assert dialog.set_reason("MANUAL_REVIEW")
    dialog.set_note("check the operative report")
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert _claim_row(db, created.claim_id).status == "PENDED"
    notice = screen.findChild(QLabel, "claimNotice")
    assert notice.isVisible() and "Pended — Manual review: check the operative report" in notice.text()

    dialog = _dialog(qtbot, screen, "unpend", NoteDialog)
    dialog.set_note("report received")
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert _claim_row(db, created.claim_id).status == "RECEIVED"

    dialog = _dialog(qtbot, screen, "void", NoteDialog)
    dialog.set_note("submitted twice by the provider")
    dialog.submit()
    assert "to confirm" in dialog.error_text()  # voiding is final: it asks for the tick
    dialog.set_confirmed(True)
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert _claim_row(db, created.claim_id).status == "VOIDED"
    assert not any(screen.action(n).isEnabled() for n in ("price", "approve", "deny", "reopen", "void", "pend"))


def test_print_eob_needs_a_receiver(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    _act(qtbot, screen, "price")
    action = screen.action("print_eob")
    assert not action.isEnabled() and "not available" in action.toolTip()

    asked: list[str] = []
    screen.print_eob_requested.connect(asked.append)
    qtbot.waitUntil(action.isEnabled, timeout=TIMEOUT_MS)
    action.trigger()
    assert asked == [created.claim_locator]


def test_keyboard_back_and_shortcuts(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    shortcuts = {name: screen.action(name).shortcut().toString() for name in ("price", "override", "pend", "approve", "deny", "print_eob")}
    assert shortcuts == {
        "price": "Ctrl+R",
        "override": "Ctrl+O",
        "pend": "Ctrl+P",
        "approve": "Ctrl+Return",
        "deny": "Ctrl+D",
        "print_eob": "Ctrl+Shift+P",
    }
    assert all(action in screen.actions() for action in (screen.action("approve"), screen.action("back")))

    screen.activateWindow()
    qtbot.waitUntil(lambda: screen.isActiveWindow(), timeout=TIMEOUT_MS)
    screen.lines_view().setFocus()
    with qtbot.waitSignal(screen.closed, timeout=TIMEOUT_MS):
        qtbot.keyClick(screen.lines_view(), Qt.Key.Key_Escape)


def test_attachment_is_added_and_opened(qtbot, screen, db, tmp_path, monkeypatch):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    source = tmp_path / "operative report.txt"
    source.write_bytes(b"knee, left, arthroscopy")
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        screen.attach_file(source)
    assert "Document attached" in screen.history_texts()[0]

    opened: list[Path] = []

    class Desktop:
        @staticmethod
        def openUrl(url):  # noqa: N802 - Qt's name
            opened.append(Path(url.toLocalFile()))
            return True

    monkeypatch.setattr(claim_screen_module, "QDesktopServices", Desktop)
    tree = screen.findChild(claim_screen_module.QTreeWidget, "claimAttachments")
    assert tree.topLevelItemCount() == 1
    tree.setCurrentItem(tree.topLevelItem(0))
    with qtbot.waitSignal(screen.message, timeout=TIMEOUT_MS):
        screen.findChild(claim_screen_module.QPushButton, "openAttachment").click()
    assert opened and opened[0].name == "operative report.txt"
    assert opened[0].read_bytes() == b"knee, left, arthroscopy"


def test_changes_from_elsewhere_reload_the_claim(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    change = service.price(db.sessions, created.claim_id, None)
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        ops.change_bus().emit_changes(change, None)
    assert screen.claim().status == "PARTIALLY_APPROVED"


def _copy_claim(db, claim_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """A second claim with the same member, provider, date, codes and amounts: a possible duplicate."""
    from claimdesk.services.locators import next_locator

    with db.engine.begin() as conn:
        locator = next_locator(conn, "claim")
        copy_id = conn.execute(
            text(
                "INSERT INTO claims.claims (locator, policy_id, term_id, claimant_party_id, provider_id, incident_date, "
                "currency, amount_claimed) SELECT :l, policy_id, term_id, claimant_party_id, provider_id, incident_date, "
                "currency, amount_claimed FROM claims.claims WHERE id = :id RETURNING id"
            ),
            {"l": locator, "id": claim_id},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO claims.claim_lines (claim_id, line_number, element_id, coverage_term_key, procedure_code, "
                "service_date, amount_claimed) SELECT :c, line_number, element_id, coverage_term_key, procedure_code, "
                "service_date, amount_claimed FROM claims.claim_lines WHERE claim_id = :id"
            ),
            {"c": copy_id, "id": claim_id},
        )
    return copy_id, locator


def test_possible_duplicate_opens_in_the_same_screen(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    copy_id, copy_locator = _copy_claim(db, created.claim_id)
    _open(qtbot, screen, created.claim_id)

    notice = screen.findChild(QLabel, "claimNotice")
    assert notice.isVisible() and "1 possible duplicate" in notice.text()
    button = screen.findChild(QPushButton, f"duplicate_{copy_locator}")
    assert button is not None and button.accessibleName() == f"Open possible duplicate {copy_locator}"
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS) as loaded:
        button.click()
    assert loaded.args[0].id == copy_id
    assert _label(screen, "claimLocator") == copy_locator


def test_deny_dialog_opens_from_the_keyboard_and_escape_cancels(qtbot, screen, db):
    created = make_scenario(db, scenario_data("04"))
    _open(qtbot, screen, created.claim_id)
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow, timeout=TIMEOUT_MS)
    screen.lines_view().setFocus()

    qtbot.keyClick(screen.lines_view(), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(screen.active_dialog(), DenyDialog), timeout=TIMEOUT_MS)
    dialog = screen.active_dialog()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.findChild(QComboBox, "denyCarc"), timeout=TIMEOUT_MS)
    for control in dialog.findChildren(QWidget):
        if control.focusPolicy() != Qt.FocusPolicy.NoFocus and control.isVisible():
            assert control.accessibleName(), f"{type(control).__name__} {control.objectName()} has no accessible name"

    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen.active_dialog() is None, timeout=TIMEOUT_MS)
    assert _claim_row(db, created.claim_id).status == "RECEIVED"
