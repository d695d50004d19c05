"""Read model for the claim screen: plain frozen values, nothing lazy, nothing ORM."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ..errors import NotFound, ValidationError
from ..money import money
from ..security import reads_claims
from ..uow import UnitOfWork

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Step:
    rule: str
    text: str
    amount: str | None
    balance: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True)
class LineView:
    line_number: int
    coverage_term_key: str
    procedure_code: str
    service_date: dt.date | None
    status: str
    amount_claimed: Decimal
    amount_allowed: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    amount_paid: Decimal
    member_responsibility: Decimal
    reason_codes: tuple[tuple[str, str], ...]  # (code, official description)
    override: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class BalanceView:
    type: str
    key: str
    limit: Decimal
    consumed: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(Decimal("0.00"), self.limit - self.consumed)

    @property
    def label(self) -> str:
        names = {"DEDUCTIBLE": "Deductible", "OUT_OF_POCKET": "Out-of-pocket maximum"}
        if self.type in names:
            return names[self.type]
        benefit = self.key.replace("_", " ")
        return f"{benefit.capitalize()} {'visits' if self.type == 'VISIT_LIMIT' else 'limit'}"


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    actor: str
    event_type: str
    from_status: str | None
    to_status: str | None
    note: str | None


@dataclass(frozen=True)
class AttachmentView:
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int | None
    uploaded_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PriorAuthView:
    locator: str
    procedure_code: str
    status: str
    valid_from: str | None
    valid_to: str | None


@dataclass(frozen=True)
class DuplicateView:
    id: uuid.UUID
    locator: str
    status: str
    amount_claimed: Decimal


@dataclass(frozen=True)
class ClaimDetail:
    id: uuid.UUID
    locator: str
    status: str
    version: int
    currency: str
    incident_date: dt.date
    received_at: dt.datetime
    pend_reason: str | None
    pend_note: str | None
    assignee: str | None
    lease_expires_at: dt.datetime | None
    updated_by: str | None
    updated_at: dt.datetime
    member_name: str
    member_locator: str
    member_birth_date: dt.date | None
    policy_locator: str
    product_name: str
    provider_name: str
    provider_npi: str | None
    network_status: str
    amount_claimed: Decimal
    amount_allowed: Decimal
    amount_paid: Decimal
    member_responsibility: Decimal
    lines: tuple[LineView, ...]
    coverage_status: str | None
    coverage_from: dt.date | None
    coverage_to: dt.date | None
    coverage_terms: dict[str, Any]
    balances: tuple[BalanceView, ...]
    history: tuple[EventView, ...]
    attachments: tuple[AttachmentView, ...]
    prior_auths: tuple[PriorAuthView, ...]
    duplicates: tuple[DuplicateView, ...]


def claim_detail(sessions, claim_id: uuid.UUID) -> ClaimDetail:  # noqa: ANN001, PLR0914
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        c = conn.execute(
            text(
                """
                SELECT c.*, p.first_name, p.last_name, p.name AS party_name, p.locator AS member_locator, p.date_of_birth,
                       pol.locator AS policy_locator, prod.name AS product_name,
                       pr.name AS provider_name, pr.npi, pr.network_status
                FROM claims.claims c
                JOIN policy_admin.parties p ON p.id = c.claimant_party_id
                JOIN enrollment.policies pol ON pol.id = c.policy_id
                JOIN policy_admin.product_versions pv ON pv.id = pol.product_version_id
                JOIN policy_admin.products prod ON prod.id = pv.product_id
                JOIN provider.providers pr ON pr.id = c.provider_id
                WHERE c.id = :id
                """
            ),
            {"id": claim_id},
        ).mappings().first()
        if c is None:
            raise NotFound(f"no claim with id {claim_id}")
        texts = dict(conn.execute(text("SELECT code, description FROM claims.reason_codes")).all())
        priced = {ln["line_number"]: ln for ln in (c["document"] or {}).get("pricing", {}).get("lines", [])}
        lines = tuple(
            LineView(
                line_number=r.line_number,
                coverage_term_key=r.coverage_term_key,
                procedure_code=r.procedure_code,
                service_date=r.service_date,
                status=r.status,
                amount_claimed=r.amount_claimed,
                amount_allowed=r.amount_allowed,
                deductible=r.deductible,
                copay=r.copay,
                coinsurance=r.coinsurance,
                amount_paid=r.amount_paid,
                member_responsibility=r.member_responsibility,
                reason_codes=tuple((code, texts.get(code, "")) for code in (r.reason_codes or [])),
                override=_override_text(r),
                steps=tuple(Step(**{k: s.get(k) for k in Step.__dataclass_fields__}) for s in priced.get(r.line_number, {}).get("steps", [])),
            )
            for r in conn.execute(
                text("SELECT * FROM claims.claim_lines WHERE claim_id = :id ORDER BY line_number"), {"id": claim_id}
            )
        )
        coverage = conn.execute(
            text(
                "SELECT status, effective_from, effective_to, coverage_terms FROM eligibility.member_coverage "
                "WHERE party_id = :p AND policy_id = :pol ORDER BY (effective_from <= :d AND coalesce(effective_to, :d) >= :d) DESC, "
                "effective_from DESC LIMIT 1"
            ),
            {"p": c["claimant_party_id"], "pol": c["policy_id"], "d": c["incident_date"]},
        ).first()
        term_filter = "AND term_id = :t" if c["term_id"] else ""
        balances = tuple(
            BalanceView(r.accumulator_type, r.coverage_term_key, r.limit_amount, r.consumed_amount)
            for r in conn.execute(
                text(
                    "SELECT accumulator_type, coverage_term_key, limit_amount, consumed_amount FROM eligibility.coverage_accumulators "
                    f"WHERE party_id = :p {term_filter} ORDER BY accumulator_type, coverage_term_key"
                ),
                {"p": c["claimant_party_id"], "t": c["term_id"]},
            )
        )
        history = tuple(
            EventView(r.created_at, r.actor, r.event_type, r.from_status, r.to_status, r.note)
            for r in conn.execute(
                text(
                    "SELECT created_at, actor, event_type, from_status, to_status, note FROM claims.claim_events "
                    "WHERE claim_id = :id ORDER BY created_at, id"
                ),
                {"id": claim_id},
            )
        )
        attachments = tuple(
            AttachmentView(r.id, r.filename, r.content_type, r.size_bytes, r.uploaded_by, r.created_at)
            for r in conn.execute(
                text(
                    "SELECT id, filename, content_type, size_bytes, uploaded_by, created_at FROM claims.claim_documents "
                    "WHERE claim_id = :id ORDER BY created_at"
                ),
                {"id": claim_id},
            )
        )
        auths = tuple(
            PriorAuthView(r.locator, r.procedure_code, r.status, (r.document or {}).get("valid_from"), (r.document or {}).get("valid_to"))
            for r in conn.execute(
                text("SELECT locator, procedure_code, status, document FROM claims.prior_auths WHERE member_party_id = :p ORDER BY locator"),
                {"p": c["claimant_party_id"]},
            )
        )
        duplicates = tuple(
            DuplicateView(r.id, r.locator, r.status, r.amount_claimed)
            for r in conn.execute(
                text(
                    """
                    SELECT DISTINCT o.id, o.locator, o.status, o.amount_claimed FROM claims.claims o
                    JOIN claims.claim_lines ol ON ol.claim_id = o.id
                    JOIN claims.claim_lines cl ON cl.claim_id = :id AND cl.procedure_code = ol.procedure_code
                         AND cl.amount_claimed = ol.amount_claimed
                    WHERE o.claimant_party_id = :p AND o.provider_id = :prov AND o.incident_date = :d
                      AND o.id <> :id AND o.status <> 'VOIDED'
                    ORDER BY o.locator
                    """
                ),
                {"id": claim_id, "p": c["claimant_party_id"], "prov": c["provider_id"], "d": c["incident_date"]},
            )
        )
    member = " ".join(x for x in (c["first_name"], c["last_name"]) if x) or c["party_name"] or c["member_locator"]
    return ClaimDetail(
        id=c["id"], locator=c["locator"], status=c["status"], version=c["version"], currency=c["currency"],
        incident_date=c["incident_date"], received_at=c["received_at"], pend_reason=c["pend_reason"], pend_note=c["pend_note"],
        assignee=c["assignee"], lease_expires_at=c["lease_expires_at"], updated_by=c["updated_by"], updated_at=c["updated_at"],
        member_name=member, member_locator=c["member_locator"], member_birth_date=c["date_of_birth"],
        policy_locator=c["policy_locator"], product_name=c["product_name"], provider_name=c["provider_name"],
        provider_npi=c["npi"], network_status=c["network_status"], amount_claimed=c["amount_claimed"],
        amount_allowed=c["amount_allowed"], amount_paid=c["amount_paid"], member_responsibility=c["member_responsibility"],
        lines=lines,
        coverage_status=coverage.status if coverage else None,
        coverage_from=coverage.effective_from if coverage else None,
        coverage_to=coverage.effective_to if coverage else None,
        coverage_terms=dict(coverage.coverage_terms) if coverage else {},
        balances=balances, history=history, attachments=attachments, prior_auths=auths, duplicates=duplicates,
    )


def _override_text(r: Any) -> str | None:
    if r.override_deny_carc:
        return f"denied by {r.overridden_by} with CARC {r.override_deny_carc}: {r.override_note}"
    if r.override_allowed is not None:
        return f"allowed set to {money(r.override_allowed)} by {r.overridden_by}: {r.override_note}"
    return None


def reason_codes(sessions) -> list[tuple[str, str]]:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        return [tuple(r) for r in uow.connection.execute(text("SELECT code, description FROM claims.reason_codes ORDER BY code::int"))]


def add_attachment(sessions, claim_id: uuid.UUID, path: Path) -> uuid.UUID:  # noqa: ANN001
    """Attach a file to a claim, stored in the database with its checksum."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError(f"cannot be read ({exc.strerror})", where=str(path)) from None
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(f"is {size / 1e6:.1f} MB; attachments are limited to 20 MB", where=path.name)
    content = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with UnitOfWork(sessions) as uow:
        doc_id = uow.connection.execute(
            text(
                "INSERT INTO claims.claim_documents (claim_id, filename, content_type, content, size_bytes, sha256) "
                "VALUES (:c, :f, :t, :b, :s, :h) RETURNING id"
            ),
            {"c": claim_id, "f": path.name[:255], "t": content_type, "b": content, "s": size, "h": hashlib.sha256(content).hexdigest()},
        ).scalar_one()
        uow.connection.execute(
            text("INSERT INTO claims.claim_events (claim_id, event_type, note) VALUES (:c, 'DOCUMENT_ATTACHED', :f)"),
            {"c": claim_id, "f": path.name[:255]},
        )
        uow.commit()
    return doc_id


