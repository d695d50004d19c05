"""Background operations, the one change signal, and the connection state.

Every service call a widget makes goes through :func:`run_op` (database) or
:func:`run_file_op` (files, PDFs, printing). The contract, after Anki's
``QueryOp`` and ``taskman``:

* ``op`` runs on a worker thread. It must not touch any widget or Qt object
  that lives on the GUI thread; it takes plain values and returns plain values.
* All database ops share ONE single-worker executor, so they run one at a
  time, in the order they were submitted, and never block the GUI.
* File work has its own pool so a slow printer never holds up a claim save.
* ``success`` and ``failure`` run on the GUI thread, and only while the
  ``parent`` that asked for the work still exists.
* Errors a person is meant to read (``claimdesk.services.errors``) are shown
  by kind; anything else is a bug and gets the one standard error dialog.

Write ops name what they changed through ``changes=``; :func:`change_bus`
tells every screen, which refresh from that signal instead of calling each
other.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from claimdesk.services import errors

__all__ = [
    "ChangeBus",
    "ConnectionState",
    "OpActivity",
    "change_bus",
    "connection_state",
    "mentions",
    "op_activity",
    "run_file_op",
    "run_op",
    "show_error",
    "shutdown_ops",
]

T = TypeVar("T")

_log = logging.getLogger(__name__)

# One database worker: a psycopg connection is not shared across threads and
# serialising ops means a save never races the list refresh that follows it.
_DB_WORKERS = 1
# Printing and PDF rendering are slow but independent; two lets a print job
# and a preview proceed side by side without starving each other.
_FILE_WORKERS = 2

_executors: dict[str, ThreadPoolExecutor] = {}
_executors_lock = threading.Lock()


def _executor(pool: str) -> ThreadPoolExecutor:
    with _executors_lock:
        ex = _executors.get(pool)
        if ex is None:
            if pool == "db":
                ex = ThreadPoolExecutor(max_workers=_DB_WORKERS, thread_name_prefix="claimdesk-db")
            else:
                ex = ThreadPoolExecutor(max_workers=_FILE_WORKERS, thread_name_prefix="claimdesk-file")
            _executors[pool] = ex
        return ex


def shutdown_ops(wait: bool = False) -> None:
    """Drop queued ops and stop the workers; call once when the app quits.

    With ``wait=False`` an op already running is left to finish on its own so
    a hung network call cannot keep the window from closing.
    """
    with _executors_lock:
        pools = list(_executors.values())
        _executors.clear()
    for ex in pools:
        ex.shutdown(wait=wait, cancel_futures=True)


# --------------------------------------------------------------------------
# PySide6 6.12.0 workaround

def _guard_emit_refcount() -> bool:
    """Undo a reference PySide6 6.12.0 drops on every Python ``signal.emit()``.

    That release returns ``True`` from ``SignalInstance.emit`` without taking
    a reference. On Python 3.11, where ``True`` is an ordinary refcounted
    object, every emit then lowers its count by one until the interpreter
    aborts ("bool_dealloc: deallocating True or False"), typically at exit or
    after a few thousand emits in a long session. 6.11.x is not affected, nor
    is Python 3.12+ (immortal bools). We measure instead of checking version
    numbers, and wrap ``emit`` only when the leak is really there.
    Remove once the project pins a PySide6 without the bug.
    """
    import ctypes
    import sys

    from PySide6.QtCore import SignalInstance

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    leaked = before - sys.getrefcount(True)
    if leaked < 8:
        return False
    # Give back the references already lost by the probe.
    for _ in range(leaked):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        if result is True:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        return result

    SignalInstance.emit = emit
    _log.warning("PySide6 signal.emit() leaks references to True; working around it (pin PySide6 != 6.12.0)")
    return True


_EMIT_GUARDED = _guard_emit_refcount()


# --------------------------------------------------------------------------
# Singletons living on the GUI thread


def _require_gui_thread(what: str) -> None:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError(f"{what} needs a QApplication")
    if QThread.currentThread() is not app.thread():
        raise RuntimeError(f"{what} must be called on the GUI thread")


_singletons: dict[type, QObject] = {}


def _singleton(cls: type[QObject]) -> Any:
    obj = _singletons.get(cls)
    # A test run (or an app restart) may have destroyed the previous
    # QApplication and every object with it; build a fresh one then.
    if obj is None or not shiboken6.isValid(obj):
        _require_gui_thread(cls.__name__)
        obj = cls()
        _singletons[cls] = obj
    return obj


class _Dispatcher(QObject):
    """Carries finished ops from worker threads to the GUI thread."""

    finished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # Queued explicitly: even an op that completes (or is cancelled) on the
        # GUI thread delivers on a later event-loop turn, never inside run_op.
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, closure: Callable[[], None]) -> None:
        closure()


class ChangeBus(QObject):
    """The one change signal (Anki's ``operation_did_execute``).

    ``changes`` is whatever the write service returned to name what changed
    (for example a frozenset of area names, or the service's result
    dataclass); ``initiator`` is the widget that asked, so it can skip
    refreshing itself, or ``None``.
    """

    changed = Signal(object, object)

    def emit_changes(self, changes: object, initiator: object | None = None) -> None:
        if changes is None:
            return
        self.changed.emit(changes, initiator)


def mentions(changes: object, names: set[str]) -> bool:
    """Whether a change-bus payload names any of ``names`` (a set of areas, or a result with ``.changes``)."""
    if isinstance(changes, str):
        return changes in names
    inner = getattr(changes, "changes", None)
    if inner is not None and inner is not changes:
        return mentions(inner, names)
    try:
        return bool(names & set(changes))  # type: ignore[arg-type]
    except TypeError:
        return False


class OpActivity(QObject):
    """What long work is running, for a busy indicator in the status bar.

    ``busy_changed`` carries the label of the oldest labelled op still
    running, or an empty string when none is.
    """

    busy_changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._labels: list[tuple[int, str]] = []
        self._next = 0

    def current_label(self) -> str:
        return self._labels[0][1] if self._labels else ""

    def _begin(self, label: str) -> int:
        self._next += 1
        self._labels.append((self._next, label))
        if len(self._labels) == 1:
            self.busy_changed.emit(label)
        return self._next

    def _end(self, token: int) -> None:
        before = self.current_label()
        self._labels = [item for item in self._labels if item[0] != token]
        after = self.current_label()
        if after != before:
            self.busy_changed.emit(after)


class ConnectionState(QObject):
    """Whether the database can be reached: 'online', 'reconnecting', 'offline'.

    :func:`run_op` moves this to 'reconnecting' when an op raises
    ``ConnectionLost`` and back to 'online' when any database op succeeds.
    With a probe set (:meth:`set_probe`), the state also retries on its own
    with backoff and gives up to 'offline' after a few failures, still
    probing slowly so the badge turns green again when the network returns.
    """

    ONLINE = "online"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    STATES = (ONLINE, RECONNECTING, OFFLINE)

    state_changed = Signal(str)

    # Backoff in milliseconds for successive probes; the last repeats.
    _BACKOFF_MS = (1000, 2000, 5000, 10000, 30000)
    # Failed probes before we stop saying "reconnecting" and admit "offline".
    _ATTEMPTS_BEFORE_OFFLINE = 4

    def __init__(self) -> None:
        super().__init__()
        self._state = self.ONLINE
        self._message = ""
        self._probe: Callable[[], object] | None = None
        self._attempts = 0
        self._probing = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_probe)

    def state(self) -> str:
        return self._state

    def message(self) -> str:
        """The reason for the last loss of connection, for the status bar."""
        return self._message

    def set_probe(self, probe: Callable[[], object] | None) -> None:
        """A cheap database call (e.g. ``SELECT 1``) run on the db worker to test the link."""
        self._probe = probe
        if probe is not None and self._state != self.ONLINE and not self._timer.isActive():
            self._schedule_probe()

    def set_state(self, state: str, message: str = "") -> None:
        if state not in self.STATES:
            raise ValueError(f"unknown connection state {state!r}")
        if state == self.ONLINE:
            self._attempts = 0
            self._timer.stop()
            self._message = ""
        elif message:
            self._message = message
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
        if state != self.ONLINE and self._probe is not None and not self._timer.isActive() and not self._probing:
            self._schedule_probe()

    def reset(self) -> None:
        """Back to 'online' with no probe; for app shutdown and tests."""
        self._probe = None
        self._timer.stop()
        self._probing = False
        self.set_state(self.ONLINE)

    def _schedule_probe(self) -> None:
        delay = self._BACKOFF_MS[min(self._attempts, len(self._BACKOFF_MS) - 1)]
        self._timer.start(delay)

    @Slot()
    def _run_probe(self) -> None:
        if self._probe is None or self._state == self.ONLINE or self._probing:
            return
        self._probing = True
        run_op(self, self._probe, success=self._probe_succeeded, failure=self._probe_failed)

    def _probe_succeeded(self, _result: object) -> None:
        # run_op has already set the state to online.
        self._probing = False

    def _probe_failed(self, exc: BaseException) -> bool:
        self._probing = False
        if not isinstance(exc, errors.ConnectionLost):
            # Still counted as a failed attempt, but a probe that is itself
            # broken must leave a trace rather than retry silently forever.
            _log.warning("connection probe failed", exc_info=exc)
        self._attempts += 1
        if self._attempts >= self._ATTEMPTS_BEFORE_OFFLINE:
            self.set_state(self.OFFLINE, str(exc) or self._message)
        if self._state != self.ONLINE and self._probe is not None:
            self._schedule_probe()
        # A failing probe is expected while the link is down: no dialog.
        return True


def _dispatcher() -> _Dispatcher:
    return _singleton(_Dispatcher)


def change_bus() -> ChangeBus:
    return _singleton(ChangeBus)


def connection_state() -> ConnectionState:
    return _singleton(ConnectionState)


def op_activity() -> OpActivity:
    return _singleton(OpActivity)


# --------------------------------------------------------------------------
# Error presentation

# Kinds passed to show_error; screens and tests match on these strings.
KIND_VALIDATION = "validation"
KIND_CONFLICT = "conflict"
KIND_PERMISSION = "permission"
KIND_NOT_FOUND = "not_found"
KIND_WARNING = "warning"
KIND_REVISION = "revision"
KIND_UNEXPECTED = "unexpected"

_UNEXPECTED_TEXT = (
    "ClaimDesk hit a problem it did not expect, and the last action may not have "
    "been completed. Check the item before trying again. If it happens again, "
    "send the details below to support."
)

_open_dialogs: dict[tuple[str, str], QMessageBox] = {}


def _dialog_parent(parent: QObject | None) -> QWidget | None:
    """The window a dialog should sit over: the op's widget, or the active window."""
    obj = parent
    while obj is not None and shiboken6.isValid(obj):
        if isinstance(obj, QWidget):
            return obj.window()
        obj = obj.parent()
    return QApplication.activeWindow()


def show_error(
    parent: QObject | None,
    kind: str,
    title: str,
    text: str,
    details: str | None = None,
) -> QMessageBox | None:
    """Show the standard error dialog. Every error message goes through here.

    Module-level on purpose: tests replace it to record instead of showing.
    The dialog is window-modal but opened with ``open()``, not ``exec()``, so
    no nested event loop runs inside an op's callback. An identical message
    that is already on screen is not stacked a second time.
    """
    key = (kind, text)
    existing = _open_dialogs.get(key)
    if existing is not None and shiboken6.isValid(existing) and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing

    icon = {
        KIND_UNEXPECTED: QMessageBox.Icon.Critical,
        KIND_REVISION: QMessageBox.Icon.Critical,
        KIND_WARNING: QMessageBox.Icon.Information,
    }.get(kind, QMessageBox.Icon.Warning)
    box = QMessageBox(icon, title, title, QMessageBox.StandardButton.Ok, _dialog_parent(parent))
    box.setObjectName(f"error-{kind}")
    box.setInformativeText(text)
    if details:
        box.setDetailedText(details)
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    box.setEscapeButton(QMessageBox.StandardButton.Ok)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_dialogs[key] = box
    box.finished.connect(lambda _result, key=key: _open_dialogs.pop(key, None))
    box.open()
    return box


def _report(parent: QObject | None, exc: BaseException) -> None:
    """Route an error nobody handled to the way its kind is shown."""
    # Subclasses before their bases: InvalidTransition is a ValidationError.
    if isinstance(exc, errors.ConnectionLost):
        # The state change already told the shell; a modal here would make a
        # flaky network feel like a crash and would stack one per queued op.
        return
    if isinstance(exc, errors.ConflictError):
        show_error(parent, KIND_CONFLICT, "Changed by someone else", str(exc))
    elif isinstance(exc, errors.PermissionDenied):
        show_error(
            parent,
            KIND_PERMISSION,
            "Not allowed",
            str(exc) or "Your role does not allow this action. Ask a supervisor if you need it.",
        )
    elif isinstance(exc, errors.ValidationError):
        show_error(parent, KIND_VALIDATION, "Check the entry", str(exc))
    elif isinstance(exc, errors.NotFound):
        show_error(parent, KIND_NOT_FOUND, "Not found", str(exc))
    elif isinstance(exc, errors.DatabaseRevisionMismatch):
        show_error(parent, KIND_REVISION, "Database version does not match", str(exc))
    elif isinstance(exc, errors.BusinessWarning):
        show_error(parent, KIND_WARNING, "Please note", str(exc))
    elif isinstance(exc, errors.ClaimDeskError):
        show_error(parent, KIND_WARNING, "Could not complete the action", str(exc))
    else:
        _log.error("unexpected error in background op", exc_info=exc)
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        show_error(parent, KIND_UNEXPECTED, "Something went wrong", _UNEXPECTED_TEXT, details)


# --------------------------------------------------------------------------
# Running ops


def _alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _finish(
    future: Future,
    *,
    pool: str,
    parent: QObject,
    success: Callable[[Any], None] | None,
    failure: Callable[[BaseException], bool] | None,
    changes: Callable[[Any], object] | None,
    activity_token: int | None,
) -> None:
    """Runs on the GUI thread once the op has ended, one way or another."""
    if activity_token is not None:
        op_activity()._end(activity_token)
    if future.cancelled():
        return
    exc = future.exception()
    parent_alive = _alive(parent)
    if exc is None:
        result = future.result()
        if pool == "db":
            connection_state().set_state(ConnectionState.ONLINE)
        try:
            if changes is not None:
                # Emitted even when the asking widget is gone: the database
                # did change, and the other screens must hear about it.
                change_bus().emit_changes(changes(result), parent if parent_alive else None)
            if success is not None and parent_alive:
                success(result)
        except Exception as callback_exc:  # a bug in GUI code; show it, keep running
            _report(parent if _alive(parent) else None, callback_exc)
        return

    if isinstance(exc, errors.ConnectionLost):
        state = connection_state()
        # Once we have admitted 'offline', one more failure is no news.
        if state.state() == ConnectionState.ONLINE:
            state.set_state(ConnectionState.RECONNECTING, str(exc) or "The database could not be reached.")
    handled = False
    if failure is not None and parent_alive:
        try:
            handled = bool(failure(exc))
        except Exception as callback_exc:
            _report(parent if _alive(parent) else None, callback_exc)
            handled = True
    if not handled:
        _report(parent if _alive(parent) else None, exc)


def _submit(
    pool: str,
    parent: QObject,
    op: Callable[[], T],
    success: Callable[[T], None] | None,
    failure: Callable[[BaseException], bool] | None,
    progress_label: str | None,
    changes: Callable[[T], object] | None,
) -> Future:
    _require_gui_thread("run_op")
    if not _alive(parent):
        raise RuntimeError("run_op needs a live parent QObject")
    dispatcher = _dispatcher()
    token = op_activity()._begin(progress_label) if progress_label else None
    future = _executor(pool).submit(op)
    finish = functools.partial(
        _finish,
        future,
        pool=pool,
        parent=parent,
        success=success,
        failure=failure,
        changes=changes,
        activity_token=token,
    )

    def _done(_f: Future) -> None:
        # Runs on the worker, or on the GUI thread if cancelled there; the
        # queued connection brings it to the GUI thread either way.
        try:
            dispatcher.finished.emit(finish)
        except RuntimeError:
            pass  # the application is gone; nobody is left to tell

    future.add_done_callback(_done)
    return future


def run_op(
    parent: QObject,
    op: Callable[[], T],
    success: Callable[[T], None] | None = None,
    failure: Callable[[BaseException], bool] | None = None,
    progress_label: str | None = None,
    *,
    changes: Callable[[T], object] | None = None,
) -> Future:
    """Run ``op`` on the single database worker; call back on the GUI thread.

    Call from the GUI thread. ``op`` must not touch widgets. ``success`` gets
    the result, and ``failure`` gets the exception and returns True when it
    has dealt with it; both are skipped once ``parent`` has been deleted.
    ``changes`` maps the result to what changed, which is then announced on
    :func:`change_bus` with ``parent`` as initiator. ``progress_label``
    shows in the status bar while the op runs. Returns the ``Future`` so a
    caller can ``cancel()`` an op that has not started yet.
    """
    return _submit("db", parent, op, success, failure, progress_label, changes)


def run_file_op(
    parent: QObject,
    op: Callable[[], T],
    success: Callable[[T], None] | None = None,
    failure: Callable[[BaseException], bool] | None = None,
    progress_label: str | None = None,
    *,
    changes: Callable[[T], object] | None = None,
) -> Future:
    """Like :func:`run_op` but on the file pool (PDFs, imports, printing).

    Never put database calls here: they would run beside the database
    worker and lose its one-at-a-time ordering.
    """
    return _submit("file", parent, op, success, failure, progress_label, changes)
