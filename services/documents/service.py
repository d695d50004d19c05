"""EOBs and policy schedules from the database: build the inputs, render, store, list, export.

Issuing a document is one transaction: the PDF in ``documents.documents``
with its SHA-256, a ``DOCUMENT_ISSUED`` message in ``documents.outbox`` and,
for a claim, an ``EOB_ISSUED`` claim event.

The bytes are a pure function of the render inputs (the renderer's
invariant mode), and the inputs include the document locator and the issue
date. The inputs as they were at issue — data and template wording — are
stored with the document's ``DOCUMENT_ISSUED`` message, so ``rerender``
reproduces the stored PDF exactly even after balances, wording or the claim
itself have moved on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from ..claims import adjudication as adj
from ..errors import NotFound, ValidationError
from ..locators import next_locator
from ..money import money
from ..uow import UnitOfWork
from .model import (
    BenefitTerms,
    CoverageLimit,
    EobData,
    EobLine,
    PolicyDocData,
    PolicyElement,
    PolicyMember,
    Premium,
    YtdBalance,
)
from .render import accumulator_label, eob_totals, render_eob, render_policy
from .spool import write_atomically
from .templates import MarketTemplate

Sessions = sessionmaker[Session] | Callable[[], Session]

EOB_STATUSES = ("APPROVED", "PARTIALLY_APPROVED", "DENIED", "FINALIZED")
PREMIUM_FREQUENCIES = ("MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL")
PREVIEW_LOCATOR = "PREVIEW"
INPUTS_SCHEMA = 1

_ACCUMULATOR_ORDER = {"DEDUCTIBLE": 0, "OUT_OF_POCKET": 1, "BENEFIT_LIMIT": 2, "VISIT_LIMIT": 3}
_CHANGES = frozenset({"documents"})


# ------------------------------------------------------------------- results


@dataclass(frozen=True)
class StoredDocument:
    """One issued document, as stored."""

    id: uuid.UUID
    locator: str
    template_type: str
    market_code: str
    subject_type: str
    subject_locator: str
    party_locator: str | None
    issue_date: dt.date
    sha256: str
    content: bytes = field(repr=False)
    changes: frozenset[str] = _CHANGES


@dataclass(frozen=True)
class DocumentRow:
    """A row of the document list: plain values, newest first, paged by ``key``."""

    id: uuid.UUID
    locator: str
    template_type: str
    market_code: str
    subject_type: str
    subject_locator: str
    party_locator: str | None
    member_name: str | None
    size_bytes: int
    sha256: str
    created_at: dt.datetime
    created_by: str
    printed_at: dt.datetime | None
    printed_by: str | None

    @property
    def key(self) -> tuple[dt.datetime, uuid.UUID]:
        """Pass as ``after_key`` to get the page after this row."""
        return (self.created_at, self.id)


@dataclass(frozen=True)
class PrintedResult:
    """What ``mark_printed`` did: newly marked, already marked before (left as they were), unknown."""

    marked: tuple[str, ...]
    already_printed: tuple[str, ...]
    unknown: tuple[str, ...]
    changes: frozenset[str] = _CHANGES


@dataclass(frozen=True)
class ExportResult:
    total: int
    written: tuple[Path, ...]
    cancelled: bool
    out_dir: Path


# ------------------------------------------------------------------ helpers


def _json(value: str | None) -> Any:
    """JSONB read as text and parsed here: numbers become Decimal, never float."""
    return json.loads(value, parse_float=Decimal) if value is not None else None


def _today(conn: Connection) -> dt.date:
    # The database's date, so every workstation issues with the same calendar.
    return conn.execute(text("SELECT current_date")).scalar_one()


def _person_name(first: str | None, last: str | None, name: str | None, fallback: str) -> str:
    return " ".join(x for x in (first, last) if x) or name or fallback


def _address_lines(address: Any) -> tuple[str, ...]:
    """A party's address JSON as printable lines; accepts a list of lines or the usual keys."""
    if not address:
        return ()
    if isinstance(address, str):
        return tuple(line.strip() for line in address.splitlines() if line.strip())
    if isinstance(address, list):
        return tuple(str(x).strip() for x in address if str(x).strip())
    if not isinstance(address, Mapping):
        return ()
    if isinstance(address.get("lines"), list):
        lines = [str(x).strip() for x in address["lines"] if str(x).strip()]
    else:
        lines = [
            str(address[k]).strip()
            for k in ("line1", "address_line1", "street", "line2", "address_line2", "line3")
            if address.get(k) and str(address[k]).strip()
        ]
    city = str(address.get("city") or address.get("town") or "").strip()
    region = str(address.get("state") or address.get("region") or address.get("county") or "").strip()
    postal = str(address.get("postal_code") or address.get("postcode") or address.get("zip") or "").strip()
    country = str(address.get("country") or "").strip()
    if country.upper() in ("UK", "GB", "UNITED KINGDOM"):
        # British style: town, then the postcode on its own line.
        lines += [x for x in (city, region, postal) if x]
    else:
        place = ", ".join(x for x in (city, " ".join(x for x in (region, postal) if x)) if x)
        if place:
            lines.append(place)
    if country and country.upper() not in ("US", "USA", "UK", "GB", "UNITED STATES", "UNITED KINGDOM"):
        lines.append(country)
    return tuple(lines)


