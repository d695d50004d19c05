"""Work-queue speed: first page of ``list_queue`` over N claims, filtered and not, and the queue table model.

Seeds N demo claims (default 1,000,000; members N/10; work=0), adjudicates a
slice of the oldest (default N/50) so PENDED, DENIED and FINALIZED rows exist
beside the RECEIVED ones, then times the first page (200 rows) of
``queue.list_queue``: unfiltered, the screen's default "open work", status =
PENDED, a member last-name prefix, an amount range, and a page deep in the
list (keyset, after the middle row). Each is the median of 5 runs after one
warm-up. When a goal is missed the query's EXPLAIN (ANALYZE, BUFFERS) is printed.

If PySide6 is importable, the UI-level figure too (QT_QPA_PLATFORM=offscreen):
in a fresh process (so its peak RSS is the UI's alone), a ``KeysetTableModel``
over ``list_queue`` (open work, 200 rows a page) is created and timed to its
first ``page_loaded``; then ``fetchMore`` runs to the end (50,000 rows with
--quick, or --scroll-rows / --scroll-seconds, whichever comes first) and peak
RSS is reported before and after.

Goals: first page < 150 ms, filtered < 100 ms, memory flat while scrolling.

    .venv/bin/python bench/queue.py                    # 1,000,000 claims
    .venv/bin/python bench/queue.py --claims 200000
    .venv/bin/python bench/queue.py --quick            # 20,000 claims, 50,000-row scroll cap
"""

from __future__ import annotations

import _common as c  # first: it moves this folder behind the standard library on sys.path (this file is queue.py)

import datetime as dt
import os
import resource
import time
from decimal import Decimal
from typing import Any

FIRST_PAGE_GOAL_MS = 150.0
FILTERED_GOAL_MS = 100.0
RUNS = 5
PAGE = 200


def _peak_rss_mib() -> float:
    """Peak RSS by resource.getrusage (on Linux this high-water mark survives fork+exec: see _hwm_mib)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _hwm_mib() -> float | None:
    """Peak RSS of this process image alone (VmHWM), where the kernel reports it."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _current_rss_mib() -> float | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError):
        return None


