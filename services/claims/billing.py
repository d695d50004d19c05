"""Money out: a finalised claim's payment charge with its balanced ledger pair, and their reversal.

Both run as SECURITY DEFINER functions in the database (migration 0007), so
an adjudicator can pay a claim it approved without holding any write grant
on the billing tables.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from .adjudication import ClaimRow


def create_payment(conn: Connection, claim: ClaimRow) -> str | None:
    """Charge the payee and post DEBIT claims expense / CREDIT claims payable; None when nothing is paid."""
    return conn.execute(text("SELECT billing.post_claim_payment(:id)"), {"id": claim.id}).scalar()


def reverse_payment(conn: Connection, claim: ClaimRow) -> int:
    """Cancel the claim's payment charges with mirror ledger pairs; returns how many were reversed."""
    return conn.execute(text("SELECT billing.reverse_claim_payment(:id)"), {"id": claim.id}).scalar_one()
