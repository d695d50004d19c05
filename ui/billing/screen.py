"""Billing: find an account, see its charges, what they add up to, its ledger and its invoices.

Left, the accounts found by account or policy number or by name. Right, the
chosen account: its policies, totals per kind of charge, and three tabs: the
latest charges (premium, refunds, claim payments, with the policy or claim
each came from), the ledger per ledger account (debits, credits, net; the
whole ledger nets to zero, and the screen says so), and invoices. Reads only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QTableWidget, QTabWidget, QVBoxLayout, QWidget

from claimdesk.services import billing_views
from claimdesk.services.money import fmt_grouped
from claimdesk.ui.context import AppContext
from claimdesk.ui.lookup import LookupScreen
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import status_word

__all__ = ["BillingScreen"]

_KINDS = {"PREMIUM": "Premium", "REFUND": "Refund", "CLAIM_PAYMENT": "Claim payment", "FEE": "Fee"}


class BillingScreen(LookupScreen):
    CHANGES = frozenset({"policies", "claim", "queue"})
    NOUNS = ("account", "accounts")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(
            ctx, parent, name="billingScreen", title="Billing",
            placeholder="Account or policy number, or the account's name — Enter to find",
            columns=["Account", "Name", "Currency", "Policies"],
            empty=("No account chosen", "Find an account on the left to see its charges and ledger.", "billing"),
            facts=[("account", "Account"), ("policies", "Policies"), ("totals", "Charges"), ("ledger", "Ledger")],
            sizes=(480, 920),
        )
        self._count.setText("Find an account by number or name.")

    def _build_body(self, panel: QWidget, layout: QVBoxLayout) -> None:
        self._tabs = QTabWidget(panel)
        self._charges = simple_table(panel, "chargesTable", ["Charge", "Date", "Kind", "For", "Payee", "Amount", "Status"], (5,))
        self._ledger = simple_table(panel, "ledgerTable", ["Ledger account", "Currency", "Debit", "Credit", "Net"], (2, 3, 4))
        self._invoices = simple_table(panel, "invoicesTable", ["Invoice", "Due", "Status", "Total", "Paid"], (3, 4))
        self._tabs.addTab(self._charges, "&Charges")
        self._tabs.addTab(self._ledger, "&Ledger")
        self._tabs.addTab(self._invoices, "&Invoices")
        layout.addWidget(self._tabs, 1)

    def _find(self, sessions: Any, query: str) -> list[billing_views.AccountRow]:
        return billing_views.find_accounts(sessions, query)

    def _row_cells(self, r: billing_views.AccountRow) -> list[str]:
        return [r.locator, r.name, r.currency, str(r.policies)]

    def _load(self, sessions: Any, key: str) -> billing_views.AccountBilling:
        return billing_views.account_billing(sessions, key)

    def _show(self, d: billing_views.AccountBilling) -> None:
        self._title.setText(d.name)
        self.set_fact("account", f"{d.locator} · {d.currency} · billed per {d.billing_level.lower()}")
        self.set_fact("policies", ", ".join(d.policies) or "—")
        self.set_fact("totals", "; ".join(f"{_KINDS.get(k, k.title())} {fmt_grouped(total)} {cur}" for k, cur, total in d.by_category) or "none")
        nets: dict[str, Decimal] = {}
        for line in d.ledger:
            nets[line.currency] = nets.get(line.currency, Decimal("0.00")) + line.net
        balanced = all(v == 0 for v in nets.values())
        self.set_fact("ledger", (
            "balanced: debits equal credits" if balanced else "NOT balanced: " + ", ".join(f"{fmt_grouped(v)} {c}" for c, v in nets.items() if v)
        ) if d.ledger else "no entries")
        shown = "" if d.charges_total <= len(d.charges) else f" (the latest {len(d.charges):,} of {d.charges_total:,})"
        self._tabs.setTabText(0, f"&Charges{shown}")
        fill_table(self._charges, [[c.locator, self.date_text(c.charge_date), _KINDS.get(c.category, c.category.title()), c.claim or c.policy or "",
                                    c.payee.title(), f"{'−' if c.category == 'REFUND' else ''}{fmt_grouped(c.amount)} {c.currency}",
                                    status_word(c.status)] for c in d.charges])
        fill_table(self._ledger, [[line.ledger_account.replace("_", " ").title(), line.currency, fmt_grouped(line.debit), fmt_grouped(line.credit),
                                   fmt_grouped(line.net)] for line in d.ledger])
        fill_table(self._invoices, [[i.locator, self.date_text(i.due_date), status_word(i.status), f"{fmt_grouped(i.total)} {i.currency}",
                                     f"{fmt_grouped(i.paid)} {i.currency}"] for i in d.invoices])

    # ------------------------------------------------------------ for tests and the shell

    def table(self, name: str) -> QTableWidget:
        return {"accounts": self._list, "charges": self._charges, "ledger": self._ledger, "invoices": self._invoices}[name]
