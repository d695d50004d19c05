"""Adjudication against PostgreSQL: load inputs, price with the engine, write the result.

Everything here works on a batch of claims inside the caller's transaction,
so the workstation's "Price" (a batch of one), auto-adjudication and the
batch command share one path. Locks are taken in one order everywhere —
claims by id, then accumulators by id — so concurrent workers never deadlock.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from .. import jsonb
from ..jsonb import uuid_array
from ..errors import ConflictError, InvalidTransition, NotFound, ValidationError, leased
from ..money import ZERO, fmt, money
from . import lifecycle as lc
from .pricing import Balance, ClaimPricing, CoverageInput, LineInput, PlanTerms, PriorAuthInput, parse_coverage_terms, price_claim


@dataclass
class ClaimRow:
    id: uuid.UUID
    locator: str
    status: str
    version: int
    claimant_party_id: uuid.UUID
    policy_id: uuid.UUID
    term_id: uuid.UUID | None
    provider_id: uuid.UUID
    incident_date: dt.date
    currency: str
    amount_claimed: Decimal
    pend_reason: str | None
    manual_review: bool
    assignee: str | None
    lease_expires_at: dt.datetime | None
    payee: str
    document: dict[str, Any]
    updated_at: dt.datetime
    updated_by: str | None
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    claim_id: uuid.UUID
    locator: str
    from_status: str
    status: str
    version: int
    pend_reason: str | None = None
    pricing: ClaimPricing | None = None


_CLAIM_COLUMNS = """
    c.id, c.locator, c.status, c.version, c.claimant_party_id, c.policy_id, c.term_id, c.provider_id,
    c.incident_date, c.currency, c.amount_claimed, c.pend_reason, c.manual_review, c.assignee,
    c.lease_expires_at, c.payee, c.document, c.updated_at, c.updated_by
"""


def lock_claims(conn: Connection, claim_ids: Sequence[uuid.UUID], *, skip_locked: bool = False) -> list[ClaimRow]:
    """Lock claims (by id order) and load them with their lines."""
    if not claim_ids:
        return []
    wait = "SKIP LOCKED" if skip_locked else ""
    rows = conn.execute(
        text(f"SELECT {_CLAIM_COLUMNS} FROM claims.claims c WHERE c.id = ANY(CAST(:ids AS uuid[])) ORDER BY c.id FOR UPDATE {wait}"),
        {"ids": uuid_array(claim_ids)},
    )
    claims = {r[0]: ClaimRow(*r) for r in rows.all()}  # _CLAIM_COLUMNS is in ClaimRow's field order
    if not skip_locked:
        missing = set(claim_ids) - set(claims)
        if missing:
            _explain_missing(conn, sorted(missing)[0])
    for line in _dicts(
        conn,
        text(
            "SELECT id, claim_id, line_number, coverage_term_key, procedure_code, amount_claimed, element_id, "
            "override_allowed, override_deny_carc, override_note FROM claims.claim_lines "
            "WHERE claim_id = ANY(CAST(:ids AS uuid[])) ORDER BY claim_id, line_number"
        ),
        {"ids": uuid_array(claims)},
    ):
        claims[line["claim_id"]].lines.append(line)
    return [claims[i] for i in claim_ids if i in claims]


def _explain_missing(conn: Connection, claim_id: uuid.UUID) -> None:
    """A claim we could not lock is either gone or, under row-level security, leased to someone else."""
    row = conn.execute(
        text("SELECT locator, assignee, lease_expires_at, updated_by, updated_at FROM claims.claims WHERE id = :id"), {"id": claim_id}
    ).first()
    if row is None:
        raise NotFound(f"no claim with id {claim_id}")
    raise leased(row.locator, row.assignee, row.lease_expires_at)


def check_version(claim: ClaimRow, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise ConflictError(f"Claim {claim.locator}", claim.updated_by, claim.updated_at)


def check_lease(conn: Connection, claim: ClaimRow) -> None:
    """Mirror of the database's row-level policy, to say who holds the claim before trying."""
    if not claim.assignee or not claim.lease_expires_at:
        return
    may, now = conn.execute(text("SELECT claims.may_work(:a, :u), now()"), {"a": claim.assignee, "u": claim.lease_expires_at}).one()
    if not may and claim.lease_expires_at > now:
        raise leased(claim.locator, claim.assignee, claim.lease_expires_at)


def require_transition(claim: ClaimRow, to_status: str, action: str) -> None:
    if not lc.can_move(claim.status, to_status):
        raise InvalidTransition(f"claim {claim.locator} is {claim.status}; it cannot be {action}")


