"""``claimdesk screenshot``: render one screen, with real data, to a PNG.

It builds the very window :func:`claimdesk.ui.app.run_app` shows (through
:class:`~claimdesk.ui.app.ClaimDeskApp`), signs in without a dialog, waits
for the data to arrive and grabs the window at 1440x900. Without a display
it renders offscreen.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["SIZE", "screenshot"]

SIZE = (1440, 900)
_SPECIAL = ("queue", "claim", "signin")
_CONNECT_TIMEOUT_S = 180.0  # a first embedded start runs initdb and every migration
_LOAD_TIMEOUT_S = 30.0


def _headless() -> bool:
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        # A command-line tool polling its own event loop; nothing else is waiting on us.
        time.sleep(0.01)


def _settle(owner, rounds: int = 3) -> None:  # noqa: ANN001
    """Wait until the database worker has run everything queued so far, a few times over.

    The worker runs ops in order, so when a no-op queued now comes back, every
    op queued before it has delivered; repeating catches ops those callbacks
    started in turn (a page, then its counts).
    """
    from claimdesk.ui import ops

    for _ in range(rounds):
        done: list[bool] = []
        ops.run_op(owner, lambda: None, success=lambda _r: done.append(True))
        _wait(lambda: bool(done), _LOAD_TIMEOUT_S)
    _wait(lambda: False, 0.2)  # let layouts and paints catch up


def _run_on_worker(owner, op: Callable[[], object]) -> object:  # noqa: ANN001
    from claimdesk.ui import ops

    box: dict[str, object] = {}

    def failed(exc: BaseException) -> bool:
        box["error"] = exc
        return True

    ops.run_op(owner, op, success=lambda result: box.setdefault("result", result), failure=failed)
    if not _wait(lambda: bool(box), _LOAD_TIMEOUT_S):
        raise TimeoutError("the database did not answer in time")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("result")


def screenshot(settings, screen: str, out: Path) -> int:  # noqa: ANN001
    """Render ``screen`` to ``out`` (PNG). 0 on success, 1 when the database cannot be used, 2 for an unknown screen."""
    if _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from claimdesk.ui import ops  # noqa: F401  (before the first signal: see claimdesk.ui.ops)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from claimdesk.settings import APP_NAME
    from claimdesk.ui.app import ClaimDeskApp
    from claimdesk.ui.theme import apply_theme

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "claimdesk"])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    apply_theme(app)

    # The user's own layout and saved filters must neither shape the picture nor be touched by it.
    with tempfile.TemporaryDirectory(prefix="claimdesk-shot-") as tmp:
        qsettings = QSettings(str(Path(tmp) / "screenshot.ini"), QSettings.Format.IniFormat)
        if screen == "signin":
            return _sign_in_shot(settings, qsettings, out)
        controller = ClaimDeskApp(settings, qsettings=qsettings)
        try:
            valid = list(dict.fromkeys([*_SPECIAL, *controller.window.screen_keys()]))
            if screen not in valid:
                print(f"claimdesk: unknown screen {screen!r}; choose one of: {', '.join(valid)}", file=sys.stderr)
                return 2
            return _window_shot(controller, screen, out)
        finally:
            controller.window.close()
            controller.shutdown()


def _sign_in_shot(settings, qsettings, out: Path) -> int:  # noqa: ANN001
    from claimdesk.ui.signin import SignInDialog, SignInFields

    dialog = SignInDialog(settings, qsettings=qsettings, allow_local=True)
    dialog.set_fields(
        SignInFields(
            host="claims-db.example.org",
            port=5432,
            database="claimdesk",
            user="jsmith",
            sslmode="verify-full",
            sslrootcert="/etc/claimdesk/claims-ca.pem",
        )
    )
    dialog.set_password("correct horse")
    dialog.show()
    dialog.focus_first_empty()
    _wait(lambda: dialog.isVisible(), 5)
    _wait(lambda: False, 0.3)
    return _save(dialog.grab(), out)


def _window_shot(controller, screen: str, out: Path) -> int:  # noqa: ANN001
    from claimdesk.ui import ops

    controller.start()
    finished = _wait(
        lambda: controller.is_online() or ops.connection_state().state() == ops.ConnectionState.OFFLINE,
        _CONNECT_TIMEOUT_S,
    )
    if not finished or not controller.is_online():
        reason = ops.connection_state().message() or "the database did not answer"
        print(f"claimdesk: cannot take the screenshot: {reason}", file=sys.stderr)
        return 1

    window = controller.window
    window.resize(*SIZE)
    window.show()
    key = "claims" if screen in ("queue", "claim") else screen
    if not window.show_screen(key):
        print(f"claimdesk: the signed-in role may not open {screen!r}", file=sys.stderr)
        return 1
    if key == "claims":
        workspace = window.screen_widget("claims")
        model = workspace.queue().model()
        _wait(lambda: model.rowCount() > 0 or model.is_exhausted(), _LOAD_TIMEOUT_S)
        if screen == "claim":
            found = _oldest_worked_claim(controller)
            if found is None:
                print("claimdesk: no pended or priced claim to show; load demo data first", file=sys.stderr)
                return 1
            workspace.open_claim(*found)
    if key in _SHOWN:
        # The record that shows the most: a member with claims, the busiest provider or account, the longest policy history.
        _settle(controller)
        found = _run_on_worker(controller, lambda: _first(controller.ctx.sessions, _SHOWN[key]))
        if found:
            screen_widget = window.screen_widget(key)
            if key == "enrollment":
                screen_widget.show_policy(found)
            else:
                screen_widget.search(found)
            if key == "eligibility":
                screen_widget.show_tab("balances")
    _settle(controller)
    window.resize(*SIZE)
    _wait(lambda: False, 0.2)
    return _save(window.grab(), out)


def _oldest_worked_claim(controller) -> tuple[object, str] | None:  # noqa: ANN001
    from claimdesk.services.claims import lifecycle as lc
    from claimdesk.services.claims.queue import QueueFilter, list_queue

    sessions = controller.ctx.sessions

    def find() -> tuple[object, str] | None:
        # A partly approved claim shows the most at once: paid lines, a denial, the steps behind each.
        for statuses in ((lc.PARTIALLY_APPROVED,), tuple(sorted(lc.PRICED)), (lc.PENDED,)):
            rows = list_queue(sessions, QueueFilter(statuses=statuses), limit=1)
            if rows:
                return rows[0].id, rows[0].locator
        return None

    return _run_on_worker(controller, find)  # type: ignore[return-value]


_SHOWN = {
    "eligibility": "SELECT p.locator FROM claims.claims c JOIN policy_admin.parties p ON p.id = c.claimant_party_id "
                   "WHERE c.status = 'FINALIZED' GROUP BY p.id, p.locator ORDER BY count(*) DESC, p.locator LIMIT 1",
    "providers": "SELECT p.locator FROM claims.claims c JOIN provider.providers p ON p.id = c.provider_id GROUP BY p.id, p.locator "
                 "ORDER BY count(*) DESC, p.locator LIMIT 1",
    "billing": "SELECT a.locator FROM billing.charges ch JOIN policy_admin.accounts a ON a.id = ch.account_id GROUP BY a.id, a.locator "
               "ORDER BY count(DISTINCT ch.category) DESC, count(*) DESC, a.locator LIMIT 1",
    "enrollment": "SELECT p.locator FROM enrollment.policies p JOIN enrollment.policy_transactions x ON x.policy_id = p.id "
                  "GROUP BY p.id, p.locator ORDER BY count(*) DESC, max(x.created_at) DESC LIMIT 1",
}


def _first(sessions, sql: str) -> str | None:  # noqa: ANN001
    from sqlalchemy import text

    from claimdesk.services.uow import UnitOfWork

    with UnitOfWork(sessions) as uow:
        return uow.connection.execute(text(sql)).scalar()


def _save(pixmap, out: Path) -> int:  # noqa: ANN001
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(out), "PNG"):
        print(f"claimdesk: could not write {out}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({pixmap.width()}x{pixmap.height()})")
    return 0
