"""What the Enrollment screen reads: policies found by locator or name, and the products a quote can be made for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from ..money import money
from ..search import like_prefix
from ..uow import UnitOfWork
from .quotes import FieldDefinition, load_fields_for

SEARCH_LIMIT = 200


@dataclass(frozen=True)
class PolicyRow:
    locator: str
    member: str | None
    member_name: str
    product: str
    status: str
    inception: dt.date
    cover_ends: dt.date | None
    monthly_premium: Decimal
    currency: str


@dataclass(frozen=True)
class ProductForm:
    """A product on sale today and the questions its quote asks."""

    code: str
    name: str
    version: int
    monthly_premium: Decimal
    currency: str
    fields: tuple[FieldDefinition, ...]


def find_policies(sessions, query: str = "", limit: int = SEARCH_LIMIT) -> list[PolicyRow]:  # noqa: ANN001
    """Policies by policy or member locator (exact), else by the member's last or full name (prefix, alphabetical); empty: latest changed."""
    term = (query or "").strip()
    upper = term.upper()
    # The latest changed first (read backwards from ix_policies_latest_changed); a name search alphabetically,
    # which also keeps the planner on the name index rather than walking every policy by date.
    order = "p.updated_at DESC, p.locator DESC"
    if not term:
        where, params = "TRUE", {}
    elif upper.startswith("POL-"):
        where, params = "p.locator = :t", {"t": upper}
    elif upper.startswith(("MBR-", "PTY-")):
        where, params = "m.locator = :t", {"t": upper}
    else:
        where = "(lower(m.last_name) LIKE :name OR lower(m.first_name || ' ' || m.last_name) LIKE :name)"
        params = {"name": like_prefix(term)}
        order = "m.last_name, m.first_name, p.locator"
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                f"""
                SELECT p.locator, m.locator AS member, concat_ws(' ', m.first_name, m.last_name) AS member_name, pr.code AS product,
                       p.status, p.inception_date,
                       CASE WHEN p.document ? 'cancellation' THEN (p.document #>> '{{cancellation,effective_date}}')::date - 1
                            ELSE (SELECT max(t.effective_to) FROM enrollment.policy_terms t WHERE t.policy_id = p.id) END AS cover_ends,
                       p.document #>> '{{premium,amount}}' AS monthly, coalesce(p.document #>> '{{premium,currency}}', a.currency) AS currency
                  FROM enrollment.policies p
                  JOIN policy_admin.accounts a ON a.id = p.account_id
                  LEFT JOIN policy_admin.parties m ON m.id = p.policyholder_party_id
                  JOIN policy_admin.product_versions pv ON pv.id = p.product_version_id
                  JOIN policy_admin.products pr ON pr.id = pv.product_id
                 WHERE {where}
                 ORDER BY {order}
                 LIMIT :limit
                """
            ),
            {**params, "limit": limit},
        ).all()
    return [
        PolicyRow(r.locator, r.member, r.member_name or "", r.product, r.status, r.inception_date, r.cover_ends,
                  money(r.monthly or "0"), r.currency)
        for r in rows
    ]


def products_on_sale(sessions) -> list[ProductForm]:  # noqa: ANN001
    """Each active product's version on sale today, with its quote questions."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        versions = conn.execute(
            text(
                "SELECT DISTINCT ON (p.id) p.code, p.name, pv.id, pv.version, pv.document FROM policy_admin.products p "
                "JOIN policy_admin.product_versions pv ON pv.product_id = p.id "
                "WHERE p.status = 'ACTIVE' AND pv.effective_from <= current_date AND (pv.effective_to IS NULL OR pv.effective_to >= current_date) "
                "ORDER BY p.id, pv.version DESC"
            )
        ).all()
        fields = load_fields_for(conn, [v.id for v in versions])
    forms = []
    for v in sorted(versions, key=lambda r: r.code):
        premium: dict[str, Any] = (v.document or {}).get("premium") or {}
        forms.append(ProductForm(v.code, v.name, v.version, money(premium.get("amount", "0")), premium.get("currency") or "USD",
                                 tuple(fields.get(v.id, {}).values())))
    return forms


@dataclass(frozen=True)
class SchemeRow:
    code: str
    name: str
    status: str
    members: int


def schemes(sessions) -> list[SchemeRow]:  # noqa: ANN001
    """Every group scheme with its member count, active ones first."""
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                "SELECT s.code, s.name, s.status, (SELECT count(*) FROM group_scheme.scheme_members m WHERE m.scheme_id = s.id) AS members "
                "FROM group_scheme.schemes s ORDER BY s.status <> 'ACTIVE', s.code"
            )
        ).all()
    return [SchemeRow(r.code, r.name, r.status, r.members) for r in rows]