def _snapshot(uow: UnitOfWork) -> Connection:
    """The unit of work's connection, reading one snapshot for the whole transaction.

    An issued document must show one consistent state of its subject (claim
    header and lines, policy and its terms). A snapshot gives that without
    locking: ``FOR SHARE`` would need UPDATE rights the billing and
    enrollment roles do not have, and row-level security hides a claim
    leased to someone else from it.
    """
    return uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def load_template(conn: Connection, market_code: str, template_type: str) -> MarketTemplate:
    """The market's wording from ``documents.templates``."""
    raw = conn.execute(
        text("SELECT document::text FROM documents.templates WHERE market_code = :m AND template_type = :t"),
        {"m": market_code, "t": template_type},
    ).scalar_one_or_none()
    if raw is None:
        raise ValidationError(
            f"there is no {template_type} template for market {market_code}; an administrator must add one "
            "(documents.templates) before this document can be printed",
            where=f"template {market_code}/{template_type}",
        )
    return MarketTemplate.from_document(_json(raw))


# ---------------------------------------------------------------------- EOB


def _claim_row(conn: Connection, claim_locator: str) -> Any:
    row = conn.execute(
        text(
            """
            SELECT c.id, c.locator, c.status, c.version, c.term_id, c.provider_id, c.incident_date, c.currency,
                   c.amount_claimed, c.amount_allowed, c.amount_paid, c.member_responsibility,
                   (c.received_at)::date AS received_date, (c.adjudicated_at)::date AS processed_date,
                   c.claimant_party_id, p.locator AS party_locator, p.first_name, p.last_name, p.name AS party_name,
                   p.address::text AS address, pol.locator AS policy_locator, pol.market_code, prod.name AS product_name,
                   pr.name AS provider_name, pr.npi, pr.network_status
            FROM claims.claims c
            JOIN policy_admin.parties p ON p.id = c.claimant_party_id
            JOIN enrollment.policies pol ON pol.id = c.policy_id
            JOIN policy_admin.product_versions pv ON pv.id = pol.product_version_id
            JOIN policy_admin.products prod ON prod.id = pv.product_id
            JOIN provider.providers pr ON pr.id = c.provider_id
            WHERE c.locator = :l
            """
        ),
        {"l": claim_locator.strip()},
    ).mappings().first()
    if row is None:
        raise NotFound(f"there is no claim {claim_locator.strip()}")
    return row


def _check_eob_status(row: Any) -> None:
    if row["status"] not in EOB_STATUSES:
        raise ValidationError(
            f"claim {row['locator']} is {row['status']}; an EOB can only be issued for a claim that has been "
            "adjudicated (approved, partially approved, denied or finalized)",
            where="claim status",
        )


