"""Providers: find a provider, see whether they are in network, what we pay them, and their claims.

Left, the providers found by NPI, provider number, name or specialty (empty:
the first by name). Right, the chosen provider: network status, contact,
credentialing, the fee schedule in force today (their own contracted prices
marked) and their latest claims with counts by status, for the roles that
read claims. Reads only; every read runs on the database worker.
"""

from __future__ import annotations

import datetime as dt

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

from claimdesk.services import providers
from claimdesk.services.money import fmt_grouped
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.formatting import date_format
from claimdesk.ui.shell import EmptyState
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import StatusBadge, status_word

__all__ = ["ProvidersScreen"]


class ProvidersScreen(QWidget):
    """``loaded`` once a provider is on screen."""

    status_message = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("providersScreen")
        self.setAccessibleName("Providers")
        self._ctx = ctx
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._rows: list[providers.ProviderRow] = []
        self._detail: providers.ProviderDetail | None = None
        self._selected: str | None = None

        self._search = QLineEdit(self)
        self._search.setObjectName("providerSearch")
        self._search.setAccessibleName("Find provider")
        self._search.setPlaceholderText("NPI, provider number, name or specialty — Enter to find")
        self._search.setClearButtonEnabled(True)
        self._search.returnPressed.connect(self.refresh)
        find = QPushButton("&Find", self)
        find.setObjectName("findButton")
        find.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self._search, 1)
        bar.addWidget(find)

        self._list = simple_table(self, "providersTable", ["Provider", "Name", "Specialty", "Network", "City"])
        self._list.itemSelectionChanged.connect(self._on_selection)
        self._count = QLabel(self)
        self._count.setObjectName("providerCount")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._list, 1)
        left_layout.addWidget(self._count)

        self._right = QStackedWidget(self)
        self._right.addWidget(EmptyState("No provider chosen", "Find a provider on the left by NPI, number, name or specialty.", "providers", self._right))
        self._right.addWidget(self._build_detail())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self._right)
        splitter.setSizes([620, 780])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._reload)
        ops.change_bus().changed.connect(self._on_changes)
        QTimer.singleShot(0, self.refresh)

    def _build_detail(self) -> QWidget:
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        self._title = QLabel(panel)
        self._title.setObjectName("providerTitle")
        self._title.setStyleSheet("QLabel#providerTitle { font-size: 15pt; font-weight: 600; }")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._badge = StatusBadge(parent=panel, label="Network")
        head.addWidget(self._title)
        head.addWidget(self._badge)
        head.addStretch(1)
        layout.addLayout(head)
        facts = QFrame(panel)
        facts.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(facts)
        grid.setHorizontalSpacing(18)
        self._facts: dict[str, QLabel] = {}
        for i, (key, label) in enumerate((("provider", "Provider"), ("specialty", "Specialty"), ("address", "Address"),
                                          ("contact", "Contact"), ("active", "Active since"), ("claims", "Claims"))):
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
        self._prices = simple_table(panel, "pricesTable", ["Code", "Procedure", "Allowed", "Schedule", "From", "To"], (2,))
        self._claims = simple_table(panel, "claimsTable", ["Claim", "Care on", "Status", "Claimed", "Paid"], (3, 4))
        self._tabs.addTab(self._prices, "&Prices")
        self._tabs.addTab(self._claims, "C&laims")
        layout.addWidget(self._tabs, 1)
        return panel

    @Slot()
    def refresh(self) -> None:
        if not self._ctx.online:
            return
        sessions, query = self._ctx.sessions, self._search.text()
        ops.run_op(self, lambda: providers.find_providers(sessions, query), success=self._show_rows, progress_label="Finding providers")

    def _show_rows(self, rows: list[providers.ProviderRow]) -> None:
        self._rows = rows
        self._list.blockSignals(True)
        fill_table(self._list, [[r.locator, r.name, r.specialty or "", status_word(r.network_status), r.city] for r in rows])
        for i, r in enumerate(rows):
            self._list.item(i, 0).setToolTip(f"NPI {r.npi}" if r.npi else "No NPI")
        keep = next((i for i, r in enumerate(rows) if r.locator == self._selected), 0 if len(rows) == 1 else None)
        if keep is not None:
            self._list.selectRow(keep)
        self._list.blockSignals(False)
        limit = " (the first 200: narrow the search)" if len(rows) >= providers.SEARCH_LIMIT else ""
        self._count.setText(f"{len(rows):,} {'provider' if len(rows) == 1 else 'providers'}{limit}" if rows else "Nobody matches.")
        if keep is not None:
            self.load_provider(rows[keep].locator)

    @Slot()
    def _on_selection(self) -> None:
        row = self._list.currentRow()
        if 0 <= row < len(self._rows):
            self.load_provider(self._rows[row].locator)

    def load_provider(self, locator: str) -> None:
        self._selected = locator
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: providers.provider_detail(sessions, locator), success=self._show_detail, progress_label=f"Loading {locator}")

    @Slot()
    def _reload(self) -> None:
        if self._selected is not None and self._ctx.online:
            self.load_provider(self._selected)

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, {"claim", "queue"}):
            self._refresh_timer.start()

    def _show_detail(self, d: providers.ProviderDetail) -> None:
        if d.locator != self._selected:
            return
        self._detail = d
        self._title.setText(d.name)
        self._badge.set_status(d.network_status)
        self._facts["provider"].setText(f"{d.locator} · NPI {d.npi}" if d.npi else d.locator)
        self._facts["specialty"].setText(d.specialty or "—")
        self._facts["address"].setText(d.address or "—")
        self._facts["contact"].setText(d.contact or "—")
        credentialing = f" · credentialing {status_word(d.credentialing).lower()}" if d.credentialing else ""
        self._facts["active"].setText((self._date(d.activated_at.date()) if d.activated_at else "not activated") + credentialing)
        if d.claims is None:
            self._facts["claims"].setText("Your role does not read claims.")
            self._tabs.setTabEnabled(1, False)
            self._tabs.setTabToolTip(1, "Your role does not read claims")
        else:
            counts = ", ".join(f"{n:,} {status_word(s).lower()}" for s, n in d.claims_by_status) or "none"
            paid = "; ".join(f"{fmt_grouped(total)} {cur} paid to the provider" for cur, total in d.paid_total)
            self._facts["claims"].setText(counts + (f" — {paid}" if paid else ""))
            self._tabs.setTabEnabled(1, True)
            fill_table(self._claims, [[c.locator, self._date(c.incident_date), status_word(c.status), f"{fmt_grouped(c.claimed)} {c.currency}",
                                       f"{fmt_grouped(c.paid)} {c.currency}" if c.paid is not None else ""] for c in d.claims])
        fill_table(self._prices, [[p.procedure_code, p.description, f"{fmt_grouped(p.allowed)} {p.currency}",
                                   "contracted" if p.contracted else "general", self._date(p.effective_from), self._date(p.effective_to)]
                                  for p in d.prices])
        self._right.setCurrentIndex(1)
        self.loaded.emit()

    def _date(self, day: dt.date | None) -> str:
        return self._locale.toString(QDate(day.year, day.month, day.day), self._date_fmt) if day else ""

    # ------------------------------------------------------------ for tests and the shell

    def search(self, query: str) -> None:
        self._search.setText(query)
        self.refresh()

    def rows(self) -> list[providers.ProviderRow]:
        return list(self._rows)

    def detail(self) -> providers.ProviderDetail | None:
        return self._detail

    def fact(self, key: str) -> str:
        return self._facts[key].text()

    def table(self, name: str):  # noqa: ANN201
        return {"providers": self._list, "prices": self._prices, "claims": self._claims}[name]

    def claims_tab_enabled(self) -> bool:
        return self._tabs.isTabEnabled(1)
