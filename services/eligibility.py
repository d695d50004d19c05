"""Eligibility: is this person covered on a day, on what terms, with what left of their balances.

What the Eligibility screen reads for a member: every coverage row (which
policy, which term, from when to when, in force or not), the balances of each
term with what is used and left, the benefits of the cover in force, and the
member's latest claims when the signed-in role may read claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from .claims.pricing import BenefitTerms, CostShare, parse_coverage_terms
from .claims.views import BalanceView, ClaimSummary, recent_claims
from .errors import NotFound, ValidationError
from .search import like_prefix
from .uow import UnitOfWork

SEARCH_LIMIT = 200
CLAIMS_SHOWN = 50


@dataclass(frozen=True)
class MemberRow:
    locator: str
    name: str
    date_of_birth: dt.date | None
    covered_today: bool


@dataclass(frozen=True)
class CoverageRow:
    policy: str
    product: str
    term_number: int | None
    effective_from: dt.date
    effective_to: dt.date | None
    status: str
    in_force: bool  # ACTIVE and holding the day asked about


@dataclass(frozen=True)
class TermBalances:
    policy: str
    term_number: int
    effective_from: dt.date
    effective_to: dt.date | None
    currency: str
    balances: tuple[BalanceView, ...]


@dataclass(frozen=True)
class MemberEligibility:
    locator: str
    name: str
    date_of_birth: dt.date | None
    address: str
    contact: str
    day: dt.date
    coverage: tuple[CoverageRow, ...]
    balances: tuple[TermBalances, ...]
    benefits: tuple[BenefitTerms, ...]  # as pricing reads them: the spec's defaults applied
    out_of_network: BenefitTerms | None  # None when the terms have no out-of-network section
    terms_problem: str | None  # the cover's terms do not parse: what pricing would refuse them for
    claims: tuple[ClaimSummary, ...] | None  # None: the signed-in role does not read claims

    @property
    def in_force(self) -> CoverageRow | None:
        return next((c for c in self.coverage if c.in_force), None)


def find_members(sessions, query: str, limit: int = SEARCH_LIMIT) -> list[MemberRow]:  # noqa: ANN001
    """People by member or policy number (exact), else by last or full name (prefix)."""
    term = (query or "").strip()
    if not term:
        return []
    upper = term.upper()
    if upper.startswith(("MBR-", "PTY-")):
        where, params = "p.locator = :t", {"t": upper}
    elif upper.startswith("POL-"):
        where = "p.id IN (SELECT mc.party_id FROM eligibility.member_coverage mc JOIN enrollment.policies pol ON pol.id = mc.policy_id WHERE pol.locator = :t)"
        params = {"t": upper}
    else:
        where = "(lower(p.last_name) LIKE :name OR lower(p.first_name || ' ' || p.last_name) LIKE :name)"
        params = {"name": like_prefix(term)}
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                f"""
                SELECT p.locator, concat_ws(' ', p.first_name, p.last_name) AS name, p.date_of_birth,
                       EXISTS (SELECT 1 FROM eligibility.member_coverage mc WHERE mc.party_id = p.id AND mc.status = 'ACTIVE'
                                  AND mc.effective_from <= current_date AND coalesce(mc.effective_to, current_date) >= current_date) AS covered
                  FROM policy_admin.parties p
                 WHERE p.type = 'INDIVIDUAL' AND {where}
                 ORDER BY p.last_name, p.first_name, p.locator
                 LIMIT :limit
                """
            ),
            {**params, "limit": limit},
        ).all()
    return [MemberRow(r.locator, r.name, r.date_of_birth, r.covered) for r in rows]


def _benefits(terms: Any) -> tuple[tuple[BenefitTerms, ...], BenefitTerms | None, str | None]:
    """The benefits as pricing parses them; out-of-network as a row of its own when the terms have the section."""
    if not terms:
        return (), None, None
    try:
        plan = parse_coverage_terms(terms)
    except ValidationError as exc:
        return (), None, str(exc)
    benefits = tuple(plan.benefits[k] for k in sorted(plan.benefits))
    if "out_of_network" not in terms:
        return benefits, None, None
    share = plan.out_of_network
    oon = BenefitTerms("out_of_network", share is not None, share or CostShare(Decimal("0.00"), Decimal(0), False), False)
    return benefits, oon, None


def member_eligibility(sessions, member_locator: str, day: dt.date | None = None) -> MemberEligibility:  # noqa: ANN001
    """Everything the Eligibility screen shows for one member, as of ``day`` (default today)."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        day = day or conn.execute(text("SELECT current_date")).scalar_one()
        person = conn.execute(
            text(
                "SELECT id, locator, concat_ws(' ', first_name, last_name) AS name, date_of_birth, address, email, phone "
                "FROM policy_admin.parties WHERE locator = :l"
            ),
            {"l": str(member_locator).strip().upper()},
        ).first()
        if person is None:
            raise NotFound(f"There is no member {member_locator!r}.")
        coverage_rows = conn.execute(
            text(
                """
                SELECT pol.locator AS policy, mc.product_code, t.term_number, mc.effective_from, mc.effective_to, mc.status,
                       mc.coverage_terms,
                       (mc.status = 'ACTIVE' AND mc.effective_from <= :d AND coalesce(mc.effective_to, :d) >= :d) AS in_force
                  FROM eligibility.member_coverage mc
                  JOIN enrollment.policies pol ON pol.id = mc.policy_id
                  LEFT JOIN enrollment.policy_terms t ON t.id = mc.term_id
                 WHERE mc.party_id = :p
                 ORDER BY mc.effective_from DESC, pol.locator
                """
            ),
            {"p": person.id, "d": day},
        ).all()
        balance_rows = conn.execute(
            text(
                """
                SELECT pol.locator AS policy, t.term_number, t.effective_from, t.effective_to, a.accumulator_type, a.coverage_term_key,
                       a.limit_amount, a.consumed_amount, a.currency
                  FROM eligibility.coverage_accumulators a
                  JOIN enrollment.policy_terms t ON t.id = a.term_id
                  JOIN enrollment.policies pol ON pol.id = t.policy_id
                 WHERE a.party_id = :p
                 ORDER BY t.effective_from DESC, pol.locator,
                          array_position(ARRAY['DEDUCTIBLE', 'OUT_OF_POCKET', 'BENEFIT_LIMIT', 'VISIT_LIMIT']::text[], a.accumulator_type::text),
                          a.coverage_term_key
                """
            ),
            {"p": person.id},
        ).all()
        claims = recent_claims(conn, "claimant_party_id", person.id, CLAIMS_SHOWN)
    coverage = tuple(
        CoverageRow(r.policy, r.product_code, r.term_number, r.effective_from, r.effective_to, r.status, bool(r.in_force))
        for r in coverage_rows
    )
    terms: dict[tuple[str, int], list[Any]] = {}
    for r in balance_rows:
        terms.setdefault((r.policy, r.term_number), []).append(r)
    balances = tuple(
        TermBalances(policy, number, rows[0].effective_from, rows[0].effective_to, rows[0].currency,
                     tuple(BalanceView(r.accumulator_type, r.coverage_term_key, r.limit_amount, r.consumed_amount) for r in rows))
        for (policy, number), rows in terms.items()
    )
    # The benefits of the cover in force on the day, else of the latest cover.
    shown = next((r for r in coverage_rows if r.in_force), coverage_rows[0] if coverage_rows else None)
    benefits, out_of_network, terms_problem = _benefits(shown.coverage_terms if shown else None)
    address = person.address or {}
    return MemberEligibility(
        person.locator, person.name, person.date_of_birth,
        ", ".join(str(address[k]) for k in ("line1", "city", "region", "postcode", "country") if address.get(k)),
        " · ".join(x for x in (person.email, person.phone) if x),
        day, coverage, balances, benefits, out_of_network, terms_problem, claims,
    )