# --------------------------------------------------------------------------- inputs


@dataclass
class _Inputs:
    coverages: dict[uuid.UUID, list[tuple[CoverageInput, dict[str, Any]]]]  # party -> (coverage, row)
    accumulators: dict[tuple[uuid.UUID, uuid.UUID], list[dict[str, Any]]]  # (party, term) -> rows
    networks: dict[uuid.UUID, str]
    fees: dict[str, list[dict[str, Any]]]
    auths: dict[uuid.UUID, list[PriorAuthInput]]


def _dicts(conn: Connection, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """All rows as plain dicts, fetched in one go (cheaper than a mapping per row)."""
    result = conn.execute(statement, params)
    keys = tuple(result.keys())
    return [dict(zip(keys, row)) for row in result.all()]


def _load_inputs(conn: Connection, claims: Sequence[ClaimRow]) -> _Inputs:
    parties = uuid_array({c.claimant_party_id for c in claims})
    policies = uuid_array({c.policy_id for c in claims})
    # Balances are locked for the rest of the transaction, in id order, before coverage is read: a policy
    # cancellation locks them too (enrollment.approved_claims_from), so pricing sees its cover as committed.
    accumulators: dict[tuple[uuid.UUID, uuid.UUID], list[dict[str, Any]]] = defaultdict(list)
    for r in _dicts(
        conn,
        text(
            "SELECT id, party_id, term_id, accumulator_type, coverage_term_key, limit_amount, consumed_amount "
            "FROM eligibility.coverage_accumulators WHERE party_id = ANY(CAST(:p AS uuid[])) ORDER BY id FOR UPDATE"
        ),
        {"p": parties},
    ):
        accumulators[(r["party_id"], r["term_id"])].append(r)
    coverages: dict[uuid.UUID, list[tuple[CoverageInput, dict[str, Any]]]] = defaultdict(list)
    for r in _dicts(
        conn,
        text(
            "SELECT id, party_id, policy_id, term_id, status, effective_from, effective_to, coverage_terms::text AS terms "
            "FROM eligibility.member_coverage WHERE party_id = ANY(CAST(:p AS uuid[])) AND policy_id = ANY(CAST(:pol AS uuid[])) ORDER BY effective_from"
        ),
        {"p": parties, "pol": policies},
    ):
        terms, plan = _plan(r["terms"])
        cov = CoverageInput(r["status"], r["effective_from"], r["effective_to"], terms, plan)
        coverages[r["party_id"]].append((cov, r))
    networks = dict(
        conn.execute(
            text("SELECT id, network_status FROM provider.providers WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": uuid_array({c.provider_id for c in claims})},
        ).all()
    )
    codes = list({ln["procedure_code"] for c in claims for ln in c.lines})
    fees: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _dicts(
        conn,
        text(
            "SELECT procedure_code, provider_id, allowed_amount, effective_from, effective_to "
            "FROM provider.fee_schedule WHERE procedure_code = ANY(:codes)"
        ),
        {"codes": codes},
    ):
        fees[r["procedure_code"]].append(r)
    auths: dict[uuid.UUID, list[PriorAuthInput]] = defaultdict(list)
    for r in _dicts(
        conn,
        text(
            "SELECT member_party_id, policy_id, procedure_code, status, document FROM claims.prior_auths "
            "WHERE member_party_id = ANY(CAST(:p AS uuid[]))"
        ),
        {"p": parties},
    ):
        doc = r["document"] or {}
        auths[r["member_party_id"]].append(
            PriorAuthInput(r["procedure_code"], r["status"], _date(doc.get("valid_from")), _date(doc.get("valid_to")))
        )
    return _Inputs(coverages, accumulators, networks, fees, auths)


_PLANS: dict[str, tuple[Any, PlanTerms | None]] = {}
_PLANS_LOCK = threading.Lock()


def _plan(text_: str) -> tuple[Any, PlanTerms | None]:
    """A coverage_terms document and its parsed plan, parsed once per distinct text.

    Members of one product share the same terms, so a batch parses a handful
    of plans instead of one per claim. A document that does not parse gets no
    plan here: pricing parses it again and reports the error for that claim.
    """
    hit = _PLANS.get(text_)
    if hit is not None:
        return hit
    terms = json.loads(text_)
    try:
        plan: PlanTerms | None = parse_coverage_terms(terms)
    except ValidationError:
        plan = None
    with _PLANS_LOCK:
        if len(_PLANS) >= 1024:
            _PLANS.clear()
        _PLANS[text_] = (terms, plan)
    return terms, plan


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _fee_schedule_for(inputs: _Inputs, claim: ClaimRow) -> dict[str, Decimal]:
    """The contracted price per code on the incident date; a provider's own row wins."""
    prices: dict[str, Decimal] = {}
    for ln in claim.lines:
        code = ln["procedure_code"]
        best: dict[str, Any] | None = None
        for row in inputs.fees.get(code, ()):
            if row["provider_id"] not in (None, claim.provider_id):
                continue
            if row["effective_from"] > claim.incident_date:
                continue
            if row["effective_to"] is not None and row["effective_to"] < claim.incident_date:
                continue
            if best is None or (row["provider_id"] is not None, row["effective_from"]) > (
                best["provider_id"] is not None,
                best["effective_from"],
            ):
                best = row
        if best is not None:
            prices[code] = best["allowed_amount"]
    return prices


def _term_for(claim: ClaimRow, inputs: _Inputs) -> uuid.UUID | None:
    if claim.term_id:
        return claim.term_id
    for cov, row in inputs.coverages.get(claim.claimant_party_id, ()):
        if cov.effective_from <= claim.incident_date and (cov.effective_to is None or claim.incident_date <= cov.effective_to):
            return row["term_id"]
    return None


# --------------------------------------------------------------------------- pricing


def price_locked(
    conn: Connection,
    claims: Sequence[ClaimRow],
    *,
    event_type: str = "PRICED",
    note: str | None = None,
    finalize_clean: bool = False,
) -> list[Outcome]:
    """Price locked claims in order; reverse what each consumed before, then consume anew.

    With ``finalize_clean`` (auto-adjudication), a claim that prices approved or
    partly approved goes on to FINALIZED in the same row update, with both
    events recorded; the caller then posts the payments.
    """
    if not claims:
        return []
    for claim in claims:
        if not lc.can_price(claim.status):
            raise InvalidTransition(f"claim {claim.locator} is {claim.status}; it cannot be priced")
        if not claim.lines:
            raise ValidationError(f"claim {claim.locator} has no lines to price")
    inputs = _load_inputs(conn, claims)
    live: dict[uuid.UUID, dict[str, Any]] = {}  # accumulator id -> row, with running consumed
    for rows in inputs.accumulators.values():
        for row in rows:
            live[row["id"]] = row
    start = {acc_id: row["consumed_amount"] for acc_id, row in live.items()}
    outcomes: list[Outcome] = []
    line_updates: list[dict[str, Any]] = []
    claim_updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for claim in claims:
        _reverse_in_memory(claim, live)
        term_id = _term_for(claim, inputs)
        acc_rows = inputs.accumulators.get((claim.claimant_party_id, term_id), []) if term_id else []
        balances = [
            Balance(r["accumulator_type"], r["coverage_term_key"], r["limit_amount"], r["consumed_amount"]) for r in acc_rows
        ]
        pricing = price_claim(
            incident_date=claim.incident_date,
            coverages=[cov for cov, _ in inputs.coverages.get(claim.claimant_party_id, ())],
            network_status=inputs.networks.get(claim.provider_id, "OUT_OF_NETWORK"),
            fee_schedule=_fee_schedule_for(inputs, claim),
            prior_auths=inputs.auths.get(claim.claimant_party_id, ()),
            balances=balances,
            lines=[
                LineInput(
                    ln["line_number"],
                    ln["coverage_term_key"],
                    ln["procedure_code"],
                    ln["amount_claimed"],
                    override_allowed=ln["override_allowed"],
                    override_deny_carc=ln["override_deny_carc"],
                    override_note=ln["override_note"],
                )
                for ln in claim.lines
            ],
        )
        applied = []
        for row, after in zip(acc_rows, pricing.balances, strict=True):
            delta = after.consumed - row["consumed_amount"]
            if delta:
                row["consumed_amount"] = after.consumed
                row["last_claim_locator"] = claim.locator
                applied.append({"accumulator_id": str(row["id"]), "type": after.type, "key": after.key, "amount": fmt(delta)})
        require_transition(claim, pricing.status, "priced")
        by_number = {ln["line_number"]: ln for ln in claim.lines}
        for result in pricing.lines:
            ln = by_number[result.line_number]
            line_updates.append(
                {
                    "id": ln["id"],
                    "status": result.status,
                    "allowed": result.amount_allowed,
                    "deductible": result.deductible,
                    "copay": result.copay,
                    "coinsurance": result.coinsurance,
                    "paid": result.amount_paid,
                    "member": result.member_responsibility,
                    "code": result.reason_codes[0] if result.reason_codes else None,
                    "codes": list(result.reason_codes),
                }
            )
        totals = pricing.totals
        document = dict(claim.document or {})
        document["pricing"] = {
            "status": pricing.status,
            "currency": pricing.currency,
            "network_status": inputs.networks.get(claim.provider_id),
            "term_id": str(term_id) if term_id else None,
            "lines": [r.to_dict() for r in pricing.lines],
            "balances_before": [_balance_dict(b) for b in balances],
            "balances_after": [_balance_dict(b) for b in pricing.balances],
        }
        document["applied"] = applied
        final_status = lc.FINALIZED if finalize_clean and pricing.status in (lc.APPROVED, lc.PARTIALLY_APPROVED) else pricing.status
        claim_updates.append(
            {
                "id": claim.id,
                "status": final_status,
                "allowed": totals.amount_allowed,
                "paid": totals.amount_paid,
                "member": totals.member_responsibility,
                "currency": pricing.currency,
                "term_id": term_id,
                "document": document,
            }
        )
        events.append(_event(claim, claim.status, pricing.status, event_type, note, {"paid": fmt(totals.amount_paid)}))
        if final_status != pricing.status:
            events.append(_event(claim, pricing.status, final_status, "FINALIZED", note or "auto-adjudicated"))
        outcomes.append(Outcome(claim.id, claim.locator, claim.status, final_status, claim.version + 1, None, pricing))
        claim.document = document
        claim.status = final_status
    _write_balances(conn, live, start)
    # One statement per table for the whole batch: the rows travel as one JSON array.
    conn.execute(
        text(
            "UPDATE claims.claim_lines l SET status = u.status, amount_allowed = u.allowed, deductible = u.deductible, "
            "copay = u.copay, coinsurance = u.coinsurance, amount_paid = u.paid, member_responsibility = u.member, "
            "reason_code = u.code, reason_codes = u.codes, version = l.version + 1, updated_at = now() "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(id uuid, status text, allowed numeric, deductible numeric, "
            "copay numeric, coinsurance numeric, paid numeric, member numeric, code text, codes varchar[]) "
            "WHERE l.id = u.id"
        ),
        {"rows": jsonb.dumps(line_updates)},
    )
    conn.execute(
        text(
            "UPDATE claims.claims c SET status = u.status, amount_allowed = u.allowed, amount_paid = u.paid, "
            "member_responsibility = u.member, currency = u.currency, term_id = COALESCE(c.term_id, u.term_id), "
            "document = u.document, pend_reason = NULL, pend_note = NULL, adjudicated_at = now(), "
            "finalized_at = CASE WHEN u.status = 'FINALIZED' THEN now() ELSE c.finalized_at END, "
            "version = c.version + 1, updated_at = now(), updated_by = session_user "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(id uuid, status text, allowed numeric, paid numeric, "
            "member numeric, currency text, term_id uuid, document jsonb) WHERE c.id = u.id"
        ),
        {"rows": jsonb.dumps(claim_updates)},
    )
    write_events(conn, events)
    return outcomes


def _balance_dict(b: Balance) -> dict[str, str]:
    return {"type": b.type, "key": b.key, "limit": fmt(b.limit), "consumed": fmt(b.consumed)}


def _reverse_in_memory(claim: ClaimRow, live: dict[uuid.UUID, dict[str, Any]]) -> None:
    for item in (claim.document or {}).get("applied", []):
        row = live.get(uuid.UUID(item["accumulator_id"]))
        if row is not None:
            row["consumed_amount"] = max(ZERO, row["consumed_amount"] - money(item["amount"]))


def _write_balances(conn: Connection, live: dict[uuid.UUID, dict[str, Any]], start: dict[uuid.UUID, Decimal]) -> None:
    changed = [
        {"id": acc_id, "delta": row["consumed_amount"] - start[acc_id], "loc": row.get("last_claim_locator")}
        for acc_id, row in live.items()
        if row["consumed_amount"] != start[acc_id]
    ]
    if changed:
        # A delta, not an absolute value: correct even if a reader saw the row earlier.
        conn.execute(
            text(
                "UPDATE eligibility.coverage_accumulators a SET consumed_amount = a.consumed_amount + u.delta, "
                "last_claim_locator = COALESCE(u.loc, a.last_claim_locator), updated_at = now() "
                "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(id uuid, delta numeric, loc text) "
                "WHERE a.id = u.id"
            ),
            {"rows": jsonb.dumps(changed)},
        )


def reverse_balances(conn: Connection, claim: ClaimRow) -> None:
    """Give back everything the claim consumed (reopen, void, deny-all)."""
    applied = (claim.document or {}).get("applied", [])
    if not applied:
        return
    ids = [uuid.UUID(a["accumulator_id"]) for a in applied]
    conn.execute(
        text("SELECT id FROM eligibility.coverage_accumulators WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"), {"ids": ids}
    ).all()
    conn.execute(
        text(
            "UPDATE eligibility.coverage_accumulators SET consumed_amount = GREATEST(consumed_amount - :amount, 0), "
            "updated_at = now() WHERE id = :id"
        ),
        [{"id": uuid.UUID(a["accumulator_id"]), "amount": money(a["amount"])} for a in applied],
    )
    document = dict(claim.document)
    document["applied"] = []
    document["reversed"] = document.get("reversed", []) + [{"at": dt.datetime.now(dt.UTC).isoformat(), "items": applied}]
    claim.document = document


# --------------------------------------------------------------------------- events


def _event(claim: ClaimRow, from_status: str | None, to_status: str | None, event_type: str, note: str | None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "locator": claim.locator,
        "event_type": event_type,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
        "detail": detail or {},
    }


def write_events(conn: Connection, events: Iterable[dict[str, Any]]) -> None:
    """The audit events and their outbox messages, in the caller's transaction, one statement each."""
    events = list(events)
    if not events:
        return
    rows = jsonb.dumps(
        [
            {
                **e,
                "claim_id": str(e["claim_id"]),
                "detail": json.loads(e["detail"]) if isinstance(e["detail"], str) else (e["detail"] or {}),
                "topic": f"claims.claim.{e['event_type'].lower()}",
            }
            for e in events
        ]
    )
    conn.execute(
        text(
            "INSERT INTO claims.claim_events (claim_id, event_type, from_status, to_status, note, detail) "
            "SELECT claim_id, event_type, from_status, to_status, note, detail FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS e(claim_id uuid, event_type text, from_status text, to_status text, note text, detail jsonb)"
        ),
        {"rows": rows},
    )
    conn.execute(
        text(
            "INSERT INTO claims.outbox (topic, key, payload) "
            "SELECT topic, locator, jsonb_build_object('claim_id', claim_id, 'claim_locator', locator, 'event_type', event_type, "
            "'from_status', from_status, 'to_status', to_status, 'detail', detail, 'actor', session_user) "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS e(claim_id uuid, locator text, topic text, event_type text, from_status text, to_status text, detail jsonb)"
        ),
        {"rows": rows},
    )


def set_status(
    conn: Connection,
    claims: ClaimRow | Sequence[ClaimRow],
    to_status: str,
    event_type: str,
    note: str | None,
    *,
    pend_reason: str | None = None,
    extra_sql: str = "",
    detail: dict[str, Any] | None = None,
    document_changed: bool = False,
    notes: Sequence[tuple[str, str]] | None = None,
) -> list[Outcome]:
    """Move claims to ``to_status`` with one event each, in one statement.

    ``notes`` gives each claim its own (pend reason, note) instead of the shared
    ``pend_reason``/``note``; documents are written only when they changed.
    """
    claims = [claims] if isinstance(claims, ClaimRow) else list(claims)
    if not claims:
        return []
    per_claim = list(notes) if notes is not None else [(pend_reason, note)] * len(claims)
    document_sql = ", document = u.document" if document_changed else ""
    conn.execute(
        text(
            f"UPDATE claims.claims c SET status = :status, pend_reason = u.pend_reason, "
            f"pend_note = CASE WHEN u.pend_reason IS NULL THEN NULL ELSE u.note END{document_sql}, "
            f"version = c.version + 1, updated_at = now(), updated_by = session_user {extra_sql} "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS u(id uuid, document jsonb, pend_reason text, note text) "
            "WHERE c.id = u.id"
        ),
        {
            "status": to_status,
            "rows": jsonb.dumps(
                [
                    {"id": str(c.id), "document": c.document if document_changed else None, "pend_reason": r, "note": n}
                    for c, (r, n) in zip(claims, per_claim, strict=True)
                ]
            ),
        },
    )
    write_events(conn, [_event(c, c.status, to_status, event_type, n, detail) for c, (_r, n) in zip(claims, per_claim, strict=True)])
    outcomes = []
    for claim, (reason, _n) in zip(claims, per_claim, strict=True):
        outcomes.append(Outcome(claim.id, claim.locator, claim.status, to_status, claim.version + 1, reason))
        claim.status = to_status
        claim.version += 1
    return outcomes
