"""Money out: a finalised claim's payment charge with its balanced ledger pair, and their reversal.

Both run as SECURITY DEFINER functions in the database (migration 0007), so
an adjudicator can pay a claim it approved without holding any write grant
on the billing tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from .adjudication import ClaimRow


def create_payments(conn: Connection, claims: Sequence[ClaimRow]) -> list[str | None]:
    """Charge each payee and post DEBIT claims expense / CREDIT claims payable; None where nothing is paid."""
    if not claims:
        return []
    return list(
        conn.execute(
            text("SELECT billing.post_claim_payment(t.id) FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, n) ORDER BY t.n"),
            {"ids": [c.id for c in claims]},
        ).scalars()
    )


def reverse_payment(conn: Connection, claim: ClaimRow) -> int:
    """Cancel the claim's payment charges with mirror ledger pairs; returns how many were reversed."""
    return conn.execute(text("SELECT billing.reverse_claim_payment(:id)"), {"id": claim.id}).scalar_one()
