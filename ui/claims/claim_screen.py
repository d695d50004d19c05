"""The claim screen: one claim, how each line was priced and why, and what a person can do to it.

Everything it shows comes from one read (``views.claim_detail``) run on the
database worker; everything it does is one service call with the claim's
``version``, after which it announces the change and reads the claim again.
A refused or stale save never loses what the person typed: the action's
dialog stays open with the reason in it (see ``dialogs``).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QItemSelectionModel,
    QLocale,
    QMetaMethod,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTime,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QDesktopServices, QFont, QFontMetrics, QKeySequence, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from claimdesk.services import errors
from claimdesk.services.claims import lifecycle as lc
from claimdesk.services.claims import pricing, queue, service, views
from claimdesk.services.claims.service import ClaimChange
from claimdesk.services.claims.views import BalanceView, ClaimDetail, LineView
from claimdesk.services.money import fmt_grouped
from claimdesk.ui import ops
from claimdesk.ui.claims.dialogs import (
    ActionDialog,
    ActionInput,
    DenyDialog,
    NoteDialog,
    OverrideDialog,
    PendDialog,
    carc_label,
)
from claimdesk.ui.context import AppContext
from claimdesk.ui.focus import tab_chain
from claimdesk.ui.formatting import date_format
from claimdesk.ui.icons import icon
from claimdesk.ui.theme import StatusBadge, badge_colors, compact_table, money_font, status_word

__all__ = ["ClaimScreen", "LinesModel", "format_date", "format_datetime", "format_money"]

_Index = QModelIndex | QPersistentModelIndex
_ZERO = Decimal("0.00")
# Deductible, coinsurance, copay: they explain a member's share, never a denial.
_COST_SHARE_CARCS = frozenset({pricing.CARC_DEDUCTIBLE, pricing.CARC_COINSURANCE, pricing.CARC_COPAY})


# --------------------------------------------------------------------------- formatting


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    """``1,200.00 USD``: two decimals always, zero as ``0.00``, never blank."""
    text = fmt_grouped(amount if amount is not None else _ZERO)
    return f"{text} {currency}" if currency else text


def format_date(value: dt.date | None) -> str:
    """A date in the user's locale, short form with a four-digit year."""
    if value is None:
        return "—"
    locale = QLocale()
    return locale.toString(QDate(value.year, value.month, value.day), date_format(locale))


def format_datetime(value: dt.datetime | None) -> str:
    """A moment in the user's locale and local time zone."""
    if value is None:
        return "—"
    local = value.astimezone() if value.tzinfo else value
    locale = QLocale()
    fmt = date_format(locale) + " " + locale.timeFormat(QLocale.FormatType.ShortFormat)
    return locale.toString(QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second)), fmt)


def _time(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone() if value.tzinfo else value
    return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


def _words(code: str | None) -> str:
    """``LINE_OVERRIDDEN`` -> ``Line overridden``; codes read as words on screen."""
    if not code:
        return ""
    return code.replace("_", " ").strip().capitalize()


_RULES = {
    "eligibility": "Eligibility",
    "benefit": "Benefit",
    "network": "Network",
    "prior_auth": "Prior authorisation",
    "allowed": "Allowed amount",
    "limit": "Limit",
    "visit_limit": "Visit limit",
    "benefit_limit": "Benefit limit",
    "deductible": "Deductible",
    "copay": "Copay",
    "coinsurance": "Coinsurance",
    "out_of_pocket": "Out-of-pocket maximum",
    "paid": "Paid",
    "balance": "Balance",
    "override": "Override",
}


def _balance_label(balance: str | None) -> str:
    """``DEDUCTIBLE/plan`` -> ``Deductible``, the same words the coverage panel uses."""
    if not balance:
        return "Balance"
    kind, _, key = balance.partition("/")
    return BalanceView(kind, key or "plan", _ZERO, _ZERO).label


def _amount_text(value: Decimal, kind: str) -> str:
    # Visit limits count lines, not money.
    return f"{int(value)}" if kind == "VISIT_LIMIT" else fmt_grouped(value)


def balance_text(balance: BalanceView) -> str:
    """``Deductible 300.00 of 500.00 used — 200.00 left``."""
    used = _amount_text(balance.consumed, balance.type)
    limit = _amount_text(balance.limit, balance.type)
    left = _amount_text(balance.remaining, balance.type)
    return f"{balance.label} {used} of {limit} used — {left} left"


# --------------------------------------------------------------------------- the lines grid


class LinesModel(QAbstractTableModel):
    """The claim's lines as pre-formatted strings; nothing is computed in ``data()``."""

    COLUMNS: tuple[tuple[str, str], ...] = (
        ("line", "Line"),
        ("benefit", "Benefit"),
        ("procedure", "Procedure"),
        ("service_date", "Service date"),
        ("status", "Status"),
        ("claimed", "Claimed"),
        ("allowed", "Allowed"),
        ("deductible", "Deductible"),
        ("copay", "Copay"),
        ("coinsurance", "Coinsurance"),
        ("paid", "Paid"),
        ("member", "Member share"),
        ("override", "Override"),
        ("reasons", "Reason codes"),
    )
    MONEY = frozenset({"claimed", "allowed", "deductible", "copay", "coinsurance", "paid", "member"})
    _RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    _LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    _SERVED = frozenset(
        {
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.UserRole,
        }
    )

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lines: tuple[LineView, ...] = ()
        self._rows: list[dict[str, str]] = []
        self._tips: list[dict[str, str]] = []
        self._currency = ""
        self._money_font = money_font()
        self._keys = [key for key, _title in self.COLUMNS]

    def set_lines(self, lines: tuple[LineView, ...], currency: str) -> None:
        self.beginResetModel()
        self._lines = tuple(lines)
        self._currency = currency
        self._money_font = money_font()
        self._rows = [self._format(line) for line in self._lines]
        self._tips = [self._tooltips(line) for line in self._lines]
        self.endResetModel()

    def line(self, row: int) -> LineView | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, line_number: int) -> int:
        return next((i for i, line in enumerate(self._lines) if line.line_number == line_number), -1)

    def text(self, row: int, key: str) -> str:
        return self._rows[row][key]

    def _format(self, line: LineView) -> dict[str, str]:
        return {
            "line": str(line.line_number),
            "benefit": _words(line.coverage_term_key),
            "procedure": line.procedure_code or "",
            "service_date": format_date(line.service_date),
            "status": status_word(line.status),
            "claimed": format_money(line.amount_claimed),
            "allowed": format_money(line.amount_allowed),
            "deductible": format_money(line.deductible),
            "copay": format_money(line.copay),
            "coinsurance": format_money(line.coinsurance),
            "paid": format_money(line.amount_paid),
            "member": format_money(line.member_responsibility),
            "override": "Overridden" if line.override else "",
            "reasons": "  ·  ".join(
                carc_label(code, text, 36 if len(line.reason_codes) > 1 else 60) for code, text in line.reason_codes
            ),
        }

    def _tooltips(self, line: LineView) -> dict[str, str]:
        return {
            "reasons": "\n".join(f"{code} — {text}" for code, text in line.reason_codes),
            "override": f"Override: {line.override}" if line.override else "",
            "status": f"Line {line.line_number}: {status_word(line.status)}",
        }

    # Qt

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self._SERVED or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self._rows) or col >= len(self._keys):
            return None
        key = self._keys[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[row][key]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._RIGHT if key in self.MONEY else self._LEFT
        if role == Qt.ItemDataRole.FontRole:
            return self._money_font if key in self.MONEY else None
        if role == Qt.ItemDataRole.ForegroundRole:
            # The word says it; the colour only repeats it.
            return badge_colors(self._lines[row].status)[0] if key == "status" else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in self.MONEY:
                return f"{self.COLUMNS[col][1]}: {self._rows[row][key]} {self._currency}"
            return self._tips[row].get(key) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            value = self._rows[row][key]
            if key in self.MONEY:
                value = f"{value} {self._currency}"
            elif key == "reasons":
                value = self._tips[row]["reasons"].replace("\n", "; ")
            return f"{self.COLUMNS[col][1]}: {value or 'none'}"
        if role == Qt.ItemDataRole.UserRole:
            return self._lines[row].line_number
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return super().headerData(section, orientation, role)
        key, title = self.COLUMNS[section]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return title
        if role == Qt.ItemDataRole.ToolTipRole and key in self.MONEY and self._currency:
            return f"{title}, in {self._currency}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._RIGHT if key in self.MONEY else self._LEFT
        return None


# --------------------------------------------------------------------------- small widgets


def _caption(text: str, parent: QWidget) -> QLabel:
    """A quiet field caption; the value next to it carries the accessible name."""
    label = QLabel(text, parent)
    label.setObjectName("caption")
    palette = label.palette()
    palette.setColor(label.foregroundRole(), palette.placeholderText().color())
    label.setPalette(palette)
    label.setAccessibleName(text)
    return label


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when short of room, instead of widening the window.

    Only the painting is shortened: ``text()`` and the accessible name keep
    the whole value, and so does the tooltip.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:
        return QSize(min(super().minimumSizeHint().width(), 60), super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: ANN001
        QFrame.paintEvent(self, event)  # frame and style-sheet background, not the text
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin())
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), shown, self.foregroundRole()
        )
        painter.end()


