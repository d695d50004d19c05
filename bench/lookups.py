"""Lookup screens' reads at payer size: what Eligibility, Enrollment, Providers and Billing wait for.

Seeds N members (default 100,000) with 3 claims each on average, adjudicates a
slice so balances are used and payments exist, then times each service call
the four lookup screens make on the database worker (median and 95th
percentile of 20 runs after one warm-up, each on its own transaction):

* Enrollment: ``find_policies`` with an empty search (the latest changed), a
  last-name prefix, a policy number; ``policy_detail``;
* Eligibility: ``find_members`` by name prefix; ``member_eligibility``;
* Providers: ``find_providers`` by name prefix; ``provider_detail`` for the
  provider with the most claims;
* Billing: ``find_accounts`` by name prefix; ``account_billing``.

Goal: each under 100 ms, so a screen answers as fast as a person reads.

    .venv/bin/python bench/lookups.py                  # 100,000 members, 300,000 claims
    .venv/bin/python bench/lookups.py --members 20000
    .venv/bin/python bench/lookups.py --quick          # 5,000 members
"""

from __future__ import annotations

import _common as c  # first: puts the standard library ahead of this folder (see _common)

import time

GOAL_MS = 100.0
RUNS = 20


def timed(call, runs: int = RUNS) -> tuple[float, float]:  # noqa: ANN001
    call()  # warm-up: plans, caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return c.median(samples), c.percentile(samples, 95)


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--members", type=c.positive_int, default=None, help="members (default 100,000; --quick 5,000); claims are 3 per member")
    args = p.parse_args()
    members = args.members or (5_000 if args.quick else 100_000)
    claims = 3 * members
    worked = min(claims, 30_000)

    from sqlalchemy import text

    from claimdesk.services import billing_views, demo, eligibility, providers
    from claimdesk.services.claims import batch
    from claimdesk.services.enrollment import policies, views

    with c.bench_database() as bench:
        db = bench.connect(pool_size=2)
        try:
            c.say(f"seeding {members:,} members and {claims:,} claims, adjudicating {worked:,} ...")
            demo.seed(db.engine, members=members, claims=claims, seed=29, work=0, progress=c.Progress())
            batch.adjudicate_received(db, limit=worked, batch_size=500, progress=c.Progress())
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            with db.engine.connect() as conn:
                member, last_name, policy, account_name = conn.execute(text(
                    "SELECT p.locator, p.last_name, pol.locator, a.name FROM claims.claims c JOIN policy_admin.parties p ON p.id = c.claimant_party_id "
                    "JOIN enrollment.policies pol ON pol.id = c.policy_id JOIN policy_admin.accounts a ON a.id = pol.account_id "
                    "WHERE c.status = 'FINALIZED' ORDER BY c.locator LIMIT 1")).one()
                provider, provider_claims = conn.execute(text(
                    "SELECT p.locator, count(*) FROM claims.claims c JOIN provider.providers p ON p.id = c.provider_id "
                    "GROUP BY p.locator ORDER BY count(*) DESC LIMIT 1")).one()
                account = conn.execute(text("SELECT a.locator FROM policy_admin.accounts a JOIN enrollment.policies p ON p.account_id = a.id "
                                            "WHERE p.locator = :p"), {"p": policy}).scalar()
                name_matches = conn.execute(text("SELECT count(*) FROM policy_admin.parties WHERE lower(last_name) LIKE :n"),
                                            {"n": last_name[:3].lower() + "%"}).scalar()
            c.checkpoint(db.engine)
            s = db.sessions
            prefix = last_name[:3].lower()
            calls = [
                ("Enrollment: find_policies, empty (latest changed)", lambda: views.find_policies(s, "")),
                (f"Enrollment: find_policies, name prefix '{prefix}'", lambda: views.find_policies(s, prefix)),
                ("Enrollment: find_policies, policy number", lambda: views.find_policies(s, policy)),
                ("Enrollment: policy_detail", lambda: policies.policy_detail(s, policy)),
                (f"Eligibility: find_members, name prefix '{prefix}'", lambda: eligibility.find_members(s, prefix)),
                ("Eligibility: member_eligibility", lambda: eligibility.member_eligibility(s, member)),
                ("Providers: find_providers, name prefix", lambda: providers.find_providers(s, "city")),
                (f"Providers: provider_detail ({provider_claims:,} claims)", lambda: providers.provider_detail(s, provider)),
                ("Billing: find_accounts, name prefix", lambda: billing_views.find_accounts(s, account_name.split()[-1][:3])),
                ("Billing: account_billing", lambda: billing_views.account_billing(s, account)),
            ]
            rows = []
            for label, call in calls:
                c.say(label + " ...")
                med, p95 = timed(call)
                rows.append((label, round(med, 2), round(p95, 2), "ms", "met" if p95 < GOAL_MS else "MISSED"))
            server = c.server_description(db.engine, embedded=bench.embedded)
        finally:
            db.dispose()
    c.report(
        f"lookup screens' reads, {members:,} members",
        rows,
        header=("call", "median", "p95", "unit", f"goal {GOAL_MS:.0f} ms"),
        size={"members": members, "claims": claims, "adjudicated": worked, "parties_matching_prefix": name_matches, "runs": RUNS},
        server=server,
        goals=[f"each call under {GOAL_MS:.0f} ms at the 95th percentile"],
        json_path=args.json,
    )


if __name__ == "__main__":
    main()