def read_attachment(sessions, document_id: uuid.UUID) -> tuple[str, bytes]:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        row = uow.connection.execute(
            text("SELECT filename, content FROM claims.claim_documents WHERE id = :id"), {"id": document_id}
        ).first()
    if row is None or row.content is None:
        raise NotFound("that attachment is no longer stored")
    return row.filename, bytes(row.content)


@dataclass(frozen=True)
class ClaimSummary:
    """A claim in a list of someone's claims: which, for care when, where it stands, what it cost."""

    locator: str
    incident_date: dt.date
    status: str
    claimed: Decimal
    paid: Decimal | None
    currency: str


def recent_claims(conn, column: str, value: uuid.UUID, limit: int) -> tuple[ClaimSummary, ...] | None:  # noqa: ANN001
    """The latest ``limit`` claims whose ``column`` (claimant_party_id or provider_id) is ``value``.

    None when the signed-in role may not read claims (enrollment): a screen then leaves them out.
    """
    if column not in ("claimant_party_id", "provider_id"):
        raise ValueError(column)
    if not reads_claims(conn):
        return None
    rows = conn.execute(
        text(
            f"SELECT locator, incident_date, status, amount_claimed, amount_paid, currency FROM claims.claims "
            f"WHERE {column} = :v ORDER BY received_at DESC, locator DESC LIMIT :n"
        ),
        {"v": value, "n": limit},
    )
    return tuple(ClaimSummary(r.locator, r.incident_date, r.status, r.amount_claimed, r.amount_paid, r.currency) for r in rows)
