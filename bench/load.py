"""Many workstations on one server: throughput, latency, and the two promises (no claim twice, balances exact).

Seeds demo claims (default 20,000 claims, 2,000 members, work=0), then starts
W simulated workstations (default 32) as separate processes (multiprocessing,
spawn), each signed in as its own adjudicator login (on the embedded server;
``--shared-login`` makes all use the benchmark's own role). Once all are
connected they start together and, for a fixed time (default 30 s), loop:

    get_next_claim -> price -> approve
    (a claim that prices as denied on every line cannot be approved:
     the ValidationError is caught and the claim stays priced-as-denied)

Each loop stops by itself at the deadline, when the queue is empty, or after
--max-claims per worker. Printed: claims/s, p50/p95 latency per action, then
PASS/FAIL for: no claim handed to two workers (by the workers' own records
and by the ASSIGNED events in the database), and every balance exact (each
eligibility.coverage_accumulators row: consumed == initial + the sum of the
``applied`` amounts the claims' documents record for it).

    .venv/bin/python bench/load.py                     # 32 workers, 30 s
    .venv/bin/python bench/load.py --workers 16 --seconds 60
    .venv/bin/python bench/load.py --quick             # 8 workers, 5 s, 2,000 claims
"""

from __future__ import annotations

import _common as c  # first: puts the standard library ahead of this folder (see _common)

import multiprocessing as mp
import os
import time
import traceback
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any



# --------------------------------------------------------------------------- the workstation (child process)


