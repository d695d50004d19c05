"""A connection killed mid-transaction: nothing half-written, and the same action succeeds once it is back."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from claimdesk.services.claims import adjudication, billing, service
from claimdesk.services.errors import ConnectionLost
from tests.factories import make_scenario, scenario_data

KILL_POINTS = ("write_events", "create_payments", "price_locked")


def _snapshot(db, created):
    with db.engine.connect() as conn:
        return (
            conn.execute(text("SELECT status, version, amount_paid FROM claims.claims WHERE id = :id"), {"id": created.claim_id}).one(),
            conn.execute(text("SELECT count(*) FROM claims.claim_events WHERE claim_id = :id"), {"id": created.claim_id}).scalar(),
            conn.execute(text("SELECT count(*) FROM claims.outbox WHERE key = :l"), {"l": created.claim_locator}).scalar(),
            conn.execute(text("SELECT count(*) FROM billing.charges WHERE claim_id = :id"), {"id": created.claim_id}).scalar(),
            tuple(conn.execute(text("SELECT consumed_amount FROM eligibility.coverage_accumulators WHERE party_id = :p ORDER BY id"), {"p": created.party_id}).scalars()),
        )


@pytest.mark.slow
def test_killed_connection_a_hundred_times_leaves_nothing_half_written(db, monkeypatch):
    rng = random.Random(11)
    created = make_scenario(db, scenario_data("02"))
    originals = {
        "write_events": adjudication.write_events,
        "create_payments": billing.create_payments,
        "price_locked": adjudication.price_locked,
    }
    for i in range(100):
        point = KILL_POINTS[i % len(KILL_POINTS)]
        before = _snapshot(db, created)
        version = before[0].version

        def killer(conn, *args, _orig=originals[point], **kwargs):  # noqa: ANN001
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            with db.engine.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                admin.commit()
            return _orig(conn, *args, **kwargs)

        target = billing if point == "create_payments" else adjudication
        monkeypatch.setattr(target, point, killer)
        if point == "price_locked":
            monkeypatch.setattr(service.adj, "price_locked", killer)
        with pytest.raises(ConnectionLost, match="nothing was saved"):
            service.approve(db.sessions, created.claim_id, version)
        monkeypatch.undo()
        assert _snapshot(db, created) == before, f"iteration {i} ({point}) left a half-written change"
        # The person's action is kept by the screen and simply sent again once the connection is back.
        change = service.approve(db.sessions, created.claim_id, version)
        assert change.status == "FINALIZED"
        assert _snapshot(db, created)[3] == before[3] + 1
        service.reopen(db.sessions, created.claim_id, None, f"round {i}")
        if rng.random() < 0.1:
            assert _snapshot(db, created)[4] == (before[4])  # reopening gave every balance back
