"""What the Billing screen reads: an account's charges, its ledger by account, its invoices and payments.

Read only. Charges come from premium (issue, endorsement, renewal), refunds
(cancellation, endorsement down) and claim payments; every charge has a
balanced pair of ledger entries, so the ledger totals per ledger account are
shown beside them and must net to zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from .errors import NotFound
from .search import like_prefix
from .uow import UnitOfWork

SEARCH_LIMIT = 200
CHARGES_SHOWN = 500


@dataclass(frozen=True)
class AccountRow:
    locator: str
    name: str
    currency: str
    policies: int


@dataclass(frozen=True)
class ChargeRow:
    locator: str
    category: str
    policy: str | None
    claim: str | None
    payee: str
    amount: Decimal
    currency: str
    status: str
    charge_date: dt.date


@dataclass(frozen=True)
class LedgerTotal:
    ledger_account: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class InvoiceRow:
    locator: str
    status: str
    total: Decimal
    currency: str
    due_date: dt.date | None
    paid: Decimal


@dataclass(frozen=True)
class AccountBilling:
    locator: str
    name: str
    currency: str
    billing_level: str
    policies: tuple[str, ...]
    charges: tuple[ChargeRow, ...]
    charges_total: int  # all of them; ``charges`` holds the latest CHARGES_SHOWN
    by_category: tuple[tuple[str, str, Decimal], ...]  # (category, currency, sum) of live charges
    ledger: tuple[LedgerTotal, ...]
    invoices: tuple[InvoiceRow, ...]


def find_accounts(sessions, query: str, limit: int = SEARCH_LIMIT) -> list[AccountRow]:  # noqa: ANN001
    """By account or policy number (exact), else by the account's name (prefix or any word)."""
    term = (query or "").strip()
    if not term:
        return []
    upper = term.upper()
    if upper.startswith("ACC-"):
        where, params = "a.locator = :t", {"t": upper}
    elif upper.startswith("POL-"):
        where, params = "a.id IN (SELECT account_id FROM enrollment.policies WHERE locator = :t)", {"t": upper}
    else:
        where = "(lower(a.name) LIKE :prefix OR lower(a.name) LIKE :word)"
        params = {"prefix": like_prefix(term), "word": "% " + like_prefix(term)}
    with UnitOfWork(sessions) as uow:
        rows = uow.connection.execute(
            text(
                f"SELECT a.locator, a.name, a.currency, (SELECT count(*) FROM enrollment.policies p WHERE p.account_id = a.id) AS policies "
                f"FROM policy_admin.accounts a WHERE {where} ORDER BY a.name, a.locator LIMIT :limit"
            ),
            {**params, "limit": limit},
        ).all()
    return [AccountRow(r.locator, r.name, r.currency, r.policies) for r in rows]


def account_billing(sessions, account_locator: str) -> AccountBilling:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        a = conn.execute(
            text("SELECT id, locator, name, currency, billing_level FROM policy_admin.accounts WHERE locator = :l"),
            {"l": str(account_locator).strip().upper()},
        ).first()
        if a is None:
            raise NotFound(f"There is no account {account_locator!r}.")
        policies = tuple(conn.execute(text("SELECT locator FROM enrollment.policies WHERE account_id = :a ORDER BY locator"), {"a": a.id}).scalars())
        charges = conn.execute(
            text(
                """
                SELECT ch.locator, ch.category, p.locator AS policy, c.locator AS claim, ch.payee, ch.amount, ch.currency, ch.status, ch.charge_date
                  FROM billing.charges ch
                  LEFT JOIN enrollment.policies p ON p.id = ch.policy_id
                  LEFT JOIN claims.claims c ON c.id = ch.claim_id
                 WHERE ch.account_id = :a
                 ORDER BY ch.created_at DESC, ch.locator DESC
                 LIMIT :n
                """
            ),
            {"a": a.id, "n": CHARGES_SHOWN},
        ).all()
        # Live totals per kind, and how many charges there are in all (cancelled ones too), in one pass.
        totals = conn.execute(
            text(
                "SELECT category, currency, sum(amount) FILTER (WHERE status <> 'CANCELLED') AS total, count(*) AS n "
                "FROM billing.charges WHERE account_id = :a GROUP BY category, currency ORDER BY category, currency"
            ),
            {"a": a.id},
        ).all()
        ledger = conn.execute(
            text(
                "SELECT ledger_account, currency, sum(amount) FILTER (WHERE direction = 'DEBIT') AS debit, "
                "sum(amount) FILTER (WHERE direction = 'CREDIT') AS credit FROM billing.ledger_entries WHERE account_id = :a "
                "GROUP BY ledger_account, currency ORDER BY ledger_account, currency"
            ),
            {"a": a.id},
        ).all()
        invoices = conn.execute(
            text(
                "SELECT i.locator, i.status, i.total_amount, i.currency, i.due_date, "
                "coalesce((SELECT sum(amount) FROM billing.payments p WHERE p.invoice_id = i.id AND p.status = 'SETTLED'), 0) AS paid "
                "FROM billing.invoices i WHERE i.account_id = :a ORDER BY i.due_date DESC NULLS LAST, i.locator DESC"
            ),
            {"a": a.id},
        ).all()
    zero = Decimal("0.00")
    return AccountBilling(
        a.locator, a.name, a.currency, a.billing_level, policies,
        tuple(ChargeRow(r.locator, r.category, r.policy, r.claim, r.payee, r.amount, r.currency, r.status, r.charge_date) for r in charges),
        sum(r.n for r in totals),
        tuple((r.category, r.currency, r.total) for r in totals if r.total is not None),
        tuple(LedgerTotal(r.ledger_account, r.currency, r.debit or zero, r.credit or zero) for r in ledger),
        tuple(InvoiceRow(r.locator, r.status, r.total_amount, r.currency, r.due_date, r.paid) for r in invoices),
    )
