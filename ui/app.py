"""The desktop app: sign in (or start the embedded database), build the window, run.

:func:`build_main_window` and :class:`ClaimDeskApp` are shared with the
screenshot tool, so a screenshot shows exactly what a person sees.
:class:`ClaimDeskApp` also owns the offline mode: when the database cannot be
reached at start, only Documents is offered, the connection badge says
"Offline", and a timer retries on the database worker until the server is
back, when every area the person's role allows appears by itself.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

# Before anything else from Qt: ops installs a workaround that must be in
# place before the first signal is emitted.
from claimdesk.ui import ops  # isort: skip

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget
from sqlalchemy import text

from claimdesk.db import Database
from claimdesk.services import errors
from claimdesk.services.uow import UnitOfWork
from claimdesk.settings import APP_NAME, Settings
from claimdesk.ui.context import AppContext
from claimdesk.ui.shell import MainWindow
from claimdesk.ui.signin import SignedIn, SignInDialog, open_checked, open_session
from claimdesk.ui.theme import apply_theme

__all__ = ["ClaimDeskApp", "build_main_window", "ping", "run_app"]

_log = logging.getLogger(__name__)

RETRY_MS = 10_000
OFFLINE_SCREENS = frozenset({"documents"})
# The screens this module registers that need the database; re-registered
# when an offline start goes online so none keeps a widget built offline.
_DB_SCREENS = ("claims", "eligibility", "enrollment", "providers", "billing")
DEMO_MEMBERS = 300
DEMO_CLAIMS = 3000


def ping(db: Database) -> None:
    """The cheapest round trip; ``ConnectionLost`` when the server does not answer. Worker only."""
    with UnitOfWork(db.sessions) as uow:
        uow.connection.execute(text("SELECT 1"))


# --------------------------------------------------------------------------
# The window and its screens


def _documents_screen_class() -> type[QWidget] | None:
    try:
        from claimdesk.ui.documents.screen import DocumentsScreen
    except ImportError:
        return None
    except Exception:  # a broken module leaves the placeholder, not a dead app
        _log.exception("the documents screen failed to import; showing the placeholder")
        return None
    return DocumentsScreen


def _relay_messages(widget: QWidget, window: MainWindow) -> QWidget:
    message = getattr(widget, "status_message", None)
    if message is not None:
        message.connect(window.show_message)
    return widget


def register_screens(window: MainWindow, ctx: AppContext, qsettings: QSettings | None = None, *, only: tuple[str, ...] | None = None) -> None:
    """Install the screens this build has; the rest keep the shell's calm placeholder."""
    from claimdesk.ui.claims.queue_screen import ClaimsWorkspace

    documents = _documents_screen_class()
    prints_eobs = documents is not None and hasattr(documents, "request_eob")

    def claims() -> QWidget:
        workspace = ClaimsWorkspace(ctx, qsettings=qsettings)
        _relay_messages(workspace, window)
        if prints_eobs:
            workspace.print_eob_requested.connect(lambda locator: _print_eob(window, locator))
        return workspace

    def enrollment() -> QWidget:
        from claimdesk.ui.enrollment.screen import EnrollmentScreen

        screen = EnrollmentScreen(ctx)
        _relay_messages(screen, window)
        screen.print_policy_requested.connect(lambda locator: _print_policy(window, locator))
        return screen

    if only is None or "claims" in only:
        window.register_screen("claims", "Claims", "claims", claims, "Ctrl+1")
    def eligibility() -> QWidget:
        from claimdesk.ui.eligibility.screen import EligibilityScreen

        return _relay_messages(EligibilityScreen(ctx), window)

    if only is None or "eligibility" in only:
        window.register_screen("eligibility", "Eligibility", "eligibility", eligibility, "Ctrl+2")
    def providers() -> QWidget:
        from claimdesk.ui.providers.screen import ProvidersScreen

        return _relay_messages(ProvidersScreen(ctx), window)

    if only is None or "providers" in only:
        window.register_screen("providers", "Providers", "providers", providers, "Ctrl+4")
    def billing() -> QWidget:
        from claimdesk.ui.billing.screen import BillingScreen

        return _relay_messages(BillingScreen(ctx), window)

    if only is None or "billing" in only:
        window.register_screen("billing", "Billing", "billing", billing, "Ctrl+5")
    if only is None or "enrollment" in only:
        window.register_screen("enrollment", "Enrollment", "enrollment", enrollment, "Ctrl+3")
    if documents is not None and (only is None or "documents" in only):
        window.register_screen("documents", "Documents", "documents", lambda: _relay_messages(documents(ctx), window), "Ctrl+6")


