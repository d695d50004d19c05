"""``claimdesk adjudicate --received`` with parallel workers, on a database of its own."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from psycopg.conninfo import make_conninfo
from sqlalchemy import text

from claimdesk.db import WorkerConnection, connect
from claimdesk.migrate import upgrade
from claimdesk.services import demo
from claimdesk.services.claims import batch, service
from claimdesk.services.errors import ClaimDeskError
from claimdesk.settings import Settings
from tests.conftest import _as_url, _fresh_database

CLAIMS = 900


@pytest.fixture(scope="module")
def run(pg_admin_url):
    """Demo members with CLAIMS received claims of three lines each, adjudicated by two workers:
    first 250 (the limit), then the rest."""
    url = _as_url(_fresh_database(pg_admin_url, "cdbatch"))
    db = connect(Settings(database_url=url), url=url, pool_size=4)
    upgrade(db.engine, "head")
    demo.seed(db.engine, members=60, claims=CLAIMS, seed=5, work=0, lines_per_claim=3)
    consumed_before = _consumed(db)
    # The batch runs as a claims supervisor would run it, under the roles' grants and row-level
    # security, not as the superuser that set the database up.
    supervisor = f"t_batch_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{supervisor}" LOGIN IN ROLE claimdesk_supervisor')
    as_supervisor = connect(Settings(database_url=url), url=url.replace("postgres@", f"{supervisor}@", 1), pool_size=2)
    progress = []
    first = batch.adjudicate_received(
        as_supervisor, limit=250, batch_size=40, workers=2, progress=lambda d, t, _l: progress.append((d, t))
    )
    received_after_first = _scalar(db, "SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'")
    rest = batch.adjudicate_received(as_supervisor, batch_size=40, workers=2)
    with db.engine.connect() as conn:
        actors = set(conn.execute(text("SELECT DISTINCT actor FROM claims.claim_events WHERE event_type = 'AUTO_PRICED'")).scalars())
    yield {"db": db, "first": first, "rest": rest, "progress": progress, "consumed_before": consumed_before,
           "received_after_first": received_after_first, "actors": actors, "supervisor": supervisor}
    as_supervisor.dispose()
    db.dispose()


def _scalar(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _consumed(db) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, consumed_amount FROM eligibility.coverage_accumulators")).all())


def test_two_workers_take_exactly_the_limit(run):
    first = run["first"]
    assert run["actors"] == {run["supervisor"]}  # the database took the actor from the workers' login
    assert first["claims"] == 250 and first["workers"] == 2
    assert first["finalized"] + first["denied"] + first["pended"] == 250
    assert run["received_after_first"] == CLAIMS - 250
    assert run["progress"][-1] == (250, 250)
    assert [d for d, _ in run["progress"]] == sorted(d for d, _ in run["progress"])


def test_two_workers_work_every_claim_once_and_keep_balances_and_payments_exact(run):
    db = run["db"]
    assert run["rest"]["claims"] == CLAIMS - 250
    assert _scalar(db, "SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'") == 0
    with db.engine.connect() as conn:
        # Every claim was worked once: one auto event that took it out of RECEIVED.
        left_received = Counter(
            conn.execute(
                text("SELECT claim_id FROM claims.claim_events WHERE from_status = 'RECEIVED' AND event_type IN ('AUTO_PRICED', 'AUTO_PENDED')")
            ).scalars()
        )
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM claims.claims GROUP BY status")).all())
        # Every paid claim has one live charge, booked as a balanced pair of the same amount.
        payments = conn.execute(
            text(
                "SELECT c.locator, c.amount_paid, ch.amount, "
                "(SELECT sum(amount) FROM billing.ledger_entries l WHERE l.reference_id = ch.id AND direction = 'DEBIT'), "
                "(SELECT sum(amount) FROM billing.ledger_entries l WHERE l.reference_id = ch.id AND direction = 'CREDIT') "
                "FROM claims.claims c JOIN billing.charges ch ON ch.claim_id = c.id AND ch.status <> 'CANCELLED'"
            )
        ).all()
        paid_claims = conn.execute(text("SELECT count(*) FROM claims.claims WHERE status = 'FINALIZED' AND amount_paid > 0")).scalar()
        applied = dict(
            conn.execute(
                text(
                    "SELECT (a ->> 'accumulator_id')::uuid, sum((a ->> 'amount')::numeric) "
                    "FROM claims.claims c, jsonb_array_elements(c.document -> 'applied') a GROUP BY 1"
                )
            ).all()
        )
    assert len(left_received) == CLAIMS and set(left_received.values()) == {1}
    assert statuses.get("FINALIZED", 0) > CLAIMS // 2 and sum(statuses.values()) == CLAIMS
    assert len(payments) == paid_claims == len({p.locator for p in payments})
    for locator, paid, charged, debit, credit in payments:
        assert (charged, debit, credit) == (paid, paid, paid), locator
    # No balance moved by more or less than the claims say they applied.
    after = _consumed(db)
    for acc_id, before in run["consumed_before"].items():
        assert after[acc_id] == before + applied.get(acc_id, Decimal("0.00")), acc_id


def test_paying_a_batch_twice_charges_each_claim_once_and_refuses_unapproved(run):
    db = run["db"]
    with db.engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM claims.claims WHERE status = 'FINALIZED' AND amount_paid > 0 ORDER BY id LIMIT 5")).scalars().all()
        pended = conn.execute(text("SELECT id, locator FROM claims.claims WHERE status = 'PENDED' LIMIT 1")).one()
    charges_before = _scalar(db, "SELECT count(*) FROM billing.charges")
    with db.engine.begin() as conn:
        again = conn.execute(text("SELECT * FROM billing.post_claim_payments(CAST(:ids AS uuid[]))"), {"ids": ids}).all()
    assert again == [] and _scalar(db, "SELECT count(*) FROM billing.charges") == charges_before
    with pytest.raises(Exception, match=rf"claim {pended.locator} is PENDED: only an approved claim is paid"):
        with db.engine.begin() as conn:
            conn.execute(text("SELECT * FROM billing.post_claim_payments(CAST(:ids AS uuid[]))"), {"ids": [*ids, pended.id]})


def test_pricing_is_audited_on_the_claim_and_an_override_on_the_line(run):
    db = run["db"]
    with db.engine.connect() as conn:
        claim_id, line_id, version = conn.execute(
            text(
                "SELECT c.id, l.id, c.version FROM claims.claims c JOIN claims.claim_lines l ON l.claim_id = c.id AND l.line_number = 1 "
                "WHERE c.status = 'PENDED' ORDER BY c.id LIMIT 1"
            )
        ).one()
    service.override_line(db.sessions, claim_id, version, 1, allowed=Decimal("10.00"), note="agreed with the provider")

    with db.engine.connect() as conn:
        line_log = conn.execute(
            text("SELECT old_values, new_values FROM audit.change_log WHERE table_name = 'claims.claim_lines' AND row_id = :id"), {"id": line_id}
        ).all()
        # A changed document is kept whole on a row of its own, beside the row of the claim's other columns.
        document, before = conn.execute(
            text(
                "SELECT new_values, old_values FROM audit.change_log WHERE table_name = 'claims.claims' AND row_id = :id "
                "AND column_name = 'document' ORDER BY id DESC LIMIT 1"
            ),
            {"id": claim_id},
        ).one()
        columns = conn.execute(
            text(
                "SELECT old_values, new_values FROM audit.change_log WHERE table_name = 'claims.claims' AND row_id = :id "
                "AND column_name IS NULL ORDER BY id DESC LIMIT 1"
            ),
            {"id": claim_id},
        ).one()
    # The person's override is in the line's trail, old and new; only that statement wrote there.
    assert len(line_log) == 1
    old, new = line_log[0]
    assert old["override_allowed"] is None and Decimal(str(new["override_allowed"])) == Decimal("10.00")
    assert new["override_note"] == "agreed with the provider"
    # The price that followed is in the claim's trail, with the steps that produced it.
    line = document["pricing"]["lines"][0]
    assert line["amount_allowed"] == "10.00" and any(step["rule"] == "override" for step in line["steps"])
    assert before.get("pricing") is None or before["pricing"]["lines"][0]["amount_allowed"] != "10.00"
    old_columns, new_columns = columns
    assert (old_columns["version"], new_columns["version"]) == (version, version + 1)
    assert old_columns["status"] == "PENDED" and new_columns["status"] != "PENDED"
    assert "document" not in new_columns and Decimal(str(new_columns["amount_allowed"])) > 0


# --------------------------------------------------------------------------- worker processes: failure, cancel, the command


@pytest.fixture(scope="module")
def received(pg_admin_url):
    """A database of its own with 300 received claims, for runs that stop early."""
    url = _as_url(_fresh_database(pg_admin_url, "cdbatchstop"))
    db = connect(Settings(database_url=url), url=url, pool_size=2)
    upgrade(db.engine, "head")
    demo.seed(db.engine, members=40, claims=300, seed=8, work=0, lines_per_claim=3)
    yield {"db": db, "url": url}
    db.dispose()


def _counts(db) -> tuple[int, int, int, int]:
    """Received claims, claim events, change-log rows and charges: what a stopped run must account for."""
    with db.engine.connect() as conn:
        return tuple(
            conn.execute(text(sql)).scalar()
            for sql in (
                "SELECT count(*) FROM claims.claims WHERE status = 'RECEIVED'",
                "SELECT count(*) FROM claims.claim_events",
                "SELECT count(*) FROM audit.change_log",
                "SELECT count(*) FROM billing.charges",
            )
        )


def test_a_worker_that_cannot_connect_stops_the_run_writes_nothing_and_keeps_the_password(received):
    db = received["db"]
    before = _counts(db)
    # The workers are sent to a database that is not there, with a password that must not show anywhere.
    info = {**db.conninfo, "dbname": "claimdesk_no_such_database", "password": "hunter2-secret"}
    broken = dataclasses.replace(db, _worker=WorkerConnection(make_conninfo(**info)))
    with pytest.raises(ClaimDeskError, match="has no database named claimdesk_no_such_database") as failed:
        batch.adjudicate_received(broken, batch_size=50, workers=2)
    assert "hunter2" not in str(failed.value) and "hunter2" not in repr(broken)
    assert _counts(db) == before


def test_cancelling_stops_between_batches_and_keeps_every_finished_batch_whole(received):
    db = received["db"]
    received_before, events_before, *_ = _counts(db)
    seen = []
    summary = batch.adjudicate_received(
        db, batch_size=30, workers=2, progress=lambda done, _total, _label: seen.append(done), cancelled=lambda: bool(seen)
    )
    received_after, events_after, *_ = _counts(db)
    # The batches under way when the person cancelled finish; no new one starts.
    assert 0 < summary["claims"] <= 2 * 30 < received_before
    assert received_before - received_after == summary["claims"] == seen[-1]
    with db.engine.connect() as conn:
        half_done = conn.execute(
            text(
                "SELECT count(*) FROM claims.claims c WHERE c.status <> 'RECEIVED' AND NOT EXISTS "
                "(SELECT 1 FROM claims.claim_events e WHERE e.claim_id = c.id AND e.event_type IN ('AUTO_PRICED', 'AUTO_PENDED'))"
            )
        ).scalar()
    assert half_done == 0 and events_after > events_before


def test_the_adjudicate_command_runs_its_workers_as_processes(received):
    db = received["db"]
    received_before = _counts(db)[0]
    env = {**os.environ, "CLAIMDESK_DATABASE_URL": received["url"]}
    proc = subprocess.run(
        [sys.executable, "-m", "claimdesk", "adjudicate", "--received", "--limit", "120", "--batch", "30", "--workers", "2"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["claims"] == 120 and summary["workers"] == 2
    assert summary["finalized"] + summary["denied"] + summary["pended"] == 120
    assert _counts(db)[0] == received_before - 120


def test_ctrl_c_lets_the_batches_under_way_finish_and_counts_them(received):
    db = received["db"]
    received_before = _counts(db)[0]
    env = {**os.environ, "CLAIMDESK_DATABASE_URL": received["url"]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimdesk", "adjudicate", "--received", "--batch", "2", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal, not as a background job
    )
    seen = b""
    while b"adjudicated" not in seen:  # the first batch is in: press Ctrl-C
        chunk = proc.stdout.read1(4096)
        assert chunk, seen.decode(errors="replace")
        seen += chunk
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    output = (seen + rest).decode().replace("\r", "\n")
    assert proc.returncode == 130, output
    assert "interrupted" in output and "Traceback" not in output
    last = [line for line in output.splitlines() if line.startswith("adjudicated ")][-1]
    shown = int(last.split()[1].split("/")[0].replace(",", ""))
    # What the last progress line says is exactly what left the queue: nothing half done, nothing uncounted.
    assert 0 < shown < received_before
    assert received_before - _counts(db)[0] == shown


def test_ctrl_c_while_progress_is_shown_still_counts_every_committed_batch(received):
    """The race CI once hit: Ctrl-C arrives while the parent is printing a progress line. The other
    worker's batch may be committing at that moment; it must finish and be counted, not be cut off."""
    db = received["db"]
    received_before = _counts(db)[0]
    handler_before = signal.getsignal(signal.SIGINT)
    seen = []

    def progress(done, _total, _label):
        seen.append(done)
        if len(seen) == 1:
            # Make the race certain: wait until the other worker's batch has committed too, then press.
            deadline = time.monotonic() + 30
            while received_before - _counts(db)[0] <= done and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGINT)  # delivered here, inside the progress report

    with pytest.raises(KeyboardInterrupt):
        batch.adjudicate_received(db, batch_size=5, workers=2, progress=progress)
    assert 0 < seen[-1] <= 2 * 5 < received_before
    assert received_before - _counts(db)[0] == seen[-1]
    assert signal.getsignal(signal.SIGINT) == handler_before  # Ctrl-C means what it meant before the run


def test_a_second_ctrl_c_stops_at_once():
    with batch._first_ctrl_c_finishes() as interrupted:
        assert not interrupted()
        os.kill(os.getpid(), signal.SIGINT)
        assert interrupted()  # the first press is only noted
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            signal.getsignal(signal.SIGINT)  # a bytecode boundary for the handler to run at