def _eob_data(conn: Connection, row: Any, template: MarketTemplate, document_locator: str, issue_date: dt.date) -> EobData:
    lines = conn.execute(
        text(
            "SELECT line_number, procedure_code, service_date, status, amount_claimed, amount_allowed, deductible, "
            "copay, coinsurance, amount_paid, member_responsibility, reason_codes "
            "FROM claims.claim_lines WHERE claim_id = :id ORDER BY line_number"
        ),
        {"id": row["id"]},
    ).all()
    descriptions = dict(
        conn.execute(
            text(
                """
                SELECT DISTINCT ON (procedure_code) procedure_code, description FROM provider.fee_schedule
                WHERE procedure_code = ANY(:codes) AND description IS NOT NULL
                  AND (provider_id = :prov OR provider_id IS NULL)
                  AND effective_from <= :d AND (effective_to IS NULL OR effective_to >= :d)
                ORDER BY procedure_code, (provider_id IS NOT NULL) DESC, effective_from DESC
                """
            ),
            {"codes": [ln.procedure_code for ln in lines], "prov": row["provider_id"], "d": row["incident_date"]},
        ).all()
    )
    eob_lines = tuple(
        EobLine(
            line_number=ln.line_number,
            procedure_code=ln.procedure_code,
            description=descriptions.get(ln.procedure_code),
            service_date=ln.service_date or row["incident_date"],
            billed=ln.amount_claimed,
            allowed=ln.amount_allowed,
            deductible=ln.deductible,
            copay=ln.copay,
            coinsurance=ln.coinsurance,
            paid=ln.amount_paid,
            member_share=ln.member_responsibility,
            reason_codes=tuple(ln.reason_codes or ()),
            status=ln.status,
        )
        for ln in lines
    )
    balances: tuple[YtdBalance, ...] = ()
    if row["term_id"] is not None:
        accumulators = conn.execute(
            text(
                "SELECT accumulator_type, coverage_term_key, limit_amount, consumed_amount "
                "FROM eligibility.coverage_accumulators WHERE party_id = :p AND term_id = :t"
            ),
            {"p": row["claimant_party_id"], "t": row["term_id"]},
        ).all()
        accumulators = sorted(accumulators, key=lambda a: (_ACCUMULATOR_ORDER.get(a[0], 9), a[1]))
        balances = tuple(
            YtdBalance(
                label=accumulator_label(template, typ, key),
                limit=limit,
                consumed=consumed,
                is_count=typ == "VISIT_LIMIT",
            )
            for typ, key, limit, consumed in accumulators
        )
    data = EobData(
        document_locator=document_locator,
        issue_date=issue_date,
        member_name=_person_name(row["first_name"], row["last_name"], row["party_name"], row["party_locator"]),
        member_id=row["party_locator"],
        member_address=_address_lines(_json(row["address"])),
        claim_locator=row["locator"],
        policy_locator=row["policy_locator"],
        product_name=row["product_name"],
        provider_name=row["provider_name"],
        provider_npi=row["npi"],
        network_status=row["network_status"],
        incident_date=row["incident_date"],
        received_date=row["received_date"],
        processed_date=row["processed_date"],
        claim_status=row["status"],
        lines=eob_lines,
        balances=balances,
        currency=row["currency"],
    )
    _check_totals(data, row)
    return data


def _check_totals(data: EobData, row: Any) -> None:
    """The page must say what the adjudication says, to the cent; refuse rather than print a difference."""
    totals = eob_totals(data)
    header = {
        "billed": row["amount_claimed"],
        "allowed": row["amount_allowed"],
        "paid": row["amount_paid"],
        "member_share": row["member_responsibility"],
    }
    for name, amount in header.items():
        if totals[name] != money(amount):
            raise ValidationError(
                f"the lines of claim {row['locator']} add up to {totals[name]} {name.replace('_', ' ')}, but the claim "
                f"says {money(amount)}; price the claim again before issuing its EOB",
                where=f"claim {row['locator']}",
            )


def eob_data_for_claim(
    conn: Connection,
    claim_locator: str,
    *,
    document_locator: str = PREVIEW_LOCATOR,
    issue_date: dt.date | None = None,
) -> EobData:
    """Everything the EOB of an adjudicated claim shows, read from the database (nothing is written)."""
    row = _claim_row(conn, claim_locator)
    _check_eob_status(row)
    template = load_template(conn, row["market_code"], "EOB")
    return _eob_data(conn, row, template, document_locator, issue_date or _today(conn))


def render_and_store_eob(sessions: Sessions, claim_locator: str) -> StoredDocument:
    """Issue the EOB of an adjudicated claim: render, store, announce, and record it on the claim."""
    with UnitOfWork(sessions) as uow:
        conn = _snapshot(uow)
        row = _claim_row(conn, claim_locator)
        _check_eob_status(row)
        stored = _issue(
            conn, row, "CLAIM", "EOB",
            lambda template, locator, issue_date: _eob_data(conn, row, template, locator, issue_date),
            render_eob,
        )
        locator, issue_date = stored.locator, stored.issue_date
        adj.write_events(
            conn,
            [
                {
                    "claim_id": row["id"],
                    "locator": row["locator"],
                    "event_type": "EOB_ISSUED",
                    "from_status": None,
                    "to_status": None,
                    "note": f"EOB {locator} issued",
                    "detail": json.dumps(
                        {"document_locator": locator, "sha256": stored.sha256, "issue_date": issue_date.isoformat()}
                    ),
                }
            ],
        )
        uow.commit()
    return dataclasses.replace(stored, changes=frozenset({"documents", "claim"}))