def workstation(idx: int, url: str, embedded: bool, deadline, go, ready, results, max_claims: int) -> None:  # noqa: ANN001, PLR0913, PLR0915
    """One simulated person at a workstation. Runs in its own process."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    out: dict[str, Any] = {"idx": idx, "taken": [], "next_ms": [], "price_ms": [], "approve_ms": [], "claim_ms": [],
                           "outcomes": Counter(), "errors": [], "start": None, "end": None, "cpu_s": 0.0}
    try:
        from claimdesk.services.claims import queue, service
        from claimdesk.services.errors import ValidationError

        db = c.connect_url(url, embedded=embedded, pool_size=1)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out["errors"].append(f"start: {type(exc).__name__}: {exc}")
        ready.put(idx)
        results.put(out)
        return
    ready.put(idx)
    go.wait(600)
    out["start"] = time.time()
    cpu0 = time.process_time()
    try:
        while time.time() < deadline.value and len(out["taken"]) < max_claims:
            t0 = time.perf_counter()
            try:
                lease = queue.get_next_claim(db.sessions)
            except Exception as exc:  # noqa: BLE001 - counted, and the person tries again
                out["errors"].append(f"get_next_claim: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
                continue
            t1 = time.perf_counter()
            out["next_ms"].append((t1 - t0) * 1000)
            if lease is None:
                out["outcomes"]["queue empty"] += 1
                break
            out["taken"].append(str(lease.claim_id))
            try:
                priced = service.price(db.sessions, lease.claim_id, lease.version)
                t2 = time.perf_counter()
                out["price_ms"].append((t2 - t1) * 1000)
                try:
                    service.approve(db.sessions, lease.claim_id, priced.version)
                    t3 = time.perf_counter()
                    out["approve_ms"].append((t3 - t2) * 1000)
                    out["outcomes"]["approved"] += 1
                except ValidationError:
                    t3 = time.perf_counter()
                    out["outcomes"]["priced as denied (not approvable)"] += 1
                out["claim_ms"].append((t3 - t0) * 1000)
            except Exception as exc:  # noqa: BLE001 - counted; the claim stays leased, as after a crash
                out["errors"].append(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
    except BaseException as exc:  # noqa: BLE001
        out["errors"].append(f"loop: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        out["end"] = time.time()
        out["cpu_s"] = time.process_time() - cpu0
        db.dispose()
        results.put(out)


# --------------------------------------------------------------------------- the run (parent)


def _logins(bench: c.BenchDB, engine, n: int) -> list[str]:  # noqa: ANN001
    """One adjudicator login per workstation; URLs for them (empty list: could not create them)."""
    from claimdesk.services import security

    from psycopg.conninfo import conninfo_to_dict

    tag = uuid.uuid4().hex[:6]
    urls = []
    for i in range(n):
        name = f"bench_{tag}_ws{i + 1:02d}"
        password = security.add_user(engine, name, ["adjudicator"])
        info = {**conninfo_to_dict(bench.url), "user": name}
        if not bench.embedded:
            info["password"] = password
        urls.append(c._app_url(info))  # noqa: SLF001
    return urls


def _drop_logins(bench: c.BenchDB, urls: list[str]) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    if bench.embedded or not urls:
        return  # the whole temporary server goes
    with psycopg.connect(bench._admin_conninfo(), autocommit=True) as conn:  # noqa: SLF001
        for u in urls:
            name = conninfo_to_dict(u)["user"]
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def main() -> None:  # noqa: PLR0915
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--workers", type=c.positive_int, default=None, help="workstations (default 32; --quick 8)")
    p.add_argument("--seconds", type=c.positive_int, default=None, help="how long they work (default 30; --quick 5)")
    p.add_argument("--claims", type=c.positive_int, default=None, help="claims seeded (default 20,000; --quick 2,000)")
    p.add_argument("--members", type=c.positive_int, default=None, help="members (default claims/10)")
    p.add_argument("--max-claims", type=c.positive_int, default=100_000, help="upper bound on claims per worker (default 100,000)")
    p.add_argument("--shared-login", action="store_true", help="all workers use the benchmark's own role instead of one login each")
    args = p.parse_args()
    workers = args.workers or (8 if args.quick else 32)
    seconds = args.seconds or (5 if args.quick else 30)
    claims = args.claims or (2_000 if args.quick else 20_000)
    members = args.members or max(1, claims // 10)

    from sqlalchemy import text

    from claimdesk.services import demo

    with c.bench_database() as bench:
        db = bench.connect(pool_size=2)
        logins: list[str] = []
        try:
            c.say(f"seeding {claims:,} claims for {members:,} members (work=0) ...")
            demo.seed(db.engine, members=members, claims=claims, seed=17, work=0, progress=c.Progress())
            c.vacuum_analyze(db.engine, "claims.claims", "claims.claim_lines", "eligibility.coverage_accumulators")
            login_note = "one adjudicator login per workstation (row-level security and grants apply)"
            if not args.shared_login:
                try:
                    logins = _logins(bench, db.engine, workers)
                except Exception as exc:  # noqa: BLE001 - e.g. no CREATEROLE on a configured server
                    c.say(f"could not create logins ({exc}); all workers share the benchmark's role")
                    logins = []
            if not logins:
                login_note = f"all workers share the role {bench.conninfo.get('user') or 'postgres'}"
            with db.engine.connect() as conn:
                start_balances = {str(k): v for k, v in conn.execute(text("SELECT id, consumed_amount FROM eligibility.coverage_accumulators")).all()}
                assigned_before = conn.execute(text("SELECT count(*) FROM claims.claim_events WHERE event_type = 'ASSIGNED'")).scalar_one()
                run_started_db = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            c.checkpoint(db.engine)

            ctx = mp.get_context("spawn")
            deadline = ctx.Value("d", 0.0)
            go = ctx.Event()
            ready = ctx.Queue()
            results = ctx.Queue()
            procs = []
            c.say(f"starting {workers} workstation processes (spawn) ...")
            t_spawn = time.perf_counter()
            for i in range(workers):
                url = logins[i] if logins else bench.url
                proc = ctx.Process(target=workstation, args=(i, url, bench.embedded, deadline, go, ready, results, args.max_claims),
                                   name=f"workstation-{i + 1}", daemon=True)
                proc.start()
                procs.append(proc)
            connected = 0
            waited = time.perf_counter()
            while connected < workers:
                try:
                    ready.get(timeout=5)
                    connected += 1
                except Exception:  # noqa: BLE001 - queue.Empty: is everyone still alive?
                    dead = [pr.name for pr in procs if not pr.is_alive() and pr.exitcode not in (0, None)]
                    if dead or time.perf_counter() - waited > 600:
                        raise SystemExit(f"bench: workstations failed to start: {dead or 'timeout'}") from None
            c.say(f"all {workers} connected after {time.perf_counter() - t_spawn:.1f} s; working for {seconds} s ...")
            deadline.value = time.time() + seconds
            started = time.time()
            go.set()
            outs = [results.get(timeout=seconds + 600) for _ in range(workers)]
            for proc in procs:
                proc.join(timeout=60)
                if proc.is_alive():
                    c.say(f"{proc.name} (pid {proc.pid}) did not exit; terminating it")
                    proc.terminate()
                    proc.join(timeout=10)
            ended = max((o["end"] or started) for o in outs)
            elapsed = ended - started

            c.say("checking: no claim twice, balances exact ...")
            with db.engine.connect() as conn:
                doubles_db = conn.execute(
                    text("SELECT claim_id, count(*) FROM claims.claim_events WHERE event_type = 'ASSIGNED' AND created_at >= :t "
                         "GROUP BY claim_id HAVING count(*) > 1"),
                    {"t": run_started_db},
                ).all()
                assigned_run = conn.execute(text("SELECT count(*) FROM claims.claim_events WHERE event_type = 'ASSIGNED'")).scalar_one() - assigned_before
                balances = conn.execute(text("SELECT id, consumed_amount FROM eligibility.coverage_accumulators")).all()
                applied: dict[str, Decimal] = defaultdict(Decimal)
                for (doc,) in conn.execute(text("SELECT document FROM claims.claims WHERE document ? 'applied'")):
                    for item in doc.get("applied") or []:
                        applied[str(item["accumulator_id"])] += Decimal(str(item["amount"]))
                statuses = dict(conn.execute(text("SELECT status, count(*) FROM claims.claims GROUP BY status")).all())
        finally:
            db.dispose()
            _drop_logins(bench, logins)

    taken = Counter(cid for o in outs for cid in o["taken"])
    doubles_workers = [cid for cid, k in taken.items() if k > 1]
    drift = [(str(acc), start_balances.get(str(acc), Decimal(0)), consumed, applied.get(str(acc), Decimal(0)))
             for acc, consumed in balances if consumed != start_balances.get(str(acc), Decimal(0)) + applied.get(str(acc), Decimal(0))]
    outcomes: Counter = Counter()
    for o in outs:
        outcomes.update(o["outcomes"])
    errors = Counter(e.splitlines()[0][:160] for o in outs for e in o["errors"])
    done = sum(len(o["claim_ms"]) for o in outs)
    client_cpu = sum(o.get("cpu_s") or 0.0 for o in outs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = sum(1 for o in outs if o["taken"])

    def lat(key: str) -> list[Any]:
        vals = [v for o in outs for v in o[key]]
        return [len(vals), round(c.percentile(vals, 50), 1) if vals else None, round(c.percentile(vals, 95), 1) if vals else None,
                round(max(vals), 1) if vals else None]

    rows = [
        ("throughput", round(done / elapsed, 1) if elapsed else None, "claims/s", f"{done:,} claims finished in {elapsed:.1f} s by {busy}/{workers} workers"),
        ("  approved (priced, finalised, paid)", outcomes.get("approved", 0), "claims", ""),
        ("  priced as denied (approve refused)", outcomes.get("priced as denied (not approvable)", 0), "claims", ""),
        ("  errors", sum(errors.values()), "", "; ".join(f"{k} x{v}" for k, v in errors.most_common(3))),
        ("workstations' own CPU (Python client side)", round(client_cpu, 1), "CPU s",
         f"{100 * client_cpu / max(elapsed * cores, 1e-9):.0f}% of the {cores} cores x {elapsed:.1f} s; the server had the rest"),
    ]
    lat_rows = [("get_next_claim", *lat("next_ms")), ("price", *lat("price_ms")), ("approve", *lat("approve_ms")),
                ("whole claim (next+price+approve)", *lat("claim_ms"))]
    once_ok = not doubles_workers and not doubles_db and assigned_run == sum(taken.values())
    checks = [
        f"{'PASS' if once_ok else 'FAIL'}: no claim worked twice ({sum(taken.values()):,} leases to workers, {len(taken):,} distinct claims; "
        f"{assigned_run:,} ASSIGNED events this run, {len(doubles_db)} claims with more than one)",
        f"{'PASS' if not drift else 'FAIL'}: every balance exact ({len(balances):,} accumulators: consumed == initial + sum(applied); "
        f"{len(drift)} differ)",
    ]
    c.report(
        f"{workers} workstations for {seconds} s (get_next_claim -> price -> approve)",
        rows,
        header=("measure", "value", "unit", "detail"),
        size={"claims": claims, "members": members, "workers": workers, "seconds": seconds, "processes": "multiprocessing spawn",
              "logins": "one per workstation" if logins else "shared"},
        server=bench.server_info,
        goals=[],
        notes=[login_note,
               "the workstations run on this machine too: their Python CPU competes with the server's (on real desks it would not)",
               f"claim statuses after the run: {', '.join(f'{k}={v:,}' for k, v in sorted(statuses.items()))}"],
        json_path=args.json,
        extra={"latency_ms": {r[0]: r[1:] for r in lat_rows}, "checks": checks, "errors": dict(errors)},
    )
    print(c.table(lat_rows, ("latency per action (ms)", "count", "p50", "p95", "max")))
    print()
    for line in checks:
        print(line)
    for acc, start, consumed, add in drift[:10]:
        print(f"    accumulator {acc}: initial {start} + applied {add} = {start + add}, but consumed is {consumed}")
    print()


if __name__ == "__main__":
    main()