class _Capture:
    """The last statement list_queue sent (for EXPLAIN)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        from sqlalchemy import event

        self.statement: str | None = None
        self.parameters: Any = None
        self.on = False

        @event.listens_for(engine, "before_cursor_execute")
        def _grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
            if self.on and "FROM claims.claims c" in statement and "LIMIT" in statement:
                self.statement, self.parameters = statement, parameters


def time_query(sessions, f, after=None) -> tuple[list[float], int]:  # noqa: ANN001
    from claimdesk.services.claims import queue

    rows = queue.list_queue(sessions, f, after, PAGE)  # warm-up
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        rows = queue.list_queue(sessions, f, after, PAGE)
        times.append((time.perf_counter() - t0) * 1000)
    return times, len(rows)


def explain(db, capture: _Capture, f, after=None) -> str:  # noqa: ANN001
    from claimdesk.services.claims import queue

    capture.on = True
    try:
        queue.list_queue(db.sessions, f, after, PAGE)
    finally:
        capture.on = False
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + capture.statement, capture.parameters).scalars().all()
    return "\n".join(plan)


def _ui_child(jobs, results) -> None:  # noqa: ANN001
    """The table-model part, in its own process so its peak RSS is the UI's alone.

    Started before the seeding (while the parent is still small: a forked
    child starts from the parent's RSS high-water mark), it waits for its job.
    """
    job = jobs.get()
    if job is None:
        return
    url, embedded, statuses, max_rows, max_seconds = job
    try:
        from claimdesk.services.claims.queue import QueueFilter

        db = c.connect_url(url, embedded=embedded, pool_size=1)
        try:
            results.put(ui_scroll(db.sessions, QueueFilter(statuses=statuses), max_rows=max_rows, max_seconds=max_seconds))
        finally:
            db.dispose()
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        import traceback

        results.put({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})


class UiChild:
    def __init__(self) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.jobs, self.results = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_ui_child, args=(self.jobs, self.results), name="queue-ui", daemon=True)
        self.proc.start()

    def run(self, bench, statuses: tuple[str, ...], *, max_rows: int | None, max_seconds: float) -> dict[str, Any]:  # noqa: ANN001
        self.jobs.put((bench.url, bench.embedded, statuses, max_rows, max_seconds))
        out = self.results.get(timeout=max_seconds + 900)
        if "error" in out:
            raise SystemExit(f"bench: the table-model part failed: {out['error']}\n{out.get('traceback', '')}")
        return out

    def close(self) -> None:
        if self.proc.is_alive():
            self.jobs.put(None)
        self.proc.join(timeout=60)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=10)


def ui_scroll(sessions, f, *, max_rows: int | None, max_seconds: float) -> dict[str, Any]:  # noqa: ANN001
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from claimdesk.services.claims import queue
    from claimdesk.ui import ops
    from claimdesk.ui.lazy_model import Column, KeysetTableModel

    try:
        from claimdesk.ui.claims.queue_screen import COLUMNS as columns
    except Exception:  # noqa: BLE001 - the screen module is optional here; same columns
        columns = tuple(Column(k, k.title()) for k in ("locator", "member", "provider", "incident_date", "amount_claimed",
                                                      "status", "pend_reason", "assignee", "age"))

    app = QApplication.instance() or QApplication(["bench"])

    fetch_times: list[float] = []

    def fetch(after: tuple | None, limit: int) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        rows = [{**r.display, "member_locator": r.member_locator, "version": r.version, "_key": r.key, "_id": r.id}
                for r in queue.list_queue(sessions, f, after, limit)]
        fetch_times.append(time.perf_counter() - t0)
        return rows

    failures: list[str] = []

    def wait(model) -> None:  # noqa: ANN001
        loop = QEventLoop()
        model.page_loaded.connect(loop.quit)
        model.load_failed.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(120_000)
        loop.exec()
        timer.stop()
        model.page_loaded.disconnect(loop.quit)
        model.load_failed.disconnect(loop.quit)

    app.processEvents()
    peak_before = _peak_rss_mib()
    hwm_before = _hwm_mib()
    current_before = _current_rss_mib()
    t0 = time.perf_counter()
    model = KeysetTableModel(columns, fetch, page_size=PAGE)
    model.load_failed.connect(failures.append)
    model.fetchMore()  # what a view does as soon as it is shown
    wait(model)
    first_ms = (time.perf_counter() - t0) * 1000
    first_rows = model.rowCount()
    peak_first = _peak_rss_mib()
    hwm_first = _hwm_mib()
    started = time.perf_counter()
    pages = 1
    page_times: list[float] = []
    last_report = started
    stop_reason = "end of the queue"
    while model.canFetchMore() and not failures:
        if max_rows is not None and model.rowCount() >= max_rows:
            stop_reason = f"row cap {max_rows:,}"
            break
        if time.perf_counter() - started > max_seconds:
            stop_reason = f"time cap {max_seconds:.0f} s"
            break
        before = model.rowCount()
        t_page = time.perf_counter()
        model.fetchMore()
        wait(model)
        page_times.append(time.perf_counter() - t_page)
        pages += 1
        if model.rowCount() == before and model.canFetchMore():
            stop_reason = "no progress"
            break
        if time.perf_counter() - last_report > 5:
            last_report = time.perf_counter()
            c.say(f"scrolled {model.rowCount():,} rows ({pages:,} pages, peak RSS {_peak_rss_mib():,.0f} MiB)")
    scroll_seconds = time.perf_counter() - started
    rows = model.rowCount()
    out = {
        "first_page_ms": first_ms,
        "first_rows": first_rows,
        "rows": rows,
        "pages": pages,
        "scroll_seconds": scroll_seconds,
        "stop_reason": stop_reason if not failures else f"load failed: {failures[0]}",
        "peak_rss_before_mib": peak_before,
        "peak_rss_first_page_mib": peak_first,
        "peak_rss_after_mib": _peak_rss_mib(),
        "page_ms_first_100": 1000 * sum(page_times[:100]) / max(1, len(page_times[:100])),
        "page_ms_last_100": 1000 * sum(page_times[-100:]) / max(1, len(page_times[-100:])),
        "fetch_ms_first_100": 1000 * sum(fetch_times[1:101]) / max(1, len(fetch_times[1:101])),
        "fetch_ms_last_100": 1000 * sum(fetch_times[-100:]) / max(1, len(fetch_times[-100:])),
        "hwm_before_mib": hwm_before,
        "hwm_first_page_mib": hwm_first,
        "hwm_after_mib": _hwm_mib(),
        "rss_before_mib": current_before,
        "rss_after_mib": _current_rss_mib(),
    }
    model.deleteLater()
    app.processEvents()
    ops.shutdown_ops(wait=True)
    return out


def main() -> None:  # noqa: PLR0915
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--claims", type=c.positive_int, default=None, help="claims (default 1,000,000; --quick 20,000)")
    p.add_argument("--members", type=c.positive_int, default=None, help="members (default claims/10)")
    p.add_argument("--adjudicate", type=int, default=None, help="oldest claims to auto-adjudicate first (default claims/50)")
    p.add_argument("--no-ui", action="store_true", help="skip the Qt table-model part")
    p.add_argument("--scroll-rows", type=c.positive_int, default=None, help="stop scrolling after this many rows (default: the end; --quick 50,000)")
    p.add_argument("--scroll-seconds", type=float, default=900.0, help="stop scrolling after this long (default 900)")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) for every query, not only missed ones")
    args = p.parse_args()
    claims = args.claims or (20_000 if args.quick else 1_000_000)
    members = args.members or max(1, claims // 10)
    adjudicate = args.adjudicate if args.adjudicate is not None else max(1, claims // 50)
    scroll_rows = args.scroll_rows or (50_000 if args.quick else None)

    from sqlalchemy import text

    from claimdesk.services import demo
    from claimdesk.services.claims import batch, queue
    from claimdesk.services.claims.queue import QueueFilter

    ui_available = False
    if not args.no_ui:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        try:
            import PySide6.QtWidgets  # noqa: F401

            ui_available = True
        except ImportError:
            c.say("PySide6 is not importable: skipping the table-model part")

    explains: list[tuple[str, str]] = []
    ui_child = UiChild() if ui_available else None
    with c.bench_database() as bench:
        db = bench.connect(pool_size=2)
        capture = _Capture(db.engine)
        try:
            c.say(f"seeding {claims:,} claims for {members:,} members (work=0) ...")
            seeded = demo.seed(db.engine, members=members, claims=claims, seed=7, work=0, progress=c.Progress())
            if adjudicate:
                c.say(f"auto-adjudicating the oldest {adjudicate:,} claims (so every queue status exists) ...")
                batch.adjudicate_received(db, limit=adjudicate, batch_size=500, progress=c.Progress())
            c.say("VACUUM ANALYZE ...")
            c.vacuum_analyze(db.engine, "claims.claims", "claims.claim_lines", "policy_admin.parties", "provider.providers")
            with db.engine.connect() as conn:
                statuses = dict(conn.execute(text("SELECT status, count(*) FROM claims.claims GROUP BY status")).all())
                last_name = conn.execute(
                    text("SELECT last_name FROM policy_admin.parties WHERE last_name IS NOT NULL GROUP BY last_name "
                         "ORDER BY count(*) DESC, last_name LIMIT 1")
                ).scalar_one()
                middle = conn.execute(
                    text("SELECT received_at, id FROM claims.claims ORDER BY received_at, id OFFSET :n LIMIT 1"),
                    {"n": claims // 2},
                ).one()
                name_share = conn.execute(
                    text("SELECT count(*) FROM claims.claims c JOIN policy_admin.parties p ON p.id = c.claimant_party_id "
                         "WHERE lower(p.last_name) LIKE :pfx"),
                    {"pfx": last_name[:3].lower() + "%"},
                ).scalar_one()
            prefix = last_name[:3]
            amount_min, amount_max = Decimal("500.00"), Decimal("1000.00")
            with db.engine.connect() as conn:
                amount_share = conn.execute(
                    text("SELECT count(*) FROM claims.claims WHERE amount_claimed BETWEEN :a AND :b"), {"a": amount_min, "b": amount_max}
                ).scalar_one()
            cases: list[tuple[str, QueueFilter, Any, float, str]] = [
                ("first page, unfiltered (all statuses)", QueueFilter(), None, FIRST_PAGE_GOAL_MS, f"{claims:,} match"),
                ("first page, open work (screen default)", QueueFilter(statuses=queue.QUEUE_STATUSES), None, FIRST_PAGE_GOAL_MS,
                 f"{sum(statuses.get(s, 0) for s in queue.QUEUE_STATUSES):,} match"),
                ("status = PENDED", QueueFilter(statuses=("PENDED",)), None, FILTERED_GOAL_MS, f"{statuses.get('PENDED', 0):,} match"),
                (f"text = last-name prefix '{prefix}'", QueueFilter(text=prefix), None, FILTERED_GOAL_MS, f"{name_share:,} match"),
                (f"amount {amount_min}-{amount_max}", QueueFilter(amount_min=amount_min, amount_max=amount_max), None, FILTERED_GOAL_MS,
                 f"{amount_share:,} match"),
                ("open work + prefix + amount", QueueFilter(statuses=queue.QUEUE_STATUSES, text=prefix, amount_min=amount_min,
                                                            amount_max=amount_max), None, FILTERED_GOAL_MS, "combined"),
                ("unfiltered, page after the middle row (keyset)", QueueFilter(), (middle.received_at, middle.id), FIRST_PAGE_GOAL_MS,
                 f"row {claims // 2:,} onwards"),
            ]
            results = []
            for label, f, after, goal, detail in cases:
                c.say(f"timing: {label} ...")
                times, n = time_query(db.sessions, f, after)
                med = c.median(times)
                results.append((label, round(med, 1), round(min(times), 1), round(max(times), 1), n, f"< {goal:.0f}",
                                c.verdict(med < goal), detail))
                if med >= goal or args.explain:
                    explains.append((label, explain(db, capture, f, after)))
            ui = None
            if ui_available:
                c.say("table model: creating and scrolling ...")
                ui = ui_child.run(bench, tuple(queue.QUEUE_STATUSES), max_rows=scroll_rows, max_seconds=args.scroll_seconds)
        finally:
            db.dispose()
            if ui_child is not None:
                ui_child.close()

    rows: list[tuple] = list(results)
    goals = [f"first page < {FIRST_PAGE_GOAL_MS:.0f} ms, filtered < {FILTERED_GOAL_MS:.0f} ms (median of {RUNS} runs after 1 warm-up, "
             f"{PAGE} rows a page, list_queue end to end: SQL + row objects)"]
    notes = [f"claim statuses: {', '.join(f'{k}={v:,}' for k, v in sorted(statuses.items()))}",
             f"seed (not timed): {seeded['seconds']} s"]
    ui_rows: list[tuple] = []
    def hwm(v: float | None) -> str:
        return "" if v is None else f"VmHWM {v:,.0f} MiB"

    if ui is not None:
        hwm_growth = (ui["hwm_after_mib"] - ui["hwm_first_page_mib"]) if ui.get("hwm_after_mib") is not None else None
        growth = hwm_growth if hwm_growth is not None else ui["peak_rss_after_mib"] - ui["peak_rss_first_page_mib"]
        per_row = growth * 1024 * 1024 / max(1, ui["rows"] - ui["first_rows"])
        ui_rows = [
            ("model created -> first page_loaded", round(ui["first_page_ms"], 1), "ms", f"< {FIRST_PAGE_GOAL_MS:.0f} ms",
             c.verdict(ui["first_page_ms"] < FIRST_PAGE_GOAL_MS), f"{ui['first_rows']} rows, open work"),
            ("scrolling: fetchMore until the end/cap", round(ui["scroll_seconds"], 1), "s", "", "",
             f"{ui['rows']:,} rows in {ui['pages']:,} pages ({ui['rows'] / max(ui['scroll_seconds'], 1e-9):,.0f} rows/s, "
             f"{1000 * ui['scroll_seconds'] / max(ui['pages'] - 1, 1):,.1f} ms a page); stop: {ui['stop_reason']}"),
            ("  a page: first 100 / last 100 pages", f"{ui['page_ms_first_100']:,.1f} / {ui['page_ms_last_100']:,.1f}", "ms", "", "",
             f"of which list_queue + row dicts on the worker: {ui['fetch_ms_first_100']:,.1f} / {ui['fetch_ms_last_100']:,.1f} ms"),
            ("peak RSS before the model", round(ui["peak_rss_before_mib"]), "MiB", "", "", hwm(ui["hwm_before_mib"])),
            ("peak RSS after the first page", round(ui["peak_rss_first_page_mib"]), "MiB", "", "", hwm(ui["hwm_first_page_mib"])),
            ("peak RSS after scrolling", round(ui["peak_rss_after_mib"]), "MiB", "flat", c.verdict(growth < 50),
             f"+{growth:,.0f} MiB over the scroll = {per_row:,.0f} bytes per loaded row; " + hwm(ui["hwm_after_mib"])),
        ]
        goals.append("memory flat while scrolling (read here as: peak RSS grows < 50 MiB from the first page to the last)")
        notes.append("peak RSS: getrusage ru_maxrss (the UI process's, started before the seeding) and VmHWM (this process image only)")
        if ui["rss_after_mib"] is not None:
            notes.append(f"UI current RSS: {ui['rss_before_mib']:,.0f} MiB before the model, {ui['rss_after_mib']:,.0f} MiB after scrolling")
    elif not ui_available:
        notes.append("UI part skipped (PySide6 not importable or --no-ui)")
    c.report(
        f"work queue (list_queue, {PAGE}-row first page), {claims:,} claims",
        rows,
        header=("measure", "median ms", "min", "max", "rows", "goal ms", "verdict", "detail"),
        size={"claims": claims, "members": members, "adjudicated_first": adjudicate, "page_rows": PAGE, "runs": RUNS,
              "scroll_cap_rows": scroll_rows or "none"},
        server=bench.server_info,
        goals=goals,
        notes=notes,
        json_path=args.json,
        extra={"explain": dict(explains), "ui": ui, "ui_rows": ui_rows},
    )
    if ui_rows:
        print(c.table(ui_rows, ("UI: KeysetTableModel over list_queue (offscreen Qt, own process)", "value", "unit", "goal", "verdict", "detail")))
        print()
    for label, plan in explains:
        print(f"--- EXPLAIN (ANALYZE, BUFFERS): {label}")
        print(plan)
        print()


if __name__ == "__main__":
    main()