def _current_eob(sessions: Sessions, claim_locator: str) -> tuple[bytes, str] | None:
    """The claim's latest EOB if the claim has not changed since (same row version as at issue)."""
    with UnitOfWork(sessions) as uow:
        row = uow.connection.execute(
            text(
                """
                SELECT d.content, d.sha256, d.locator FROM claims.claims c
                JOIN documents.documents d ON d.subject_type = 'CLAIM' AND d.subject_id = c.id AND d.template_type = 'EOB'
                JOIN documents.outbox o ON o.event_type = 'DOCUMENT_ISSUED' AND o.payload->>'document_locator' = d.locator
                WHERE c.locator = :l AND o.payload->>'subject_version' = c.version::text
                ORDER BY d.created_at DESC, d.id DESC LIMIT 1
                """
            ),
            {"l": claim_locator.strip()},
        ).first()
    if row is None:
        return None
    return _verified(bytes(row.content), row.sha256, row.locator), row.locator


def eob_pdf_for_claim(sessions: Sessions, claim_locator: str) -> tuple[bytes, str]:
    """The claim's EOB as ``(pdf, document_locator)``: the one already issued if the claim is
    unchanged since, else a newly issued one (so printing twice does not issue two EOBs)."""
    current = _current_eob(sessions, claim_locator)
    if current is not None:
        return current
    stored = render_and_store_eob(sessions, claim_locator)
    return stored.content, stored.locator


# ------------------------------------------------------------------- policy


def _policy_row(conn: Connection, policy_locator: str) -> Any:
    row = conn.execute(
        text(
            """
            SELECT pol.id, pol.locator, pol.version, pol.market_code, pol.inception_date, pol.policyholder_party_id,
                   pol.status, pol.document #>> '{cancellation,effective_date}' AS cancelled_from,
                   pol.document->'premium'->>'amount' AS premium_amount,
                   pol.document->'premium'->>'frequency' AS premium_frequency,
                   pol.document->'premium'->>'currency' AS premium_currency,
                   pv.document->'premium'->>'amount' AS pv_premium_amount,
                   pv.document->'premium'->>'frequency' AS pv_premium_frequency,
                   pv.document->'premium'->>'currency' AS pv_premium_currency,
                   pv.version AS product_version, prod.name AS product_name,
                   acc.name AS account_name, acc.currency AS account_currency,
                   p.locator AS party_locator, p.first_name, p.last_name, p.name AS party_name,
                   p.address::text AS address
            FROM enrollment.policies pol
            JOIN policy_admin.product_versions pv ON pv.id = pol.product_version_id
            JOIN policy_admin.products prod ON prod.id = pv.product_id
            JOIN policy_admin.accounts acc ON acc.id = pol.account_id
            LEFT JOIN policy_admin.parties p ON p.id = pol.policyholder_party_id
            WHERE pol.locator = :l
            """
        ),
        {"l": policy_locator.strip()},
    ).mappings().first()
    if row is None:
        raise NotFound(f"there is no policy {policy_locator.strip()}")
    return row


def _premium(row: Any, currency: str) -> Premium:
    """The policy's own premium (what this policyholder was rated at), else its product version's
    list premium. A schedule never prints a guessed premium: with neither, it is refused."""
    for prefix, source in (("", "the policy"), ("pv_", "the product version")):
        amount = row[f"{prefix}premium_amount"]
        if amount is None:
            continue
        frequency = (row[f"{prefix}premium_frequency"] or "").upper()
        if frequency not in PREMIUM_FREQUENCIES:
            raise ValidationError(
                f"premium frequency {frequency or '(none)'!r} of {source} is not one of {', '.join(PREMIUM_FREQUENCIES)}",
                where=f"policy {row['locator']}.premium",
            )
        return Premium(amount=amount, frequency=frequency, currency=row[f"{prefix}premium_currency"] or currency)
    raise ValidationError(
        f"policy {row['locator']} has no premium on record (neither the policy nor its product version has "
        "document.premium); record the premium before issuing its schedule",
        where=f"policy {row['locator']}.premium",
    )


