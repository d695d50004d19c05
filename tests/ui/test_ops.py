"""run_op / run_file_op: threads, error routing by kind, the change bus, connection state."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import shiboken6
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMessageBox, QWidget

from claimdesk.services import errors
from claimdesk.ui import ops

# Long enough for a loaded CI box, short enough that a hang fails quickly.
TIMEOUT_MS = 5000


@pytest.fixture
def widget(qtbot):
    w = QWidget()
    w.setAccessibleName("test parent")
    qtbot.addWidget(w)
    return w


@pytest.fixture
def gate():
    """An event an op can wait on; always released so no worker stays stuck."""
    event = threading.Event()
    yield event
    event.set()


def _wait_op(event: threading.Event) -> None:
    assert event.wait(TIMEOUT_MS / 1000), "test gate was never opened"


def test_op_runs_off_gui_thread_and_success_on_it(qtbot, qapp, widget):
    seen = {}
    results = []

    def op():
        seen["op_thread"] = QThread.currentThread()
        seen["op_ident"] = threading.get_ident()
        return 42

    def success(value):
        seen["success_thread"] = QThread.currentThread()
        seen["success_ident"] = threading.get_ident()
        results.append(value)

    ops.run_op(widget, op, success)
    assert results == [], "success must never run inside run_op"
    qtbot.waitUntil(lambda: results == [42], timeout=TIMEOUT_MS)

    assert seen["op_thread"] is not qapp.thread()
    assert seen["op_ident"] != threading.main_thread().ident
    assert seen["success_thread"] is qapp.thread()
    assert seen["success_ident"] == threading.main_thread().ident


def test_database_ops_are_serialised_in_order(qtbot, widget):
    lock = threading.Lock()
    state = {"running": 0, "max": 0}
    order = []
    threads = set()
    done = []

    def make_op(n):
        def op():
            with lock:
                state["running"] += 1
                state["max"] = max(state["max"], state["running"])
            threads.add(threading.get_ident())
            order.append(n)
            # Give a second worker, were there one, the chance to overlap.
            threading.Event().wait(0.005)
            with lock:
                state["running"] -= 1
            return n

        return op

    for n in range(8):
        ops.run_op(widget, make_op(n), done.append)
    qtbot.waitUntil(lambda: len(done) == 8, timeout=TIMEOUT_MS)

    assert order == list(range(8))
    assert done == list(range(8)), "results arrive in submission order"
    assert state["max"] == 1
    assert len(threads) == 1


def test_file_op_is_not_blocked_by_database_work(qtbot, widget, gate):
    db_done, file_done = [], []
    file_threads = []

    ops.run_op(widget, lambda: _wait_op(gate) or "db", db_done.append)

    def file_op():
        file_threads.append(threading.current_thread().name)
        return "printed"

    ops.run_file_op(widget, file_op, file_done.append)
    qtbot.waitUntil(lambda: file_done == ["printed"], timeout=TIMEOUT_MS)
    assert db_done == [], "the database op is still held at the gate"
    assert file_threads[0].startswith("claimdesk-file")

    gate.set()
    qtbot.waitUntil(lambda: db_done == ["db"], timeout=TIMEOUT_MS)


@pytest.mark.parametrize(
    ("exc", "kind", "title"),
    [
        (errors.ValidationError("must be positive", where="Billed amount"), ops.KIND_VALIDATION, "Check the entry"),
        (errors.InvalidTransition("a denied claim cannot be approved"), ops.KIND_VALIDATION, "Check the entry"),
        (
            errors.ConflictError("Claim CLM-1", "mlopez", dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.timezone.utc)),
            ops.KIND_CONFLICT,
            "Changed by someone else",
        ),
        (errors.PermissionDenied("only supervisors can override pricing"), ops.KIND_PERMISSION, "Not allowed"),
        (errors.NotFound("no claim CLM-9"), ops.KIND_NOT_FOUND, "Not found"),
        (errors.BusinessWarning("the member has a second plan"), ops.KIND_WARNING, "Please note"),
    ],
)
def test_known_errors_are_shown_by_kind(qtbot, widget, shown_errors, exc, kind, title):
    def op():
        raise exc

    ops.run_op(widget, op)
    qtbot.waitUntil(lambda: len(shown_errors) == 1, timeout=TIMEOUT_MS)
    got_kind, got_title, text, details, parent = shown_errors[0]
    assert (got_kind, got_title) == (kind, title)
    assert text == str(exc)
    assert details is None, "a person-readable error shows no traceback"
    assert parent is widget
    assert ops.connection_state().state() == ops.ConnectionState.ONLINE
    shown_errors.clear()


def test_conflict_text_names_who_changed_it(qtbot, widget, shown_errors):
    def op():
        raise errors.ConflictError("Claim CLM-1", "mlopez", None)

    ops.run_op(widget, op)
    qtbot.waitUntil(lambda: len(shown_errors) == 1, timeout=TIMEOUT_MS)
    assert "mlopez" in shown_errors[0][2]
    shown_errors.clear()


def test_unexpected_error_gets_one_standard_dialog_with_details(qtbot, widget, shown_errors):
    def op():
        raise ZeroDivisionError("boom")

    ops.run_op(widget, op)
    qtbot.waitUntil(lambda: len(shown_errors) == 1, timeout=TIMEOUT_MS)
    kind, title, text, details, _parent = shown_errors[0]
    assert kind == ops.KIND_UNEXPECTED
    assert title == "Something went wrong"
    assert "boom" not in text, "the user-facing text stays plain; the traceback goes to details"
    assert "ZeroDivisionError: boom" in details
    shown_errors.clear()


def test_connection_lost_goes_to_connection_state_not_a_dialog(qtbot, widget, shown_errors):
    state = ops.connection_state()
    failures = []

    def op():
        raise errors.ConnectionLost("server closed the connection")

    with qtbot.waitSignal(state.state_changed, timeout=TIMEOUT_MS) as blocker:
        ops.run_op(widget, op, failure=lambda exc: failures.append(exc) and False)
    assert blocker.args == [ops.ConnectionState.RECONNECTING]
    assert state.message() == "server closed the connection"
    qtbot.waitUntil(lambda: bool(failures), timeout=TIMEOUT_MS)
    assert shown_errors == []

    with qtbot.waitSignal(state.state_changed, timeout=TIMEOUT_MS) as blocker:
        ops.run_op(widget, lambda: "ok")
    assert blocker.args == [ops.ConnectionState.ONLINE]


def test_file_op_success_does_not_claim_the_database_is_back(qtbot, widget):
    state = ops.connection_state()
    state.set_state(ops.ConnectionState.RECONNECTING, "down")
    done = []
    ops.run_file_op(widget, lambda: "pdf", done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)
    assert state.state() == ops.ConnectionState.RECONNECTING


def test_failure_handler_may_take_the_error(qtbot, widget, shown_errors):
    handled = []

    def op():
        raise errors.ValidationError("bad date")

    ops.run_op(widget, op, failure=lambda exc: handled.append(exc) or True)
    qtbot.waitUntil(lambda: bool(handled), timeout=TIMEOUT_MS)
    assert isinstance(handled[0], errors.ValidationError)
    # A later op's delivery proves the first was fully processed.
    done = []
    ops.run_op(widget, lambda: None, lambda _r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)
    assert shown_errors == []


def test_failure_handler_declining_falls_back_to_the_dialog(qtbot, widget, shown_errors):
    seen = []

    def op():
        raise errors.PermissionDenied("read-only role")

    ops.run_op(widget, op, failure=lambda exc: seen.append(exc) is not None)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=TIMEOUT_MS)
    assert seen and shown_errors.kinds() == [ops.KIND_PERMISSION]
    shown_errors.clear()


def test_success_skipped_when_parent_deleted_but_changes_still_announced(qtbot, gate):
    parent = QWidget()
    witness = QWidget()
    qtbot.addWidget(witness)
    called = []
    announced = []

    def record(changes, initiator):
        announced.append((changes, initiator))

    ops.change_bus().changed.connect(record)
    ops.run_op(
        parent,
        lambda: _wait_op(gate) or "saved",
        success=called.append,
        failure=lambda exc: called.append(exc) or True,
        changes=lambda result: {"claims"},
    )
    shiboken6.delete(parent)
    assert not shiboken6.isValid(parent)
    gate.set()

    later = []
    ops.run_op(witness, lambda: "later", later.append)
    try:
        qtbot.waitUntil(lambda: later == ["later"], timeout=TIMEOUT_MS)
    finally:
        ops.change_bus().changed.disconnect(record)
    assert called == []
    assert announced == [({"claims"}, None)]


def test_changes_are_announced_with_the_initiator(qtbot, widget):
    bus = ops.change_bus()
    order = []

    def record(_changes, _initiator):
        order.append("changed")

    bus.changed.connect(record)
    try:
        with qtbot.waitSignal(bus.changed, timeout=TIMEOUT_MS) as blocker:
            ops.run_op(
                widget,
                lambda: {"claim_id": 7},
                success=lambda result: order.append("success"),
                changes=lambda result: frozenset({"claims", f"claim:{result['claim_id']}"}),
            )
        assert blocker.args == [frozenset({"claims", "claim:7"}), widget]
        qtbot.waitUntil(lambda: "success" in order, timeout=TIMEOUT_MS)
    finally:
        bus.changed.disconnect(record)
    # Screens have refreshed by the time the caller's success runs.
    assert order[-2:] == ["changed", "success"]


def test_emit_changes_ignores_none(qtbot):
    with qtbot.assertNotEmitted(ops.change_bus().changed):
        ops.change_bus().emit_changes(None)


def test_exception_in_success_callback_is_reported(qtbot, widget, shown_errors):
    def success(_result):
        raise KeyError("missing column")

    ops.run_op(widget, lambda: 1, success)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=TIMEOUT_MS)
    assert shown_errors.kinds() == [ops.KIND_UNEXPECTED]
    assert "KeyError" in shown_errors[0][3]
    shown_errors.clear()


def test_progress_label_reports_busy_then_idle(qtbot, widget, gate):
    activity = ops.op_activity()
    labels = []
    activity.busy_changed.connect(labels.append)
    try:
        ops.run_op(widget, lambda: _wait_op(gate), progress_label="Printing remittance")
        assert activity.current_label() == "Printing remittance"
        with qtbot.waitSignal(activity.busy_changed, timeout=TIMEOUT_MS):
            gate.set()
    finally:
        activity.busy_changed.disconnect(labels.append)
    assert labels == ["Printing remittance", ""]
    assert activity.current_label() == ""


def test_cancelled_op_clears_busy_and_calls_nothing(qtbot, widget, gate):
    called = []
    ops.run_op(widget, lambda: _wait_op(gate))
    queued = ops.run_op(widget, lambda: called.append("ran"), called.append, progress_label="Loading")
    assert queued.cancel()
    qtbot.waitUntil(lambda: ops.op_activity().current_label() == "", timeout=TIMEOUT_MS)
    gate.set()
    done = []
    ops.run_op(widget, lambda: None, lambda _r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)
    assert called == []


def test_run_op_refuses_worker_threads(widget):
    caught = []

    def from_worker():
        try:
            ops.run_op(widget, lambda: None)
        except RuntimeError as exc:
            caught.append(exc)

    t = threading.Thread(target=from_worker)
    t.start()
    t.join(TIMEOUT_MS / 1000)
    assert caught and "GUI thread" in str(caught[0])


def test_probe_reconnects_then_gives_up_to_offline_then_recovers(qtbot, widget, monkeypatch):
    state = ops.connection_state()
    monkeypatch.setattr(ops.ConnectionState, "_BACKOFF_MS", (1,))
    attempts = []
    link = {"up": False}

    def probe():
        attempts.append(1)
        if not link["up"]:
            raise errors.ConnectionLost("no route to host")

    state.set_probe(probe)

    def op():
        raise errors.ConnectionLost("server closed the connection")

    seen = []
    state.state_changed.connect(seen.append)
    try:
        with qtbot.waitSignal(
            state.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: s == ops.ConnectionState.OFFLINE
        ):
            ops.run_op(widget, op)
        assert len(attempts) == ops.ConnectionState._ATTEMPTS_BEFORE_OFFLINE
        assert state.message() == "no route to host"
        with qtbot.waitSignal(
            state.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: s == ops.ConnectionState.ONLINE
        ):
            link["up"] = True
    finally:
        state.state_changed.disconnect(seen.append)
    assert seen == [ops.ConnectionState.RECONNECTING, ops.ConnectionState.OFFLINE, ops.ConnectionState.ONLINE]


def test_set_state_rejects_unknown_states():
    with pytest.raises(ValueError):
        ops.connection_state().set_state("sleepy")


def test_real_error_dialog_is_non_blocking_and_not_stacked(qtbot, widget, shown_errors):
    widget.show()
    first = shown_errors.real(widget, ops.KIND_CONFLICT, "Changed by someone else", "Claim CLM-1 was changed.")
    second = shown_errors.real(widget, ops.KIND_CONFLICT, "Changed by someone else", "Claim CLM-1 was changed.")
    try:
        assert isinstance(first, QMessageBox)
        assert first is second
        assert first.windowTitle() == "Changed by someone else"
        assert first.informativeText() == "Claim CLM-1 was changed."
        assert first.accessibleName() == "Changed by someone else"
        assert first.isVisible()
        assert first.parent() is widget
    finally:
        first.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(first) or not first.isVisible(), timeout=TIMEOUT_MS)
