"""``claimdesk adjudicate --received``: work the RECEIVED queue in batches.

Each batch is one transaction: claims are claimed with SKIP LOCKED (so two
batch runs, or a batch and the workstations, never take the same claim),
pended or priced, and clean ones finalised.

With two workers or more (two by default), each worker is a process of its
own with its own connection, working its own part of the members (by a hash
of the claimant), so workers never wait for each other's balance locks and
never for each other's Python: while one prices, the other's statements run
in PostgreSQL. This process hands out the claims still to take, a batch at a
time, and adds up what the workers report.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ClaimDeskError
from ..uow import UnitOfWork
from . import adjudication as adj
from .service import BatchResult, Policy, auto_adjudicate_locked

DEFAULT_WORKERS = 2

_NEXT_BATCH = text(
    "SELECT id FROM claims.claims WHERE status = 'RECEIVED' AND (assignee IS NULL OR lease_expires_at < now()) "
    "AND (hashtext(claimant_party_id::text) & 2147483647) % :workers = :part "
    "ORDER BY received_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
)


class WorkerConnection(Protocol):
    """Picklable: opens a worker process's own connection (``claimdesk.db.WorkerConnection``)."""

    def sessions(self) -> sessionmaker[Session]: ...


class Database(Protocol):
    sessions: sessionmaker[Session]

    def worker_connection(self) -> WorkerConnection: ...


class BatchWorkerError(ClaimDeskError):
    """A worker process failed in a way that cannot be passed back as it was."""


def _one_batch(sessions, policy: Policy, part: int, parts: int, take: int) -> tuple[int, BatchResult]:  # noqa: ANN001
    """Adjudicate up to ``take`` received claims of this part in one transaction; 0 taken means the part is empty."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        ids = conn.execute(_NEXT_BATCH, {"n": take, "part": part, "workers": parts}).scalars().all()
        if not ids:
            return 0, BatchResult()
        claims = adj.lock_claims(conn, sorted(ids))
        result = auto_adjudicate_locked(conn, claims, policy)
        uow.commit()
    return len(ids), result


def _worker(connection: WorkerConnection, policy: Policy, part: int, parts: int, pipe: Pipe) -> None:
    """A worker process: a batch for each quota received, until it receives None."""
    # Ctrl-C reaches the whole process group; the parent alone decides, and its
    # stopping ends this process with its open batch rolled back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sessions = connection.sessions()
        while take := pipe.recv():
            taken, result = _one_batch(sessions, policy, part, parts, take)
            pipe.send(("done", taken, result))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        pipe.send(("error", _portable(exc)))
    finally:
        pipe.close()


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives the pipe, else one that says the same."""
    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return back
    except Exception:  # noqa: BLE001, S110 - not picklable: described below instead
        pass
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return BatchWorkerError(f"a batch worker failed: {type(exc).__name__}{': ' + first if first else ''}")


class _Run:
    """The claims still to hand out, what came back, and the first error: the parent's bookkeeping."""

    def __init__(self, target: int, progress: Callable[..., None] | None) -> None:
        self.target = target
        self.left = target
        self.done = 0
        self.total = BatchResult()
        self.error: BaseException | None = None
        self.progress = progress

    def take(self, batch_size: int) -> int:
        take = min(batch_size, self.left) if self.error is None else 0
        self.left -= take
        return take

    def back(self, reserved: int, taken: int, result: BatchResult) -> None:
        """A batch is committed: ``taken`` of the ``reserved`` claims were worked; the rest go back."""
        self.left += reserved - taken
        self.done += taken
        self.total += result
        if self.progress and taken:
            self.progress(self.done, self.target, "adjudicated")