def _policy_data(conn: Connection, row: Any, document_locator: str, issue_date: dt.date) -> PolicyDocData:
    # The term in force on the issue date, else the latest one.
    term = conn.execute(
        text(
            """
            SELECT id, effective_from, effective_to FROM enrollment.policy_terms WHERE policy_id = :p
            ORDER BY (effective_from <= :d AND coalesce(effective_to, :d) >= :d) DESC, term_number DESC LIMIT 1
            """
        ),
        {"p": row["id"], "d": issue_date},
    ).first()
    term_id = term.id if term else None

    coverage = conn.execute(
        text(
            """
            SELECT mc.party_id, mc.policy_element_id, mc.coverage_terms::text AS coverage_terms,
                   p.locator, p.first_name, p.last_name, p.name, p.date_of_birth,
                   (SELECT r.role_type FROM policy_admin.party_roles r
                     WHERE r.party_id = mc.party_id AND r.policy_id = mc.policy_id ORDER BY r.created_at LIMIT 1) AS role
            FROM eligibility.member_coverage mc
            JOIN policy_admin.parties p ON p.id = mc.party_id
            WHERE mc.policy_id = :p AND (CAST(:t AS uuid) IS NULL OR mc.term_id = :t OR mc.term_id IS NULL)
            ORDER BY mc.created_at, mc.id
            """
        ),
        {"p": row["id"], "t": term_id},
    ).all()

    members: dict[uuid.UUID, PolicyMember] = {}
    for c in coverage:
        if c.party_id in members:
            continue
        if c.party_id == row["policyholder_party_id"]:
            relationship = "POLICYHOLDER"
        else:
            relationship = (c.role or "MEMBER").upper()
        members[c.party_id] = PolicyMember(
            name=_person_name(c.first_name, c.last_name, c.name, c.locator),
            member_id=c.locator,
            relationship=relationship,
            date_of_birth=c.date_of_birth,
        )
    ordered_members = sorted(members.items(), key=lambda kv: (kv[0] != row["policyholder_party_id"], kv[1].name))

    # Limits are per person and term; the schedule shows the policyholder's (or the first member's).
    limit_party = row["policyholder_party_id"] if row["policyholder_party_id"] in members else next(iter(members), None)
    accumulators = []
    if term_id is not None and limit_party is not None:
        accumulators = conn.execute(
            text(
                "SELECT accumulator_type, coverage_term_key, limit_amount FROM eligibility.coverage_accumulators "
                "WHERE party_id = :party AND term_id = :t"
            ),
            {"party": limit_party, "t": term_id},
        ).all()
        accumulators.sort(key=lambda a: (_ACCUMULATOR_ORDER.get(a[0], 9), a[1]))

    element_rows = conn.execute(
        text(
            """
            SELECT id, element_type, document::text AS document FROM enrollment.policy_elements
            WHERE policy_id = :p AND (CAST(:t AS uuid) IS NULL OR term_id = :t OR term_id IS NULL)
            ORDER BY element_type, created_at, id
            """
        ),
        {"p": row["id"], "t": term_id},
    ).all()
    coverage_by_element = {c.policy_element_id: _json(c.coverage_terms) for c in coverage if c.policy_element_id}
    sources: list[tuple[str, str, dict[str, Any]]] = []
    for e in element_rows:
        document = _json(e.document) or {}
        terms = document.get("coverage_terms") or coverage_by_element.get(e.id)
        if not terms:
            continue  # an element without benefit terms (e.g. a rider with no schedule) has nothing to print
        name = str(document.get("name") or e.element_type.replace("_", " ").capitalize())
        sources.append((name, e.element_type, terms))
    if not sources and coverage:
        # Coverage recorded without elements: print what eligibility holds.
        first = _json(coverage[0].coverage_terms)
        sources.append(("Medical", "MEDICAL", first))
    if not sources:
        raise ValidationError(
            f"policy {row['locator']} has no benefits on record for this term; there is nothing to schedule",
            where=f"policy {row['locator']}",
        )

    elements = []
    for name, element_type, terms in sources:
        benefits = terms.get("benefits") or {}
        if isinstance(benefits, Mapping):
            # JSONB does not keep the order a product was written in; alphabetical is the next best order.
            terms = {**terms, "benefits": dict(sorted(benefits.items()))}
        keys = set(benefits)
        limits = tuple(
            CoverageLimit(limit_type=typ, key=key, amount=amount)
            for typ, key, amount in accumulators
            if key == "plan" or key in keys
        )
        element = PolicyElement.from_coverage_terms(name, element_type, terms, limits)
        if not element.currency:
            element = dataclasses.replace(element, currency=row["account_currency"])
        elements.append(element)

    return PolicyDocData(
        document_locator=document_locator,
        issue_date=issue_date,
        policy_locator=row["locator"],
        product_name=row["product_name"],
        product_version=str(row["product_version"]),
        market_code=row["market_code"],
        policyholder_name=_person_name(row["first_name"], row["last_name"], row["party_name"], row["account_name"]),
        policyholder_address=_address_lines(_json(row["address"])),
        effective_from=term.effective_from if term else row["inception_date"],
        effective_to=term.effective_to if term else None,
        members=tuple(m for _, m in ordered_members),
        elements=tuple(elements),
        premium=_premium(row, elements[0].currency or row["account_currency"]),
        cancelled_from=dt.date.fromisoformat(row["cancelled_from"]) if row["status"] == "CANCELLED" and row["cancelled_from"] else None,
    )


def policy_data_for_policy(
    conn: Connection,
    policy_locator: str,
    *,
    document_locator: str = PREVIEW_LOCATOR,
    issue_date: dt.date | None = None,
) -> PolicyDocData:
    """Everything a policy schedule shows, read from the database (nothing is written)."""
    row = _policy_row(conn, policy_locator)
    return _policy_data(conn, row, document_locator, issue_date or _today(conn))


