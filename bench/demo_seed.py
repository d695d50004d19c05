"""Bulk load speed: rows per second for ``claimdesk demo seed --claims N --work 0``.

Loads N demo claims (members = N/10, the demo's own 1-5 lines per claim) into
a fresh database with the demo loader's COPY path, and prints total rows (all
tables), seconds, rows/s and claims/s. Goal: a million claims in under two
minutes.

    .venv/bin/python bench/demo_seed.py                 # 1,000,000 claims
    .venv/bin/python bench/demo_seed.py --claims 200000
    .venv/bin/python bench/demo_seed.py --quick         # 20,000 claims
"""

from __future__ import annotations

import _common as c  # first: puts the standard library ahead of this folder (see _common)

import time


GOAL_CLAIMS = 1_000_000
GOAL_SECONDS = 120.0


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--claims", type=c.positive_int, default=None, help="claims to load (default 1,000,000; --quick 20,000)")
    p.add_argument("--members", type=c.positive_int, default=None, help="members (default claims/10)")
    args = p.parse_args()
    claims = args.claims or (20_000 if args.quick else 1_000_000)
    members = args.members or max(1, claims // 10)

    from sqlalchemy import text

    from claimdesk.services import demo

    with c.bench_database() as bench:
        db = bench.connect(pool_size=2)
        try:
            c.checkpoint(db.engine)
            c.say(f"seeding {claims:,} claims for {members:,} members (work=0) ...")
            started = time.perf_counter()
            counts = demo.seed(db.engine, members=members, claims=claims, seed=7, work=0, progress=c.Progress())
            seconds = time.perf_counter() - started
            with db.engine.connect() as conn:
                db_bytes = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
                lines = conn.execute(text("SELECT count(*) FROM claims.claim_lines")).scalar_one()
        finally:
            db.dispose()

    tables = {k: v for k, v in counts.items() if "." in k}
    total_rows = sum(tables.values())
    rows = [
        ("claims loaded", claims, "claims"),
        ("claim lines", lines, f"lines ({lines / max(claims, 1):.2f} per claim)"),
        ("total rows, all tables", total_rows, "rows"),
        ("wall time (COPY + ANALYZE)", round(seconds, 2), "s"),
        ("rows per second", round(total_rows / seconds), "rows/s"),
        ("claims per second", round(claims / seconds), "claims/s"),
        ("database size after load", round(db_bytes / 1024 / 1024), "MiB"),
    ]
    per_million = seconds * GOAL_CLAIMS / claims
    table_rows = sorted(tables.items(), key=lambda kv: -kv[1])
    c.report(
        f"demo seed (COPY bulk load), {claims:,} claims",
        rows,
        size={"claims": claims, "members": members, "lines_per_claim": "demo default (1-5, mean 3)", "work": 0},
        server=bench.server_info,
        goals=[
            f"{GOAL_CLAIMS:,} claims in under {GOAL_SECONDS:.0f} s -> this run: {seconds:.1f} s for {claims:,} claims: "
            + (c.verdict(seconds < GOAL_SECONDS) if claims == GOAL_CLAIMS else
               f"not measured at this size ({per_million:.0f} s per million if the rate held; it drops as the tables grow: "
               "run without --quick/--claims for the real figure)")
        ],
        notes=["rows per table: " + ", ".join(f"{k}={v:,}" for k, v in table_rows)],
        json_path=args.json,
    )


if __name__ == "__main__":
    main()
