"""What a person (or the batch) does to a claim. One transaction each, with its event and outbox row.

Every function takes plain values and a session factory, and returns a small
frozen ``ClaimChange`` naming what changed, for the UI's one change signal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from ..errors import PermissionDenied, ValidationError
from ..jsonb import uuid_array
from ..money import money
from ..uow import UnitOfWork
from . import adjudication as adj
from . import billing
from . import lifecycle as lc

Sessions = sessionmaker[Session] | Callable[[], Session]
PEND_REASONS = ("DUPLICATE", "HIGH_AMOUNT", "MISSING_DATA", "MANUAL_REVIEW", "PRICING_ERROR")


@dataclass(frozen=True)
class ClaimChange:
    claim_id: uuid.UUID
    locator: str
    status: str
    version: int
    message: str
    changes: frozenset[str] = frozenset({"claim", "queue", "balances"})


@dataclass(frozen=True)
class Policy:
    """Knobs auto-adjudication and overrides read: central, from ``claims.settings``."""

    pend_threshold: Decimal = Decimal("10000.00")
    supervisor_override_threshold: Decimal = Decimal("5000.00")

    @classmethod
    def load(cls, conn: Connection) -> Policy:
        values = dict(conn.execute(text("SELECT key, value FROM claims.settings")).all())
        return cls(
            pend_threshold=money(values.get("pend_threshold", cls.pend_threshold)),
            supervisor_override_threshold=money(values.get("supervisor_override_threshold", cls.supervisor_override_threshold)),
        )


def _one(uow: UnitOfWork, claim_id: uuid.UUID, expected_version: int | None) -> tuple[Connection, adj.ClaimRow]:
    conn = uow.connection
    (claim,) = adj.lock_claims(conn, [claim_id])
    adj.check_version(claim, expected_version)
    adj.check_lease(conn, claim)
    return conn, claim


def _note(note: str | None, action: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError(f"a note is required to {action}", where="note")
    if len(note) > 2000:
        raise ValidationError("the note is longer than 2,000 characters", where="note")
    return note


def _carc(conn: Connection, carc: str | None) -> str:
    code = (carc or "").strip()
    if not code:
        raise ValidationError("choose a reason code (CARC)", where="reason code")
    if conn.execute(text("SELECT 1 FROM claims.reason_codes WHERE code = :c"), {"c": code}).first() is None:
        raise ValidationError(f"{code!r} is not a known reason code", where="reason code")
    return code


def price(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None = None) -> ClaimChange:
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        (out,) = adj.price_locked(conn, [claim], event_type="PRICED")
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} priced: {out.status.replace('_', ' ').lower()}")


def override_line(
    sessions: Sessions,
    claim_id: uuid.UUID,
    expected_version: int | None,
    line_number: int,
    *,
    note: str,
    allowed: Decimal | str | None = None,
    deny_carc: str | None = None,
    policy: Policy | None = None,
) -> ClaimChange:
    """Set a line's allowed amount, or deny it with a CARC, then re-price the claim."""
    if (allowed is None) == (deny_carc is None):
        raise ValidationError("give either an allowed amount or a denial reason code", where=f"line {line_number}")
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        policy = policy or Policy.load(conn)
        note = _note(note, "override a line")
        line = next((ln for ln in claim.lines if ln["line_number"] == line_number), None)
        if line is None:
            raise ValidationError(f"claim {claim.locator} has no line {line_number}", where="line")
        if allowed is not None:
            try:
                amount = money(allowed)
            except (ValueError, TypeError) as exc:
                raise ValidationError(str(exc), where=f"line {line_number} allowed amount") from None
            if amount < 0:
                raise ValidationError("the allowed amount cannot be negative", where=f"line {line_number} allowed amount")
            if amount > line["amount_claimed"]:
                raise ValidationError(
                    f"the allowed amount {amount} is more than the {line['amount_claimed']} claimed",
                    where=f"line {line_number} allowed amount",
                )
            if amount > policy.supervisor_override_threshold and not is_supervisor(conn):
                raise PermissionDenied(
                    f"an allowed amount above {policy.supervisor_override_threshold} needs a supervisor's override"
                )
            params = {"allowed": amount, "carc": None}
        else:
            params = {"allowed": None, "carc": _carc(conn, deny_carc)}
        conn.execute(
            text(
                "UPDATE claims.claim_lines SET override_allowed = :allowed, override_deny_carc = :carc, override_note = :note, "
                "overridden_by = session_user, updated_at = now() WHERE id = :id"
            ),
            {**params, "note": note, "id": line["id"]},
        )
        line.update(override_allowed=params["allowed"], override_deny_carc=params["carc"], override_note=note)
        (out,) = adj.price_locked(conn, [claim], event_type="LINE_OVERRIDDEN", note=f"line {line_number}: {note}")
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} line {line_number} overridden; claim {out.status.lower()}")