def render_and_store_policy(sessions: Sessions, policy_locator: str) -> StoredDocument:
    """Issue the policy schedule: render, store and announce it."""
    with UnitOfWork(sessions) as uow:
        conn = _snapshot(uow)
        row = _policy_row(conn, policy_locator)
        stored = _issue(
            conn, row, "POLICY", "POLICY",
            lambda _template, locator, issue_date: _policy_data(conn, row, locator, issue_date),
            render_policy,
        )
        uow.commit()
    return stored


def policy_pdf_for_policy(sessions: Sessions, policy_locator: str) -> tuple[bytes, str]:
    """A newly issued policy schedule as ``(pdf, document_locator)``.

    Unlike an EOB, a schedule is always issued afresh: what it shows comes
    from many rows (terms, elements, coverage, limits, premium), and a
    schedule is printed rarely enough that re-issuing is the safe choice.
    """
    stored = render_and_store_policy(sessions, policy_locator)
    return stored.content, stored.locator


# ----------------------------------------------------------- store, rerender


def _issue(conn: Connection, row: Mapping[str, Any], subject_type: str, template_type: str, build, render) -> StoredDocument:  # noqa: ANN001
    """Render one document for ``row`` and store it: template, locator and issue date come from the database."""
    template = load_template(conn, row["market_code"], template_type)
    locator = next_locator(conn, "document")
    issue_date = _today(conn)
    data = build(template, locator, issue_date)
    return _store(
        conn,
        locator=locator,
        template=template,
        subject_type=subject_type,
        subject_id=row["id"],
        subject_locator=row["locator"],
        party_locator=row["party_locator"],
        issue_date=issue_date,
        pdf=render(data, template),
        inputs=_dump(data),
        subject_version=row["version"],
    )


def _store(
    conn: Connection,
    *,
    locator: str,
    template: MarketTemplate,
    subject_type: str,
    subject_id: uuid.UUID,
    subject_locator: str,
    party_locator: str | None,
    issue_date: dt.date,
    pdf: bytes,
    inputs: dict[str, Any],
    subject_version: int,
) -> StoredDocument:
    sha = hashlib.sha256(pdf).hexdigest()
    doc_id = conn.execute(
        text(
            "INSERT INTO documents.documents (locator, party_locator, template_type, market_code, content, sha256, "
            "subject_type, subject_id, subject_locator) VALUES (:l, :party, :t, :m, :c, :sha, :st, :sid, :sl) "
            "RETURNING id"
        ),
        {
            "l": locator, "party": party_locator, "t": template.template_type, "m": template.market_code,
            "c": pdf, "sha": sha, "st": subject_type, "sid": subject_id, "sl": subject_locator,
        },
    ).scalar_one()
    payload = {
        "document_id": str(doc_id),
        "document_locator": locator,
        "template_type": template.template_type,
        "market_code": template.market_code,
        "subject_type": subject_type,
        "subject_locator": subject_locator,
        "subject_version": subject_version,
        "party_locator": party_locator,
        "issue_date": issue_date.isoformat(),
        "sha256": sha,
        # Everything the renderer read, so the document can be reproduced byte for byte.
        "render_inputs": {"schema": INPUTS_SCHEMA, "template": template.to_document(), "data": inputs},
    }
    conn.execute(
        text("INSERT INTO documents.outbox (event_type, payload) VALUES ('DOCUMENT_ISSUED', CAST(:p AS jsonb))"),
        {"p": json.dumps(payload, ensure_ascii=False)},
    )
    return StoredDocument(
        id=doc_id,
        locator=locator,
        template_type=template.template_type,
        market_code=template.market_code,
        subject_type=subject_type,
        subject_locator=subject_locator,
        party_locator=party_locator,
        issue_date=issue_date,
        sha256=sha,
        content=pdf,
    )


