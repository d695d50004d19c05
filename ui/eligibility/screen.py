"""Eligibility: find a person, see whether they are covered on a day, on what terms, and what is left.

Left, the people found by member or policy number or by name. Right, the
chosen person: covered or not on the day asked about (today unless changed),
and four tabs: coverage (every policy term, in force or not), balances (each
term's deductible, out-of-pocket and benefit limits: used and left), benefits
of the cover in force, and the latest claims, for the roles that read claims.
Reads only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QLabel, QTableWidget, QTabWidget, QVBoxLayout, QWidget

from claimdesk.services import eligibility
from claimdesk.services.money import fmt_grouped
from claimdesk.ui.context import AppContext
from claimdesk.ui.lookup import LookupScreen
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import status_word

__all__ = ["EligibilityScreen"]


def _percent(share: Decimal) -> str:
    """0.2 → "20%", 0.125 → "12.5%": a coinsurance share as people write it."""
    pct = share * 100
    return f"{pct:.0f}%" if pct == pct.to_integral_value() else f"{pct.normalize():f}%"


class EligibilityScreen(LookupScreen):
    CHANGES = frozenset({"policies", "claim", "queue"})
    NOUNS = ("person", "people")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(
            ctx, parent, name="eligibilityScreen", title="Eligibility",
            placeholder="Member or policy number, or the member's name — Enter to find",
            columns=["Member", "Name", "Born", "Covered today"],
            empty=("No member chosen", "Find a member on the left to see their cover and balances.", "eligibility"),
            facts=[("member", "Member"), ("born", "Born"), ("address", "Address"), ("contact", "Contact"), ("cover", "Cover")],
            badge="Covered", sizes=(520, 880),
        )
        self._day = QDateEdit(self)
        self._day.setObjectName("dayEdit")
        self._day.setAccessibleName("Covered on")
        self._day.setCalendarPopup(True)
        self._day.setDisplayFormat(self._date_fmt)
        self._day.setDate(QDate.currentDate())
        self._day.dateChanged.connect(self.reload)
        self.bar.addSpacing(16)
        self.bar.addWidget(QLabel("Covered &on", self, buddy=self._day))
        self.bar.addWidget(self._day)
        self._count.setText("Find a member by number or name.")

    def _build_body(self, panel: QWidget, layout: QVBoxLayout) -> None:
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

    def _find(self, sessions: Any, query: str) -> list[eligibility.MemberRow]:
        return eligibility.find_members(sessions, query)

    def _row_cells(self, r: eligibility.MemberRow) -> list[str]:
        return [r.locator, r.name, self.date_text(r.date_of_birth), "yes" if r.covered_today else "no"]

    def _load(self, sessions: Any, key: str) -> eligibility.MemberEligibility:
        day = self._day.date().toPython()
        return eligibility.member_eligibility(sessions, key, day)

    def _current(self, d: eligibility.MemberEligibility) -> bool:
        return d.day == self._day.date().toPython()  # another day was asked for while this one loaded

    def _show(self, d: eligibility.MemberEligibility) -> None:
        self._title.setText(d.name)
        in_force = d.in_force
        self._badge.set_status("COVERED" if in_force else "NOT_COVERED")
        self.set_fact("member", d.locator)
        self.set_fact("born", self.date_text(d.date_of_birth))
        self.set_fact("address", d.address or "—")
        self.set_fact("contact", d.contact or "—")
        self.set_fact("cover", (
            f"{in_force.policy}, {in_force.product}, term {in_force.term_number}: "
            f"{self.date_text(in_force.effective_from)} to {self.date_text(in_force.effective_to)}"
        ) if in_force else f"No cover in force on {self.date_text(d.day)}.")
        fill_table(self._coverage, [[c.policy, c.product, str(c.term_number or ""), self.date_text(c.effective_from), self.date_text(c.effective_to),
                                     status_word(c.status), "yes" if c.in_force else ""] for c in d.coverage])
        fill_table(self._balances, [
            [t.policy, str(t.term_number), b.label, self._amount(b, b.limit, t.currency), self._amount(b, b.consumed, t.currency),
             self._amount(b, b.remaining, t.currency)]
            for t in d.balances for b in t.balances
        ])
        benefits = [*d.benefits, *([d.out_of_network] if d.out_of_network else [])]
        fill_table(self._benefits, [[d.terms_problem]] if d.terms_problem else [
            [b.key.replace("_", " ").capitalize(), "yes" if b.covered else "no", fmt_grouped(b.share.copay) if b.covered else "",
             _percent(b.share.coinsurance) if b.covered else "", ("applies" if b.share.deductible_applies else "—") if b.covered else "",
             ("required" if b.requires_prior_auth else "—") if b.covered else ""]
            for b in benefits
        ])
        self._tabs.setTabEnabled(3, d.claims is not None)
        self._tabs.setTabToolTip(3, "" if d.claims is not None else "Your role does not read claims")
        fill_table(self._claims, [[c.locator, self.date_text(c.incident_date), status_word(c.status), f"{fmt_grouped(c.claimed)} {c.currency}",
                                   f"{fmt_grouped(c.paid)} {c.currency}" if c.paid is not None else ""] for c in d.claims or ()])

    @staticmethod
    def _amount(balance, amount, currency: str) -> str:  # noqa: ANN001
        return f"{amount:.0f} visits" if balance.type == "VISIT_LIMIT" else f"{fmt_grouped(amount)} {currency}"

    # ------------------------------------------------------------ for tests and the shell

    def set_day(self, day) -> None:  # noqa: ANN001
        self._day.setDate(QDate(day.year, day.month, day.day))

    def table(self, name: str) -> QTableWidget:
        return {"members": self._list, "coverage": self._coverage, "balances": self._balances, "benefits": self._benefits,
                "claims": self._claims}[name]

    def show_tab(self, name: str) -> None:
        self._tabs.setCurrentWidget(self.table(name))

    def claims_tab_enabled(self) -> bool:
        return self._tabs.isTabEnabled(3)