def _print_eob(window: MainWindow, claim_locator: str) -> None:
    """The claim screen's Print EOB: the Documents screen issues, spools and previews it."""
    if not window.show_screen("documents"):
        window.show_message("Your role does not include Documents, so EOBs cannot be printed here.")
        return
    request = getattr(window.screen_widget("documents"), "request_eob", None)
    if callable(request):
        request(claim_locator)


def _print_policy(window: MainWindow, policy_locator: str) -> None:
    """The Enrollment screen's Print schedule: the Documents screen issues, spools and previews it."""
    if not window.show_screen("documents"):
        window.show_message("Your role does not include Documents, so policy schedules cannot be printed here.")
        return
    issue = getattr(window.screen_widget("documents"), "issue_policy_document", None)
    if callable(issue):
        issue(policy_locator)


def build_main_window(ctx: AppContext, qsettings: QSettings | None = None) -> MainWindow:
    window = MainWindow(settings=qsettings)
    register_screens(window, ctx, qsettings)
    return window


# --------------------------------------------------------------------------
# Online, offline, and back


def _offline_message(reason: str) -> str:
    return f"Working offline: {reason} Only Documents is available; ClaimDesk connects by itself when the database is back."


class ClaimDeskApp(QObject):
    """The window plus the connection it depends on.

    ``connect`` opens the database on the worker for the retries of an
    offline start (the default opens what ``settings`` names). ``online``
    (bool) whenever that changes.
    """

    online = Signal(bool)

    def __init__(
        self,
        settings: Settings,
        *,
        qsettings: QSettings | None = None,
        connect: Callable[[], Database] | None = None,
        retry_ms: int = RETRY_MS,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._qsettings = qsettings if qsettings is not None else QSettings(APP_NAME, APP_NAME)
        self.ctx = AppContext(settings, None)
        self.window = build_main_window(self.ctx, self._qsettings)
        self._connect = connect if connect is not None else (lambda: open_checked(settings))
        self._trying = False
        self._was_offline = False
        self._retry = QTimer(self)
        self._retry.setInterval(retry_ms)
        self._retry.timeout.connect(self.try_connect)
        self._offline_reason = ""
        ops.connection_state().state_changed.connect(self._on_state_changed)

    def set_connect(self, connect: Callable[[], Database]) -> None:
        """What the background retries open (on the worker) while offline."""
        self._connect = connect

    def is_online(self) -> bool:
        return self.ctx.db is not None

    def start(self) -> None:
        """Try to connect once; online on success, offline (and retrying) if the server cannot be reached."""
        self._attempt(first=True)

    def go_online(self, signed: SignedIn) -> None:
        ctx, window = self.ctx, self.window
        came_back = self._was_offline
        self._retry.stop()
        ctx.db = signed.db
        ctx.settings = signed.settings
        ctx.user = signed.identity.user
        ctx.roles = tuple(signed.identity.roles)
        if came_back:
            register_screens(window, ctx, self._qsettings, only=_DB_SCREENS)
        window.set_user(signed.identity.user, list(signed.identity.roles), signed.db.display)
        window.set_allowed_screens(signed.identity.screens)
        state = ops.connection_state()
        state.set_state(ops.ConnectionState.ONLINE)
        db = signed.db
        state.set_probe(lambda: ping(db))
        self._was_offline = False
        if came_back:
            window.show_message(f"Connected to {db.display}. Every area of your role is available again.")
        self.online.emit(True)

    def go_offline(self, reason: str) -> None:
        """Only Documents works, the badge says Offline, and we keep trying every few seconds."""
        self._was_offline = True
        self._offline_reason = reason
        self.ctx.db = None
        state = ops.connection_state()
        state.set_probe(None)
        self.window.set_user(self.ctx.user or "not signed in", list(self.ctx.roles), "offline")
        self.window.set_allowed_screens(OFFLINE_SCREENS)
        state.set_state(ops.ConnectionState.OFFLINE, reason)
        self.window.show_message(_offline_message(reason), 0)
        if not self._retry.isActive():
            self._retry.start()
        self.online.emit(False)

    @Slot()
    def try_connect(self) -> None:
        """One background attempt (no-op while one runs or once online)."""
        self._attempt(first=False)

    def shutdown(self) -> None:
        self._retry.stop()
        self._was_offline = False
        try:
            ops.connection_state().state_changed.disconnect(self._on_state_changed)
        except (RuntimeError, TypeError):
            pass  # the state object went with an earlier QApplication
        ops.connection_state().reset()
        ops.shutdown_ops()
        if self.ctx.db is not None:
            self.ctx.db.dispose()
            self.ctx.db = None

    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        # ops calls any successful op on the database worker proof of a
        # connection; while we have no database at all, only go_online() may
        # end offline mode (a screen's empty offline page is no proof).
        if state == ops.ConnectionState.ONLINE and self.ctx.db is None and self._was_offline:
            QTimer.singleShot(0, self._restore_offline)

    @Slot()
    def _restore_offline(self) -> None:
        if self.ctx.db is None and self._was_offline:
            ops.connection_state().set_state(ops.ConnectionState.OFFLINE, self._offline_reason)
            self.window.show_message(_offline_message(self._offline_reason), 0)

    def _attempt(self, *, first: bool) -> None:
        if self._trying or self.ctx.db is not None:
            return
        self._trying = True
        connect, settings = self._connect, self.ctx.settings
        ops.run_op(
            self,
            lambda: open_session(connect, settings),
            success=self._on_connected,
            failure=lambda exc: self._on_connect_failed(exc, first),
        )

    def _on_connected(self, signed: SignedIn) -> None:
        self._trying = False
        self.go_online(signed)

    def _on_connect_failed(self, exc: BaseException, first: bool) -> bool:
        self._trying = False
        if isinstance(exc, errors.ConnectionLost):
            if first or not self._was_offline:
                self.go_offline(str(exc))
            else:
                _log.info("database still unreachable: %s", exc)
            return True
        if isinstance(exc, errors.ClaimDeskError):
            # The server answers but will not do (e.g. an older schema): say so
            # in the status bar, keep Documents, keep trying.
            if first or not self._was_offline:
                self.go_offline(str(exc))
            else:
                self.window.show_message(f"The database answered but cannot be used yet: {exc}", 0)
            return True
        self._retry.stop()
        return False  # a bug: the standard dialog, once


# --------------------------------------------------------------------------
# Starting up


class _SeedCancelled(Exception):
    """The person cancelled loading demo data; the load rolls back."""


class _ProgressRelay(QObject):
    """Carries progress from the worker to the GUI thread (queued across threads)."""

    progressed = Signal(int, int, str)


class Launcher(QObject):
    """From nothing to a window: embedded database or sign-in dialog, demo data, then the window.

    ``exit_requested(code)`` when the app should end before (or instead of)
    showing the window.
    """

    exit_requested = Signal(int)
    window_shown = Signal()

    def __init__(self, settings: Settings, *, demo: bool = False, qsettings: QSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._demo = demo
        self._qsettings = qsettings if qsettings is not None else QSettings(APP_NAME, APP_NAME)
        self._progress: QProgressDialog | None = None
        self._dialog: SignInDialog | None = None
        self._pending: SignedIn | None = None
        self._cancel = threading.Event()
        self.app: ClaimDeskApp | None = None

    @Slot()
    def start(self) -> None:
        if self._settings.embedded:
            self._connect_embedded()
        else:
            self._show_sign_in()

    def dialog(self) -> SignInDialog | None:
        return self._dialog

    def shutdown(self) -> None:
        self._close_progress()
        if self.app is not None:
            self.app.shutdown()
        else:
            ops.connection_state().reset()
            ops.shutdown_ops()
            if self._pending is not None:
                self._pending.db.dispose()

    # ------------------------------------------------------------ embedded

    def _connect_embedded(self) -> None:
        settings = self._settings
        self._show_progress("Connecting…", "Starting the local database…", cancellable=True)
        ops.run_op(
            self,
            lambda: open_session(lambda: open_checked(settings), settings),
            success=self._on_embedded_open,
            failure=self._on_embedded_failed,
        )

    def _on_embedded_open(self, signed: SignedIn) -> None:
        if self._progress is not None and self._progress.wasCanceled():
            signed.db.dispose()
            return
        self._close_progress()
        if self._demo:
            self._seed_if_empty(signed)
        else:
            self._open_window(signed)

    def _on_embedded_failed(self, exc: BaseException) -> bool:
        self._close_progress()
        if isinstance(exc, errors.ConnectionLost):
            self._open_window(None, str(exc))
            return True
        if isinstance(exc, errors.ClaimDeskError):
            self._fatal("ClaimDesk cannot start", str(exc))
            return True
        self.exit_requested.emit(1)
        return False

    # ------------------------------------------------------------ sign-in

    def _show_sign_in(self) -> None:
        dialog = SignInDialog(self._settings, qsettings=self._qsettings, allow_local=self._demo)
        dialog.accepted.connect(self._on_dialog_accepted)
        dialog.rejected.connect(lambda: self.exit_requested.emit(0))
        self._dialog = dialog
        dialog.open()
        dialog.focus_first_empty()

    @Slot()
    def _on_dialog_accepted(self) -> None:
        dialog = self._dialog
        if dialog is None:
            return
        outcome = dialog.outcome()
        if outcome == "offline":
            settings, password = dialog.offline_settings() or (self._settings, None)
            self._settings = settings
            self._open_window(None, dialog.error_text(), connect=lambda: open_checked(settings, password))
        elif outcome == "local":
            signed = dialog.signed_in()
            assert signed is not None
            self._seed_if_empty(signed)
        else:
            signed = dialog.signed_in()
            assert signed is not None
            self._open_window(signed)
        dialog.deleteLater()
        self._dialog = None

    # ------------------------------------------------------------ demo data

    def _seed_if_empty(self, signed: SignedIn) -> None:
        from claimdesk.services.claims.queue import QueueFilter, status_counts

        self._pending = signed
        sessions = signed.db.sessions
        ops.run_op(
            self,
            lambda: sum(status_counts(sessions, QueueFilter()).values()),
            success=lambda total: self._seed(signed) if total == 0 else self._open_window(signed),
            failure=lambda exc: self._seed_failed(signed, exc),
        )

    def _seed(self, signed: SignedIn) -> None:
        from claimdesk.services import demo

        self._show_progress("Loading demo data", "Loading demo data…", cancellable=True)
        relay = _ProgressRelay(self)
        relay.progressed.connect(self._on_seed_progress)
        cancel = self._cancel
        cancel.clear()

        def report(done: int, total: int | None, label: str = "") -> None:
            if cancel.is_set():
                raise _SeedCancelled()
            relay.progressed.emit(int(done), int(total or 0), str(label))

        engine = signed.db.engine
        ops.run_op(
            self,
            lambda: demo.seed(engine, members=DEMO_MEMBERS, claims=DEMO_CLAIMS, progress=report),
            success=lambda _counts: self._seeded(signed, "Demo data loaded: "
                                                 f"{DEMO_MEMBERS:,} members and {DEMO_CLAIMS:,} claims."),
            failure=lambda exc: self._seed_failed(signed, exc),
            progress_label="Loading demo data",
            changes=lambda _counts: frozenset({"queue", "claim"}),
        )

    @Slot(int, int, str)
    def _on_seed_progress(self, done: int, total: int, label: str) -> None:
        progress = self._progress
        if progress is None:
            return
        if total:
            progress.setRange(0, total)
            progress.setValue(min(done, total))
            progress.setLabelText(f"Loading demo data: {label} {done:,} of {total:,}")
        else:
            progress.setRange(0, 0)
            progress.setLabelText(f"Loading demo data: {label}")

    def _seeded(self, signed: SignedIn, message: str) -> None:
        self._close_progress()
        self._open_window(signed)
        if self.app is not None:
            self.app.window.show_message(message)

    def _seed_failed(self, signed: SignedIn, exc: BaseException) -> bool:
        if isinstance(exc, _SeedCancelled):
            self._seeded(signed, "Loading demo data was cancelled; nothing was loaded.")
            return True
        if isinstance(exc, errors.ClaimDeskError):
            self._seeded(signed, f"Demo data was not loaded: {exc}")
            return True
        self._close_progress()
        self._open_window(signed)
        return False

    # ------------------------------------------------------------ the window

    def _open_window(self, signed: SignedIn | None, reason: str = "", *, connect: Callable[[], Database] | None = None) -> None:
        self._pending = None
        settings = signed.settings if signed is not None else self._settings
        app = ClaimDeskApp(settings, qsettings=self._qsettings, connect=connect, parent=self)
        self.app = app
        if signed is not None:
            app.go_online(signed)
        else:
            app.go_offline(reason or "the database cannot be reached.")
        app.window.show()
        app.window.raise_()
        app.window.activateWindow()
        qapp = QApplication.instance()
        if isinstance(qapp, QApplication):
            qapp.setQuitOnLastWindowClosed(True)
        self.window_shown.emit()

    # ------------------------------------------------------------ helpers

    def _show_progress(self, title: str, label: str, *, cancellable: bool) -> QProgressDialog:
        self._close_progress()
        progress = QProgressDialog(label, "Cancel" if cancellable else "", 0, 0)
        progress.setWindowTitle(f"{title} — ClaimDesk")
        progress.setObjectName("startupProgress")
        progress.setAccessibleName(title)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumWidth(420)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        if not cancellable:
            progress.setCancelButton(None)
        else:
            progress.canceled.connect(self._on_progress_cancelled)
        progress.show()
        self._progress = progress
        return progress

    @Slot()
    def _on_progress_cancelled(self) -> None:
        self._cancel.set()
        if self._pending is None and self.app is None:
            # Cancelled while connecting: there is nothing to show; leave.
            self.exit_requested.emit(0)

    def _close_progress(self) -> None:
        if self._progress is not None:
            # Closing a QProgressDialog emits canceled(); this close is not the person's cancel.
            try:
                self._progress.canceled.disconnect()
            except (RuntimeError, TypeError):
                pass
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def _fatal(self, title: str, message: str) -> None:
        box = ops.show_error(None, ops.KIND_REVISION, title, message)
        if box is None:
            self.exit_requested.emit(2)
        else:
            box.finished.connect(lambda _result: self.exit_requested.emit(2))


def run_app(settings: Settings, demo: bool = False) -> int:
    """Open ClaimDesk; returns the process exit code."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    apply_theme(app)
    # Dialogs come and go before the window exists; the app ends with the window, not with them.
    app.setQuitOnLastWindowClosed(False)
    launcher = Launcher(settings, demo=demo)
    launcher.exit_requested.connect(app.exit)
    QTimer.singleShot(0, launcher.start)
    # Ctrl+C in the terminal that started us quits cleanly (the embedded
    # server is stopped on the way out). Python runs signal handlers only
    # between bytecodes, so a slow timer gives it the chance while Qt waits.
    previous = signal.signal(signal.SIGINT, lambda *_: app.quit())
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(250)
    try:
        return app.exec()
    finally:
        tick.stop()
        signal.signal(signal.SIGINT, previous)
        launcher.shutdown()