def is_supervisor(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text(
                "SELECT rolsuper OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname IN ('claimdesk_supervisor', 'claimdesk_admin') "
                "AND pg_has_role(session_user, r.oid, 'member')) FROM pg_roles WHERE rolname = session_user"
            )
        ).scalar()
    )


def pend(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, reason: str, note: str) -> ClaimChange:
    if reason not in PEND_REASONS:
        raise ValidationError(f"{reason!r} is not a pend reason ({', '.join(PEND_REASONS)})", where="pend reason")
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        note = _note(note, "pend a claim")
        adj.require_transition(claim, lc.PENDED, "pended")
        # A priced claim gives its balances back while it waits for a person.
        adj.reverse_balances(conn, claim)
        (out,) = adj.set_status(conn, claim, lc.PENDED, "PENDED", note, pend_reason=reason, document_changed=True)
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} pended ({reason.replace('_', ' ').lower()})")


def unpend(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, note: str) -> ClaimChange:
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        note = _note(note, "release a pended claim")
        if claim.status != lc.PENDED:
            raise ValidationError(f"claim {claim.locator} is {claim.status}, not pended", where="status")
        (out,) = adj.set_status(conn, claim, lc.RECEIVED, "UNPENDED", note)
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} released to the queue")


def approve(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, note: str | None = None) -> ClaimChange:
    """Finalise the claim for payment, pricing it first if it has not been priced."""
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        if claim.status in lc.WORKABLE:
            adj.require_transition(claim, lc.APPROVED, "approved")
            adj.price_locked(conn, [claim], event_type="PRICED", note=note)
            claim.version += 1
        if claim.status == lc.DENIED:
            raise ValidationError(
                f"claim {claim.locator} prices as denied on every line; deny it, or override a line first", where="status"
            )
        adj.require_transition(claim, lc.FINALIZED, "approved")
        (out,) = _finalize(conn, [claim], note)
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} approved and finalised for payment")


def _finalize(conn: Connection, claims: list[adj.ClaimRow], note: str | None) -> list[adj.Outcome]:
    billing.create_payments(conn, claims)
    return adj.set_status(conn, claims, lc.FINALIZED, "FINALIZED", note, extra_sql=", finalized_at = now()")


def deny(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, carc: str, note: str) -> ClaimChange:
    """Deny every line with one CARC; the claim gives back any balance it consumed."""
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        note = _note(note, "deny a claim")
        code = _carc(conn, carc)
        adj.require_transition(claim, lc.DENIED, "denied")
        conn.execute(
            text(
                "UPDATE claims.claim_lines SET override_deny_carc = :carc, override_allowed = NULL, override_note = :note, "
                "overridden_by = session_user WHERE claim_id = :id"
            ),
            {"carc": code, "note": note, "id": claim.id},
        )
        for ln in claim.lines:
            ln.update(override_deny_carc=code, override_allowed=None, override_note=note)
        (out,) = adj.price_locked(conn, [claim], event_type="DENIED", note=note)
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} denied (CARC {code})")


def reopen(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, note: str) -> ClaimChange:
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        note = _note(note, "reopen a claim")
        adj.require_transition(claim, lc.REOPENED, "reopened")
        reversed_charges = billing.reverse_payment(conn, claim)
        adj.reverse_balances(conn, claim)
        (out,) = adj.set_status(
            conn, claim, lc.REOPENED, "REOPENED", note, detail={"payments_reversed": reversed_charges}, document_changed=True
        )
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} reopened; its balances were given back")


