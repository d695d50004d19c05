"""Many workstations at once: no claim worked twice, every balance exact."""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import text

from claimdesk.db import connect
from claimdesk.migrate import upgrade
from claimdesk.services.claims import queue, service
from claimdesk.services.errors import ValidationError
from claimdesk.services.uow import UnitOfWork
from claimdesk.settings import Settings
from tests.factories import make_scenario, scenario_data

WORKERS = 8
MEMBERS = 4
CLAIMS_PER_MEMBER = 15


def _clone_claims(db, created, n: int) -> None:
    """More claims for the same member, provider and policy, with varied amounts and benefits."""
    with UnitOfWork(db.sessions) as uow:
        conn = uow.connection
        for i in range(n):
            claim_id = conn.execute(
                text(
                    "INSERT INTO claims.claims (locator, policy_id, term_id, claimant_party_id, provider_id, incident_date, amount_claimed, received_at) "
                    "SELECT :loc, policy_id, term_id, claimant_party_id, provider_id, incident_date + :d, 0, now() + make_interval(secs => :i) "
                    "FROM claims.claims WHERE id = :src RETURNING id"
                ),
                {"loc": f"CLM-C{uuid.uuid4().hex[:10]}", "d": i % 20, "src": created.claim_id, "i": i},
            ).scalar_one()
            lines = [("physiotherapy", "97110", Decimal("95.00") + i), ("office_visit", "99213", Decimal("150.00")), ("surgery", "27447", Decimal("400.00") + 7 * i)]
            for n_line, (benefit, code, amount) in enumerate(lines[: 1 + i % 3], start=1):
                conn.execute(
                    text("INSERT INTO claims.claim_lines (claim_id, line_number, coverage_term_key, procedure_code, amount_claimed) VALUES (:c, :n, :b, :p, :a)"),
                    {"c": claim_id, "n": n_line, "b": benefit, "p": code, "a": amount},
                )
            conn.execute(
                text("UPDATE claims.claims SET amount_claimed = (SELECT sum(amount_claimed) FROM claims.claim_lines WHERE claim_id = :c) WHERE id = :c"),
                {"c": claim_id},
            )
        uow.commit()


def test_eight_workers_never_share_a_claim_and_balances_are_exact(empty_database_url):
    db = connect(Settings(database_url=empty_database_url), url=empty_database_url, pool_size=WORKERS + 2)
    try:
        upgrade(db.engine, "head")
        data = scenario_data("08")  # physio limit nearly used up, deductible met: balances are contested
        data["claim"]["incident_date"] = "2026-02-01"
        members = [make_scenario(db, data) for _ in range(MEMBERS)]
        for created in members:
            _clone_claims(db, created, CLAIMS_PER_MEMBER - 1)
        with db.engine.connect() as conn:
            start = dict(conn.execute(text("SELECT id, consumed_amount FROM eligibility.coverage_accumulators")).all())
            total = conn.execute(text("SELECT count(*) FROM claims.claims")).scalar()
        taken: dict[int, list[uuid.UUID]] = defaultdict(list)
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                while (lease := queue.get_next_claim(db.sessions)) is not None:
                    taken[worker].append(lease.claim_id)
                    if _approve(lease):
                        try:
                            service.approve(db.sessions, lease.claim_id, lease.version)
                        except ValidationError:  # every line denies: record the denial instead
                            service.price(db.sessions, lease.claim_id, lease.version)
                    else:
                        service.price(db.sessions, lease.claim_id, lease.version)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not errors, errors[:3]
        handed = Counter(cid for ids in taken.values() for cid in ids)
        assert sum(handed.values()) == total and max(handed.values()) == 1, "a claim was handed to two workers"
        assert sum(1 for ids in taken.values() if ids) > 1, "the work was not shared"
        with db.engine.connect() as conn:
            balances = conn.execute(text("SELECT id, limit_amount, consumed_amount FROM eligibility.coverage_accumulators")).all()
            applied: dict[str, Decimal] = defaultdict(Decimal)
            for (doc,) in conn.execute(text("SELECT document FROM claims.claims")):
                for item in doc.get("applied", []):
                    applied[item["accumulator_id"]] += Decimal(item["amount"])
            unpriced = conn.execute(text("SELECT count(*) FROM claims.claims WHERE status IN ('RECEIVED', 'REOPENED')")).scalar()
        assert unpriced == 0
        for acc_id, limit, consumed in balances:
            assert consumed == start[acc_id] + applied[str(acc_id)], f"balance {acc_id} drifted"
            if start[acc_id] <= limit:
                assert consumed <= limit, f"balance {acc_id} passed its limit"
    finally:
        db.dispose()


def _approve(lease) -> bool:  # noqa: ANN001
    # Half the claims are approved (finalised, paid), half only priced, so both paths run concurrently.
    return lease.locator[-1] in "02468aceACE"
