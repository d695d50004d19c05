"""Eligibility: find a person, see whether they are covered on a day, on what terms, and what is left.

Left, the people found by member or policy number or by name. Right, the
chosen person: covered or not on the day asked about (today unless changed),
and four tabs: coverage (every policy term, in force or not), balances (each
term's deductible, out-of-pocket and benefit limits: used and left), benefits
of the cover in force, and the latest claims, for the roles that read claims.

Reads only; every read runs on the database worker.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDateEdit,
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

from claimdesk.services import eligibility
from claimdesk.services.money import fmt_grouped
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.formatting import date_format
from claimdesk.ui.shell import EmptyState
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import StatusBadge, status_word

__all__ = ["EligibilityScreen"]


def _percent(share: Decimal) -> str:
    """0.2 → "20%", 0.125 → "12.5%": a coinsurance share as people write it."""
    pct = share * 100
    return f"{pct:.0f}%" if pct == pct.to_integral_value() else f"{pct.normalize():f}%"


class EligibilityScreen(QWidget):
    """``status_message(text)`` for the status bar; ``loaded`` once a person's eligibility is on screen."""

    status_message = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("eligibilityScreen")
        self.setAccessibleName("Eligibility")
        self._ctx = ctx
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._rows: list[eligibility.MemberRow] = []
        self._detail: eligibility.MemberEligibility | None = None
        self._selected: str | None = None

        self._search = QLineEdit(self)
        self._search.setObjectName("memberSearch")
        self._search.setAccessibleName("Find member")
        self._search.setPlaceholderText("Member or policy number, or the member's name — Enter to find")
        self._search.setClearButtonEnabled(True)
        self._search.returnPressed.connect(self.refresh)
        find = QPushButton("&Find", self)
        find.setObjectName("findButton")
        find.clicked.connect(self.refresh)
        self._day = QDateEdit(self)
        self._day.setObjectName("dayEdit")
        self._day.setAccessibleName("Covered on")
        self._day.setCalendarPopup(True)
        self._day.setDisplayFormat(self._date_fmt)
        self._day.setDate(QDate.currentDate())
        self._day.dateChanged.connect(self._reload)
        bar = QHBoxLayout()
        bar.addWidget(self._search, 1)
        bar.addWidget(find)
        bar.addSpacing(16)
        bar.addWidget(QLabel("Covered &on", self, buddy=self._day))
        bar.addWidget(self._day)

        self._list = simple_table(self, "membersTable", ["Member", "Name", "Born", "Covered today"])
        self._list.itemSelectionChanged.connect(self._on_selection)
        self._count = QLabel("Find a member by number or name.", self)
        self._count.setObjectName("memberCount")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._list, 1)
        left_layout.addWidget(self._count)

        self._right = QStackedWidget(self)
        self._right.addWidget(EmptyState("No member chosen", "Find a member on the left to see their cover and balances.", "eligibility", self._right))
        self._right.addWidget(self._build_detail())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self._right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 880])
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
        head = QHBoxLayout()
        self._title = QLabel(panel)
        self._title.setObjectName("memberTitle")
        self._title.setStyleSheet("QLabel#memberTitle { font-size: 15pt; font-weight: 600; }")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._badge = StatusBadge(parent=panel, label="Covered")
        head.addWidget(self._title)
        head.addWidget(self._badge)
        head.addStretch(1)
        layout.addLayout(head)
        facts = QFrame(panel)
        facts.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(facts)
        grid.setHorizontalSpacing(18)
        self._facts: dict[str, QLabel] = {}
        for i, (key, label) in enumerate((("member", "Member"), ("born", "Born"), ("address", "Address"), ("contact", "Contact"),
                                          ("cover", "Cover"))):
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
        self._coverage = simple_table(panel, "coverageTable", ["Policy", "Product", "Term", "From", "To", "Status", "In force"])
        self._balances = simple_table(panel, "balancesTable", ["Policy", "Term", "Balance", "Limit", "Used", "Left"], (3, 4, 5))
        self._benefits = simple_table(panel, "benefitsTable", ["Benefit", "Covered", "Copay", "Coinsurance", "Deductible", "Prior auth"], (2, 3))
        self._claims = simple_table(panel, "claimsTable", ["Claim", "Care on", "Status", "Claimed", "Paid"], (3, 4))
        self._tabs.addTab(self._coverage, "&Coverage")
        self._tabs.addTab(self._balances, "&Balances")
        self._tabs.addTab(self._benefits, "B&enefits")
        self._tabs.addTab(self._claims, "C&laims")
        layout.addWidget(self._tabs, 1)
        return panel

    # ------------------------------------------------------------ reading

    @Slot()
    def refresh(self) -> None:
        query = self._search.text()
        if not query.strip() or not self._ctx.online:
            return
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: eligibility.find_members(sessions, query), success=self._show_rows, progress_label="Finding members")

    def _show_rows(self, rows: list[eligibility.MemberRow]) -> None:
        self._rows = rows
        self._list.blockSignals(True)
        fill_table(self._list, [[r.locator, r.name, self._date(r.date_of_birth), "yes" if r.covered_today else "no"] for r in rows])
        self._list.blockSignals(False)
        limit = " (the first 200: narrow the search)" if len(rows) >= eligibility.SEARCH_LIMIT else ""
        self._count.setText(f"{len(rows):,} {'person' if len(rows) == 1 else 'people'}{limit}" if rows else "Nobody matches.")
        if len(rows) == 1:
            self._list.blockSignals(True)
            self._list.selectRow(0)
            self._list.blockSignals(False)
            self.load_member(rows[0].locator)

    @Slot()
    def _on_selection(self) -> None:
        row = self._list.currentRow()
        if 0 <= row < len(self._rows):
            self.load_member(self._rows[row].locator)

    def load_member(self, locator: str) -> None:
        self._selected = locator
        sessions, day = self._ctx.sessions, self._day.date().toPython()
        ops.run_op(self, lambda: eligibility.member_eligibility(sessions, locator, day), success=self._show_detail,
                   progress_label=f"Loading {locator}")

    @Slot()
    def _reload(self) -> None:
        if self._selected is not None and self._ctx.online:
            self.load_member(self._selected)

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, {"policies", "claim", "queue"}):
            self._refresh_timer.start()

    def _show_detail(self, d: eligibility.MemberEligibility) -> None:
        if d.locator != self._selected or d.day != self._day.date().toPython():
            return  # another person or day was asked for while this one loaded
        self._detail = d
        self._title.setText(d.name)
        in_force = d.in_force
        self._badge.set_status("COVERED" if in_force else "NOT_COVERED")
        self._facts["member"].setText(d.locator)
        self._facts["born"].setText(self._date(d.date_of_birth))
        self._facts["address"].setText(d.address or "—")
        self._facts["contact"].setText(d.contact or "—")
        self._facts["cover"].setText(
            f"{in_force.policy}, {in_force.product}, term {in_force.term_number}: {self._date(in_force.effective_from)} to {self._date(in_force.effective_to)}"
            if in_force else f"No cover in force on {self._date(d.day)}."
        )
        fill_table(self._coverage, [[c.policy, c.product, str(c.term_number or ""), self._date(c.effective_from), self._date(c.effective_to),
                                     status_word(c.status), "yes" if c.in_force else ""] for c in d.coverage])
        fill_table(self._balances, [
            [t.policy, str(t.term_number), b.label, self._amount(b, b.limit, t.currency), self._amount(b, b.consumed, t.currency),
             self._amount(b, b.remaining, t.currency)]
            for t in d.balances for b in t.balances
        ])
        benefits = [*d.benefits, *([d.out_of_network] if d.out_of_network else [])]
        fill_table(self._benefits, [
            [b.key.replace("_", " ").capitalize(), "yes" if b.covered else "no", fmt_grouped(b.copay) if b.covered else "",
             _percent(b.coinsurance) if b.covered else "", ("applies" if b.deductible_applies else "—") if b.covered else "",
             ("required" if b.requires_prior_auth else "—") if b.covered else ""]
            for b in benefits
        ])
        if d.claims is None:
            self._tabs.setTabToolTip(3, "Your role does not read claims")
            self._tabs.setTabEnabled(3, False)
        else:
            self._tabs.setTabEnabled(3, True)
            fill_table(self._claims, [[c.locator, self._date(c.incident_date), status_word(c.status), f"{fmt_grouped(c.claimed)} {c.currency}",
                                       f"{fmt_grouped(c.paid)} {c.currency}" if c.paid is not None else ""] for c in d.claims])
        self._right.setCurrentIndex(1)
        self.loaded.emit()

    def _date(self, day: dt.date | None) -> str:
        return self._locale.toString(QDate(day.year, day.month, day.day), self._date_fmt) if day else ""

    @staticmethod
    def _amount(balance, amount, currency: str) -> str:  # noqa: ANN001
        return f"{amount:.0f} visits" if balance.type == "VISIT_LIMIT" else f"{fmt_grouped(amount)} {currency}"

    # ------------------------------------------------------------ for tests and the shell

    def search(self, query: str) -> None:
        self._search.setText(query)
        self.refresh()

    def set_day(self, day: dt.date) -> None:
        self._day.setDate(QDate(day.year, day.month, day.day))

    def rows(self) -> list[eligibility.MemberRow]:
        return list(self._rows)

    def detail(self) -> eligibility.MemberEligibility | None:
        return self._detail

    def fact(self, key: str) -> str:
        return self._facts[key].text()

    def badge_text(self) -> str:
        return self._badge.text()

    def table(self, name: str):  # noqa: ANN201
        return {"members": self._list, "coverage": self._coverage, "balances": self._balances, "benefits": self._benefits,
                "claims": self._claims}[name]

    def show_tab(self, name: str) -> None:
        self._tabs.setCurrentWidget(self.table(name))

    def claims_tab_enabled(self) -> bool:
        return self._tabs.isTabEnabled(3)
