"""Billing: find an account, see its charges, what they add up to, its ledger and its invoices.

Left, the accounts found by account or policy number or by name. Right, the
chosen account: its policies, totals per kind of charge, and three tabs: the
latest charges (premium, refunds, claim payments, with the policy or claim
each came from), the ledger per ledger account (debits, credits, net; the
whole ledger nets to zero, and the screen says so), and invoices. Reads only;
every read runs on the database worker.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from claimdesk.services import billing_views
from claimdesk.services.money import fmt_grouped
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.formatting import date_format
from claimdesk.ui.shell import EmptyState
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import status_word

__all__ = ["BillingScreen"]

_KINDS = {"PREMIUM": "Premium", "REFUND": "Refund", "CLAIM_PAYMENT": "Claim payment", "FEE": "Fee"}


class BillingScreen(QWidget):
    """``loaded`` once an account is on screen."""

    status_message = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("billingScreen")
        self.setAccessibleName("Billing")
        self._ctx = ctx
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._rows: list[billing_views.AccountRow] = []
        self._detail: billing_views.AccountBilling | None = None
        self._selected: str | None = None

        self._search = QLineEdit(self)
        self._search.setObjectName("accountSearch")
        self._search.setAccessibleName("Find account")
        self._search.setPlaceholderText("Account or policy number, or the account's name — Enter to find")
        self._search.setClearButtonEnabled(True)
        self._search.returnPressed.connect(self.refresh)
        find = QPushButton("&Find", self)
        find.setObjectName("findButton")
        find.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self._search, 1)
        bar.addWidget(find)

        self._list = simple_table(self, "accountsTable", ["Account", "Name", "Currency", "Policies"])
        self._list.itemSelectionChanged.connect(self._on_selection)
        self._count = QLabel("Find an account by number or name.", self)
        self._count.setObjectName("accountCount")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._list, 1)
        left_layout.addWidget(self._count)

        self._right = QStackedWidget(self)
        self._right.addWidget(EmptyState("No account chosen", "Find an account on the left to see its charges and ledger.", "billing", self._right))
        self._right.addWidget(self._build_detail())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self._right)
        splitter.setSizes([480, 920])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._reload)
        ops.change_bus().changed.connect(self._on_changes)

    def _build_detail(self) -> QWidget:
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        self._title = QLabel(panel)
        self._title.setObjectName("accountTitle")
        self._title.setStyleSheet("QLabel#accountTitle { font-size: 15pt; font-weight: 600; }")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._title)
        facts = QFrame(panel)
        facts.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(facts)
        grid.setHorizontalSpacing(18)
        self._facts: dict[str, QLabel] = {}
        for i, (key, label) in enumerate((("account", "Account"), ("policies", "Policies"), ("totals", "Charges"), ("ledger", "Ledger"))):
            name = QLabel(label, facts)
            name.setStyleSheet("color: palette(placeholder-text);")
            value = QLabel(facts)
            value.setObjectName(f"fact_{key}")
            value.setAccessibleName(label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, i, 1)
            self._facts[key] = value
        grid.setColumnStretch(1, 1)
        layout.addWidget(facts)
        self._tabs = QTabWidget(panel)
        self._charges = simple_table(panel, "chargesTable", ["Charge", "Date", "Kind", "For", "Payee", "Amount", "Status"], (5,))
        self._ledger = simple_table(panel, "ledgerTable", ["Ledger account", "Currency", "Debit", "Credit", "Net"], (2, 3, 4))
        self._invoices = simple_table(panel, "invoicesTable", ["Invoice", "Due", "Status", "Total", "Paid"], (3, 4))
        self._tabs.addTab(self._charges, "&Charges")
        self._tabs.addTab(self._ledger, "&Ledger")
        self._tabs.addTab(self._invoices, "&Invoices")
        layout.addWidget(self._tabs, 1)
        return panel

    @Slot()
    def refresh(self) -> None:
        query = self._search.text()
        if not query.strip() or not self._ctx.online:
            return
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: billing_views.find_accounts(sessions, query), success=self._show_rows, progress_label="Finding accounts")

    def _show_rows(self, rows: list[billing_views.AccountRow]) -> None:
        self._rows = rows
        self._list.blockSignals(True)
        fill_table(self._list, [[r.locator, r.name, r.currency, str(r.policies)] for r in rows])
        keep = 0 if len(rows) == 1 else None
        if keep is not None:
            self._list.selectRow(keep)
        self._list.blockSignals(False)
        limit = " (the first 200: narrow the search)" if len(rows) >= billing_views.SEARCH_LIMIT else ""
        self._count.setText(f"{len(rows):,} {'account' if len(rows) == 1 else 'accounts'}{limit}" if rows else "Nothing matches.")
        if keep is not None:
            self.load_account(rows[keep].locator)

    @Slot()
    def _on_selection(self) -> None:
        row = self._list.currentRow()
        if 0 <= row < len(self._rows):
            self.load_account(self._rows[row].locator)

    def load_account(self, locator: str) -> None:
        self._selected = locator
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: billing_views.account_billing(sessions, locator), success=self._show_detail, progress_label=f"Loading {locator}")

    @Slot()
    def _reload(self) -> None:
        if self._selected is not None and self._ctx.online:
            self.load_account(self._selected)

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, {"policies", "claim", "queue"}):
            self._refresh_timer.start()

    def _show_detail(self, d: billing_views.AccountBilling) -> None:
        if d.locator != self._selected:
            return
        self._detail = d
        self._title.setText(d.name)
        self._facts["account"].setText(f"{d.locator} · {d.currency} · billed per {d.billing_level.lower()}")
        self._facts["policies"].setText(", ".join(d.policies) or "—")
        self._facts["totals"].setText(
            "; ".join(f"{_KINDS.get(k, k.title())} {fmt_grouped(total)} {cur}" for k, cur, total in d.by_category) or "none"
        )
        nets: dict[str, Decimal] = {}
        for line in d.ledger:
            nets[line.currency] = nets.get(line.currency, Decimal("0.00")) + line.net
        balanced = all(v == 0 for v in nets.values())
        self._facts["ledger"].setText(
            ("balanced: debits equal credits" if balanced else "NOT balanced: " + ", ".join(f"{fmt_grouped(v)} {c}" for c, v in nets.items() if v))
            if d.ledger else "no entries"
        )
        shown = "" if d.charges_total <= len(d.charges) else f" (the latest {len(d.charges):,} of {d.charges_total:,})"
        self._tabs.setTabText(0, f"&Charges{shown}")
        fill_table(self._charges, [[c.locator, self._date(c.charge_date), _KINDS.get(c.category, c.category.title()), c.claim or c.policy or "",
                                    c.payee.title(), f"{'−' if c.category == 'REFUND' else ''}{fmt_grouped(c.amount)} {c.currency}", status_word(c.status)]
                                   for c in d.charges])
        fill_table(self._ledger, [[line.ledger_account.replace("_", " ").title(), line.currency, fmt_grouped(line.debit), fmt_grouped(line.credit),
                                   fmt_grouped(line.net)] for line in d.ledger])
        fill_table(self._invoices, [[i.locator, self._date(i.due_date), status_word(i.status), f"{fmt_grouped(i.total)} {i.currency}",
                                     f"{fmt_grouped(i.paid)} {i.currency}"] for i in d.invoices])
        self._right.setCurrentIndex(1)
        self.loaded.emit()

    def _date(self, day: dt.date | None) -> str:
        return self._locale.toString(QDate(day.year, day.month, day.day), self._date_fmt) if day else ""

    # ------------------------------------------------------------ for tests and the shell

    def search(self, query: str) -> None:
        self._search.setText(query)
        self.refresh()

    def detail(self) -> billing_views.AccountBilling | None:
        return self._detail

    def fact(self, key: str) -> str:
        return self._facts[key].text()

    def table(self, name: str):  # noqa: ANN201
        return {"accounts": self._list, "charges": self._charges, "ledger": self._ledger, "invoices": self._invoices}[name]