def _dump(value: Any) -> Any:
    """Render inputs as JSON: Decimal as text (exact), dates as ISO text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_dump(v) for v in value]
    return value


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _load_eob(d: Mapping[str, Any]) -> EobData:
    return EobData(
        **{
            **d,
            "issue_date": _date(d["issue_date"]),
            "incident_date": _date(d["incident_date"]),
            "received_date": _date(d["received_date"]),
            "processed_date": _date(d["processed_date"]),
            "member_address": tuple(d["member_address"]),
            "lines": tuple(
                EobLine(**{**ln, "service_date": _date(ln["service_date"]), "reason_codes": tuple(ln["reason_codes"])})
                for ln in d["lines"]
            ),
            "balances": tuple(YtdBalance(**b) for b in d["balances"]),
        }
    )


def _load_terms(d: Mapping[str, Any] | None) -> BenefitTerms | None:
    return BenefitTerms(**d) if d is not None else None


def _load_policy(d: Mapping[str, Any]) -> PolicyDocData:
    return PolicyDocData(
        **{
            **d,
            "issue_date": _date(d["issue_date"]),
            "effective_from": _date(d["effective_from"]),
            "effective_to": _date(d["effective_to"]),
            "policyholder_address": tuple(d["policyholder_address"]),
            "members": tuple(PolicyMember(**{**m, "date_of_birth": _date(m["date_of_birth"])}) for m in d["members"]),
            "elements": tuple(
                PolicyElement(
                    **{
                        **e,
                        "benefits": tuple(BenefitTerms(**b) for b in e["benefits"]),
                        "out_of_network": _load_terms(e["out_of_network"]),
                        "limits": tuple(CoverageLimit(**lim) for lim in e["limits"]),
                    }
                )
                for e in d["elements"]
            ),
            "premium": Premium(**d["premium"]),
        }
    )


def rerender(sessions: Sessions, document_locator: str) -> bytes:
    """Render a stored document again from the inputs stored with it; equals the stored bytes."""
    with UnitOfWork(sessions) as uow:
        row = uow.connection.execute(
            text(
                """
                SELECT d.template_type, o.payload->'render_inputs' IS NOT NULL AS has_inputs,
                       (o.payload->'render_inputs')::text AS inputs
                FROM documents.documents d
                LEFT JOIN documents.outbox o
                       ON o.event_type = 'DOCUMENT_ISSUED' AND o.payload->>'document_locator' = d.locator
                WHERE d.locator = :l
                ORDER BY o.created_at DESC NULLS LAST LIMIT 1
                """
            ),
            {"l": document_locator.strip()},
        ).first()
    if row is None:
        raise NotFound(f"there is no document {document_locator.strip()}")
    if not row.has_inputs:
        raise ValidationError(
            f"the inputs of document {document_locator} are no longer stored, so it cannot be rendered again",
            where=document_locator,
        )
    inputs = _json(row.inputs)
    if inputs.get("schema") != INPUTS_SCHEMA:
        raise ValidationError(f"stored inputs have schema {inputs.get('schema')!r}", where=document_locator)
    template = MarketTemplate.from_document(inputs["template"])
    if row.template_type == "EOB":
        return render_eob(_load_eob(inputs["data"]), template)
    return render_policy(_load_policy(inputs["data"]), template)


def _verified(content: bytes, sha256: str, locator: str) -> bytes:
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ValidationError(
            "the stored PDF does not match its checksum; do not send it. Issue the document again.", where=locator
        )
    return content


def document_pdf(sessions: Sessions, document_locator: str) -> bytes:
    """A stored document's PDF, checked against its SHA-256."""
    with UnitOfWork(sessions) as uow:
        row = uow.connection.execute(
            text("SELECT content, sha256 FROM documents.documents WHERE locator = :l"), {"l": document_locator.strip()}
        ).first()
    if row is None:
        raise NotFound(f"there is no document {document_locator.strip()}")
    return _verified(bytes(row.content), row.sha256, document_locator.strip())


# ---------------------------------------------------------------- list, print


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_documents(
    sessions: Sessions,
    after_key: tuple[dt.datetime, uuid.UUID] | None = None,
    limit: int = 200,
    text: str = "",  # noqa: A002 - the caller's word; the SQL is built in _list_documents
) -> list[DocumentRow]:
    """One page of documents, newest first; ``after_key`` is the last row's ``key`` of the previous page.

    ``text`` matches the document, subject or member locator, or the member's name.
    """
    return _list_documents(sessions, after_key, limit, text.strip())


def _list_documents(
    sessions: Sessions, after_key: tuple[dt.datetime, uuid.UUID] | None, limit: int, term: str
) -> list[DocumentRow]:
    where = []
    params: dict[str, Any] = {"limit": max(1, min(int(limit), 1000))}
    if after_key is not None:
        where.append("(d.created_at, d.id) < (:after_at, :after_id)")
        params["after_at"], params["after_id"] = after_key
    if term:
        where.append(
            "(d.locator ILIKE :q OR d.subject_locator ILIKE :q OR d.party_locator ILIKE :q "
            "OR concat_ws(' ', p.first_name, p.last_name) ILIKE :q OR p.name ILIKE :q)"
        )
        params["q"] = _like(term)
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                f"""
                SELECT d.id, d.locator, d.template_type, d.market_code, d.subject_type, d.subject_locator,
                       d.party_locator, nullif(concat_ws(' ', p.first_name, p.last_name), '') AS full_name,
                       p.name AS party_name, octet_length(d.content) AS size_bytes, d.sha256, d.created_at,
                       d.created_by, d.printed_at, d.printed_by
                FROM documents.documents d
                LEFT JOIN policy_admin.parties p ON p.locator = d.party_locator
                {"WHERE " + " AND ".join(where) if where else ""}
                ORDER BY d.created_at DESC, d.id DESC
                LIMIT :limit
                """
            ),
            params,
        ).all()
    return [
        DocumentRow(
            id=r.id, locator=r.locator, template_type=r.template_type, market_code=r.market_code,
            subject_type=r.subject_type, subject_locator=r.subject_locator, party_locator=r.party_locator,
            member_name=r.full_name or r.party_name, size_bytes=r.size_bytes, sha256=r.sha256,
            created_at=r.created_at, created_by=r.created_by, printed_at=r.printed_at, printed_by=r.printed_by,
        )
        for r in rows
    ]


