"""Providers: find a provider, see whether they are in network, what we pay them, and their claims.

Left, the providers found by NPI, provider number, name or specialty (empty:
the first by name). Right, the chosen provider: network status, contact,
credentialing, the fee schedule in force today (their own contracted prices
marked) and their latest claims with counts by status, for the roles that
read claims. Reads only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableWidget, QTabWidget, QVBoxLayout, QWidget

from claimdesk.services import providers
from claimdesk.services.money import fmt_grouped
from claimdesk.ui.context import AppContext
from claimdesk.ui.lookup import LookupScreen
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import status_word

__all__ = ["ProvidersScreen"]


class ProvidersScreen(LookupScreen):
    CHANGES = frozenset({"claim", "queue"})
    NOUNS = ("provider", "providers")
    SEARCH_ON_START = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(
            ctx, parent, name="providersScreen", title="Providers",
            placeholder="NPI, provider number, name or specialty — Enter to find",
            columns=["Provider", "Name", "Specialty", "Network", "City"],
            empty=("No provider chosen", "Find a provider on the left by NPI, number, name or specialty.", "providers"),
            facts=[("provider", "Provider"), ("specialty", "Specialty"), ("address", "Address"), ("contact", "Contact"),
                   ("active", "Active since"), ("claims", "Claims")],
            badge="Network", sizes=(620, 780),
        )

    def _build_body(self, panel: QWidget, layout: QVBoxLayout) -> None:
        self._tabs = QTabWidget(panel)
        self._prices = simple_table(panel, "pricesTable", ["Code", "Procedure", "Allowed", "Schedule", "From", "To"], (2,))
        self._claims = simple_table(panel, "claimsTable", ["Claim", "Care on", "Status", "Claimed", "Paid"], (3, 4))
        self._tabs.addTab(self._prices, "&Prices")
        self._tabs.addTab(self._claims, "C&laims")
        layout.addWidget(self._tabs, 1)

    def _find(self, sessions: Any, query: str) -> list[providers.ProviderRow]:
        return providers.find_providers(sessions, query)

    def _row_cells(self, r: providers.ProviderRow) -> list[str]:
        return [r.locator, r.name, r.specialty or "", status_word(r.network_status), r.city]

    def _rows_shown(self, rows: list[providers.ProviderRow]) -> None:
        for i, r in enumerate(rows):
            self._list.item(i, 0).setToolTip(f"NPI {r.npi}" if r.npi else "No NPI")

    def _load(self, sessions: Any, key: str) -> providers.ProviderDetail:
        return providers.provider_detail(sessions, key)

    def _show(self, d: providers.ProviderDetail) -> None:
        self._title.setText(d.name)
        self._badge.set_status(d.network_status)
        self.set_fact("provider", f"{d.locator} · NPI {d.npi}" if d.npi else d.locator)
        self.set_fact("specialty", d.specialty or "—")
        self.set_fact("address", d.address or "—")
        self.set_fact("contact", d.contact or "—")
        credentialing = f" · credentialing {status_word(d.credentialing).lower()}" if d.credentialing else ""
        self.set_fact("active", (self.date_text(d.activated_at.date()) if d.activated_at else "not activated") + credentialing)
        if d.claims is None:
            self.set_fact("claims", "Your role does not read claims.")
        else:
            counts = ", ".join(f"{n:,} {status_word(s).lower()}" for s, n in d.claims_by_status) or "none"
            paid = "; ".join(f"{fmt_grouped(total)} {cur} paid to the provider" for cur, total in d.paid_total)
            self.set_fact("claims", counts + (f" — {paid}" if paid else ""))
        self._tabs.setTabEnabled(1, d.claims is not None)
        self._tabs.setTabToolTip(1, "" if d.claims is not None else "Your role does not read claims")
        fill_table(self._claims, [[c.locator, self.date_text(c.incident_date), status_word(c.status), f"{fmt_grouped(c.claimed)} {c.currency}",
                                   f"{fmt_grouped(c.paid)} {c.currency}" if c.paid is not None else ""] for c in d.claims or ()])
        fill_table(self._prices, [[p.procedure_code, p.description, f"{fmt_grouped(p.allowed)} {p.currency}",
                                   "contracted" if p.contracted else "general", self.date_text(p.effective_from), self.date_text(p.effective_to)]
                                  for p in d.prices])

    # ------------------------------------------------------------ for tests and the shell

    def table(self, name: str) -> QTableWidget:
        return {"providers": self._list, "prices": self._prices, "claims": self._claims}[name]

    def claims_tab_enabled(self) -> bool:
        return self._tabs.isTabEnabled(1)
