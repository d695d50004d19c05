"""The provider directory as the Providers screen reads it: who, in network or not, what we pay, and their claims.

The prices a provider is paid are the fee schedule in force today: the
provider's own contracted row for a procedure code wins over the general one
(as pricing does). Claims appear for the roles that read claims.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from .claims.views import ClaimSummary, recent_claims
from .errors import NotFound
from .search import like_prefix
from .uow import UnitOfWork

SEARCH_LIMIT = 200
CLAIMS_SHOWN = 50
_NPI = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class ProviderRow:
    locator: str
    npi: str | None
    name: str
    specialty: str | None
    network_status: str
    city: str


@dataclass(frozen=True)
class Price:
    procedure_code: str
    description: str
    allowed: Decimal
    currency: str
    contracted: bool  # this provider's own row, not the general schedule
    effective_from: dt.date
    effective_to: dt.date | None


@dataclass(frozen=True)
class ProviderDetail:
    locator: str
    npi: str | None
    name: str
    specialty: str | None
    network_status: str
    address: str
    contact: str
    activated_at: dt.datetime | None
    credentialing: str | None  # the latest request's status, if any
    prices: tuple[Price, ...]
    claims: tuple[ClaimSummary, ...] | None  # None: the signed-in role does not read claims
    claims_by_status: tuple[tuple[str, int], ...]
    paid_total: tuple[tuple[str, Decimal], ...]  # per currency


def find_providers(sessions, query: str, limit: int = SEARCH_LIMIT) -> list[ProviderRow]:  # noqa: ANN001
    """By NPI or provider number (exact), else by name or specialty (prefix); empty: the first by name."""
    term = (query or "").strip()
    if not term:
        where, params = "TRUE", {}
    elif _NPI.match(term):
        where, params = "p.npi = :t", {"t": term}
    elif term.upper().startswith("PRV-"):
        where, params = "p.locator = :t", {"t": term.upper()}
    else:
        where = "(lower(p.name) LIKE :prefix OR lower(p.specialty) LIKE :prefix OR lower(p.name) LIKE :word)"
        params = {"prefix": like_prefix(term), "word": "% " + like_prefix(term)}
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                f"SELECT p.locator, p.npi, p.name, p.specialty, p.network_status, coalesce(p.address ->> 'city', '') AS city "
                f"FROM provider.providers p WHERE {where} ORDER BY p.name, p.locator LIMIT :limit"
            ),
            {**params, "limit": limit},
        ).all()
    return [ProviderRow(r.locator, r.npi, r.name, r.specialty, r.network_status, r.city) for r in rows]


def provider_detail(sessions, provider_locator: str) -> ProviderDetail:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        p = conn.execute(
            text(
                "SELECT id, locator, npi, name, specialty, network_status, address, phone, email, activated_at, "
                "(SELECT status FROM provider.credentialing_requests c WHERE c.provider_id = p.id ORDER BY submitted_at DESC LIMIT 1) AS credentialing "
                "FROM provider.providers p WHERE locator = :l"
            ),
            {"l": str(provider_locator).strip().upper()},
        ).first()
        if p is None:
            raise NotFound(f"There is no provider {provider_locator!r}.")
        # In force today; the provider's own row for a code wins over the general one (as pricing does).
        prices = conn.execute(
            text(
                """
                SELECT DISTINCT ON (f.procedure_code, f.currency) f.procedure_code, coalesce(f.description, '') AS description,
                       f.allowed_amount, f.currency, f.provider_id IS NOT NULL AS contracted, f.effective_from, f.effective_to
                  FROM provider.fee_schedule f
                 WHERE (f.provider_id = :p OR f.provider_id IS NULL)
                   AND f.effective_from <= current_date AND (f.effective_to IS NULL OR f.effective_to >= current_date)
                 ORDER BY f.procedure_code, f.currency, f.provider_id IS NULL, f.effective_from DESC
                """
            ),
            {"p": p.id},
        ).all()
        claims, by_status, paid = recent_claims(conn, "provider_id", p.id, CLAIMS_SHOWN), (), ()
        if claims is not None:
            by_status = tuple(
                (r.status, r.n)
                for r in conn.execute(
                    text("SELECT status, count(*) AS n FROM claims.claims WHERE provider_id = :p GROUP BY status ORDER BY count(*) DESC, status"),
                    {"p": p.id},
                )
            )
            paid = tuple(
                (r.currency, r.total)
                for r in conn.execute(
                    text(
                        "SELECT currency, sum(amount_paid) AS total FROM claims.claims WHERE provider_id = :p AND status = 'FINALIZED' "
                        "AND payee = 'PROVIDER' GROUP BY currency ORDER BY currency"
                    ),
                    {"p": p.id},
                )
            )
    address = p.address or {}
    return ProviderDetail(
        p.locator, p.npi, p.name, p.specialty, p.network_status,
        ", ".join(str(address[k]) for k in ("line1", "city", "region", "postcode", "country") if address.get(k)),
        " · ".join(x for x in (p.phone, p.email) if x),
        p.activated_at, p.credentialing,
        tuple(Price(r.procedure_code, r.description, r.allowed_amount, r.currency, r.contracted, r.effective_from, r.effective_to) for r in prices),
        claims, by_status, paid,
    )