def mark_printed(
    sessions: Sessions,
    document_locators: Sequence[str],
    printed_by: str | None = None,
    printed_at: dt.datetime | None = None,
) -> PrintedResult:
    """Record that documents were printed. The first print stays on record: marking again changes nothing.

    ``printed_by`` defaults to the database user; ``printed_at`` to now (the
    offline spool passes the time the page actually came out of the printer).
    """
    locators = sorted({loc.strip() for loc in document_locators if loc and loc.strip()})
    if not locators:
        return PrintedResult((), (), ())
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        known = set(
            conn.execute(
                text("SELECT locator FROM documents.documents WHERE locator = ANY(:l)"), {"l": locators}
            ).scalars()
        )
        marked = set(
            conn.execute(
                text(
                    "UPDATE documents.documents SET printed_at = coalesce(CAST(:at AS timestamptz), now()), "
                    "printed_by = left(coalesce(CAST(:by AS text), session_user), 63) "
                    "WHERE locator = ANY(:l) AND printed_at IS NULL RETURNING locator"
                ),
                {"l": locators, "at": printed_at, "by": printed_by},
            ).scalars()
        )
        uow.commit()
    return PrintedResult(
        marked=tuple(sorted(marked)),
        already_printed=tuple(sorted(known - marked)),
        unknown=tuple(loc for loc in locators if loc not in known),
    )


# -------------------------------------------------------------------- export


def documents_for_claims_finalized_between(sessions: Sessions, date_from: dt.date, date_to: dt.date) -> list[str]:
    """Locators of claims whose decision became final in ``[date_from, date_to]`` (both days included).

    Final means FINALIZED (by its finalisation time) or DENIED (by its
    adjudication time: a denial pays nothing, so it is never finalised, yet
    its EOB is due all the same). Oldest decision first.
    """
    if date_to < date_from:
        raise ValidationError(f"the period ends ({date_to}) before it starts ({date_from})", where="date_to")
    with UnitOfWork(sessions) as uow:
        return list(
            uow.connection.execute(
                text(
                    """
                    SELECT locator FROM (
                        SELECT locator, CASE WHEN status = 'FINALIZED' THEN finalized_at ELSE adjudicated_at END AS decided
                        FROM claims.claims WHERE status IN ('FINALIZED', 'DENIED')
                    ) c
                    WHERE decided >= CAST(:f AS date) AND decided < CAST(:t AS date) + 1
                    ORDER BY decided, locator
                    """
                ),
                {"f": date_from, "t": date_to},
            ).scalars()
        )


def export_eobs(
    sessions: Sessions,
    date_from: dt.date,
    date_to: dt.date,
    out_dir: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ExportResult:
    """One PDF per claim decided in the period, named ``EOB-<claim>.pdf``, in ``out_dir``.

    A claim's current EOB is reused; one is issued where there is none.
    ``cancelled`` is asked before each claim and again before each write, so
    a cancel stops cleanly: files already written stay, nothing half-written
    is left behind.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"cannot be created ({exc.strerror})", where=str(out_dir)) from None
    claims = documents_for_claims_finalized_between(sessions, date_from, date_to)
    total = len(claims)
    progress(0, total)
    written: list[Path] = []
    for claim_locator in claims:
        if cancelled():
            return ExportResult(total, tuple(written), True, out_dir)
        pdf, _locator = eob_pdf_for_claim(sessions, claim_locator)
        if cancelled():
            return ExportResult(total, tuple(written), True, out_dir)
        target = out_dir / f"EOB-{claim_locator}.pdf"
        try:
            write_atomically(target, pdf, mode=0o666)  # an export folder the person chose: their umask decides
        except OSError as exc:
            raise ValidationError(f"cannot be written ({exc.strerror})", where=str(target)) from None
        written.append(target)
        progress(len(written), total)
    return ExportResult(total, tuple(written), False, out_dir)