def _value(parent: QWidget, name: str) -> QLabel:
    label = ElidedLabel(parent)
    label.setAccessibleName(name)
    return label


def _tree(parent: QWidget, name: str, headers: list[str]) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setAccessibleName(name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(True)
    tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setWordWrap(False)
    tree.setTextElideMode(Qt.TextElideMode.ElideRight)
    tree.header().setStretchLastSection(True)
    tree.header().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return tree


def _alive(obj: Any) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _write_temp_file(filename: str, content: bytes) -> Path:
    """Runs on the file pool. A folder of its own per open, so two files of one name never collide.

    The folder is left for the OS to clean: the viewer we hand the file to
    may still be reading it long after we return.
    """
    folder = Path(tempfile.mkdtemp(prefix="claimdesk-attachment-"))
    name = Path(filename).name or "attachment"
    path = folder / name
    path.write_bytes(content)
    return path


# --------------------------------------------------------------------------- the screen


class ClaimScreen(QWidget):
    """One claim. ``open_claim(id)`` loads it on the worker; ``closed()`` asks to go back to the queue.

    ``message(str)`` carries what just happened for the status bar;
    ``print_eob_requested(locator)`` asks whoever prints documents for the
    claim's EOB; ``claim_loaded(ClaimDetail)`` after every (re)load is shown.
    """

    closed = Signal()
    message = Signal(str)
    print_eob_requested = Signal(str)
    claim_loaded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._detail: ClaimDetail | None = None
        self._claim_id: uuid.UUID | None = None
        self._codes: list[tuple[str, str]] | None = None
        self._load_token = 0
        self._busy = False
        self._stale = False
        self._dialog: ActionDialog | None = None
        self._reloading_for: ActionDialog | None = None
        self._selected_line: int | None = None
        self._actions: dict[str, QAction] = {}
        self._action_tips: dict[str, str] = {}

        self.setObjectName("claimScreen")
        self.setAccessibleName("Claim")

        self._build_actions()
        self._build_layout()
        self._update_actions()
        ops.change_bus().changed.connect(self._on_changes)

    # ------------------------------------------------------------------ public

    def open_claim(self, claim_id: uuid.UUID) -> None:
        """Show ``claim_id``; the read runs on the database worker."""
        if claim_id != self._claim_id:
            self._selected_line = None
        self._claim_id = claim_id
        if self._detail is None or self._detail.id != claim_id:
            self._title.setText("Opening claim…")
            self._title.setAccessibleName("Opening claim")
            # Until the new claim is on screen, an action would hit the old one.
            self._set_busy(True)
        self._load()

    @Slot()
    def reload(self) -> None:
        """Read the claim again as it is in the database now."""
        if self._claim_id is not None:
            self._load()

    def claim(self) -> ClaimDetail | None:
        return self._detail

    def lines_model(self) -> LinesModel:
        return self._lines_model

    def lines_view(self) -> QTableView:
        return self._lines_view

    def action(self, name: str) -> QAction:
        """By object name: back, price, override, pend, unpend, approve, deny, reopen, void, print_eob, refresh."""
        return self._actions[name]

    def active_dialog(self) -> ActionDialog | None:
        return self._dialog if _alive(self._dialog) else None

    def select_line(self, line_number: int) -> bool:
        row = self._lines_model.row_of(line_number)
        if row < 0:
            return False
        self._lines_view.selectionModel().setCurrentIndex(
            self._lines_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        return True

    def selected_line(self) -> LineView | None:
        index = self._lines_view.selectionModel().currentIndex()
        return self._lines_model.line(index.row()) if index.isValid() else None

    def explanation_text(self) -> str:
        return self._explanation.toPlainText()

    def history_texts(self) -> list[str]:
        """Each history row as one line of text, newest first (what a person reads there)."""
        table = self._history
        return [
            " | ".join(table.item(row, col).text() for col in range(table.columnCount())) for row in range(table.rowCount())
        ]

    def attach_file(self, path: Path) -> None:
        """Store ``path`` with the claim (the file is read on the worker, not here)."""
        detail = self._detail
        if detail is None:
            return
        ctx, claim_id, path = self._ctx, detail.id, Path(path)
        ops.run_op(
            self,
            lambda: views.add_attachment(ctx.sessions, claim_id, path),
            success=lambda _doc: self._after_attachment(path.name),
            failure=self._attachment_failed,
            progress_label=f"Attaching {path.name}…",
            changes=lambda _doc: ClaimChange(
                detail.id, detail.locator, detail.status, detail.version, f"{path.name} attached", frozenset({"attachments"})
            ),
        )

    # ------------------------------------------------------------------ building

    def _build_actions(self) -> None:
        specs: list[tuple[str, str, list[QKeySequence], str | None, Callable[[], None], str]] = [
            ("back", "Back to queue", [QKeySequence(Qt.Key.Key_Escape), QKeySequence(QKeySequence.StandardKey.Back)],
             None, self._back, "Close the claim and return to the work queue"),
            ("refresh", "Reload", [QKeySequence(QKeySequence.StandardKey.Refresh)], "refresh", self.reload,
             "Read the claim again from the database"),
            ("price", "Price", [QKeySequence("Ctrl+R")], "billing", self._price, "Price every line with the plan's rules"),
            ("override", "Override line…", [QKeySequence("Ctrl+O")], "override", self._override,
             "Set the selected line's allowed amount, or deny the line"),
            ("pend", "Pend…", [QKeySequence("Ctrl+P")], "pend", self._pend, "Put the claim aside with a reason"),
            ("unpend", "Release pend…", [QKeySequence("Ctrl+Shift+U")], None, self._unpend,
             "Send the pended claim back to the queue"),
            ("approve", "Approve", [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")], "approve", self._approve,
             "Finalise the claim for payment (prices it first if needed)"),
            ("deny", "Deny…", [QKeySequence("Ctrl+D")], "deny", self._deny, "Deny every line with one reason code"),
            ("reopen", "Reopen…", [QKeySequence("Ctrl+Shift+O")], "reopen", self._reopen,
             "Reopen a decided claim; payments are reversed and balances given back"),
            ("void", "Void…", [QKeySequence("Ctrl+Shift+Delete")], "void", self._void,
             "Cancel the claim for good; payments are reversed and balances given back"),
            ("print_eob", "Print EOB", [QKeySequence("Ctrl+Shift+P")], "print", self._print_eob,
             "Print the member's explanation of benefits"),
        ]
        for name, text, keys, icon_name, slot, tip in specs:
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcuts(keys)
            if icon_name:
                action.setIcon(icon(icon_name))
            shown = keys[0].toString(QKeySequence.SequenceFormat.NativeText)
            self._action_tips[name] = f"{tip} ({shown})"
            action.setToolTip(self._action_tips[name])
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            self.addAction(action)
            self._actions[name] = action
        # Escape must not go back from elsewhere in the window (a search box, the navigation).
        self._actions["back"].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 8)
        outer.setSpacing(6)

        toolbar = QToolBar("Claim actions", self)
        toolbar.setObjectName("claimToolbar")
        toolbar.setAccessibleName("Claim actions")
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        a = self._actions
        for name in ("back",):
            toolbar.addAction(a[name])
        toolbar.addSeparator()
        for name in ("price", "override", "pend", "unpend"):
            toolbar.addAction(a[name])
        toolbar.addSeparator()
        for name in ("approve", "deny"):
            toolbar.addAction(a[name])
        toolbar.addSeparator()
        for name in ("reopen", "void"):
            toolbar.addAction(a[name])
        toolbar.addSeparator()
        for name in ("print_eob", "refresh"):
            toolbar.addAction(a[name])
        for action in toolbar.actions():
            button = toolbar.widgetForAction(action)
            if button is not None:
                button.setAccessibleName(action.text().rstrip("…"))
        outer.addWidget(toolbar)

        outer.addWidget(self._build_header())

        lines_box = QWidget(self)
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.setSpacing(2)
        self._lines_caption = _caption("Lines", lines_box)
        lines_layout.addWidget(self._lines_caption)
        self._lines_model = LinesModel(self)
        self._lines_view = QTableView(lines_box)
        self._lines_view.setObjectName("claimLines")
        self._lines_view.setAccessibleName("Claim lines")
        self._lines_view.setAccessibleDescription("Select a line to see how it was priced; Ctrl+O overrides it")
        self._lines_view.setModel(self._lines_model)
        compact_table(self._lines_view)
        self._lines_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._lines_view.selectionModel().currentRowChanged.connect(self._on_line_changed)
        self._size_line_columns()
        lines_layout.addWidget(self._lines_view)

        self._explanation = QTextBrowser(self)
        self._explanation.setObjectName("lineExplanation")
        self._explanation.setAccessibleName("How the selected line was priced")
        self._explanation.setOpenLinks(False)
        self._explanation.setFrameShape(QFrame.Shape.StyledPanel)
        explanation_box = QWidget(self)
        ex_layout = QVBoxLayout(explanation_box)
        ex_layout.setContentsMargins(0, 0, 0, 0)
        ex_layout.setSpacing(2)
        self._explanation_caption = _caption("How the line was priced", explanation_box)
        ex_layout.addWidget(self._explanation_caption)
        ex_layout.addWidget(self._explanation)

        self._tabs = QTabWidget(self)
        self._tabs.setObjectName("claimTabs")
        self._tabs.setAccessibleName("Claim details")
        self._tabs.setDocumentMode(True)
        self._tabs.addTab(self._build_coverage(), "Coverage")
        self._tabs.addTab(self._build_history(), "History")
        self._tabs.addTab(self._build_attachments(), "Attachments")
        self._tabs.addTab(self._build_prior_auths(), "Prior auths")
        self._tabs.addTab(self._build_duplicates(), "Possible duplicates")

        bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.setObjectName("claimBottomSplitter")
        bottom.setChildrenCollapsible(False)
        bottom.addWidget(explanation_box)
        bottom.addWidget(self._tabs)
        bottom.setStretchFactor(0, 4)
        bottom.setStretchFactor(1, 5)
        bottom.setSizes([560, 700])

        split = QSplitter(Qt.Orientation.Vertical, self)
        self._split = split
        split.setObjectName("claimSplitter")
        split.setChildrenCollapsible(False)
        split.addWidget(lines_box)
        split.addWidget(bottom)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([240, 420])
        outer.addWidget(split, 1)

        # Reading order: actions, header, lines, explanation, details.
        tab_chain(self._lines_view, self._explanation, self._tabs)
        self.setFocusProxy(self._lines_view)

    def _build_header(self) -> QWidget:
        header = QFrame(self)
        header.setObjectName("claimHeader")
        header.setFrameShape(QFrame.Shape.StyledPanel)
        header.setAccessibleName("Claim summary")
        grid = QGridLayout(header)
        grid.setContentsMargins(10, 6, 10, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)

        top = QHBoxLayout()
        top.setSpacing(8)
        self._title = QLabel("No claim open", header)
        self._title.setObjectName("claimLocator")
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setWeight(QFont.Weight.DemiBold)
        self._title.setFont(title_font)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._title.setAccessibleName("Claim")
        self._status = StatusBadge(parent=header, label="Claim status")
        self._status.hide()
        self._notice = ElidedLabel(header)
        self._notice.setObjectName("claimNotice")
        self._notice.setAccessibleName("Notice")
        self._notice.hide()
        top.addWidget(self._title)
        top.addWidget(self._status)
        top.addWidget(self._notice)
        top.addStretch(1)
        grid.addLayout(top, 0, 0, 1, 6)

        self._member = _value(header, "Member")
        self._policy = _value(header, "Policy")
        self._provider = _value(header, "Provider")
        self._status.setObjectName("claimStatus")
        self._network = StatusBadge(parent=header, label="Network")
        self._network.setObjectName("network")
        self._network.hide()
        self._incident = _value(header, "Incident date")
        self._received = _value(header, "Received")
        self._assignee = _value(header, "Assignee")
        for name, label in (
            ("member", self._member),
            ("policy", self._policy),
            ("provider", self._provider),
            ("incident", self._incident),
            ("received", self._received),
            ("assignee", self._assignee),
        ):
            label.setObjectName(name)
        provider_row = QHBoxLayout()
        provider_row.setSpacing(6)
        provider_row.addWidget(self._provider)
        provider_row.addWidget(self._network)
        provider_row.addStretch(1)

        fields = (
            (1, 0, "Member", self._member),
            (2, 0, "Policy", self._policy),
            (3, 0, "Provider", provider_row),
            (1, 2, "Incident", self._incident),
            (2, 2, "Received", self._received),
            (3, 2, "Assignee", self._assignee),
        )
        for row, col, caption, widget in fields:
            cap = _caption(caption, header)
            grid.addWidget(cap, row, col, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            if isinstance(widget, QWidget):
                grid.addWidget(widget, row, col + 1)
            else:
                grid.addLayout(widget, row, col + 1)
        # Names and plans are long, dates short: the first column gets the room.
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(3, 1)

        # Totals: four figures on the right, captions above, digits aligned.
        totals = QGridLayout()
        totals.setHorizontalSpacing(22)
        totals.setVerticalSpacing(0)
        self._totals: dict[str, QLabel] = {}
        big = money_font(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        for col, (key, caption) in enumerate(
            (("claimed", "Claimed"), ("allowed", "Allowed"), ("paid", "Paid"), ("member", "Member share"))
        ):
            cap = _caption(caption, header)
            cap.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            value = QLabel(header)  # never shortened: an amount is read whole or not at all
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setObjectName(f"total_{key}")
            value.setFont(big)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setText("—")
            totals.addWidget(cap, 0, col)
            totals.addWidget(value, 1, col)
            self._totals[key] = value
        grid.addLayout(totals, 1, 4, 3, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return header

    def _build_coverage(self) -> QWidget:
        page = QWidget(self)
        page.setAccessibleName("Coverage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        self._coverage = _value(page, "Coverage")
        layout.addWidget(self._coverage)

        layout.addWidget(_caption("Balances", page))
        self._balances_box = QWidget(page)
        self._balances_layout = QGridLayout(self._balances_box)
        self._balances_layout.setContentsMargins(0, 0, 0, 0)
        self._balances_layout.setHorizontalSpacing(8)
        self._balances_layout.setVerticalSpacing(4)
        layout.addWidget(self._balances_box)

        layout.addWidget(_caption("Benefits of the plan (bold: used by this claim)", page))
        self._terms = _tree(
            page, "Benefits of the plan", ["Benefit", "Covered", "Copay", "Coinsurance", "Deductible applies", "Prior auth"]
        )
        self._terms.setObjectName("coverageTerms")
        header = self._terms.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        layout.addWidget(self._terms, 1)
        return page

    def _build_history(self) -> QWidget:
        self._history = QTableWidget(0, 5, self)
        self._history.setObjectName("claimHistory")
        self._history.setAccessibleName("Claim history, newest first")
        self._history.setHorizontalHeaderLabels(["When", "Who", "Event", "Status", "Note"])
        compact_table(self._history)
        # Notes are what people come here to read: wrap them rather than cut them,
        # and let each row grow to its note (a claim has tens of events, not thousands).
        self._history.setWordWrap(True)
        self._history.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        metrics = self._history.fontMetrics()
        for col, sample in enumerate(("00/00/0000 00:00 PM", "adjudicator", "Document attached", "Partially approved → Finalized")):
            self._history.setColumnWidth(col, metrics.horizontalAdvance(sample) + 20)
        return self._history

    def _build_attachments(self) -> QWidget:
        page = QWidget(self)
        page.setAccessibleName("Attachments")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        buttons = QHBoxLayout()
        self._add_file = QPushButton("Add file…", page)
        self._add_file.setObjectName("addAttachment")
        self._add_file.setAccessibleName("Add a file to the claim")
        self._add_file.clicked.connect(self._choose_attachment)
        self._open_file = QPushButton("Open", page)
        self._open_file.setObjectName("openAttachment")
        self._open_file.setAccessibleName("Open the selected attachment")
        self._open_file.setEnabled(False)
        self._open_file.clicked.connect(self._open_attachment)
        buttons.addWidget(self._add_file)
        buttons.addWidget(self._open_file)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._attachments = _tree(page, "Attachments", ["File", "Type", "Size", "Added by", "Added"])
        self._attachments.setObjectName("claimAttachments")
        self._attachments.setColumnWidth(0, 220)
        self._attachments.itemActivated.connect(lambda *_: self._open_attachment())
        self._attachments.currentItemChanged.connect(lambda cur, _prev: self._open_file.setEnabled(cur is not None))
        layout.addWidget(self._attachments, 1)
        return page

    def _build_prior_auths(self) -> QWidget:
        self._auths = _tree(self, "Prior authorisations of the member", ["Authorisation", "Procedure", "Status", "Valid from", "Valid to"])
        self._auths.setObjectName("claimPriorAuths")
        self._auths.setColumnWidth(0, 140)
        return self._auths

    def _build_duplicates(self) -> QWidget:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setAccessibleName("Possible duplicates")
        page = QWidget(area)
        self._duplicates_layout = QVBoxLayout(page)
        self._duplicates_layout.setContentsMargins(6, 6, 6, 6)
        self._duplicates_layout.setSpacing(4)
        self._duplicates_layout.addStretch(1)
        area.setWidget(page)
        self._duplicates_page = page
        return area

    def _size_line_columns(self) -> None:
        view = self._lines_view
        metrics = view.fontMetrics()
        digits = QFontMetrics(money_font(view.font())).horizontalAdvance("000,000.00")
        pad = 20  # the header's sort-free padding plus a little air
        fixed = {
            "line": "Line",
            "procedure": "Procedure",
            "service_date": format_date(dt.date(2026, 12, 28)),
            "status": "Approved",
            "override": "Overridden",
        }
        for col, (key, title) in enumerate(LinesModel.COLUMNS):
            width = metrics.horizontalAdvance(title) + pad
            if key in LinesModel.MONEY:
                width = max(width, digits + pad)
            elif key in fixed:
                width = max(width, metrics.horizontalAdvance(fixed[key]) + pad)
            elif key == "benefit":
                width = max(width, metrics.horizontalAdvance("Physiotherapy") + pad)
            else:
                continue
            view.setColumnWidth(col, width)
        view.horizontalHeader().setStretchLastSection(True)

    def _fit_lines(self, count: int) -> None:
        """Give the lines grid the height of its rows (3 to 10), the rest to the panels below."""
        view = self._lines_view
        rows = min(max(count, 3), 10)
        wanted = (
            self._lines_caption.sizeHint().height()
            + view.horizontalHeader().height()
            + rows * view.verticalHeader().defaultSectionSize()
            + 2 * view.frameWidth()
            + 6
        )
        total = sum(self._split.sizes())
        if total > wanted:
            self._split.setSizes([wanted, total - wanted])

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        claim_id = self._claim_id
        if claim_id is None:
            return
        self._load_token += 1
        token = self._load_token
        ctx = self._ctx
        need_codes = self._codes is None

        def op() -> tuple[ClaimDetail, list[tuple[str, str]] | None]:
            detail = views.claim_detail(ctx.sessions, claim_id)
            return detail, (views.reason_codes(ctx.sessions) if need_codes else None)

        ops.run_op(
            self,
            op,
            success=functools.partial(self._loaded, token),
            failure=functools.partial(self._load_failed, token),
            progress_label="Loading claim…",
        )

    def _loaded(self, token: int, result: tuple[ClaimDetail, list[tuple[str, str]] | None]) -> None:
        if token != self._load_token:
            return  # an older read finishing after a newer one was asked for
        detail, codes = result
        if codes is not None:
            self._codes = list(codes)
        new_claim = self._detail is None or self._detail.id != detail.id
        self._detail = detail
        self._stale = False
        self._busy = False
        self._show_header(detail)
        self._show_lines(detail)
        self._show_coverage(detail)
        self._show_history(detail)
        self._show_attachments(detail)
        self._show_prior_auths(detail)
        self._show_duplicates(detail)
        self._update_actions()
        dialog = self._reloading_for
        self._reloading_for = None
        if _alive(dialog):
            self._tell_dialog_reloaded(dialog, detail)
        if new_claim and self.isVisible() and self.active_dialog() is None:
            self._lines_view.setFocus(Qt.FocusReason.OtherFocusReason)  # work starts at the lines
        self.claim_loaded.emit(detail)

    def _load_failed(self, token: int, exc: BaseException) -> bool:
        if token == self._load_token:
            self._busy = False
            self._update_actions()
            if self._detail is None:
                self._title.setText("The claim could not be opened")
                self._title.setAccessibleName("The claim could not be opened")
        dialog = self._reloading_for
        self._reloading_for = None
        if _alive(dialog):
            dialog.show_error(f"The claim could not be reloaded: {exc}")
            return isinstance(exc, errors.ClaimDeskError)
        return False

    # ------------------------------------------------------------------ showing

    def _show_header(self, d: ClaimDetail) -> None:
        self._title.setText(d.locator)
        self._title.setAccessibleName(f"Claim {d.locator}")
        self._status.set_status(d.status)
        self._status.show()
        born = f" · born {format_date(d.member_birth_date)}" if d.member_birth_date else ""
        self._set_value(self._member, "Member", f"{d.member_name} · {d.member_locator}{born}")
        self._set_value(self._policy, "Policy", f"{d.policy_locator} · {d.product_name}")
        npi = f" · NPI {d.provider_npi}" if d.provider_npi else ""
        self._set_value(self._provider, "Provider", f"{d.provider_name}{npi}")
        self._network.set_status(d.network_status)
        self._network.setText(status_word(d.network_status).upper())
        self._network.show()
        self._set_value(self._incident, "Incident date", format_date(d.incident_date))
        self._set_value(self._received, "Received", format_datetime(d.received_at))
        if d.assignee:
            lease = f" · lease until {_time(d.lease_expires_at)}" if d.lease_expires_at else ""
            self._set_value(self._assignee, "Assignee", f"{d.assignee}{lease}")
        else:
            self._set_value(self._assignee, "Assignee", "Unassigned")
        for key, amount in (
            ("claimed", d.amount_claimed),
            ("allowed", d.amount_allowed),
            ("paid", d.amount_paid),
            ("member", d.member_responsibility),
        ):
            label = self._totals[key]
            label.setText(format_money(amount, d.currency))
            label.setAccessibleName(f"{label.objectName().removeprefix('total_').capitalize()}: {label.text()}")
        self._totals["member"].setAccessibleName(f"Member share: {self._totals['member'].text()}")

        notices = []
        if d.status == lc.PENDED:
            reason = _words(d.pend_reason) or "No reason given"
            notices.append(f"Pended — {reason}" + (f": {d.pend_note}" if d.pend_note else ""))
        if d.duplicates:
            count = len(d.duplicates)
            notices.append(f"{count} possible duplicate{'s' if count != 1 else ''} — see Possible duplicates")
        if notices:
            family = "PENDED" if d.status == lc.PENDED else "OUT_OF_NETWORK"
            fg, bg = badge_colors(family)
            self._notice.setStyleSheet(
                f"QLabel#claimNotice {{ color: {fg.name()}; background: {bg.name()}; border-radius: 3px; padding: 1px 8px; }}"
            )
            self._notice.setText("   ·   ".join(notices))
            self._notice.setToolTip("\n".join(notices))
            self._notice.setAccessibleName("; ".join(notices))
            self._notice.show()
        else:
            self._notice.hide()

    @staticmethod
    def _set_value(label: QLabel, name: str, text: str) -> None:
        label.setText(text)
        label.setAccessibleName(f"{name}: {text}")
        label.setToolTip(text)

    def _show_lines(self, d: ClaimDetail) -> None:
        keep = self._selected_line
        self._lines_model.set_lines(d.lines, d.currency)
        count = len(d.lines)
        self._lines_caption.setText(f"Lines ({count}) · amounts in {d.currency}")
        self._lines_caption.setAccessibleName(self._lines_caption.text())
        self._fit_lines(count)
        if count:
            row = self._lines_model.row_of(keep) if keep is not None else -1
            self.select_line(self._lines_model.line(max(row, 0)).line_number)
        else:
            self._show_explanation(None)

    @Slot(QModelIndex, QModelIndex)
    def _on_line_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        line = self._lines_model.line(current.row()) if current.isValid() else None
        if line is not None:
            self._selected_line = line.line_number
        self._show_explanation(line)
        self._update_actions()

    def _show_explanation(self, line: LineView | None) -> None:
        d = self._detail
        if line is None or d is None:
            self._explanation_caption.setText("How the line was priced")
            self._explanation.setPlainText("Select a line to see how it was priced.")
            return
        self._explanation_caption.setText(
            f"How line {line.line_number} was priced · {_words(line.coverage_term_key)} · {line.procedure_code}"
        )
        self._explanation.setAccessibleName(f"How line {line.line_number} was priced")
        mono = html.escape(money_font(self.font()).family())
        parts = ["<html><body style='margin:0'>"]
        if line.override:
            fg, bg = badge_colors("REOPENED")
            parts.append(
                f"<p style='background:{bg.name()}; color:{fg.name()}; padding:4px'>"
                f"<b>Override:</b> {html.escape(line.override)}</p>"
            )
        if not line.steps:
            parts.append(
                "<p>This line has not been priced yet. Price the claim (Ctrl+R) to see each rule the "
                "engine applied, with its amounts and the balances it used.</p>"
            )
        rows = []
        for step in line.steps:
            rule = _RULES.get(step.rule, _words(step.rule))
            amount = ""
            if step.rule == "balance" and step.before is not None and step.after is not None:
                rule = f"{_balance_label(step.balance)} used"
                text = f"{html.escape(step.before)} → {html.escape(step.after)}"
                if step.amount:
                    text += f" (+{html.escape(step.amount)})"
                body = f"<span style=\"font-family:'{mono}'\">{text}</span>"
            else:
                body = html.escape(step.text)
                amount = html.escape(step.amount or "")
            rows.append(
                "<tr>"
                f"<td valign='top' style='white-space:nowrap; padding-right:10px'><b>{html.escape(rule)}</b></td>"
                f"<td valign='top'>{body}</td>"
                f"<td valign='top' align='right' style=\"white-space:nowrap; font-family:'{mono}'\">{amount}</td>"
                "</tr>"
            )
        if line.reason_codes:
            # The full CARC texts, here and not only in a tooltip: nothing depends on hover.
            codes = "<br>".join(f"{html.escape(code)} — {html.escape(text)}" for code, text in line.reason_codes)
            rows.append(
                "<tr><td valign='top' style='white-space:nowrap; padding-right:10px; padding-top:10px'><b>Reason codes</b></td>"
                f"<td valign='top' colspan='2' style='padding-top:10px'>{codes}</td></tr>"
            )
        if rows:
            parts.append("<table width='100%' cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>")
        parts.append("</body></html>")
        self._explanation.setHtml("".join(parts))

    def _show_coverage(self, d: ClaimDetail) -> None:
        terms = d.coverage_terms or {}
        if d.coverage_status:
            span = f"{format_date(d.coverage_from)} – {format_date(d.coverage_to) if d.coverage_to else 'open-ended'}"
            currency = terms.get("currency") or d.currency
            self._set_value(self._coverage, "Coverage", f"Coverage {status_word(d.coverage_status).lower()} · {span} · {currency}")
        else:
            self._set_value(self._coverage, "Coverage", "No coverage found for this member and policy")

        while self._balances_layout.count():
            item = self._balances_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone now, not one event-loop turn later
                item.widget().deleteLater()
        if not d.balances:
            none = QLabel("This plan has no deductible, maximum or limits for the member.", self._balances_box)
            none.setAccessibleName(none.text())
            self._balances_layout.addWidget(none, 0, 0)
        for row, balance in enumerate(d.balances):
            bar = QProgressBar(self._balances_box)
            bar.setObjectName(f"balance_{balance.type}_{balance.key}")
            bar.setRange(0, 1000)
            share = (balance.consumed / balance.limit) if balance.limit > 0 else Decimal(1)
            bar.setValue(int(min(max(share, Decimal(0)), Decimal(1)) * 1000))
            text = balance_text(balance)
            # The words sit beside the bar, not on it: text drawn across the
            # filled edge changes colour mid-word. The bar keeps them as its
            # format and accessible name, so it reads the same either way.
            bar.setFormat(text)
            bar.setTextVisible(False)
            bar.setAccessibleName(text)
            bar.setToolTip(text)
            bar.setFixedHeight(max(bar.fontMetrics().height() // 2, 8))
            words = QLabel(text, self._balances_box)
            words.setObjectName(f"balanceText_{balance.type}_{balance.key}")
            words.setAccessibleName(text)
            words.setFont(money_font(words.font()))
            self._balances_layout.addWidget(words, row, 0)
            self._balances_layout.addWidget(bar, row, 1)
        self._balances_layout.setColumnStretch(1, 1)

        used = {line.coverage_term_key for line in d.lines}
        self._terms.clear()
        bold = QFont(self._terms.font())
        bold.setWeight(QFont.Weight.DemiBold)
        benefits: dict[str, dict[str, Any]] = dict(terms.get("benefits") or {})
        rows: list[tuple[str, dict[str, Any]]] = list(benefits.items())
        if "out_of_network" in terms:
            rows.append(("out_of_network", terms["out_of_network"] or {}))
        for key, t in rows:
            t = t or {}
            covered = t.get("covered", True)
            rate = Decimal(str(t.get("coinsurance", "0") or "0"))
            values = [
                _words(key) if key != "out_of_network" else "Out of network (any benefit)",
                "Yes" if covered else "No",
                format_money(Decimal(str(t.get("copay", "0") or "0"))) if covered else "—",
                f"{(rate * 100).normalize():f}%" if covered else "—",
                ("Yes" if t.get("deductible_applies") else "No") if covered else "—",
                ("Required" if t.get("requires_prior_auth") else "No") if covered and key != "out_of_network" else "—",
            ]
            item = QTreeWidgetItem(values)
            for col in (2, 3):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setFont(col, money_font(self._terms.font()))
            if key in used:
                lines = ", ".join(str(ln.line_number) for ln in d.lines if ln.coverage_term_key == key)
                item.setText(0, f"{values[0]} — line {lines}")
                for col in range(6):
                    font = money_font(bold) if col in (2, 3) else bold
                    item.setFont(col, font)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, "; ".join(values))
            self._terms.addTopLevelItem(item)

    def _show_history(self, d: ClaimDetail) -> None:
        table = self._history
        table.setRowCount(0)
        table.setRowCount(len(d.history))
        for row, event in enumerate(reversed(d.history)):  # newest first: what just happened is on top
            if event.from_status and event.to_status and event.from_status != event.to_status:
                moved = f"{status_word(event.from_status)} → {status_word(event.to_status)}"
            else:
                moved = status_word(event.to_status) if event.to_status else ""
            values = (format_datetime(event.at), event.actor or "", _words(event.event_type), moved, event.note or "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                table.setItem(row, col, item)
            table.item(row, 2).setData(Qt.ItemDataRole.UserRole, event.event_type)
        self._tabs.setTabText(1, f"History ({len(d.history)})")

    def _show_attachments(self, d: ClaimDetail) -> None:
        self._attachments.clear()
        for doc in d.attachments:
            size = _file_size(doc.size_bytes)
            item = QTreeWidgetItem([doc.filename, doc.content_type, size, doc.uploaded_by, format_datetime(doc.created_at)])
            item.setData(0, Qt.ItemDataRole.UserRole, doc.id)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._attachments.addTopLevelItem(item)
        self._open_file.setEnabled(self._attachments.currentItem() is not None)
        self._tabs.setTabText(2, f"Attachments ({len(d.attachments)})")

    def _show_prior_auths(self, d: ClaimDetail) -> None:
        self._auths.clear()
        for auth in d.prior_auths:
            valid_from = format_date(dt.date.fromisoformat(auth.valid_from)) if auth.valid_from else "—"
            valid_to = format_date(dt.date.fromisoformat(auth.valid_to)) if auth.valid_to else "—"
            self._auths.addTopLevelItem(
                QTreeWidgetItem([auth.locator, auth.procedure_code, status_word(auth.status), valid_from, valid_to])
            )
        self._tabs.setTabText(3, f"Prior auths ({len(d.prior_auths)})")

    def _show_duplicates(self, d: ClaimDetail) -> None:
        layout = self._duplicates_layout
        while layout.count() > 1:  # the last item is the stretch
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # gone now, not one event-loop turn later
                item.widget().deleteLater()
        if not d.duplicates:
            none = QLabel("No other claim has the same member, provider, date, procedure and amount.", self._duplicates_page)
            none.setWordWrap(True)
            none.setAccessibleName(none.text())
            layout.insertWidget(0, none)
        for i, dup in enumerate(d.duplicates):
            text = f"Open {dup.locator} — {status_word(dup.status)} — claimed {format_money(dup.amount_claimed, d.currency)}"
            button = QPushButton(text, self._duplicates_page)
            button.setObjectName(f"duplicate_{dup.locator}")
            button.setAccessibleName(f"Open possible duplicate {dup.locator}")
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setStyleSheet("QPushButton { text-align: left; color: palette(link); padding: 2px 4px; }")
            button.clicked.connect(functools.partial(self.open_claim, dup.id))
            layout.insertWidget(i, button)
        self._tabs.setTabText(4, f"Possible duplicates ({len(d.duplicates)})")

    # ------------------------------------------------------------------ actions: availability

    def _availability(self, *, ignore_dialog: bool = False) -> dict[str, str | None]:
        """Each action -> None when it may run now, else why not (shown in its tooltip)."""
        d = self._detail
        if d is None:
            why = "no claim is open"
            return {name: (None if name == "back" else why) for name in self._actions}
        s = d.status
        word = status_word(s).lower()
        if self.active_dialog() is not None and not ignore_dialog:
            # Escape belongs to the dialog then; nothing else may start beside it.
            why = "finish or cancel the open dialog first"
            return {name: why for name in self._actions}
        if self._busy:
            busy = "the last action is still being saved"
            return {name: (None if name in ("back",) else busy) for name in self._actions}
        line = self.selected_line()
        printable = s in (lc.PRICED | {lc.FINALIZED})

        def unless(ok: bool, why: str) -> str | None:
            return None if ok else why

        return {
            "back": None,
            "refresh": None,
            "price": unless(lc.can_price(s), f"a {word} claim cannot be priced again"),
            "override": unless(lc.can_price(s), f"a {word} claim's lines cannot be changed")
            or unless(line is not None, "select a line first"),
            "pend": unless(lc.can_move(s, lc.PENDED), f"a {word} claim cannot be pended"),
            "unpend": unless(s == lc.PENDED, "only a pended claim can be released"),
            "approve": unless(_approvable(s), f"a {word} claim cannot be approved"
                              + ("; override a line or reopen it first" if s == lc.DENIED else "")),
            "deny": unless(lc.can_move(s, lc.DENIED), f"a {word} claim cannot be denied"),
            "reopen": unless(lc.can_move(s, lc.REOPENED), f"only a decided claim can be reopened; this one is {word}"),
            "void": unless(lc.can_move(s, lc.VOIDED), f"a {word} claim cannot be voided"),
            "print_eob": unless(self._eob_connected(), "printing EOBs is not available in this window")
            or unless(printable, f"an EOB needs a priced claim; this one is {word}"),
        }

    def _update_actions(self) -> None:
        for name, why in self._availability().items():
            action = self._actions[name]
            action.setEnabled(why is None)
            tip = self._action_tips[name]
            action.setToolTip(tip if why is None else f"{tip} — not available: {why}")

    def _eob_connected(self) -> bool:
        return self.isSignalConnected(QMetaMethod.fromSignal(self.print_eob_requested))

    def connectNotify(self, signal: QMetaMethod) -> None:
        super().connectNotify(signal)
        if signal.name() == b"print_eob_requested":
            # The connection is not counted until connect() returns.
            QTimer.singleShot(0, self._update_actions)

    def disconnectNotify(self, signal: QMetaMethod) -> None:
        super().disconnectNotify(signal)
        if signal.name() == b"print_eob_requested":
            QTimer.singleShot(0, self._update_actions)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_actions()

    # ------------------------------------------------------------------ actions: immediate

    @Slot()
    def _back(self) -> None:
        if self.active_dialog() is not None:
            return
        d = self._detail
        if d is not None and d.assignee:
            ctx, claim_id = self._ctx, d.id
            # Leaving without finishing gives the lease back; the service only
            # touches a lease the signed-in user holds.
            ops.run_op(self, lambda: queue.release_claim(ctx.sessions, claim_id), changes=lambda _r: frozenset({"queue"}))
        self.closed.emit()

    @Slot()
    def _price(self) -> None:
        self._run_now("price", service.price, "Pricing the claim…")

    @Slot()
    def _approve(self) -> None:
        self._run_now("approve", service.approve, "Approving the claim…")

    @Slot()
    def _print_eob(self) -> None:
        # The receiver (the documents screen) says what became of it.
        if self._detail is not None and self._actions["print_eob"].isEnabled():
            self.print_eob_requested.emit(self._detail.locator)

    def _run_now(self, name: str, call: Callable[..., ClaimChange], label: str) -> None:
        d = self._detail
        if d is None or not self._actions[name].isEnabled():
            return
        ctx, claim_id, version = self._ctx, d.id, d.version
        self._set_busy(True)
        ops.run_op(
            self,
            lambda: call(ctx.sessions, claim_id, version),
            success=self._action_done,
            failure=self._run_now_failed,
            progress_label=label,
            changes=lambda change: change,
        )

    def _run_now_failed(self, exc: BaseException) -> bool:
        self._set_busy(False)
        if isinstance(exc, errors.ConflictError):
            # Nothing was typed that could be lost: show the latest under the standard message.
            self.reload()
        return False

    def _action_done(self, change: ClaimChange) -> None:
        self._announce(change.message)
        self._busy = True  # until the reload shows the new state
        self.reload()

    # ------------------------------------------------------------------ actions: with a dialog

    @Slot()
    def _override(self) -> None:
        d, line = self._detail, self.selected_line()
        if d is None or line is None or not self._actions["override"].isEnabled():
            return
        summary = (
            f"Line {line.line_number} · {_words(line.coverage_term_key)} · {line.procedure_code}\n"
            f"Claimed {format_money(line.amount_claimed, d.currency)} · allowed now {format_money(line.amount_allowed, d.currency)}"
        )
        dialog = OverrideDialog(
            d.locator,
            line.line_number,
            summary,
            line.amount_claimed,
            line.amount_allowed,
            d.currency,
            self._denial_codes(),
            self,
        )
        number = line.line_number

        # No policy passed: the service reads the supervisor threshold from the
        # database's central settings, and refuses (PermissionDenied) above it.
        def call(sessions: Any, claim_id: uuid.UUID, version: int, value: ActionInput) -> ClaimChange:
            return service.override_line(
                sessions, claim_id, version, number, note=value.note, allowed=value.allowed, deny_carc=value.deny_carc
            )

        self._open_dialog("override", dialog, call, f"Overriding line {number}…")

    @Slot()
    def _pend(self) -> None:
        d = self._detail
        if d is None or not self._actions["pend"].isEnabled():
            return
        dialog = PendDialog(d.locator, service.PEND_REASONS, self, current=d.pend_reason)
        self._open_dialog(
            "pend", dialog, lambda s, cid, v, value: service.pend(s, cid, v, value.reason, value.note), "Pending the claim…"
        )

    @Slot()
    def _unpend(self) -> None:
        d = self._detail
        if d is None or not self._actions["unpend"].isEnabled():
            return
        dialog = NoteDialog(
            f"Release {d.locator}",
            f"{d.locator} goes back to the work queue as received, ready to be priced.",
            "&Release pend",
            self,
        )
        self._open_dialog("unpend", dialog, lambda s, cid, v, value: service.unpend(s, cid, v, value.note), "Releasing…")

    @Slot()
    def _deny(self) -> None:
        d = self._detail
        if d is None or not self._actions["deny"].isEnabled():
            return
        dialog = DenyDialog(d.locator, self._denial_codes(), self)
        self._open_dialog(
            "deny", dialog, lambda s, cid, v, value: service.deny(s, cid, v, value.reason, value.note), "Denying the claim…"
        )

    @Slot()
    def _reopen(self) -> None:
        d = self._detail
        if d is None or not self._actions["reopen"].isEnabled():
            return
        paid = f" The payment of {format_money(d.amount_paid, d.currency)} is reversed." if d.status == lc.FINALIZED else ""
        dialog = NoteDialog(
            f"Reopen {d.locator}",
            f"{d.locator} goes back to work: the balances it used are given back.{paid} "
            "Price and decide it again afterwards.",
            "R&eopen claim",
            self,
        )
        self._open_dialog("reopen", dialog, lambda s, cid, v, value: service.reopen(s, cid, v, value.note), "Reopening…")

    @Slot()
    def _void(self) -> None:
        d = self._detail
        if d is None or not self._actions["void"].isEnabled():
            return
        dialog = NoteDialog(
            f"Void {d.locator}",
            f"Voiding cancels {d.locator} for good: it cannot be reopened. Any payment is reversed and the "
            "balances it used are given back.",
            "&Void claim",
            self,
            confirm_check=f"Yes, void {d.locator} permanently",
        )
        self._open_dialog("void", dialog, lambda s, cid, v, value: service.void(s, cid, v, value.note), "Voiding…")

    def _denial_codes(self) -> list[tuple[str, str]]:
        """The CARCs a person can deny with: not the cost-share codes the engine adds to paid lines."""
        return [(code, text) for code, text in (self._codes or []) if code not in _COST_SHARE_CARCS]

    def _open_dialog(
        self,
        name: str,
        dialog: ActionDialog,
        call: Callable[[Any, uuid.UUID, int, ActionInput], ClaimChange],
        label: str,
    ) -> None:
        dialog.setObjectName(f"dialog_{name}")
        dialog.setProperty("claimAction", name)
        dialog.submitted.connect(functools.partial(self._submit_dialog, dialog, call, label))
        dialog.reload_requested.connect(functools.partial(self._reload_for_dialog, dialog))
        dialog.finished.connect(self._dialog_closed)
        self._dialog = dialog
        self._update_actions()
        dialog.open()

    def _submit_dialog(
        self,
        dialog: ActionDialog,
        call: Callable[[Any, uuid.UUID, int, ActionInput], ClaimChange],
        label: str,
        value: ActionInput,
    ) -> None:
        d = self._detail
        if d is None:
            return
        ctx, claim_id, version = self._ctx, d.id, d.version
        dialog.set_busy(True)
        self._set_busy(True)
        ops.run_op(
            self,
            lambda: call(ctx.sessions, claim_id, version, value),
            success=functools.partial(self._dialog_done, dialog),
            failure=functools.partial(self._dialog_failed, dialog),
            progress_label=label,
            changes=lambda change: change,
        )

    def _dialog_done(self, dialog: ActionDialog, change: ClaimChange) -> None:
        if _alive(dialog):
            dialog.finish()
        self._action_done(change)

    def _dialog_failed(self, dialog: ActionDialog, exc: BaseException) -> bool:
        self._set_busy(False)
        if not _alive(dialog) or not dialog.isVisible():
            if isinstance(exc, errors.ConflictError):
                self.reload()
            return False
        if isinstance(exc, errors.ConflictError):
            dialog.show_conflict(str(exc))
            return True
        if isinstance(exc, errors.ValidationError):
            dialog.show_error(_sentence(str(exc)), exc.where)
            return True
        if isinstance(exc, errors.PermissionDenied):
            dialog.show_error(f"Not allowed: {exc}. Ask a supervisor, or change your entry.")
            return True
        if isinstance(exc, errors.ConnectionLost):
            dialog.show_error(
                "The database could not be reached, so nothing was saved. What you typed is kept; "
                "try again when ClaimDesk shows it is connected."
            )
            return True
        if isinstance(exc, errors.ClaimDeskError):
            dialog.show_error(_sentence(str(exc)))
            return True
        # A bug: the standard dialog shows it; the entry stays for another try.
        dialog.set_busy(False)
        return False

    def _reload_for_dialog(self, dialog: ActionDialog) -> None:
        self._reloading_for = dialog
        dialog.set_busy(True)
        self.reload()

    def _tell_dialog_reloaded(self, dialog: ActionDialog, d: ClaimDetail) -> None:
        name = str(dialog.property("claimAction") or "")
        why = self._availability(ignore_dialog=True).get(name)
        who = f", last changed by {d.updated_by} at {_time(d.updated_at)}" if d.updated_by else ""
        state = f"Reloaded: {d.locator} is now {status_word(d.status).lower()}{who}."
        if why is not None:
            dialog.show_reloaded(f"{state} This is no longer possible: {why}. Cancel this dialog.")
        else:
            dialog.show_reloaded(f"{state} Check the claim, then confirm again.")

    @Slot(int)
    def _dialog_closed(self, _result: int) -> None:
        self._dialog = None
        self._update_actions()
        if self._stale:
            self.reload()

    # ------------------------------------------------------------------ attachments

    @Slot()
    def _choose_attachment(self) -> None:
        if self._detail is None:
            return
        path, _filter = QFileDialog.getOpenFileName(self, f"Attach a file to {self._detail.locator}")
        if path:
            self.attach_file(Path(path))

    def _after_attachment(self, name: str) -> None:
        self._announce(f"{name} attached to {self._detail.locator if self._detail else 'the claim'}")
        self.reload()

    def _attachment_failed(self, exc: BaseException) -> bool:
        return False  # the standard dialog says what (size, unreadable file) and where

    @Slot()
    def _open_attachment(self) -> None:
        item = self._attachments.currentItem()
        if item is None:
            return
        doc_id = item.data(0, Qt.ItemDataRole.UserRole)
        ctx = self._ctx
        ops.run_op(
            self,
            lambda: views.read_attachment(ctx.sessions, doc_id),
            success=self._write_attachment,
            progress_label="Fetching the attachment…",
        )

    def _write_attachment(self, result: tuple[str, bytes]) -> None:
        filename, content = result
        ops.run_file_op(self, lambda: _write_temp_file(filename, content), success=self._show_attachment)

    def _show_attachment(self, path: Path) -> None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._announce(f"Opened {path.name}")
        else:
            self._announce(f"No program here opens {path.name}; it was saved as {path}")

    # ------------------------------------------------------------------ the change signal

    @Slot(object, object)
    def _on_changes(self, changes: object, initiator: object) -> None:
        if initiator is self or self._detail is None:
            return
        claim_id = getattr(changes, "claim_id", None)
        if claim_id is not None:
            relevant = claim_id == self._detail.id
        else:
            relevant = isinstance(changes, (set, frozenset)) and bool({"claim", "claims"} & set(changes))
        if not relevant:
            return
        # Never swap the claim under an open dialog: the person decided on what
        # they saw, and a stale version is what tells them it moved.
        if self.active_dialog() is not None or not self.isVisible():
            self._stale = True
        else:
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self.active_dialog() is None:
            self.reload()

    # ------------------------------------------------------------------ status bar

    def _announce(self, text: str) -> None:
        self.message.emit(text)
        if not self.isSignalConnected(QMetaMethod.fromSignal(self.message)):
            window = self.window()
            show = getattr(window, "show_message", None)
            if window is not self and callable(show):
                show(text)


def _file_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"


def _approvable(status: str) -> bool:
    """Whether Approve can reach FINALIZED from ``status``.

    Directly from a priced claim; from a claim still being worked through one
    pricing step, because ``service.approve`` prices such a claim first.
    """
    if lc.can_move(status, lc.FINALIZED):
        return True
    return status in lc.WORKABLE and any(
        lc.can_move(status, priced) and lc.can_move(priced, lc.FINALIZED) for priced in (lc.APPROVED, lc.PARTIALLY_APPROVED)
    )


def _sentence(text: str) -> str:
    """Service messages start lower case ("note: a note is required…"); on screen they start a sentence."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
