"""The dialogs behind the Enrollment screen's actions: new policy, endorse, renew, cancel.

As on the claim screen, a dialog never talks to the database. It checks what
it can by itself, emits ``submitted`` with plain values and stays open while
the screen runs the service call; a refusal comes back inline
(:meth:`PolicyDialog.show_error`, :meth:`PolicyDialog.show_conflict`) with
the person's entry still there, and only a successful save closes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from claimdesk.services.enrollment.quotes import FieldDefinition
from claimdesk.services.enrollment.views import ProductForm, SchemeRow
from claimdesk.services.money import fmt_grouped
from claimdesk.ui.forms import FormDialog

__all__ = ["AnswerFields", "CancelDialog", "EndorseDialog", "NewPolicyDialog", "PolicyDialog", "RenewDialog", "SchemeLoadDialog"]

MAX_REASON = 500
_LABELS = {"start_date": "Start date", "smoker": "Smoker", "dependants": "Dependants", "region": "Region", "occupation": "Occupation"}


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date_edit(parent: QWidget, name: str, day: dt.date) -> QDateEdit:
    edit = QDateEdit(qdate(day), parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setAccessibleName(name.replace("Edit", "").replace("_", " "))
    return edit


def field_label(key: str) -> str:
    return _LABELS.get(key, key.replace("_", " ").capitalize())


class AnswerFields:
    """One input per product question, in a form; values come back as the text the services check."""

    def __init__(self, parent: QWidget, form: QFormLayout, fields: Sequence[FieldDefinition], *, skip: Sequence[str] = ()):
        self._widgets: dict[str, QWidget] = {}
        # Required questions first (the start date leads), then the optional ones.
        ordered = sorted((f for f in fields if f.key not in skip), key=lambda f: (not f.required, f.key != "start_date"))
        self._fields = {f.key: f for f in ordered}
        for field in self._fields.values():
            widget = self._make(parent, field)
            widget.setObjectName(f"answer_{field.key}")
            widget.setAccessibleName(field_label(field.key))
            label = field_label(field.key) + ("" if field.required else " (optional)")
            form.addRow(label, widget)
            self._widgets[field.key] = widget

    @staticmethod
    def _make(parent: QWidget, field: FieldDefinition) -> QWidget:
        opts = field.options or {}
        if field.type == "BOOLEAN":
            combo = QComboBox(parent)
            combo.addItem("No", "false")
            combo.addItem("Yes", "true")
            return combo
        if field.type == "INTEGER":
            spin = QSpinBox(parent)
            spin.setRange(int(opts.get("min", 0)), int(opts.get("max", 999)))
            return spin
        if field.type == "CHOICE":
            combo = QComboBox(parent)
            combo.addItem("—", None)
            for choice in opts.get("choices", []):
                combo.addItem(str(choice).capitalize(), str(choice))
            return combo
        if field.type == "DATE":
            return _date_edit(parent, "dateEdit", dt.date.today())
        edit = QLineEdit(parent)
        edit.setMaxLength(int(opts.get("max_length", 200)))
        return edit

    def keys(self) -> list[str]:
        return list(self._widgets)

    def widget(self, key: str) -> QWidget | None:
        return self._widgets.get(key)

    def values(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for key, widget in self._widgets.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif isinstance(widget, QSpinBox):
                out[key] = str(widget.value())
            elif isinstance(widget, QDateEdit):
                out[key] = widget.date().toPython().isoformat()
            elif isinstance(widget, QLineEdit):
                out[key] = widget.text().strip() or None
        return out

    def set_values(self, answers: dict[str, Any]) -> None:
        for key, value in answers.items():
            widget = self._widgets.get(key)
            if widget is None or value is None:
                continue
            if isinstance(widget, QComboBox):
                index = widget.findData(str(value))
                if index >= 0:
                    widget.setCurrentIndex(index)
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif isinstance(widget, QDateEdit):
                widget.setDate(qdate(dt.date.fromisoformat(str(value))))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))

    def connect_changed(self, slot) -> None:  # noqa: ANN001
        for widget in self._widgets.values():
            for signal in ("currentIndexChanged", "valueChanged", "dateChanged", "textEdited"):
                if hasattr(widget, signal):
                    getattr(widget, signal).connect(slot)
                    break


class PolicyDialog(FormDialog):
    """A policy action's form: ``submitted(dict)`` when the entry passes its checks."""

    def __init__(self, title: str, intro: str, confirm_text: str, parent: QWidget | None = None, *, name: str):
        super().__init__(title, intro, confirm_text, parent, name=name, min_width=640)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def show_conflict(self, message: str) -> None:
        """Someone changed the policy first: say who and when; the entry stays for another try."""
        self.show_error(f"{message} What you entered is kept; close this window to see the policy as it is now.")


