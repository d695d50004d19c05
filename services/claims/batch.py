"""``claimdesk adjudicate --received``: work the RECEIVED queue in batches.

Each batch is one transaction: claims are claimed with SKIP LOCKED (so two
batch runs, or a batch and the workstations, never take the same claim),
pended or priced, and clean ones finalised.

Two workers run side by side by default, each on its own connection and each
on its own half of the members (by a hash of the claimant), so they never
wait for each other's balance locks: while one prices in Python the other's
statements run in PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import text

from ..uow import UnitOfWork
from . import adjudication as adj
from .service import BatchResult, Policy, auto_adjudicate_locked

DEFAULT_WORKERS = 2

_NEXT_BATCH = text(
    "SELECT id FROM claims.claims WHERE status = 'RECEIVED' AND (assignee IS NULL OR lease_expires_at < now()) "
    "AND (hashtext(claimant_party_id::text) & 2147483647) % :workers = :part "
    "ORDER BY received_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
)


class _Shared:
    """What the workers share: the claims still to take, the totals, the first error."""

    def __init__(self, target: int, progress: Callable[..., None] | None, cancelled: Callable[[], bool]) -> None:
        self.changed = threading.Condition()
        self.left = target
        self.reserved = 0  # taken from ``left`` by batches still running
        self.target = target
        self.done = 0
        self.total = BatchResult()
        self.error: BaseException | None = None
        self.progress = progress
        self.cancelled = cancelled

    def reserve(self, batch_size: int) -> int:
        """Claims this worker may take next; 0 when the run is over.

        With nothing left, wait for running batches: one that finds fewer
        claims in its half than it reserved hands the rest back to the others.
        """
        with self.changed:
            while True:
                if self.error is not None or self.cancelled():
                    return 0
                if self.left:
                    take = min(batch_size, self.left)
                    self.left -= take
                    self.reserved += take
                    return take
                if not self.reserved:
                    return 0
                self.changed.wait()

    def finish(self, reserved: int, taken: int, result: BatchResult) -> None:
        with self.changed:
            self.reserved -= reserved
            self.left += reserved - taken
            self.total += result
            self.done += taken
            self.changed.notify_all()
            if self.progress and taken:  # under the lock, so the counts it shows only go up
                self.progress(self.done, self.target, "adjudicated")

    def fail(self, exc: BaseException, reserved: int) -> None:
        with self.changed:
            self.reserved -= reserved
            self.error = self.error or exc
            self.changed.notify_all()


def _work(sessions, policy: Policy, part: int, workers: int, batch_size: int, shared: _Shared) -> None:  # noqa: ANN001
    take = 0
    try:
        while take := shared.reserve(batch_size):
            with UnitOfWork(sessions) as uow:
                conn = uow.connection
                ids = conn.execute(_NEXT_BATCH, {"n": take, "part": part, "workers": workers}).scalars().all()
                if not ids:
                    shared.finish(take, 0, BatchResult())
                    return  # this worker's part is empty
                claims = adj.lock_claims(conn, sorted(ids))
                result = auto_adjudicate_locked(conn, claims, policy)
                uow.commit()
            shared.finish(take, len(ids), result)
            take = 0
    except BaseException as exc:  # raised again in the caller's thread
        shared.fail(exc, take)


def adjudicate_received(
    sessions,  # noqa: ANN001
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
    the error is raised once every worker has stopped.
    """
    batch_size = max(1, batch_size)
    workers = max(1, workers)
    started = time.perf_counter()
    with UnitOfWork(sessions) as uow:
        waiting = uow.connection.execute(text("SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'")).scalar_one()
        policy = Policy.load(uow.connection)
    target = min(waiting, limit) if limit is not None else waiting
    # Small runs are not worth a second connection.
    workers = min(workers, max(1, target // batch_size))
    shared = _Shared(target, progress, cancelled)
    if workers == 1:
        _work(sessions, policy, 0, 1, batch_size, shared)
    else:
        threads = [
            threading.Thread(target=_work, args=(sessions, policy, part, workers, batch_size, shared), name=f"adjudicate-{part}")
            for part in range(workers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if shared.error is not None:
        raise shared.error
    seconds = time.perf_counter() - started
    done = shared.done
    return {
        **asdict(shared.total),
        "claims": done,
        "workers": workers,
        "seconds": round(seconds, 2),
        "claims_per_second": round(done / seconds, 1) if seconds else None,
    }
