"""The connection dies in the middle of a save: the screen says so, keeps the person's input, and the retry saves it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QLocale
from sqlalchemy import text

from claimdesk.services.claims import adjudication
from claimdesk.ui import ops
from claimdesk.ui.claims.claim_screen import ClaimScreen
from claimdesk.ui.claims.dialogs import OverrideDialog
from claimdesk.ui.context import AppContext
from tests.factories import make_scenario, scenario_data

TIMEOUT_MS = 15000


@pytest.fixture
def screen(qtbot, db, settings):
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    widget = ClaimScreen(AppContext(settings=settings, db=db, user=db.user, roles=("adjudicator",)))
    qtbot.addWidget(widget)
    widget.resize(1440, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    QLocale.setDefault(previous)


def test_killed_connection_mid_save_keeps_the_edit_and_saves_on_retry(qtbot, screen, db, monkeypatch):
    created = make_scenario(db, scenario_data("04"))
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        screen.open_claim(created.claim_id)
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        screen.action("price").trigger()
    assert screen.select_line(1)

    original = adjudication.write_events

    def dies_mid_transaction(conn, events):  # noqa: ANN001
        # The server drops this very session after the line was updated and before the event is written.
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            admin.commit()
        return original(conn, events)

    monkeypatch.setattr(adjudication, "write_events", dies_mid_transaction)
    screen.action("override").trigger()
    qtbot.waitUntil(lambda: isinstance(screen.active_dialog(), OverrideDialog) and screen.active_dialog().isVisible(), timeout=TIMEOUT_MS)
    dialog = screen.active_dialog()
    dialog.set_allowed("90.00")
    dialog.set_note("Rate agreed on the phone with the provider")
    with qtbot.waitSignal(ops.connection_state().state_changed, timeout=TIMEOUT_MS) as changed:
        dialog.submit()
    assert changed.args == ["reconnecting"]
    qtbot.waitUntil(lambda: bool(dialog.error_text()), timeout=TIMEOUT_MS)
    assert "nothing was saved" in dialog.error_text().lower()
    assert dialog.isVisible()  # the person's input is still there
    with db.engine.connect() as conn:
        line = conn.execute(
            text("SELECT override_allowed, amount_allowed FROM claims.claim_lines WHERE claim_id = :id AND line_number = 1"),
            {"id": created.claim_id},
        ).one()
        events = conn.execute(text("SELECT count(*) FROM claims.claim_events WHERE claim_id = :id AND event_type = 'LINE_OVERRIDDEN'"), {"id": created.claim_id}).scalar()
    assert line == (None, Decimal("100.00")) and events == 0  # nothing half-written

    monkeypatch.setattr(adjudication, "write_events", original)  # the connection is back
    with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
        dialog.submit()
    assert ops.connection_state().state() == "online"
    with db.engine.connect() as conn:
        line = conn.execute(
            text("SELECT override_allowed, override_note FROM claims.claim_lines WHERE claim_id = :id AND line_number = 1"),
            {"id": created.claim_id},
        ).one()
    assert line == (Decimal("90.00"), "Rate agreed on the phone with the provider")