def void(sessions: Sessions, claim_id: uuid.UUID, expected_version: int | None, note: str) -> ClaimChange:
    with UnitOfWork(sessions) as uow:
        conn, claim = _one(uow, claim_id, expected_version)
        note = _note(note, "void a claim")
        adj.require_transition(claim, lc.VOIDED, "voided")
        reversed_charges = billing.reverse_payment(conn, claim)
        adj.reverse_balances(conn, claim)
        (out,) = adj.set_status(
            conn, claim, lc.VOIDED, "VOIDED", note, detail={"payments_reversed": reversed_charges}, document_changed=True
        )
        uow.commit()
    return ClaimChange(out.claim_id, out.locator, out.status, out.version, f"{out.locator} voided")


# --------------------------------------------------------------------------- auto-adjudication


def pend_reasons(conn: Connection, claims: Sequence[adj.ClaimRow], policy: Policy) -> dict[uuid.UUID, tuple[str, str]]:
    """Why each claim must wait for a person, if it must: (reason, note)."""
    reasons: dict[uuid.UUID, tuple[str, str]] = {}
    ids = [c.id for c in claims]
    duplicates = dict(
        conn.execute(
            text(
                """
                SELECT DISTINCT ON (c.id) c.id, o.locator
                FROM claims.claims c
                JOIN claims.claim_lines cl ON cl.claim_id = c.id
                JOIN claims.claims o ON o.claimant_party_id = c.claimant_party_id AND o.provider_id = c.provider_id
                     AND o.incident_date = c.incident_date AND o.id <> c.id AND o.status <> 'VOIDED'
                JOIN claims.claim_lines ol ON ol.claim_id = o.id AND ol.procedure_code = cl.procedure_code
                     AND ol.amount_claimed = cl.amount_claimed
                WHERE c.id = ANY(CAST(:ids AS uuid[])) AND o.received_at <= c.received_at
                ORDER BY c.id, o.received_at
                """
            ),
            {"ids": uuid_array(ids)},
        ).all()
    )
    for claim in claims:
        if claim.manual_review:
            reasons[claim.id] = ("MANUAL_REVIEW", "flagged for manual review")
        elif not claim.lines or any(not ln["procedure_code"] or not ln["coverage_term_key"] for ln in claim.lines):
            reasons[claim.id] = ("MISSING_DATA", "a line has no procedure code or benefit")
        elif claim.id in duplicates:
            reasons[claim.id] = ("DUPLICATE", f"same member, provider, date, code and amount as {duplicates[claim.id]}")
        elif claim.amount_claimed > policy.pend_threshold:
            reasons[claim.id] = ("HIGH_AMOUNT", f"claimed {claim.amount_claimed} is above the {policy.pend_threshold} review threshold")
    return reasons


@dataclass(frozen=True)
class BatchResult:
    finalized: int = 0
    denied: int = 0
    pended: int = 0
    skipped: int = 0

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, int, int, int]:
        return (self.finalized, self.denied, self.pended, self.skipped)


def auto_adjudicate_locked(conn: Connection, claims: list[adj.ClaimRow], policy: Policy) -> BatchResult:
    """Pend what needs a person; price the rest; finalise the clean ones."""
    reasons = pend_reasons(conn, claims, policy)
    to_pend = [c for c in claims if c.id in reasons and not (c.status == lc.PENDED and c.pend_reason == reasons[c.id][0])]
    adj.set_status(conn, to_pend, lc.PENDED, "AUTO_PENDED", None, notes=[reasons[c.id] for c in to_pend])
    pended = len(to_pend)
    to_price = [c for c in claims if c.id not in reasons]
    outcomes = adj.price_locked(conn, to_price, event_type="AUTO_PRICED", finalize_clean=True)
    clean = [claim for claim, out in zip(to_price, outcomes, strict=True) if out.status == lc.FINALIZED]
    billing.create_payments(conn, clean)
    return BatchResult(len(clean), len(to_price) - len(clean), pended, 0)


def auto_adjudicate(sessions: Sessions, claim_ids: Sequence[uuid.UUID], policy: Policy | None = None) -> BatchResult:
    with UnitOfWork(sessions) as uow:
        policy = policy or Policy.load(uow.connection)
        claims = adj.lock_claims(uow.connection, list(claim_ids), skip_locked=True)
        claims = [c for c in claims if c.status == lc.RECEIVED]
        result = auto_adjudicate_locked(uow.connection, claims, policy)
        uow.commit()
    return result + BatchResult(skipped=len(claim_ids) - (result.finalized + result.denied + result.pended))


