"""Money out: a finalised claim's payment charge and its balanced ledger pair, and their reversal."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Connection, text

from ..locators import next_locators
from ..money import ZERO
from .adjudication import ClaimRow


def create_payment(conn: Connection, claim: ClaimRow, amount: Decimal) -> str | None:
    """Charge the payee and post DEBIT claims expense / CREDIT claims payable. None when nothing is paid."""
    if amount <= ZERO:
        return None
    policy = conn.execute(
        text("SELECT account_id FROM enrollment.policies WHERE id = :id"), {"id": claim.policy_id}
    ).one()
    charge_loc, debit_loc, credit_loc = next_locators(conn, "charge", 1) + next_locators(conn, "ledger", 2)
    # In-network care is paid to the provider; a reimbursement claim to the member.
    payee = claim.payee
    charge_id = conn.execute(
        text(
            "INSERT INTO billing.charges (locator, policy_id, term_id, claim_id, account_id, category, payee, "
            "payee_provider_id, payee_party_id, amount, currency, status, charge_date) VALUES "
            "(:loc, :policy, :term, :claim, :account, 'CLAIM_PAYMENT', :payee, :prov, :party, :amount, :cur, 'PENDING', current_date) "
            "RETURNING id"
        ),
        {
            "loc": charge_loc,
            "policy": claim.policy_id,
            "term": claim.term_id,
            "claim": claim.id,
            "account": policy.account_id,
            "payee": payee,
            "prov": claim.provider_id if payee == "PROVIDER" else None,
            "party": claim.claimant_party_id if payee == "MEMBER" else None,
            "amount": amount,
            "cur": claim.currency,
        },
    ).scalar_one()
    _post_pair(conn, policy.account_id, claim, charge_id, amount, "CLAIM_PAYMENT", ("CLAIMS_EXPENSE", "CLAIMS_PAYABLE"), (debit_loc, credit_loc))
    return charge_loc


def reverse_payment(conn: Connection, claim: ClaimRow) -> int:
    """Cancel unpaid claim charges and post the mirror ledger pair; returns how many were reversed."""
    charges = conn.execute(
        text(
            "SELECT id, account_id, amount FROM billing.charges WHERE claim_id = :id AND category = 'CLAIM_PAYMENT' "
            "AND status <> 'CANCELLED' ORDER BY id FOR UPDATE"
        ),
        {"id": claim.id},
    ).all()
    for charge in charges:
        conn.execute(text("UPDATE billing.charges SET status = 'CANCELLED', updated_at = now() WHERE id = :id"), {"id": charge.id})
        locs = next_locators(conn, "ledger", 2)
        _post_pair(conn, charge.account_id, claim, charge.id, charge.amount, "CLAIM_PAYMENT_REVERSAL", ("CLAIMS_PAYABLE", "CLAIMS_EXPENSE"), tuple(locs))
    return len(charges)


def _post_pair(conn, account_id, claim: ClaimRow, reference_id, amount: Decimal, entry_type: str, accounts: tuple[str, str], locators) -> None:  # noqa: ANN001
    debit_account, credit_account = accounts
    conn.execute(
        text(
            "INSERT INTO billing.ledger_entries (locator, account_id, policy_id, entry_type, ledger_account, reference_id, "
            "reference_type, direction, amount, currency) VALUES "
            "(:loc, :account, :policy, :etype, :ledger, :ref, 'CHARGE', :dir, :amount, :cur)"
        ),
        [
            {"loc": locators[0], "account": account_id, "policy": claim.policy_id, "etype": entry_type, "ledger": debit_account, "ref": reference_id, "dir": "DEBIT", "amount": amount, "cur": claim.currency},
            {"loc": locators[1], "account": account_id, "policy": claim.policy_id, "etype": entry_type, "ledger": credit_account, "ref": reference_id, "dir": "CREDIT", "amount": amount, "cur": claim.currency},
        ],
    )
    conn.execute(
        text(
            "INSERT INTO billing.outbox (topic, key, payload) VALUES (:topic, :key, CAST(:payload AS jsonb))"
        ),
        {
            "topic": f"billing.charge.{entry_type.lower()}",
            "key": claim.locator,
            "payload": json.dumps({"claim_locator": claim.locator, "amount": str(amount), "currency": claim.currency}),
        },
    )
