"""The one way a ClaimDesk dialog takes input: :class:`FormDialog`.

A form dialog never talks to the database. It checks what it can check by
itself, then emits ``submitted`` with the entry and stays open while the
screen runs the service call. A refusal comes back inline
(:meth:`FormDialog.show_error`) with the person's entry still there; only a
successful save closes it (:meth:`FormDialog.finish`). Dialogs are opened
with ``open()`` (window-modal, no nested event loop), so a test fills the
fields and calls :meth:`FormDialog.submit` like a person pressing the
confirm button.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

__all__ = ["FormDialog"]

_ERROR_STYLE = (
    "QLabel#dialogError { color: #9f2323; background: #fbe5e5; border: 1px solid #9f2323;"
    " border-radius: 3px; padding: 4px 6px; }"
)


class FormDialog(QDialog):
    """A titled form with an inline error line and a confirm button; ``submitted(entry)`` when the entry passes its checks."""

    submitted = Signal(object)

    def __init__(self, title: str, intro: str, confirm_text: str, parent: QWidget | None = None, *, name: str, min_width: int = 600):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(min_width)
        self._busy = False
        self._first_field: QWidget | None = None

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self._intro = QLabel(intro, self)
        self._intro.setWordWrap(True)
        self._intro.setTextFormat(Qt.TextFormat.PlainText)
        self._intro.setAccessibleName(intro)
        layout.addWidget(self._intro)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.addLayout(self.form)
        self._build_fields(self.form)

        # The error line: text first (never colour alone), read out by screen readers.
        self._error = QLabel(self)
        self._error.setObjectName("dialogError")
        self._error.setWordWrap(True)
        self._error.setTextFormat(Qt.TextFormat.PlainText)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error.setAccessibleName("Problem")
        self._error.setStyleSheet(_ERROR_STYLE)
        self._error.hide()
        self._error_at = layout.count()
        layout.addWidget(self._error)

        self._buttons = QDialogButtonBox(self)
        self._confirm_text = confirm_text
        self._ok = self._buttons.addButton(confirm_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self._ok.setObjectName("confirmButton")
        self._ok.setAccessibleName(confirm_text.replace("&", ""))
        self._ok.setToolTip(f"{confirm_text.replace('&', '')} (Ctrl+Enter)")
        self._cancel = self._buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._cancel.setAccessibleName("Cancel")
        self._cancel.setToolTip("Close without saving (Escape)")
        # The dialog decides when it may close: accepted only after the save worked.
        self._buttons.accepted.connect(self.submit)
        self._buttons.rejected.connect(self.reject)
        layout.addWidget(self._buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.submit)

    # ------------------------------------------------------------ for subclasses

    def _build_fields(self, form: QFormLayout) -> None:
        """Add the dialog's own rows; set ``_first_field``."""

    def _check(self) -> tuple[Any | None, str, QWidget | None]:
        """The entry, or why not: (entry, message, widget to focus)."""
        return {}, "", None

    def _validate(self) -> tuple[Any | None, str, QWidget | None]:
        """Every check before the entry goes out; a family of dialogs adds its own after ``_check``."""
        return self._check()

    def _field_for(self, where: str) -> QWidget | None:
        """The control a service's ``ValidationError.where`` refers to."""
        return None

    def _sync_enabled(self) -> None:
        """Subclasses re-apply their own enabled rules after a busy spell."""

    # ------------------------------------------------------------ public

    def confirm_button(self) -> QPushButton:
        return self._ok

    def error_text(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def is_busy(self) -> bool:
        return self._busy

    @Slot()
    def submit(self) -> None:
        """What the confirm button does: check, then ask the screen to save."""
        if self._busy:
            return
        value, message, field = self._validate()
        if value is None:
            self.show_error(message, focus=field)
            return
        self._clear_error()
        self.submitted.emit(value)

    def set_busy(self, busy: bool) -> None:
        """While the save runs: nothing editable, nothing to press twice; Cancel still works."""
        self._busy = busy
        for child in self.children():
            if isinstance(child, QWidget) and not isinstance(child, (QLabel, QDialogButtonBox)):
                child.setEnabled(not busy)
        self._ok.setEnabled(not busy)
        self._ok.setText("Saving…" if busy else self._confirm_text)
        self._cancel.setToolTip(
            "Close this window; the save already sent still completes, and the status bar says how it went"
            if busy
            else "Close without saving (Escape)"
        )
        if not busy:
            self._sync_enabled()

    def show_error(self, message: str, where: str | None = None, *, focus: QWidget | None = None) -> None:
        """Say what is wrong (and where) inline; put the cursor in the field to fix."""
        self.set_busy(False)
        self._say(message)
        target = focus or (self._field_for(where) if where else None)
        if target is not None and target.isEnabled():
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def finish(self) -> None:
        """The save worked: close as accepted."""
        self._busy = False
        self.accept()

    # ------------------------------------------------------------ Qt

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Focus lands where work starts, not on a button.
        if self._first_field is not None:
            self._first_field.setFocus(Qt.FocusReason.PopupFocusReason)

    # ------------------------------------------------------------ private

    def _say(self, message: str) -> None:
        self._error.setText(message)
        self._error.setAccessibleDescription(message)
        self._error.show()

    def _clear_error(self) -> None:
        self._error.clear()
        self._error.hide()
