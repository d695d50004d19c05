"""Money out: a finalised claim's payment charge with its balanced ledger pair, and their reversal.

Both run as SECURITY DEFINER functions in the database (migration 0007), so
an adjudicator can pay a claim it approved without holding any write grant
on the billing tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from ..jsonb import uuid_array
from .adjudication import ClaimRow


def create_payments(conn: Connection, claims: Sequence[ClaimRow]) -> list[str | None]:
    """Charge each payee and post DEBIT claims expense / CREDIT claims payable; None where nothing is paid.

    One call for the whole batch: the database writes every charge, ledger
    pair and outbox message in three statements.
    """
    if not claims:
        return []
    charged = dict(
        conn.execute(
            text("SELECT claim_id, charge_locator FROM billing.post_claim_payments(CAST(:ids AS uuid[]))"),
            {"ids": uuid_array(c.id for c in claims)},
        ).all()
    )
    return [charged.get(c.id) for c in claims]


def reverse_payment(conn: Connection, claim: ClaimRow) -> int:
    """Cancel the claim's payment charges with mirror ledger pairs; returns how many were reversed."""
    return conn.execute(text("SELECT billing.reverse_claim_payment(:id)"), {"id": claim.id}).scalar_one()