@contextmanager
def _first_ctrl_c_finishes() -> Iterator[Callable[[], bool]]:
    """Yield "was Ctrl-C pressed?": the first press only says so, a second raises KeyboardInterrupt.

    A KeyboardInterrupt raised wherever the parent happens to be (printing
    progress, handing out a batch) could stop the workers just as one
    commits, and that batch would be written but never counted. So the first
    press is a flag the loop reads between messages; only a second stops at
    once. Off the main thread Python delivers no signals, so nothing changes.
    """
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed.is_set
        return

    def on_sigint(signum: int, frame: object) -> None:
        if pressed.is_set():
            raise KeyboardInterrupt
        pressed.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def _in_process(sessions, policy: Policy, run: _Run, batch_size: int, stop: Callable[[], bool]) -> None:  # noqa: ANN001
    while not stop() and (take := run.take(batch_size)):
        taken, result = _one_batch(sessions, policy, 0, 1, take)
        run.back(take, taken, result)
        if not taken:
            return


def _in_processes(db: Database, policy: Policy, run: _Run, workers: int, batch_size: int, stop: Callable[[], bool]) -> None:
    ctx = multiprocessing.get_context("spawn")  # no inherited sockets or threads: a clean interpreter each
    connection = db.worker_connection()
    pipes: list[Pipe] = []
    processes = []
    for part in range(workers):
        here, there = ctx.Pipe()
        process = ctx.Process(
            target=_worker, args=(connection, policy, part, workers, there), name=f"claimdesk-adjudicate-{part}", daemon=True
        )
        process.start()
        there.close()
        pipes.append(here)
        processes.append(process)
    running: dict[Pipe, int] = {}  # pipe -> claims reserved for its batch in flight
    idle: list[Pipe] = []  # workers waiting for claims another worker may hand back

    def hand_out(pipe: Pipe) -> bool:
        take = 0 if stop() else run.take(batch_size)
        if take:
            pipe.send(take)
            running[pipe] = take
        return bool(take)

    stopped_at_once = True
    try:
        idle = [p for p in pipes if not hand_out(p)]
        while running:
            for pipe in wait(list(running), timeout=0.5):
                reserved = running.pop(pipe)
                try:
                    message = pipe.recv()
                except (EOFError, OSError):  # it died: killed, or out of memory
                    message = ("error", BatchWorkerError("a batch worker stopped unexpectedly; its open batch was rolled back"))
                if message[0] == "error":
                    run.back(reserved, 0, BatchResult())
                    run.error = run.error or message[1]
                    continue
                _kind, taken, result = message
                run.back(reserved, taken, result)
                if taken:  # an empty part is finished; its worker gets no more
                    idle.append(pipe)
            idle = [p for p in idle if not hand_out(p)]
        stopped_at_once = False
    finally:
        for pipe in pipes:
            try:
                pipe.send(None)
            except OSError:
                pass  # that worker has already gone
        for process in processes:
            if stopped_at_once:  # this process is failing: a worker's open batch rolls back with its connection
                process.terminate()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        for pipe in pipes:
            pipe.close()


def adjudicate_received(
    db: Database,
    settings: Any = None,
    *,
    limit: int | None = None,
    batch_size: int = 500,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[..., None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """Auto-adjudicate up to ``limit`` received claims (all by default); returns the counts and the rate.

    A batch that fails rolls back alone; batches already committed stay, and
    the error is raised once every worker has stopped. ``cancelled`` is asked
    between batches: batches under way finish, no new ones start.
    """
    batch_size = max(1, batch_size)
    started = time.perf_counter()
    with UnitOfWork(db.sessions) as uow:
        waiting = uow.connection.execute(text("SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'")).scalar_one()
        policy = Policy.load(uow.connection)
    target = min(waiting, limit) if limit is not None else waiting
    # Small runs are not worth a process and a connection more.
    workers = min(max(1, workers), max(1, target // batch_size))
    run = _Run(target, progress)
    with _first_ctrl_c_finishes() as interrupted:
        stop = lambda: interrupted() or cancelled()  # noqa: E731
        if workers == 1:
            _in_process(db.sessions, policy, run, batch_size, stop)
        else:
            _in_processes(db, policy, run, workers, batch_size, stop)
    if run.error is not None:
        raise run.error
    if interrupted():
        raise KeyboardInterrupt  # every batch under way has finished and been counted
    seconds = time.perf_counter() - started
    return {
        **asdict(run.total),
        "claims": run.done,
        "workers": workers,
        "seconds": round(seconds, 2),
        "claims_per_second": round(run.done / seconds, 1) if seconds else None,
    }
