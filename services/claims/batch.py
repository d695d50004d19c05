"""``claimdesk adjudicate --received``: work the RECEIVED queue in batches.

Each batch is one transaction: claims are claimed with SKIP LOCKED (so two
batch runs, or a batch and the workstations, never take the same claim),
pended or priced, and clean ones finalised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import text

from ..uow import UnitOfWork
from . import adjudication as adj
from .service import BatchResult, Policy, auto_adjudicate_locked


def adjudicate_received(
    sessions,  # noqa: ANN001
    settings: Any = None,
    *,
    limit: int | None = None,
    batch_size: int = 500,
    progress: Callable[..., None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    batch_size = max(1, batch_size)
    started = time.perf_counter()
    total = BatchResult()
    done = 0
    with UnitOfWork(sessions) as uow:
        waiting = uow.connection.execute(text("SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'")).scalar_one()
        policy = Policy.load(uow.connection)
    target = min(waiting, limit) if limit is not None else waiting
    while done < target and not cancelled():
        take = min(batch_size, target - done)
        with UnitOfWork(sessions) as uow:
            conn = uow.connection
            ids = conn.execute(
                text(
                    "SELECT id FROM claims.claims WHERE status = 'RECEIVED' AND (assignee IS NULL OR lease_expires_at < now()) "
                    "ORDER BY received_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
                ),
                {"n": take},
            ).scalars().all()
            if not ids:
                break
            claims = adj.lock_claims(conn, sorted(ids))
            result = auto_adjudicate_locked(conn, claims, policy)
            uow.commit()
        total += result
        done += len(ids)
        if progress:
            progress(done, target, "adjudicated")
    seconds = time.perf_counter() - started
    return {**asdict(total), "claims": done, "seconds": round(seconds, 2), "claims_per_second": round(done / seconds, 1) if seconds else None}
