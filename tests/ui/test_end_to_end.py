"""The whole app once, as an adjudicator uses it: sign in, get next claim, override a line, approve, see it in history."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import psycopg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import text

from claimdesk.db import connect
from claimdesk.migrate import upgrade
from claimdesk.ui.app import Launcher
from claimdesk.ui.claims.dialogs import OverrideDialog
from tests.factories import make_scenario, scenario_data

TIMEOUT_MS = 30000


@pytest.fixture
def adjudicator_url(empty_database_url, pg_admin_url):
    """A database holding one claim, and a real adjudicator login (not a superuser)."""
    from claimdesk.settings import Settings

    admin_db = connect(Settings(database_url=empty_database_url), url=empty_database_url)
    upgrade(admin_db.engine, "head")
    name = f"adj_{uuid.uuid4().hex[:8]}"
    with admin_db.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
        conn.exec_driver_sql(f'GRANT claimdesk_adjudicator TO "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(empty_database_url)
    url = f"postgresql://{name}@/{info['dbname']}?host={info['host']}"
    yield admin_db, url, name
    admin_db.dispose()


def test_adjudicator_works_a_claim_from_sign_in_to_history(qtbot, settings, tmp_path, adjudicator_url, qapp):
    admin_db, url, user = adjudicator_url
    created = make_scenario(admin_db, scenario_data("04"))  # an office visit and an excluded cosmetic line
    qsettings = QSettings(str(tmp_path / "e2e.ini"), QSettings.Format.IniFormat)
    before_quit = qapp.quitOnLastWindowClosed()
    launcher = Launcher(replace(settings, database_url=url), qsettings=qsettings)
    try:
        launcher.start()
        dialog = launcher.dialog()
        with qtbot.waitSignal(launcher.window_shown, timeout=TIMEOUT_MS):
            qtbot.mouseClick(dialog.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
        window = launcher.app.window
        qtbot.addWidget(window)
        assert window.current_screen() == "claims"
        workspace = window.screen_widget("claims")
        queue_screen = workspace.queue()
        qtbot.waitUntil(lambda: queue_screen.model().rowCount() == 1, timeout=TIMEOUT_MS)

        # Get next claim (Ctrl+N) leases it to this adjudicator and opens it.
        get_next = next(a for a in workspace.actions() if a.text() == "Get next claim")
        with qtbot.waitSignal(queue_screen.claim_requested, timeout=TIMEOUT_MS):
            get_next.trigger()
        qtbot.waitUntil(lambda: workspace.claim_screen() is not None and workspace.claim_screen().claim() is not None, timeout=TIMEOUT_MS)
        screen = workspace.claim_screen()
        assert screen.claim().id == created.claim_id
        with admin_db.engine.connect() as conn:
            assert conn.execute(text("SELECT assignee FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).scalar() == user

        # Price, then override line 1's allowed amount with a note.
        with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
            screen.action("price").trigger()
        assert screen.select_line(1)
        screen.action("override").trigger()
        qtbot.waitUntil(lambda: isinstance(screen.active_dialog(), OverrideDialog) and screen.active_dialog().isVisible(), timeout=TIMEOUT_MS)
        override = screen.active_dialog()
        override.set_allowed("90.00")
        override.set_note("Contracted rate confirmed with the provider")
        with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
            override.submit()

        # Approve: the claim is finalised and paid, and the history says who did it.
        assert screen.action("approve").isEnabled()
        with qtbot.waitSignal(screen.claim_loaded, timeout=TIMEOUT_MS):
            screen.action("approve").trigger()
        with admin_db.engine.connect() as conn:
            claim = conn.execute(text("SELECT status, amount_paid FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).one()
            events = conn.execute(
                text("SELECT event_type, actor FROM claims.claim_events WHERE claim_id = :id ORDER BY created_at, id"), {"id": created.claim_id}
            ).all()
            charge = conn.execute(text("SELECT amount FROM billing.charges WHERE claim_id = :id"), {"id": created.claim_id}).scalar()
        assert claim == ("FINALIZED", Decimal("65.00"))  # 90.00 allowed less the 25.00 copay
        assert charge == Decimal("65.00")
        assert [e.event_type for e in events][-3:] == ["PRICED", "LINE_OVERRIDDEN", "FINALIZED"]
        assert {e.actor for e in events[1:]} == {user}
        history = screen.history_texts()
        assert any("Finalized" in h or "FINALIZED" in h for h in history), history
        assert any("Contracted rate" in h for h in history), history
        window.close()
    finally:
        launcher.shutdown()
        qapp.setQuitOnLastWindowClosed(before_quit)
