"""Enrollment: find a policy, see its terms, history and premium, and issue, endorse, renew or cancel.

Left, the policies found (by policy or member number, or a member's name;
empty shows the latest changed). Right, the chosen policy: who and what it
covers, its premium, and three tabs: terms, history (every issue, endorsement,
renewal and cancellation, with what it did to the premium) and the premium
charges and refunds in billing.

Every read and write runs on the database worker (``ops.run_op``); writes
announce ``policies`` on the change bus, and this screen refreshes from that.
Actions are for enrollment clerks (and admins); anyone else who may open the
screen (an auditor) reads only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTableWidget, QTabWidget, QVBoxLayout, QWidget

from claimdesk.services import errors
from claimdesk.services.enrollment import group_load, policies, quotes, views
from claimdesk.services.money import fmt_grouped, money
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.enrollment.dialogs import (
    CancelDialog,
    EndorseDialog,
    NewPolicyDialog,
    PolicyDialog,
    RenewDialog,
    SchemeLoadDialog,
    field_label,
)
from claimdesk.ui.lookup import LookupScreen
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import status_word

__all__ = ["EnrollmentScreen"]

_CATEGORY_WORDS = {"ISSUANCE": "Issued", "ENDORSEMENT": "Endorsed", "RENEWAL": "Renewed", "CANCELLATION": "Cancelled"}


class EnrollmentScreen(LookupScreen):
    """``status_message(text)`` says what an action did; ``print_policy_requested(locator)`` asks Documents for the schedule."""

    print_policy_requested = Signal(str)
    CHANGES = frozenset({"policies"})
    NOUNS = ("policy", "policies")
    SEARCH_ON_START = True  # an empty search lists the latest changed policies

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        self._products: list[views.ProductForm] | None = None
        self._can_write = ctx.has_role("enrollment")
        super().__init__(
            ctx, parent, name="enrollmentScreen", title="Enrollment",
            placeholder="Policy or member number, or the member's name — Enter to find",
            columns=["Policy", "Member", "Status", "Cover ends", "Premium / month"], money_columns=(4,),
            empty=("No policy chosen", "Find a policy on the left, or start a new one.", "enrollment"),
            facts=[("member", "Member"), ("product", "Product"), ("inception", "Inception"), ("cover", "Cover"),
                   ("premium", "Premium"), ("answers", "Rated on"), ("changed", "Last changed")],
            badge="Policy status", sizes=(600, 800),
        )
        self._load_button = QPushButton("&Load scheme members…", self)
        self._load_button.setObjectName("loadSchemeButton")
        self._load_button.setToolTip("Add people to a group scheme from a CSV file (Ctrl+L)")
        self._load_button.clicked.connect(self.ask_load_scheme)
        self._new = QPushButton("&New policy…", self)
        self._new.setObjectName("newPolicyButton")
        self._new.setToolTip("Quote a product and issue a policy (Ctrl+N)")
        self._new.clicked.connect(self.ask_new_policy)
        self.bar.addSpacing(16)
        self.bar.addWidget(self._load_button)
        self.bar.addWidget(self._new)

        self._actions = {}
        for key, text, shortcut, slot in (
            ("new", "&New policy…", "Ctrl+N", self.ask_new_policy),
            ("load", "&Load scheme members…", "Ctrl+L", self.ask_load_scheme),
            ("endorse", "&Endorse…", "Ctrl+E", self.ask_endorse),
            ("renew", "&Renew…", "Ctrl+R", self.ask_renew),
            ("cancel", "&Cancel policy…", "Ctrl+Shift+X", self.ask_cancel),
            ("print", "&Print schedule", "Ctrl+P", self.print_schedule),
            ("find", "&Find policy", "Ctrl+F", self._focus_search),
        ):
            action = QAction(text, self)
            action.setObjectName(f"{key}Action")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self._actions[key] = action
        self._update_actions()

    def _keep_products(self, products: list[views.ProductForm]) -> None:
        self._products = products

    # ------------------------------------------------------------ layout

    def _build_body(self, panel: QWidget, layout: QVBoxLayout) -> None:
        buttons = QHBoxLayout()
        self._buttons: dict[str, QPushButton] = {}
        for key, text, slot in (("endorse", "&Endorse…", self.ask_endorse), ("renew", "&Renew…", self.ask_renew),
                                ("cancel", "&Cancel policy…", self.ask_cancel), ("print", "&Print schedule", self.print_schedule)):
            button = QPushButton(text.replace("&", "") if key != "endorse" else text, panel)
            button.setObjectName(f"{key}Button")
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self._buttons[key] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._tabs = QTabWidget(panel)
        self._tabs.setObjectName("policyTabs")
        self._terms = simple_table(panel, "termsTable", ["Term", "From", "To", "Status", "Locator"])
        self._history = simple_table(panel, "historyTable", ["Date", "Change", "Term", "What", "Premium", "Charge"], (4,))
        self._charges = simple_table(panel, "chargesTable", ["Charge", "Kind", "Term", "Date", "Amount", "Status"], (4,))
        self._tabs.addTab(self._history, "&History")
        self._tabs.addTab(self._terms, "&Terms")
        self._tabs.addTab(self._charges, "Premium &charges")
        layout.addWidget(self._tabs, 1)

    # ------------------------------------------------------------ reading

    def _find(self, sessions: Any, query: str) -> list[views.PolicyRow]:
        return views.find_policies(sessions, query)

    def _row_cells(self, r: views.PolicyRow) -> list[str]:
        return [r.locator, r.member_name, status_word(r.status), self.date_text(r.cover_ends) if r.cover_ends else "",
                f"{fmt_grouped(r.monthly_premium)} {r.currency}"]

    def _rows_shown(self, rows: list[views.PolicyRow]) -> None:
        for i, r in enumerate(rows):
            self._list.item(i, 0).setToolTip(r.product)
            self._list.item(i, 1).setToolTip(r.member or "")

    def _load(self, sessions: Any, key: str) -> dict[str, Any]:
        return policies.policy_detail(sessions, key)

    def _detail_key(self, detail: dict[str, Any]) -> str:
        return detail["policy"]["locator"]

    @Slot()
    def _on_refresh_timer(self) -> None:
        self.refresh()  # the list too: a policy just issued or cancelled changes it

    def _show(self, detail: dict[str, Any]) -> None:
        policy = detail["policy"]
        doc = policy["document"] or {}
        premium = doc.get("premium") or {}
        currency = premium.get("currency", "")
        self._title.setText(policy["locator"])
        self._badge.set_status(policy["status"])
        self._facts["member"].setText(f"{policy['member_name']} ({policy['member']})" if policy["member"] else "—")
        self._facts["product"].setText(f"{policy['product_name']} ({policy['product']}), version {policy['product_version']}")
        self._facts["inception"].setText(self.date_text(policy["inception_date"]))
        terms = detail["terms"]
        if "cancellation" in doc:
            cancelled = dt.date.fromisoformat(doc["cancellation"]["effective_date"])
            self._facts["cover"].setText(f"Cancelled: no cover from {self.date_text(cancelled)} — {doc['cancellation']['reason']}")
        elif terms:
            last = terms[-1]
            self._facts["cover"].setText(f"Term {last['term_number']}: {self.date_text(last['effective_from'])} to {self.date_text(last['effective_to'])}")
        else:
            self._facts["cover"].setText("—")
        monthly = money(premium.get("amount", "0"))
        yearly = money(doc["annual_premium"]) if doc.get("annual_premium") else monthly * 12
        self._facts["premium"].setText(f"{fmt_grouped(monthly)} {currency} a month · {fmt_grouped(yearly)} {currency} a year")
        answers = doc.get("answers") or {}
        self._facts["answers"].setText(", ".join(f"{field_label(k)}: {self._answer(v)}" for k, v in answers.items() if v is not None and k != "start_date") or "—")
        self._facts["changed"].setText(f"{policy['updated_at']:%Y-%m-%d %H:%M} by {policy['updated_by']}" if policy.get("updated_at") else "—")
        fill_table(self._terms, [[str(t["term_number"]), self.date_text(t["effective_from"]), self.date_text(t["effective_to"]), status_word(t["status"]), t["locator"]]
                            for t in terms])
        fill_table(self._history, [self._history_row(h, currency) for h in detail["history"]])
        fill_table(self._charges, [[c["locator"], "Premium" if c["category"] == "PREMIUM" else "Refund", str(c["term_number"] or ""),
                               self.date_text(c["charge_date"]), f"{'' if c['category'] == 'PREMIUM' else '−'}{fmt_grouped(c['amount'])} {c['currency']}",
                               status_word(c["status"])] for c in detail["charges"]])
        self._update_actions()

    def _history_row(self, h: dict[str, Any], currency: str) -> list[str]:
        doc = h["document"] or {}
        category = h["category"]
        if category == "ENDORSEMENT":
            what = "; ".join(f"{field_label(k)} {self._answer(a)} → {self._answer(b)}" for k, (a, b) in (doc.get("changes") or {}).items())
            what += f" ({doc['reason']})" if doc.get("reason") else ""
        elif category == "CANCELLATION":
            what = doc.get("reason", "")
            if doc.get("premium_history"):
                what += " — no premium history here; billing settles it"
        elif category == "RENEWAL":
            what = f"product version {doc.get('product_version', '')}, {fmt_grouped(money(doc.get('annual_premium', '0')))} a year"
        else:
            source = f"from {doc['quote_locator']}, " if doc.get("quote_locator") else ""
            what = f"{source}{fmt_grouped(money(doc.get('annual_premium', '0')))} a year"
        change = Decimal(doc.get("premium_change", "0"))
        moved = "" if change == 0 else f"{'+' if change > 0 else '−'}{fmt_grouped(abs(change))} {doc.get('currency', currency)}"
        return [self.date_text(h["effective_date"]), _CATEGORY_WORDS.get(category, category.capitalize()), str(h["term_number"] or ""), what, moved,
                doc.get("charge", "")]

    @staticmethod
    def _answer(value: Any) -> str:
        return {"true": "yes", "false": "no"}.get(str(value), "—" if value is None else str(value))

    # ------------------------------------------------------------ state

    def _live(self) -> bool:
        return self._detail is not None and self._detail["policy"]["status"] in policies.LIVE

    def _update_actions(self) -> None:
        chosen = self._detail is not None
        write = self._can_write and self._ctx.online
        for key, enabled in (("endorse", write and self._live()), ("renew", write and self._live()), ("cancel", write and self._live()),
                             ("print", chosen), ("new", write), ("load", write)):
            self._actions[key].setEnabled(enabled)
            if key in self._buttons:
                self._buttons[key].setEnabled(enabled)
        self._new.setEnabled(write)
        self._load_button.setEnabled(write)
        if not self._can_write:
            for button in self._buttons.values():
                button.setToolTip("Your role reads policies; changing them is for enrollment")

    @Slot()
    def _focus_search(self) -> None:
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    # ------------------------------------------------------------ actions

    def _wire(self, dialog: PolicyDialog, op_for: Callable[[dict[str, Any]], Callable[[], policies.PolicyChange]]) -> None:
        """``op_for(entry)`` makes the service call for what the person entered.

        The dialog's signal goes to a method of this screen, not to a closure that holds it: a
        closure on a child's signal that held the last reference to a Python-owned parent would
        delete that parent from inside the child's destructor.
        """
        dialog.op_for = op_for  # type: ignore[attr-defined]
        dialog.submitted.connect(self._on_dialog_submitted)

    @Slot(object)
    def _on_dialog_submitted(self, entry: dict[str, Any]) -> None:
        dialog = self.sender()
        if isinstance(dialog, PolicyDialog):
            self._run(dialog, dialog.op_for(entry))

    def _run(self, dialog: PolicyDialog, op: Callable[[], policies.PolicyChange]) -> None:
        """Save on the worker; success closes the dialog, a refusal comes back into it."""
        dialog.set_busy(True)

        def failed(exc: BaseException) -> bool:
            if not shiboken6.isValid(dialog) or not dialog.isVisible():
                return False
            if isinstance(exc, errors.ConflictError):
                dialog.show_conflict(str(exc))
                return True
            if isinstance(exc, (errors.ValidationError, errors.NotFound, errors.PermissionDenied)):
                dialog.show_error(str(exc), getattr(exc, "where", None))
                return True
            dialog.set_busy(False)
            return False

        new_policy = isinstance(dialog, NewPolicyDialog)

        def succeeded(result: policies.PolicyChange) -> None:
            if shiboken6.isValid(dialog):
                dialog.finish()
            self._selected = result.locator
            if new_policy:  # show the policy just issued on its own
                self._search.setText(result.locator)
            self.status_message.emit(result.message)

        ops.run_op(self, op, success=succeeded, failure=failed, progress_label=dialog.windowTitle(), changes=lambda r: r.changes)

    @Slot()
    def ask_new_policy(self) -> NewPolicyDialog | None:
        if not (self._can_write and self._ctx.online):
            return None
        if self._products is None:
            sessions = self._ctx.sessions
            ops.run_op(self, lambda: views.products_on_sale(sessions), success=self._open_new_policy, progress_label="Loading products")
            return None
        return self._open_new_policy(self._products)

    def _open_new_policy(self, products: list[views.ProductForm]) -> NewPolicyDialog:
        self._products = products
        dialog = NewPolicyDialog(products, self)
        sessions = self._ctx.sessions
        dialog.quote_requested.connect(self._on_quote_requested)
        self._wire(dialog, lambda v: lambda: policies.issue_policy(sessions, v["quote"], v["member"], v["inception"]))
        dialog.open()
        return dialog

    @Slot(object)
    def _on_quote_requested(self, value: dict[str, Any]) -> None:
        dialog = self.sender()
        if not isinstance(dialog, NewPolicyDialog):
            return
        sessions = self._ctx.sessions

        def failed(exc: BaseException) -> bool:
            if not shiboken6.isValid(dialog):
                return False
            if isinstance(exc, (errors.ValidationError, errors.NotFound)):
                dialog.quote_failed(str(exc), getattr(exc, "where", None))
                return True
            dialog.quote_failed("The quote could not be made.", None)
            return False

        def quoted(q: quotes.QuoteResult) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_quote(q.locator, f"{fmt_grouped(q.premium)} {q.currency} a month "
                                             f"({fmt_grouped(q.premium * 12)} a year), valid until {q.expires_at:%Y-%m-%d}")

        ops.run_op(self, lambda: quotes.create_quote(sessions, value["account"], value["product"], value["answers"]),
                   success=quoted, failure=failed, progress_label="Quoting")

    @Slot()
    def ask_endorse(self) -> EndorseDialog | None:
        if not (self._live() and self._can_write):
            return None
        if self._products is None:
            sessions = self._ctx.sessions
            ops.run_op(self, lambda: views.products_on_sale(sessions), success=self._products_then_endorse, progress_label="Loading products")
            return None
        policy = self._detail["policy"]
        product = next((p for p in self._products if p.code == policy["product"]), None)
        fields = product.fields if product else ()
        dialog = EndorseDialog(policy["locator"], fields, (policy["document"] or {}).get("answers") or {},
                               max(dt.date.today(), policy["inception_date"]), self)
        sessions, version, locator = self._ctx.sessions, policy["version"], policy["locator"]
        self._wire(dialog, lambda v: lambda: policies.endorse_policy(
            sessions, locator, v["effective"], v["changes"], reason=v["reason"], expected_version=version))
        dialog.open()
        return dialog

    def _products_then_endorse(self, products: list[views.ProductForm]) -> None:
        self._keep_products(products)
        self.ask_endorse()

    @Slot()
    def ask_renew(self) -> RenewDialog | None:
        if not (self._live() and self._can_write):
            return None
        policy, terms = self._detail["policy"], self._detail["terms"]
        last = terms[-1]
        dialog = RenewDialog(policy["locator"], last["term_number"], last["effective_to"] + dt.timedelta(days=1), self)
        sessions, version, locator = self._ctx.sessions, policy["version"], policy["locator"]
        self._wire(dialog, lambda _v: lambda: policies.renew_policy(sessions, locator, expected_version=version))
        dialog.open()
        return dialog

    @Slot()
    def ask_cancel(self) -> CancelDialog | None:
        if not (self._live() and self._can_write):
            return None
        policy = self._detail["policy"]
        dialog = CancelDialog(policy["locator"], max(dt.date.today(), policy["inception_date"]), self)
        sessions, version, locator = self._ctx.sessions, policy["version"], policy["locator"]
        self._wire(dialog, lambda v: lambda: policies.cancel_policy(sessions, locator, v["effective"], v["reason"], expected_version=version))
        dialog.open()
        return dialog

    @Slot()
    def ask_load_scheme(self) -> None:
        """The schemes first (on the worker), then the dialog."""
        if not (self._can_write and self._ctx.online):
            return
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: views.schemes(sessions), success=self._open_scheme_load, progress_label="Loading schemes")

    def _open_scheme_load(self, schemes: list[views.SchemeRow]) -> SchemeLoadDialog:
        dialog = SchemeLoadDialog(schemes, self)
        dialog.submitted.connect(self._on_scheme_submitted)
        dialog.open()
        return dialog

    @Slot(object)
    def _on_scheme_submitted(self, entry: dict[str, Any]) -> None:
        dialog = self.sender()
        if not isinstance(dialog, SchemeLoadDialog):
            return
        sessions, code, path = self._ctx.sessions, entry["scheme"], Path(entry["path"])
        dialog.set_busy(True)

        def failed(exc: BaseException) -> bool:
            if not shiboken6.isValid(dialog):
                return False
            if isinstance(exc, (errors.ValidationError, errors.PermissionDenied)):
                dialog.show_error(str(exc), getattr(exc, "where", None))
                return True
            dialog.set_busy(False)
            return False

        def loaded(result: group_load.LoadResult) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_loaded(result.message)
            self.status_message.emit(f"{result.loaded:,} members joined {result.scheme_code} (job {result.job_locator})")

        # The file is read on the worker too: nothing slow on the GUI thread.
        ops.run_op(self, lambda: group_load.load_members(sessions, code, path), success=loaded, failure=failed,
                   progress_label=f"Loading members into {code}", changes=lambda r: r.changes)

    @Slot()
    def print_schedule(self) -> None:
        if self._detail is not None:
            self.print_policy_requested.emit(self._detail["policy"]["locator"])

    # ------------------------------------------------------------ for tests and the shell

    def show_policy(self, locator: str) -> None:
        """The latest changed policies, with ``locator`` chosen (and shown even when it is not among them)."""
        self._selected = locator
        self._search.clear()
        self.refresh()
        self.load(locator)

    def table(self, name: str) -> QTableWidget:
        return {"policies": self._list, "terms": self._terms, "history": self._history, "charges": self._charges}[name]

    def button(self, key: str) -> QPushButton:
        return self._buttons[key]