class EndorseDialog(PolicyDialog):
    """New answers from a date; only what differs from the policy's answers is sent."""

    def __init__(self, policy: str, fields: Sequence[FieldDefinition], answers: dict[str, Any], effective: dt.date, parent: QWidget | None = None):
        super().__init__(
            f"Endorse {policy}",
            "Change the answers the premium is rated on. The change applies from the effective date to the end of the term; "
            "the difference in premium for the days left is charged or refunded.",
            "&Endorse", parent, name="endorseDialog",
        )
        self._answers = {k: (None if v is None else str(v)) for k, v in answers.items()}
        self.effective = _date_edit(self, "effectiveEdit", effective)
        self.form.addRow("&Effective from", self.effective)
        self.fields = AnswerFields(self, self.form, fields, skip=("start_date",))
        self.fields.set_values(self._answers)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reasonEdit")
        self.reason.setAccessibleName("Reason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("Why, for the policy's history (optional)")
        self.form.addRow("&Reason", self.reason)
        self._first_field = self.effective

    def changes(self) -> dict[str, str | None]:
        return {k: v for k, v in self.fields.values().items() if v != self._answers.get(k)}

    def _check(self) -> tuple[dict[str, Any] | None, str, QWidget | None]:
        changes = self.changes()
        if not changes:
            return None, "Nothing has changed: change at least one answer.", self.fields.widget(self.fields.keys()[0]) if self.fields.keys() else None
        return {"effective": self.effective.date().toPython(), "changes": changes, "reason": self.reason.text().strip()}, "", None

    def _field_for(self, where: str) -> QWidget | None:
        if "effective" in where:
            return self.effective
        return next((self.fields.widget(k) for k in self.fields.keys() if k in where), None)


class RenewDialog(PolicyDialog):
    def __init__(self, policy: str, term_number: int, starts: dt.date, parent: QWidget | None = None):
        super().__init__(
            f"Renew {policy}",
            f"Add term {term_number + 1} from {starts.isoformat()} for a year, rated on the product's current version, "
            "with the member's balances starting again at zero. The year's premium is charged.",
            "&Renew", parent, name="renewDialog",
        )


class CancelDialog(PolicyDialog):
    """The first day without cover, why, and a tick: cancelling cannot be undone from here."""

    def __init__(self, policy: str, effective: dt.date, parent: QWidget | None = None):
        super().__init__(
            f"Cancel {policy}",
            "Cover ends the day before the effective date. Premium not yet earned is refunded to the member; "
            "a term that has not started is cancelled whole.",
            "Cancel &policy", parent, name="cancelDialog",
        )
        self.effective = _date_edit(self, "effectiveEdit", effective)
        self.form.addRow("&First day without cover", self.effective)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("reasonEdit")
        self.reason.setAccessibleName("Reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("Why is the policy cancelled? It goes into the policy's history.")
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 3 + 14)
        self.form.addRow("&Reason (required)", self.reason)
        self.confirm = QCheckBox("I understand that a cancelled policy cannot be changed again", self)
        self.confirm.setObjectName("confirmCheck")
        self.confirm.setAccessibleName(self.confirm.text())
        self.form.addRow("", self.confirm)
        self._first_field = self.effective

    def _check(self) -> tuple[dict[str, Any] | None, str, QWidget | None]:
        reason = self.reason.toPlainText().strip()
        if not reason:
            return None, "Reason: say why the policy is cancelled.", self.reason
        if len(reason) > MAX_REASON:
            return None, f"Reason: {len(reason):,} characters; keep it to {MAX_REASON}.", self.reason
        if not self.confirm.isChecked():
            return None, f"Tick “{self.confirm.text()}” to confirm.", self.confirm
        return {"effective": self.effective.date().toPython(), "reason": reason}, "", None

    def _field_for(self, where: str) -> QWidget | None:
        return self.effective if "effective" in where else self.reason if "reason" in where else None


class NewPolicyDialog(PolicyDialog):
    """Quote, then issue: account, product and answers make the quote; the member and the first day make the policy.

    ``quote_requested(dict)`` asks the screen for a quote; :meth:`show_quote`
    shows it and allows the issue. Changing anything the quote depends on
    takes the quote back, so a policy is never issued on a price not shown.
    """

    quote_requested = Signal(object)

    def __init__(self, products: Sequence[ProductForm], parent: QWidget | None = None, *, today: dt.date | None = None):
        super().__init__(
            "New policy",
            "Quote a product for an account, then issue the policy for the member it covers.",
            "&Issue policy", parent, name="newPolicyDialog",
        )
        self._products = list(products)
        self._quote: str | None = None
        self._today = today or dt.date.today()
        self.account = QLineEdit(self)
        self.account.setObjectName("accountEdit")
        self.account.setAccessibleName("Account")
        self.account.setPlaceholderText("ACC-00000001")
        self.account.setMaxLength(40)
        self.form.addRow("&Account", self.account)
        self.product = QComboBox(self)
        self.product.setObjectName("productCombo")
        self.product.setAccessibleName("Product")
        for p in self._products:
            self.product.addItem(f"{p.name} ({p.code}), from {fmt_grouped(p.monthly_premium)} {p.currency} a month", p.code)
        self.form.addRow("&Product", self.product)
        self._answers_at = self.form.rowCount()
        self.fields: AnswerFields | None = None
        self._answers_box: QWidget | None = None
        self._quote_button = QPushButton("&Quote", self)
        self._quote_button.setObjectName("quoteButton")
        self._quote_button.setAccessibleName("Quote")
        self._quote_button.setToolTip("Rate the product on these answers; the quote is kept for 30 days")
        self._quote_button.clicked.connect(self.request_quote)
        self._quoted = QLabel("Not quoted yet.", self)
        self._quoted.setObjectName("quotedLabel")
        self._quoted.setAccessibleName("Quote")
        self._quoted.setWordWrap(True)
        self._quoted.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        quote_row = QWidget(self)
        row = QHBoxLayout(quote_row)
        row.setContentsMargins(0, 4, 0, 4)
        row.addWidget(self._quote_button)
        row.addWidget(self._quoted, 1)
        self.form.addRow(quote_row)
        self.member = QLineEdit(self)
        self.member.setObjectName("memberEdit")
        self.member.setAccessibleName("Member")
        self.member.setPlaceholderText("MBR-00000001")
        self.member.setMaxLength(40)
        self.form.addRow("&Member covered", self.member)
        self.inception = _date_edit(self, "inceptionEdit", self._today)
        self.form.addRow("First &day of cover", self.inception)
        self._build_answers()
        self.product.currentIndexChanged.connect(self._on_product)
        self.account.textEdited.connect(self._forget_quote)
        self._ok.setEnabled(False)
        self._first_field = self.account

    def _build_answers(self) -> None:
        """The chosen product's questions, in a box of their own that a product change replaces."""
        if self._answers_box is not None:
            self.form.removeRow(self._answers_at)
        box = QWidget(self)
        box.setObjectName("answersBox")
        inner = QFormLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        inner.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        product = self._products[self.product.currentIndex()] if self._products else None
        self.fields = AnswerFields(box, inner, product.fields if product else ())
        self.fields.connect_changed(self._forget_quote)
        start = self.fields.widget("start_date")
        if isinstance(start, QDateEdit):
            start.setDate(qdate(self._today))
            start.dateChanged.connect(self.inception.setDate)
        self.form.insertRow(self._answers_at, box)
        self._answers_box = box

    @Slot()
    def _on_product(self) -> None:
        self._build_answers()
        self._forget_quote()

    @Slot()
    def _forget_quote(self, *_args: object) -> None:
        if self._quote is not None:
            self._quoted.setText("The answers changed: quote again.")
        self._quote = None
        self._ok.setEnabled(False)

    def quote_input(self) -> dict[str, Any]:
        return {"account": self.account.text().strip(), "product": self.product.currentData(), "answers": self.fields.values() if self.fields else {}}

    @Slot()
    def request_quote(self) -> None:
        if not self.account.text().strip():
            self.show_error("Account: enter the account's number (ACC-…).", focus=self.account)
            return
        self._error.hide()
        self._quote_button.setEnabled(False)
        self.quote_requested.emit(self.quote_input())

    def show_quote(self, locator: str, monthly_text: str) -> None:
        self._quote = locator
        self._quoted.setText(f"{locator}: {monthly_text}")
        self._quoted.setAccessibleDescription(self._quoted.text())
        self._quote_button.setEnabled(True)
        self._ok.setEnabled(True)
        self.member.setFocus(Qt.FocusReason.OtherFocusReason)

    def quote_failed(self, message: str, where: str | None) -> None:
        self._quote_button.setEnabled(True)
        self.show_error(message, where)

    def quote_locator(self) -> str | None:
        return self._quote

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        self._ok.setEnabled(not busy and self._quote is not None)

    def _check(self) -> tuple[dict[str, Any] | None, str, QWidget | None]:
        if self._quote is None:
            return None, "Quote first: the policy is issued on the price shown.", self._quote_button
        if not self.member.text().strip():
            return None, "Member: enter the member's number (MBR-…).", self.member
        return {"quote": self._quote, "member": self.member.text().strip(), "inception": self.inception.date().toPython()}, "", None

    def _field_for(self, where: str) -> QWidget | None:
        lowered = where.lower()
        if "account" in lowered:
            return self.account
        if "member" in lowered:
            return self.member
        if "inception" in lowered:
            return self.inception
        if self.fields is not None:
            return next((self.fields.widget(k) for k in self.fields.keys() if k in lowered), None)
        return None


class SchemeLoadDialog(PolicyDialog):
    """A group scheme and a CSV file of its new members; every row is checked first, then all are loaded or none.

    After a load the dialog stays open with the new member numbers, selectable,
    because the clerk issues their policies next.
    """

    def __init__(self, schemes: Sequence[SchemeRow], parent: QWidget | None = None):
        super().__init__(
            "Load group scheme members",
            "Add people to a group scheme from a CSV file with the columns first_name, last_name, date_of_birth "
            "(YYYY-MM-DD) and optionally email and phone. Every row is checked first; a bad row loads nothing.",
            "&Load", parent, name="schemeLoadDialog",
        )
        self.scheme = QComboBox(self)
        self.scheme.setObjectName("schemeCombo")
        self.scheme.setAccessibleName("Scheme")
        for s in schemes:
            self.scheme.addItem(f"{s.name} ({s.code}) · {s.members:,} members" + ("" if s.status == "ACTIVE" else f" · {s.status.lower()}"), s.code)
        self.form.addRow("&Scheme", self.scheme)
        self.path = QLineEdit(self)
        self.path.setObjectName("pathEdit")
        self.path.setAccessibleName("CSV file")
        self.path.setPlaceholderText("members.csv")
        browse = QPushButton("&Browse…", self)
        browse.setObjectName("browseButton")
        browse.clicked.connect(self._browse)
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.path, 1)
        line.addWidget(browse)
        self.form.addRow("CSV &file", row)
        self.result = QLabel(self)
        self.result.setObjectName("loadResult")
        self.result.setAccessibleName("Loaded")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        self.form.addRow(self.result)
        self._first_field = self.path

    @Slot()
    def _browse(self) -> None:
        chooser = QFileDialog(self, "Members CSV", self.path.text() or "", "CSV files (*.csv);;All files (*)")
        chooser.setObjectName("csvChooser")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self.path.setText)
        chooser.open()

    def _check(self) -> tuple[dict[str, Any] | None, str, QWidget | None]:
        if self.scheme.currentData() is None:
            return None, "Scheme: there is no group scheme to load into.", self.scheme
        if not self.path.text().strip():
            return None, "CSV file: choose the file with the members.", self.path
        return {"scheme": self.scheme.currentData(), "path": self.path.text().strip()}, "", None

    def _field_for(self, where: str) -> QWidget | None:
        return self.scheme if where == "scheme" else self.path

    def show_loaded(self, message: str) -> None:
        """The load worked: the member numbers stay on screen; the dialog now only closes."""
        self.set_busy(False)
        self._clear_error()
        self.result.setText(message)
        self.result.setAccessibleDescription(message)
        self.result.show()
        self.result.setMinimumHeight(self.result.heightForWidth(max(self.result.width(), 400)))
        self.adjustSize()
        self._ok.setEnabled(False)
        self._ok.setText("Loaded")
        self._cancel.setText("Close")
