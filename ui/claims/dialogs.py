"""The small dialogs behind the claim screen's actions: a note, an override, a pend, a denial.

A dialog never talks to the database. It checks what it can check by itself
(a note is there, an amount is an amount), then emits ``submitted`` with an
:class:`ActionInput` and stays open while the screen runs the service call.
If the call is refused or hits a stale version, the screen hands the reason
back (:meth:`ActionDialog.show_error`, :meth:`ActionDialog.show_conflict`) and
the person's typing is still there to fix or re-send; only a successful save
closes the dialog (:meth:`ActionDialog.finish`).

Dialogs are opened with ``open()`` (window-modal, no nested event loop), so a
test fills the fields and calls :meth:`ActionDialog.submit` like a person
pressing the confirm button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from claimdesk.services.money import fmt_grouped, money
from claimdesk.ui.focus import tab_chain
from claimdesk.ui.forms import FormDialog
from claimdesk.ui.theme import money_font

__all__ = [
    "ActionDialog",
    "ActionInput",
    "DenyDialog",
    "NoteDialog",
    "OverrideDialog",
    "PendDialog",
    "carc_label",
]

# The services refuse longer notes; saying so before the round trip is kinder.
MAX_NOTE = 2000
# Long CARC descriptions are cut in lists; the tooltip and the explanation keep the whole text.
_CARC_SHORT = 48


def carc_label(code: str, description: str, limit: int = _CARC_SHORT) -> str:
    """``45 — Charge exceeds fee schedule/maximum allowable or…``: code first, text cut to ``limit``."""
    text = (description or "").strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip(" ,;/") + "…"
    return f"{code} — {text}" if text else code


@dataclass(frozen=True)
class ActionInput:
    """What a person entered, checked as far as the dialog can check it."""

    note: str
    reason: str | None = None  # pend reason, or the CARC of a denial
    allowed: Decimal | None = None  # line override: the new allowed amount
    deny_carc: str | None = None  # line override: deny the line with this CARC


class ActionDialog(FormDialog):
    """A claim action's form with a mandatory note, an inline error line and a confirm button.

    ``submitted(ActionInput)`` when the person confirms and the entry passes
    the dialog's own checks; ``reload_requested()`` from the Reload button a
    conflict shows.
    """

    reload_requested = Signal()

    def __init__(
        self,
        title: str,
        intro: str,
        confirm_text: str,
        parent: QWidget | None = None,
        *,
        note_required: bool = True,
        note_prompt: str = "Why? The note goes into the claim's history.",
        confirm_check: str | None = None,
    ):
        self._note_required = note_required
        super().__init__(title, intro, confirm_text, parent, name="claimActionDialog")

        self._note = QPlainTextEdit(self)
        self._note.setObjectName("note")
        self._note.setAccessibleName("Note")
        self._note.setAccessibleDescription(note_prompt + (" Required." if note_required else " Optional."))
        self._note.setPlaceholderText(note_prompt)
        self._note.setTabChangesFocus(True)
        self._note.setFixedHeight(self._note.fontMetrics().lineSpacing() * 4 + 14)
        note_label = QLabel("&Note" + (" (required)" if note_required else ""), self)
        note_label.setBuddy(self._note)
        self.form.addRow(note_label, self._note)
        if self._first_field is None:
            self._first_field = self._note

        self._confirm: QCheckBox | None = None
        if confirm_check:
            self._confirm = QCheckBox(confirm_check, self)
            self._confirm.setObjectName("confirmCheck")
            self._confirm.setAccessibleName(confirm_check)
            self.form.addRow("", self._confirm)

        self._reload = QPushButton("&Reload claim", self)
        self._reload.setObjectName("reloadButton")
        self._reload.setAccessibleName("Reload claim")
        self._reload.setToolTip("Load the claim as it is now; what you typed here is kept")
        self._reload.setAutoDefault(False)
        self._buttons.addButton(self._reload, QDialogButtonBox.ButtonRole.ResetRole)
        self._reload.hide()  # after addButton, which shows it; only a conflict offers a reload
        self._reload.clicked.connect(self.reload_requested)

    # ------------------------------------------------------------------ for subclasses

    def _check(self) -> tuple[ActionInput | None, str, QWidget | None]:
        return ActionInput(note=self.note()), "", None

    def _field_for(self, where: str) -> QWidget | None:
        return self._note if "note" in where.lower() else None

    # ------------------------------------------------------------------ public

    def note(self) -> str:
        return self._note.toPlainText().strip()

    def set_note(self, text: str) -> None:
        self._note.setPlainText(text)

    def note_edit(self) -> QPlainTextEdit:
        return self._note

    def reload_button(self) -> QPushButton:
        return self._reload

    def set_confirmed(self, checked: bool) -> None:
        if self._confirm is not None:
            self._confirm.setChecked(checked)

    def _validate(self) -> tuple[ActionInput | None, str, QWidget | None]:
        """The form's own checks, then the note's."""
        value, message, field = self._check()
        return self._check_note(value) if value is not None else (None, message, field)

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        self._reload.setEnabled(not busy)

    def show_error(self, message: str, where: str | None = None, *, focus: QWidget | None = None) -> None:
        self._reload.hide()
        super().show_error(message, where, focus=focus)

    def show_conflict(self, message: str) -> None:
        """Someone saved the claim first: say who and when, offer a reload, keep the entry."""
        self.set_busy(False)
        self._say(f"{message} What you typed is kept.")
        self._reload.show()
        self._reload.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_reloaded(self, message: str) -> None:
        """After a reload asked from this dialog: the new state, and the way on."""
        self.set_busy(False)
        self._reload.hide()
        self._say(message)
        self._ok.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ private

    def _check_note(self, value: ActionInput) -> tuple[ActionInput | None, str, QWidget | None]:
        if self._note_required and not value.note:
            return None, "Note: write why; a note is required and goes into the claim's history.", self._note
        if len(value.note) > MAX_NOTE:
            return None, f"Note: {len(value.note):,} characters; keep it to {MAX_NOTE:,}.", self._note
        if self._confirm is not None and not self._confirm.isChecked():
            return None, f"Tick “{self._confirm.text()}” to confirm.", self._confirm
        return value, "", None

    def _clear_error(self) -> None:
        super()._clear_error()
        self._reload.hide()


def _code_combo(parent: QWidget, codes: Sequence[tuple[str, str]], name: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    combo.setPlaceholderText("Choose a reason code (CARC)")
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(40)
    combo.view().setMinimumWidth(560)
    for code, description in codes:
        combo.addItem(carc_label(code, description, 80), code)
        combo.setItemData(combo.count() - 1, f"{code} — {description}", Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(-1)
    return combo


def _select_code(combo: QComboBox, code: str) -> bool:
    index = combo.findData(code)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class NoteDialog(ActionDialog):
    """Just a note: release a pend, reopen, void."""


class PendDialog(ActionDialog):
    """A pend reason and a note."""

    def __init__(self, claim_locator: str, reasons: Sequence[str], parent: QWidget | None = None, *, current: str | None = None):
        self._reasons = tuple(reasons)
        self._current_reason = current
        super().__init__(
            f"Pend {claim_locator}",
            f"{claim_locator} waits in the work queue with this reason until someone releases it. "
            "Any balance it used is given back meanwhile.",
            "&Pend claim",
            parent,
        )

    def _build_fields(self, form: QFormLayout) -> None:
        self._reason = QComboBox(self)
        self._reason.setObjectName("pendReason")
        self._reason.setAccessibleName("Pend reason")
        self._reason.setPlaceholderText("Choose a reason")
        for code in self._reasons:
            self._reason.addItem(code.replace("_", " ").capitalize(), code)
        self._reason.setCurrentIndex(-1)
        if self._current_reason:
            _select_code(self._reason, self._current_reason)
        label = QLabel("&Reason", self)
        label.setBuddy(self._reason)
        form.addRow(label, self._reason)
        self._first_field = self._reason

    def set_reason(self, code: str) -> bool:
        return _select_code(self._reason, code)

    def _check(self) -> tuple[ActionInput | None, str, QWidget | None]:
        reason = self._reason.currentData()
        if not reason:
            return None, "Reason: choose why the claim waits.", self._reason
        return ActionInput(note=self.note(), reason=reason), "", None

    def _field_for(self, where: str) -> QWidget | None:
        return self._reason if "reason" in where.lower() else super()._field_for(where)


class DenyDialog(ActionDialog):
    """One CARC for every line, and a note."""

    def __init__(self, claim_locator: str, codes: Sequence[tuple[str, str]], parent: QWidget | None = None):
        self._codes = tuple(codes)
        super().__init__(
            f"Deny {claim_locator}",
            f"Every line of {claim_locator} is denied with the reason code you choose, and any balance the "
            "claim used is given back. The member's EOB shows the code. You can reopen the claim later.",
            "&Deny claim",
            parent,
        )

    def _build_fields(self, form: QFormLayout) -> None:
        self._carc = _code_combo(self, self._codes, "Denial reason code")
        self._carc.setObjectName("denyCarc")
        label = QLabel("&Reason code", self)
        label.setBuddy(self._carc)
        form.addRow(label, self._carc)
        self._first_field = self._carc

    def set_codes(self, codes: Sequence[tuple[str, str]]) -> None:
        """Fill the codes once they have arrived, keeping a choice already made."""
        chosen = self._carc.currentData()
        self._carc.clear()
        for code, description in codes:
            self._carc.addItem(carc_label(code, description, 80), code)
            self._carc.setItemData(self._carc.count() - 1, f"{code} — {description}", Qt.ItemDataRole.ToolTipRole)
        self._carc.setCurrentIndex(-1)
        if chosen:
            _select_code(self._carc, chosen)

    def set_carc(self, code: str) -> bool:
        return _select_code(self._carc, code)

    def _check(self) -> tuple[ActionInput | None, str, QWidget | None]:
        code = self._carc.currentData()
        if not code:
            return None, "Reason code: choose the reason for the denial; the member's EOB shows it.", self._carc
        return ActionInput(note=self.note(), reason=code), "", None

    def _field_for(self, where: str) -> QWidget | None:
        return self._carc if "reason" in where.lower() else super()._field_for(where)


class OverrideDialog(ActionDialog):
    """Set one line's allowed amount, or deny the line with a CARC; then the claim is priced again."""

    _AMOUNT = QRegularExpression(r"^\d{0,9}(\.\d{0,2})?$")

    def __init__(
        self,
        claim_locator: str,
        line_number: int,
        line_summary: str,
        claimed: Decimal,
        current_allowed: Decimal,
        currency: str,
        codes: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ):
        self._line_number = line_number
        self._line_summary = line_summary
        self._claimed = money(claimed)
        self._current_allowed = money(current_allowed)
        self._currency = currency
        self._codes = tuple(codes)
        super().__init__(
            f"Override line {line_number} of {claim_locator}",
            "The claim is priced again with your decision for this line; the other lines keep the engine's result.",
            "&Override line",
            parent,
        )

    def _build_fields(self, form: QFormLayout) -> None:
        summary = QLabel(self._line_summary, self)
        summary.setObjectName("lineSummary")
        summary.setAccessibleName(f"Line: {self._line_summary}")
        form.addRow("Line", summary)

        self._set_allowed = QRadioButton("Set the &allowed amount", self)
        self._set_allowed.setObjectName("setAllowed")
        self._set_allowed.setAccessibleName("Set the allowed amount")
        self._deny_line = QRadioButton("Deny the &line", self)
        self._deny_line.setObjectName("denyLine")
        self._deny_line.setAccessibleName("Deny the line")
        group = QButtonGroup(self)
        group.addButton(self._set_allowed)
        group.addButton(self._deny_line)
        self._set_allowed.setChecked(True)

        self._amount = QLineEdit(self)
        self._amount.setObjectName("allowedAmount")
        self._amount.setAccessibleName(f"Allowed amount in {self._currency}")
        self._amount.setAccessibleDescription(
            f"An amount with up to two decimals, at most the {fmt_grouped(self._claimed)} claimed"
        )
        self._amount.setValidator(QRegularExpressionValidator(self._AMOUNT, self._amount))
        self._amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._amount.setFont(money_font(self._amount.font()))
        self._amount.setText(f"{self._current_allowed:.2f}")
        self._amount.setMinimumWidth(self._amount.fontMetrics().horizontalAdvance("000,000,000.00") + 16)
        self._amount.setMaximumWidth(self._amount.minimumWidth() + 40)
        currency = QLabel(self._currency, self)
        currency.setAccessibleName(f"Currency {self._currency}")
        hint_text = f"At most the {fmt_grouped(self._claimed)} {self._currency} claimed."
        hint = QLabel(hint_text, self)
        hint.setAccessibleName(hint_text)
        palette = hint.palette()
        palette.setColor(hint.foregroundRole(), palette.placeholderText().color())
        hint.setPalette(palette)
        amount_row = QHBoxLayout()
        amount_row.setSpacing(6)
        amount_row.addWidget(self._set_allowed)
        amount_row.addWidget(self._amount)
        amount_row.addWidget(currency)
        amount_row.addStretch(1)
        form.addRow("Decision", amount_row)
        hint.setIndent(self._set_allowed.sizeHint().width() + 6)
        form.addRow("", hint)

        self._carc = _code_combo(self, self._codes, "Reason code for denying the line")
        self._carc.setObjectName("overrideCarc")
        deny_row = QHBoxLayout()
        deny_row.setSpacing(6)
        deny_row.addWidget(self._deny_line)
        deny_row.addWidget(self._carc, 1)
        form.addRow("", deny_row)

        self._set_allowed.toggled.connect(self._sync_enabled)
        self._sync_enabled()
        self._first_field = self._amount
        tab_chain(self._set_allowed, self._amount, self._deny_line, self._carc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._amount.selectAll()  # typing replaces the engine's amount

    @Slot()
    def _sync_enabled(self) -> None:
        allowed = self._set_allowed.isChecked()
        self._amount.setEnabled(allowed and not self._busy)
        self._carc.setEnabled(not allowed and not self._busy)

    def line_number(self) -> int:
        return self._line_number

    def set_allowed(self, amount: str) -> None:
        self._set_allowed.setChecked(True)
        self._amount.setText(amount)

    def set_deny(self, code: str) -> bool:
        self._deny_line.setChecked(True)
        return _select_code(self._carc, code)

    def amount_text(self) -> str:
        return self._amount.text()

    def _check(self) -> tuple[ActionInput | None, str, QWidget | None]:
        if self._deny_line.isChecked():
            code = self._carc.currentData()
            if not code:
                return None, "Reason code: choose why the line is denied.", self._carc
            return ActionInput(note=self.note(), deny_carc=code), "", None
        raw = self._amount.text().strip()
        if not raw or raw == ".":
            return None, f"Allowed amount: enter an amount in {self._currency}, e.g. 80.00.", self._amount
        try:
            amount = money(raw)
        except (ValueError, InvalidOperation):
            return None, f"Allowed amount: “{raw}” is not an amount; use digits and a point, e.g. 80.00.", self._amount
        if amount > self._claimed:
            return (
                None,
                f"Allowed amount: {fmt_grouped(amount)} is more than the {fmt_grouped(self._claimed)} {self._currency} claimed.",
                self._amount,
            )
        return ActionInput(note=self.note(), allowed=amount), "", None

    def _field_for(self, where: str) -> QWidget | None:
        lowered = where.lower()
        if "allowed" in lowered:
            self._set_allowed.setChecked(True)
            return self._amount
        if "reason" in lowered:
            return self._carc
        return super()._field_for(where)
