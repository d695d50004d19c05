"""Claim entry: a claim keyed in by a person (or a paper form) becomes a RECEIVED claim.

Everything is checked before anything is written; one transaction writes the
claim, its lines, the RECEIVED event and the outbox message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from ..errors import ValidationError
from ..locators import next_locator
from ..money import money
from ..uow import UnitOfWork
from . import adjudication as adj
from .service import ClaimChange

_CODE = re.compile(r"^[A-Z0-9]{4,7}$")
_BENEFIT = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
MAX_LINES = 99
MAX_LINE_AMOUNT = Decimal("10000000.00")


@dataclass(frozen=True)
class LineEntry:
    coverage_term_key: str
    procedure_code: str
    amount_claimed: str | Decimal


@dataclass(frozen=True)
class ClaimEntry:
    member_locator: str
    provider_locator: str
    incident_date: str | dt.date
    lines: Sequence[LineEntry]
    payee: str = "PROVIDER"


def _check(entry: ClaimEntry, today: dt.date) -> tuple[dt.date, list[tuple[str, str, Decimal]]]:
    if isinstance(entry.incident_date, dt.date):
        incident = entry.incident_date
    else:
        try:
            incident = dt.date.fromisoformat(str(entry.incident_date).strip())
        except ValueError:
            raise ValidationError(f"{entry.incident_date!r} is not a date (YYYY-MM-DD)", where="incident date") from None
    if incident > today:
        raise ValidationError(f"{incident} is in the future", where="incident date")
    if incident < today - dt.timedelta(days=3 * 365):
        raise ValidationError(f"{incident} is more than three years ago; claims that old are not accepted", where="incident date")
    if entry.payee not in ("PROVIDER", "MEMBER"):
        raise ValidationError("must be PROVIDER or MEMBER", where="payee")
    if not entry.lines:
        raise ValidationError("a claim needs at least one line", where="lines")
    if len(entry.lines) > MAX_LINES:
        raise ValidationError(f"a claim holds at most {MAX_LINES} lines", where="lines")
    lines = []
    for n, line in enumerate(entry.lines, start=1):
        where = f"line {n}"
        benefit = str(line.coverage_term_key or "").strip()
        if not _BENEFIT.match(benefit):
            raise ValidationError(f"{benefit!r} is not a benefit key", where=f"{where} benefit")
        code = str(line.procedure_code or "").strip().upper()
        if not _CODE.match(code):
            raise ValidationError(f"{line.procedure_code!r} is not a procedure code (4-7 letters or digits)", where=f"{where} procedure")
        try:
            amount = money(line.amount_claimed if not isinstance(line.amount_claimed, str) else line.amount_claimed.strip())
        except (TypeError, ValueError):
            raise ValidationError(f"{line.amount_claimed!r} is not an amount", where=f"{where} amount") from None
        if amount <= 0:
            raise ValidationError("the amount must be more than 0.00", where=f"{where} amount")
        if amount > MAX_LINE_AMOUNT:
            raise ValidationError(f"{amount} is more than one line may claim", where=f"{where} amount")
        lines.append((benefit, code, amount))
    return incident, lines


def submit_claim(sessions, entry: ClaimEntry) -> ClaimChange:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        today = conn.execute(text("SELECT current_date")).scalar_one()
        incident, lines = _check(entry, today)
        member = conn.execute(
            text("SELECT id FROM policy_admin.parties WHERE locator = :l AND type = 'INDIVIDUAL'"), {"l": entry.member_locator.strip().upper()}
        ).scalar()
        if member is None:
            raise ValidationError(f"no member {entry.member_locator!r}", where="member")
        provider = conn.execute(
            text("SELECT id, network_status FROM provider.providers WHERE locator = :l"), {"l": entry.provider_locator.strip().upper()}
        ).first()
        if provider is None:
            raise ValidationError(f"no provider {entry.provider_locator!r}", where="provider")
        coverage = conn.execute(
            text(
                "SELECT policy_id, term_id, policy_element_id, coverage_terms ->> 'currency' AS currency FROM eligibility.member_coverage "
                "WHERE party_id = :p ORDER BY (effective_from <= :d AND coalesce(effective_to, :d) >= :d) DESC, effective_from DESC LIMIT 1"
            ),
            {"p": member, "d": incident},
        ).first()
        if coverage is None:
            raise ValidationError(f"member {entry.member_locator} has no coverage on record", where="member")
        locator = next_locator(conn, "claim")
        claim_id = conn.execute(
            text(
                "INSERT INTO claims.claims (locator, policy_id, term_id, claimant_party_id, provider_id, incident_date, payee, currency, "
                "amount_claimed) VALUES (:loc, :pol, :term, :m, :prov, :d, :payee, :cur, :amt) RETURNING id, version"
            ),
            {
                "loc": locator, "pol": coverage.policy_id, "term": coverage.term_id, "m": member, "prov": provider.id, "d": incident,
                "payee": entry.payee, "cur": coverage.currency or "USD", "amt": sum((a for _, _, a in lines), Decimal("0")),
            },
        ).one()
        conn.execute(
            text(
                "INSERT INTO claims.claim_lines (claim_id, line_number, element_id, coverage_term_key, procedure_code, service_date, amount_claimed) "
                "VALUES (:c, :n, :e, :b, :p, :d, :a)"
            ),
            [{"c": claim_id.id, "n": n, "e": coverage.policy_element_id, "b": b, "p": p, "d": incident, "a": a} for n, (b, p, a) in enumerate(lines, start=1)],
        )
        adj.write_events(conn, [{"claim_id": claim_id.id, "locator": locator, "event_type": "RECEIVED", "from_status": None,
                                 "to_status": "RECEIVED", "note": "entered at a workstation", "detail": "{}"}])
        uow.commit()
    return ClaimChange(claim_id.id, locator, "RECEIVED", claim_id.version, f"{locator} received with {len(lines)} line(s)")
