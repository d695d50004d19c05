"""The work queue: find claims, take the next one, open it.

:class:`QueueScreen` is the list; :class:`ClaimsWorkspace` is what the shell
shows for the Claims area: the queue, plus one tab for the claim being worked
(the claim screen, imported lazily so this module works without it).

Every query goes through ``run_op`` to the services in
``claimdesk.services.claims.queue``; nothing here knows SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QDate,
    QEvent,
    QLocale,
    QMetaMethod,
    QModelIndex,
    QObject,
    QRect,
    QRectF,
    QSettings,
    Qt,
    QTime,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPen, QShowEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claimdesk.services.claims import lifecycle as lc
from claimdesk.services.claims import queue
from claimdesk.services.claims.service import PEND_REASONS
from claimdesk.services.errors import ValidationError
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.focus import tab_chain
from claimdesk.ui.formatting import date_format
from claimdesk.ui.icons import icon
from claimdesk.ui.lazy_model import Column, KeysetTableModel
from claimdesk.ui.theme import badge_colors, compact_table, status_word

__all__ = [
    "COLUMNS",
    "AmountValidator",
    "ClaimsWorkspace",
    "FilterState",
    "QueueScreen",
    "parse_amount",
]

_log = logging.getLogger(__name__)

COLUMNS: tuple[Column, ...] = (
    Column("locator", "Claim", tooltip_key="received"),
    Column("member", "Member", tooltip_key="member_locator"),
    Column("provider", "Provider"),
    Column("incident_date", "Incident date"),
    Column("amount_claimed", "Amount claimed", money=True),
    Column("status", "Status"),
    Column("pend_reason", "Pend reason"),
    Column("assignee", "Assignee"),
    Column("age", "Age", align="right", tooltip_key="received"),
)
_COL = {column.key: n for n, column in enumerate(COLUMNS)}
# Header column -> queue.SORTS key. Age sorts by when the claim was received.
_SORT_OF_COLUMN = {
    _COL["locator"]: "locator",
    _COL["incident_date"]: "incident",
    _COL["amount_claimed"]: "amount",
    _COL["age"]: "received",
}
_COLUMN_OF_SORT = {sort: column for column, sort in _SORT_OF_COLUMN.items()}
_DEFAULT_WIDTHS = (110, 190, 220, 100, 140, 150, 120, 110, 60)

_PAGE_SIZE = 200
_REFRESH_DEBOUNCE_MS = 250
_DATE_DEBOUNCE_MS = 400
_SAVE_HEADER_MS = 500

_STATUS_OPEN = "open"
_STATUS_ALL = "all"
_ASSIGNEE_ANY = "any"
_ASSIGNEE_NONE = "unassigned"
_ASSIGNEE_ME = "me"

_NO_MATCH = "No claims match these filters."

_SETTINGS_FILTER = "queue/filter"
_SETTINGS_SAVED = "queue/savedFilters"
_SETTINGS_HEADER = "queue/header"

# "Any" date: QDateEdit shows specialValueText at its minimum date.
_ANY_DATE = QDate(1900, 1, 1)


# --------------------------------------------------------------------------
# Amounts typed by a person: Decimal or a message, never a float.

_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.\d{1,2})?$")
_AMOUNT_HINT = "type digits with up to two decimals, e.g. 1250.00"


def parse_amount(text: str) -> Decimal | None:
    """``None`` for blank, the Decimal for a valid amount; ``ValueError`` with a message otherwise."""
    value = text.strip()
    if not value:
        return None
    if value.startswith("-"):
        raise ValueError("amounts cannot be negative")
    if not _AMOUNT.match(value):
        raise ValueError(f"not an amount; {_AMOUNT_HINT}")
    return Decimal(value.replace(",", ""))


class AmountValidator(QValidator):
    """Accepts blank or an amount; anything else stays editable but is not accepted.

    Returning Intermediate rather than Invalid keeps what the person typed on
    screen so the message next to the field can say what is wrong with it.
    """

    def validate(self, text: str, pos: int) -> QValidator.State:
        if len(text) > 20:
            return QValidator.State.Invalid
        try:
            parse_amount(text)
        except ValueError:
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable


# --------------------------------------------------------------------------
# What the filter bar holds; plain values so it fits in QSettings as JSON.


@dataclass(frozen=True)
class FilterState:
    status: str = _STATUS_OPEN  # "open", "all" or a status code
    pend_reason: str = ""
    assignee: str = _ASSIGNEE_ANY  # "any", "unassigned", "me"
    incident_from: str = ""  # ISO date or ""
    incident_to: str = ""
    amount_min: str = ""  # as typed; parsed to Decimal by to_query
    amount_max: str = ""
    text: str = ""
    sort: str = "received"
    descending: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: object) -> FilterState:
        """Whatever was stored, as far as it still makes sense; defaults for the rest."""
        try:
            data = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        except (TypeError, ValueError):
            return cls()
        if not isinstance(data, Mapping):
            return cls()
        defaults = cls()
        values: dict[str, Any] = {}
        for name, default in asdict(defaults).items():
            value = data.get(name, default)
            values[name] = value if isinstance(value, type(default)) else default
        state = cls(**values)
        if state.status not in (_STATUS_OPEN, _STATUS_ALL, *lc.STATUSES):
            state = replace(state, status=_STATUS_OPEN)
        if state.pend_reason and state.pend_reason not in PEND_REASONS:
            state = replace(state, pend_reason="")
        if state.assignee not in (_ASSIGNEE_ANY, _ASSIGNEE_NONE, _ASSIGNEE_ME):
            state = replace(state, assignee=_ASSIGNEE_ANY)
        if state.sort not in queue.SORTS:
            state = replace(state, sort="received", descending=False)
        return state

    def statuses(self) -> tuple[str, ...]:
        if self.status == _STATUS_OPEN:
            return tuple(queue.QUEUE_STATUSES)
        if self.status == _STATUS_ALL:
            return ()
        return (self.status,)

    def to_query(self, user: str) -> queue.QueueFilter:
        """The service's filter; ValidationError (with ``where``) for anything it cannot be."""
        amounts = {}
        for where, raw in (("minimum amount", self.amount_min), ("maximum amount", self.amount_max)):
            try:
                amounts[where] = parse_amount(raw)
            except ValueError as exc:
                raise ValidationError(str(exc), where=where) from None
        assignee: str | None = None
        if self.assignee == _ASSIGNEE_NONE:
            assignee = ""
        elif self.assignee == _ASSIGNEE_ME:
            assignee = user
        return queue.QueueFilter(
            statuses=self.statuses(),
            pend_reason=self.pend_reason or None,
            assignee=assignee,
            incident_from=_iso_date(self.incident_from),
            incident_to=_iso_date(self.incident_to),
            amount_min=amounts["minimum amount"],
            amount_max=amounts["maximum amount"],
            text=self.text.strip(),
            sort=self.sort,
            descending=self.descending,
        ).validate()


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Rows for the model: the service's display strings, dates in the user's locale.


def _row(r: queue.QueueRow, locale: QLocale, date_fmt: str) -> dict[str, Any]:
    received = r.received_at.astimezone()
    return {
        **r.display,
        "incident_date": locale.toString(QDate(r.incident_date), date_fmt),
        "status": status_word(r.status),
        "status_code": r.status,
        # Sentence case, as in the filter's list ("Manual review").
        "pend_reason": (r.pend_reason or "").replace("_", " ").capitalize(),
        "member_locator": r.member_locator,
        "received": f"Received {locale.toString(QDate(received.date()), date_fmt)} "
        f"{locale.toString(QTime(received.hour, received.minute), QLocale.FormatType.ShortFormat)}",
        "version": r.version,
        "_key": r.key,
        "_id": r.id,
    }


class _StatusDelegate(QStyledItemDelegate):
    """The status as a word on a tinted pill: the colour repeats the word, never replaces it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | Any) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if not text:
            return
        fg, bg = badge_colors(text)
        metrics = opt.fontMetrics
        height = min(metrics.height() + 2, opt.rect.height() - 2)
        width = min(metrics.horizontalAdvance(text) + 14, opt.rect.width() - 8)
        pill = QRect(opt.rect.left() + 4, opt.rect.top() + (opt.rect.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(fg, 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(pill).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 8))
        painter.restore()


# --------------------------------------------------------------------------
# The queue list


class QueueScreen(QWidget):
    """The work queue table with its filters.

    ``claim_requested(claim_id, locator)`` when the user opens a claim or
    gets the next one (after the lease is taken). ``status_message(text)``
    says what an action did, for the status bar. ``counts_loaded(total)``
    after the match count for the current filter arrived.
    """

    claim_requested = Signal(object, str)
    status_message = Signal(str)
    counts_loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, qsettings: QSettings | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._settings = qsettings if qsettings is not None else QSettings("ClaimDesk", "ClaimDesk")
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._state = FilterState()
        self._counts: dict[str, int] = {}
        self._counts_generation = 0
        self._stale = False
        self._getting_next = False
        self._reselect: Any = None
        self._announce_refresh = False
        self._applying = False
        self._in_front = True
        self.setObjectName("queueScreen")
        self.setAccessibleName("Work queue")

        self._build_filters()
        self._build_table()
        self._build_actions()
        self._build_layout()

        self._refresh_timer = _single_shot(self, _REFRESH_DEBOUNCE_MS, self.refresh)
        self._date_timer = _single_shot(self, _DATE_DEBOUNCE_MS, self._on_dates_settled)
        self._header_timer = _single_shot(self, _SAVE_HEADER_MS, self._save_header)

        ops.change_bus().changed.connect(self._on_changes)
        self._restore()
        self._apply(initial=True)

    # ------------------------------------------------------------ building

    def _build_filters(self) -> None:
        self._search = QLineEdit(self)
        self._search.setObjectName("queueSearch")
        self._search.setAccessibleName("Search claims")
        self._search.setAccessibleDescription("Claim number or member name; press Enter to search")
        self._search.setPlaceholderText("Claim number or member name, then Enter")
        self._search.setClearButtonEnabled(True)
        self._search.setMaxLength(200)
        self._search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition).setText("Search")
        self._search.returnPressed.connect(self._on_search)
        self._search.textChanged.connect(self._on_search_text)

        self._status = QComboBox(self)
        self._status.setObjectName("queueStatus")
        self._status.setAccessibleName("Status filter")
        self._status.addItem("Open work", _STATUS_OPEN)
        self._status.addItem("All statuses", _STATUS_ALL)
        for code in lc.STATUSES:
            self._status.addItem(status_word(code), code)
        self._status.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._status.currentIndexChanged.connect(self._on_filter_widget)

        self._pend = QComboBox(self)
        self._pend.setObjectName("queuePendReason")
        self._pend.setAccessibleName("Pend reason filter")
        self._pend.addItem("Any reason", "")
        for code in PEND_REASONS:
            self._pend.addItem(code.replace("_", " ").capitalize(), code)
        self._pend.currentIndexChanged.connect(self._on_filter_widget)

        self._assignee = QComboBox(self)
        self._assignee.setObjectName("queueAssignee")
        self._assignee.setAccessibleName("Assignee filter")
        self._assignee.addItem("Anyone", _ASSIGNEE_ANY)
        self._assignee.addItem("Unassigned", _ASSIGNEE_NONE)
        self._assignee.addItem("Assigned to me", _ASSIGNEE_ME)
        self._assignee.currentIndexChanged.connect(self._on_filter_widget)

        self._from = self._date_edit("queueIncidentFrom", "Incident date from")
        self._to = self._date_edit("queueIncidentTo", "Incident date to")

        self._min = self._amount_edit("queueAmountMin", "Minimum amount claimed", "min")
        self._max = self._amount_edit("queueAmountMax", "Maximum amount claimed", "max")

        self._message = QLabel(self)
        self._message.setObjectName("queueFilterMessage")
        self._message.setAccessibleName("Filter problem")
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.hide()
        _paint_as_error(self._message)

        self._saved = QComboBox(self)
        self._saved.setObjectName("queueSavedFilters")
        self._saved.setAccessibleName("Saved filters")
        self._saved.setMinimumContentsLength(14)
        self._saved.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._saved.activated.connect(self._on_saved_chosen)

        self._save_button = QPushButton("Save filter…", self)
        self._save_button.setObjectName("queueSaveFilter")
        self._save_button.setAccessibleName("Save filter")
        self._save_button.clicked.connect(self._on_save_clicked)

        self._forget_button = QPushButton("Delete", self)
        self._forget_button.setObjectName("queueForgetFilter")
        self._forget_button.setAccessibleName("Delete saved filter")
        self._forget_button.setToolTip("Delete the saved filter chosen on the left")
        self._forget_button.setEnabled(False)
        self._forget_button.clicked.connect(self._on_forget_clicked)

        self._clear_button = QPushButton("Clear filters", self)
        self._clear_button.setObjectName("queueClearFilters")
        self._clear_button.setAccessibleName("Clear filters")
        self._clear_button.clicked.connect(self.clear_filters)

        self._count = QLabel(self)
        self._count.setObjectName("queueCount")
        self._count.setAccessibleName("Claims matching")
        self._count.setTextFormat(Qt.TextFormat.PlainText)

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setAccessibleDescription("Shows 'any' when not set")
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(self._date_fmt)
        edit.setMinimumDate(_ANY_DATE)
        edit.setSpecialValueText("any")
        edit.setDate(_ANY_DATE)
        edit.calendarWidget().installEventFilter(self)
        edit.dateChanged.connect(self._on_date_changed)
        return edit

    def _amount_edit(self, name: str, accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.setValidator(AmountValidator(edit))
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setMaxLength(20)
        edit.setFixedWidth(96)
        edit.textEdited.connect(self._on_amount_edited)
        # With the validator, this fires (on Enter or leaving the field) only for a usable amount.
        edit.editingFinished.connect(self._on_amount_finished)
        return edit

    def _build_table(self) -> None:
        self._model = KeysetTableModel(COLUMNS, self._fetch_for(self._state), page_size=_PAGE_SIZE, parent=self)
        self._model.page_loaded.connect(self._on_page_loaded)
        self._model.load_failed.connect(self._on_load_failed)

        self._table = QTableView(self)
        self._table.setObjectName("queueTable")
        self._table.setAccessibleName("Claims in the queue")
        self._table.setAccessibleDescription("Enter opens the selected claim; click a column title to sort")
        self._table.setModel(self._model)
        compact_table(self._table)
        self._table.setItemDelegateForColumn(_COL["status"], _StatusDelegate(self._table))
        self._table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self._table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSectionsMovable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicatorClearable(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(_DEFAULT_WIDTHS):
            header.resizeSection(column, width)
        header.sortIndicatorChanged.connect(self._on_sort_clicked)
        header.sectionResized.connect(lambda *_: self._header_timer.start())
        header.sectionMoved.connect(lambda *_: self._header_timer.start())
        self._table.doubleClicked.connect(self._on_double_clicked)
        self._table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.setFocusProxy(self._table)

    def _build_actions(self) -> None:
        self._next_action = self._action(
            "Get next claim", "Ctrl+N", "next", "Take the oldest waiting claim nobody holds and open it", self.get_next_claim
        )
        self._open_action = self._action("Open claim", None, None, "Open the selected claim", self.open_selected)
        self._open_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        # Enter opens only from the table, so Enter in the search box still searches.
        self._open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self._table.addAction(self._open_action)
        self._open_action.setEnabled(False)
        self._refresh_action = self._action("Refresh", "F5", "refresh", "Load the queue again", self._on_refresh_action)
        self._search_action = self._action("Search", "Ctrl+F", "search", "Go to the search box", self._focus_search)
        self._save_action = self._action("Save filter…", None, None, "Keep the current filters under a name", self._on_save_clicked)
        self._clear_action = self._action("Clear filters", None, None, "Show all open work", self.clear_filters)

        self._next_button = QToolButton(self)
        self._next_button.setDefaultAction(self._next_action)
        self._next_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._next_button.setObjectName("queueNextButton")
        self._next_button.setAccessibleName("Get next claim")
        self._refresh_button = QToolButton(self)
        self._refresh_button.setDefaultAction(self._refresh_action)
        self._refresh_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self._refresh_button.setObjectName("queueRefreshButton")
        self._refresh_button.setAccessibleName("Refresh")

    def _action(
        self, text: str, shortcut: str | None, icon_name: str | None, tip: str, slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName("action-" + re.sub(r"\W+", "-", text.lower()).strip("-"))
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
        action.setStatusTip(tip)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self._search, 3)
        top.addSpacing(6)
        top.addWidget(_buddy("&Status", self._status, self))
        top.addWidget(self._status)
        top.addWidget(_buddy("&Pend reason", self._pend, self))
        top.addWidget(self._pend)
        top.addWidget(_buddy("Assi&gnee", self._assignee, self))
        top.addWidget(self._assignee)
        top.addStretch(1)
        top.addWidget(self._refresh_button)
        top.addWidget(self._next_button)
        layout.addLayout(top)

        second = QHBoxLayout()
        second.setSpacing(6)
        second.addWidget(_buddy("&Incident date", self._from, self))
        second.addWidget(self._from)
        second.addWidget(_dash(self))
        second.addWidget(self._to)
        second.addSpacing(12)
        second.addWidget(_buddy("A&mount", self._min, self))
        second.addWidget(self._min)
        second.addWidget(_dash(self))
        second.addWidget(self._max)
        second.addSpacing(8)
        second.addWidget(self._message)
        second.addStretch(1)
        second.addWidget(self._saved)
        second.addWidget(self._save_button)
        second.addWidget(self._forget_button)
        second.addWidget(self._clear_button)
        layout.addLayout(second)

        layout.addWidget(self._table, 1)
        layout.addWidget(self._count)

        # Reading order: search, filters left to right, actions, the table.
        tab_chain(
            self._search, self._status, self._pend, self._assignee, self._refresh_button, self._next_button,
            self._from, self._to, self._min, self._max, self._saved, self._save_button, self._forget_button,
            self._clear_button, self._table,
        )

    # ------------------------------------------------------------ public API

    def model(self) -> KeysetTableModel:
        return self._model

    def table(self) -> QTableView:
        return self._table

    def filter_state(self) -> FilterState:
        return self._state

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def set_filter_state(self, state: FilterState) -> None:
        """Show ``state`` in the filter bar and load the queue for it."""
        self._show_state(state)
        self._apply()

    def saved_filter_names(self) -> list[str]:
        return sorted(self._saved_filters(), key=str.casefold)

    def save_filter(self, name: str) -> None:
        """Keep the filter on screen under ``name`` (replacing one of that name)."""
        name = name.strip()
        if not name:
            raise ValueError("a saved filter needs a name")
        saved = self._saved_filters()
        saved[name] = json.loads(self._current_state().to_json())
        self._settings.setValue(_SETTINGS_SAVED, json.dumps(saved, sort_keys=True))
        self._reload_saved(select=name)
        self.status_message.emit(f"Filter “{name}” saved.")

    def apply_saved_filter(self, name: str) -> bool:
        data = self._saved_filters().get(name)
        if data is None:
            return False
        self.set_filter_state(FilterState.from_json(data))
        self._reload_saved(select=name)
        self.status_message.emit(f"Filter “{name}” applied.")
        return True

    def forget_filter(self, name: str) -> None:
        saved = self._saved_filters()
        if saved.pop(name, None) is not None:
            self._settings.setValue(_SETTINGS_SAVED, json.dumps(saved, sort_keys=True))
            self.status_message.emit(f"Saved filter “{name}” deleted.")
        self._reload_saved()

    @Slot()
    def clear_filters(self) -> None:
        self.set_filter_state(replace(FilterState(), sort=self._state.sort, descending=self._state.descending))
        self.status_message.emit("Filters cleared: showing all open work.")

    @Slot()
    def refresh(self) -> None:
        """Reload the list and the counts for the current filter, keeping the selected claim selected."""
        self._refresh_timer.stop()
        if not self.isVisible():
            # Loading a list nobody sees costs the database for nothing;
            # showEvent catches up.
            self._stale = True
            return
        self._stale = False
        self._reselect = self._selected_id()
        self._model.reset(self._fetch_for(self._state))
        self._load_counts()

    def set_in_front(self, in_front: bool) -> None:
        """Enable the actions that only make sense while the list is in front (F5, Enter, Ctrl+F).

        The claim screen in the next tab may bind the same keys; a disabled
        action does not compete for them.
        """
        self._in_front = in_front
        for action in (self._refresh_action, self._search_action):
            action.setEnabled(in_front)
        self._open_action.setEnabled(in_front and self._table.currentIndex().isValid())

    @Slot()
    def get_next_claim(self) -> None:
        """Lease the next workable claim on the worker, then ask for it to be opened."""
        if self._getting_next:
            return
        self._getting_next = True
        self._next_action.setEnabled(False)
        ctx, minutes = self._ctx, self._ctx.settings.lease_minutes
        ops.run_op(
            self,
            lambda: queue.get_next_claim(ctx.sessions, minutes),
            success=self._on_next_claim,
            failure=self._on_next_failed,
            progress_label="Getting the next claim",
            changes=lambda lease: frozenset({"queue"}) if lease is not None else None,
        )

    @Slot()
    def open_selected(self) -> None:
        row = self._table.currentIndex().row()
        if row < 0 or row >= self._model.rowCount():
            self.status_message.emit("Select a claim in the list first.")
            return
        data = self._model.row_at(row)
        if data is None or "_id" not in data:  # a row still loading
            self.status_message.emit("That row is still loading; try again in a moment.")
            return
        self.status_message.emit(f"Opening {data.get('locator', 'the claim')}…")
        self.claim_requested.emit(data["_id"], str(data.get("locator", "")))

    # ------------------------------------------------------------ Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            _paint_as_error(self._message)  # light <-> dark
        super().changeEvent(event)

    def hideEvent(self, event: QEvent) -> None:
        self._save_header()
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A calendar opened on an 'any' date would start in 1900; start at today instead.
        if event.type() == QEvent.Type.Show:
            for edit in (self._from, self._to):
                if watched is edit.calendarWidget() and edit.date() == _ANY_DATE:
                    today = QDate.currentDate()
                    edit.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ slots

    @Slot()
    def _on_search(self) -> None:
        self._apply()

    @Slot(str)
    def _on_search_text(self, text: str) -> None:
        if not text and self._state.text:
            self._apply()  # the clear button: show everything again at once

    @Slot(int)
    def _on_filter_widget(self, _index: int) -> None:
        if not self._applying:
            self._apply()

    @Slot(QDate)
    def _on_date_changed(self, _date: QDate) -> None:
        if not self._applying:
            self._date_timer.start()

    @Slot()
    def _on_dates_settled(self) -> None:
        self._apply()

    @Slot(str)
    def _on_amount_edited(self, _text: str) -> None:
        self._check_amounts()

    @Slot()
    def _on_amount_finished(self) -> None:
        if self._check_amounts() and self._current_state() != self._state:
            self._apply()

    @Slot(int, Qt.SortOrder)
    def _on_sort_clicked(self, column: int, order: Qt.SortOrder) -> None:
        if self._applying:
            return
        sort = _SORT_OF_COLUMN.get(column)
        if sort is None:
            self._show_sort_indicator()
            self.status_message.emit("The queue sorts by claim, incident date, amount or age.")
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if sort == "received":
            # Oldest first (received ascending) is age descending.
            descending = not descending
        self._state = replace(self._state, sort=sort, descending=descending)
        self._apply()

    @Slot(int)
    def _on_saved_chosen(self, index: int) -> None:
        name = self._saved.itemData(index)
        self._forget_button.setEnabled(bool(name))
        if name:
            self.apply_saved_filter(name)

    @Slot()
    def _on_save_clicked(self) -> None:
        current = self._saved.currentData() or ""
        name, ok = QInputDialog.getText(self, "Save filter", "Name for these filters:", QLineEdit.EchoMode.Normal, current)
        if ok and name.strip():
            self.save_filter(name)

    @Slot()
    def _on_forget_clicked(self) -> None:
        name = self._saved.currentData()
        if name:
            self.forget_filter(name)

    @Slot()
    def _on_refresh_action(self) -> None:
        self._announce_refresh = True
        self.refresh()

    @Slot()
    def _focus_search(self) -> None:
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._table.setCurrentIndex(index)
            self.open_selected()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._open_action.setEnabled(self._in_front and current.isValid())

    @Slot(int)
    def _on_page_loaded(self, rows: int) -> None:
        if self._reselect is not None:
            row = self._model.row_of_id(self._reselect)
            if row is not None:
                self._table.selectRow(row)
                self._reselect = None
            elif self._model.is_exhausted():
                self._reselect = None
        if rows and not self._table.currentIndex().isValid():
            # Keyboard work starts on the first claim, not on nothing.
            self._table.setCurrentIndex(self._model.index(0, 0))
        if rows == 0 and self._model.is_exhausted():
            self._count.setText(_NO_MATCH)
            self._open_action.setEnabled(False)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self._count.setText("The queue could not be loaded. Press F5 to try again.")

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, {"queue", "claim"}):
            self._refresh_timer.start()

    # ------------------------------------------------------------ internals

    def _fetch_for(self, state: FilterState) -> Callable[[tuple | None, int], list[dict[str, Any]]]:
        ctx, locale, date_fmt = self._ctx, self._locale, self._date_fmt
        try:
            query = state.to_query(ctx.user)
        except ValidationError:
            query = FilterState().to_query(ctx.user)

        def fetch(after: tuple | None, limit: int) -> list[dict[str, Any]]:
            return [_row(r, locale, date_fmt) for r in queue.list_queue(ctx.sessions, query, after, limit)]

        return fetch

    def _apply(self, initial: bool = False) -> None:
        """Read the filter bar; if it makes sense, remember it and load the queue for it."""
        state = self._current_state()
        if not self._check_amounts():
            return
        try:
            state.to_query(self._ctx.user)
        except ValidationError as exc:
            self._show_message(str(exc))
            return
        self._show_message("")
        self._state = state
        self._settings.setValue(_SETTINGS_FILTER, state.to_json())
        self._show_sort_indicator()
        self._reselect = None
        if self.isVisible() or initial:
            self._stale = False
            self._model.reset(self._fetch_for(state))
            self._load_counts()
        else:
            self._stale = True

    def _load_counts(self) -> None:
        self._counts_generation += 1
        generation = self._counts_generation
        ctx, state = self._ctx, self._state
        query = state.to_query(ctx.user)
        self._count.setText("Counting…")
        ops.run_op(
            self,
            lambda: queue.status_counts(ctx.sessions, query),
            success=lambda counts: self._on_counts(generation, state, counts),
            failure=lambda exc: self._on_counts_failed(generation, exc),
        )

    def _on_counts(self, generation: int, state: FilterState, counts: dict[str, int]) -> None:
        if generation != self._counts_generation:
            return
        self._counts = dict(counts)
        open_total = sum(counts.get(s, 0) for s in queue.QUEUE_STATUSES)
        all_total = sum(counts.values())
        for index in range(self._status.count()):
            key = self._status.itemData(index)
            if key == _STATUS_OPEN:
                label, n = "Open work", open_total
            elif key == _STATUS_ALL:
                label, n = "All statuses", all_total
            else:
                label, n = status_word(key), counts.get(key, 0)
            self._status.setItemText(index, f"{label} ({n:,})")
        statuses = state.statuses()
        total = all_total if not statuses else sum(counts.get(s, 0) for s in statuses)
        noun = "claim matches" if total == 1 else "claims match"
        # Grouped like the amounts in the table (the service formats those as 1,234.00).
        self._count.setText(f"{total:,} {noun}" if total else _NO_MATCH)
        self._count.setAccessibleName(self._count.text())
        if self._announce_refresh:
            self._announce_refresh = False
            self.status_message.emit(f"Queue refreshed: {total:,} {noun}.")
        self.counts_loaded.emit(total)

    def _on_counts_failed(self, generation: int, _exc: BaseException) -> bool:
        if generation == self._counts_generation:
            self._count.setText("The count could not be loaded. Press F5 to try again.")
        return False  # the page load reports the same problem; ops de-duplicates dialogs

    def _on_next_claim(self, lease: queue.Lease | None) -> None:
        self._getting_next = False
        self._next_action.setEnabled(True)
        if lease is None:
            self.status_message.emit("No claims are waiting: every open claim is being worked or the queue is empty.")
            return
        until = lease.lease_expires_at.astimezone()
        time_text = self._locale.toString(QTime(until.hour, until.minute), QLocale.FormatType.ShortFormat)
        self.status_message.emit(f"{lease.locator} assigned to you until {time_text}.")
        self.claim_requested.emit(lease.claim_id, lease.locator)

    def _on_next_failed(self, _exc: BaseException) -> bool:
        self._getting_next = False
        self._next_action.setEnabled(True)
        return False

    def _current_state(self) -> FilterState:
        def iso(edit: QDateEdit) -> str:
            date = edit.date()
            return "" if date == _ANY_DATE or not date.isValid() else date.toString(Qt.DateFormat.ISODate)

        return FilterState(
            status=self._status.currentData() or _STATUS_OPEN,
            pend_reason=self._pend.currentData() or "",
            assignee=self._assignee.currentData() or _ASSIGNEE_ANY,
            incident_from=iso(self._from),
            incident_to=iso(self._to),
            amount_min=self._min.text().strip(),
            amount_max=self._max.text().strip(),
            text=self._search.text().strip(),
            sort=self._state.sort,
            descending=self._state.descending,
        )

    def _show_state(self, state: FilterState) -> None:
        self._applying = True
        try:
            self._status.setCurrentIndex(max(0, self._status.findData(state.status)))
            self._pend.setCurrentIndex(max(0, self._pend.findData(state.pend_reason)))
            self._assignee.setCurrentIndex(max(0, self._assignee.findData(state.assignee)))
            for edit, value in ((self._from, state.incident_from), (self._to, state.incident_to)):
                date = QDate.fromString(value, Qt.DateFormat.ISODate) if value else _ANY_DATE
                edit.setDate(date if date.isValid() else _ANY_DATE)
            self._min.setText(state.amount_min)
            self._max.setText(state.amount_max)
            self._search.setText(state.text)
            self._state = replace(self._state, sort=state.sort, descending=state.descending)
        finally:
            self._applying = False
        self._date_timer.stop()

    def _check_amounts(self) -> bool:
        """Show what is wrong with the amount fields; True when both can be used."""
        problems = []
        values = []
        for label, edit in (("Minimum amount", self._min), ("Maximum amount", self._max)):
            try:
                values.append(parse_amount(edit.text()))
            except ValueError as exc:
                problems.append(f"{label}: {exc}.")
                values.append(None)
        low, high = values
        if not problems and low is not None and high is not None and low > high:
            problems.append("The minimum amount is above the maximum.")
        self._show_message(" ".join(problems))
        return not problems

    def _show_message(self, text: str) -> None:
        self._message.setText(text)
        self._message.setAccessibleName(f"Filter problem: {text}" if text else "Filter problem")
        self._message.setVisible(bool(text))

    def _show_sort_indicator(self) -> None:
        column = _COLUMN_OF_SORT[self._state.sort]
        descending = self._state.descending
        if self._state.sort == "received":
            descending = not descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self._table.horizontalHeader()
        self._applying = True
        try:
            header.setSortIndicator(column, order)
        finally:
            self._applying = False

    def _selected_id(self) -> Any:
        index = self._table.currentIndex()
        if not index.isValid() or index.row() >= self._model.rowCount():
            return None
        return self._model.id_at(index.row())

    def _saved_filters(self) -> dict[str, Any]:
        raw = self._settings.value(_SETTINGS_SAVED, "")
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _reload_saved(self, select: str | None = None) -> None:
        self._saved.blockSignals(True)
        self._saved.clear()
        self._saved.addItem("Saved filters", None)
        for name in self.saved_filter_names():
            self._saved.addItem(name, name)
        index = self._saved.findData(select) if select else 0
        self._saved.setCurrentIndex(max(0, index))
        self._saved.blockSignals(False)
        self._forget_button.setEnabled(bool(self._saved.currentData()))

    def _restore(self) -> None:
        header_state = self._settings.value(_SETTINGS_HEADER)
        if isinstance(header_state, QByteArray) and not header_state.isEmpty():
            self._applying = True
            try:
                self._table.horizontalHeader().restoreState(header_state)
            finally:
                self._applying = False
        self._show_state(FilterState.from_json(self._settings.value(_SETTINGS_FILTER, "")))
        self._reload_saved()
        self._check_amounts()

    @Slot()
    def _save_header(self) -> None:
        if shiboken6.isValid(self._table):
            self._settings.setValue(_SETTINGS_HEADER, self._table.horizontalHeader().saveState())


# --------------------------------------------------------------------------
# The Claims area: the queue and the claim being worked


class _ClaimPlaceholder(QWidget):
    """Stands in for the claim screen in a build that does not have it yet."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Claim")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._text.setMinimumWidth(380)
        layout.addWidget(self._text)
        back = QPushButton("Back to the queue", self)
        back.setAccessibleName("Back to the queue")
        back.clicked.connect(self.closed)
        layout.addWidget(back, 0, Qt.AlignmentFlag.AlignCenter)
        self.setFocusProxy(back)

    def open_claim(self, claim_id: uuid.UUID) -> None:
        self._text.setText("The claim screen is not part of this build, so the claim cannot be shown here.")
        self._text.setAccessibleName(self._text.text())


def _load_claim_screen_class() -> type[QWidget] | None:
    try:
        from claimdesk.ui.claims.claim_screen import ClaimScreen
    except ImportError as exc:
        _log.info("claim screen not available (%s); using a placeholder", exc)
        return None
    except Exception:  # a broken module must not take the queue down with it
        _log.exception("the claim screen failed to import; using a placeholder")
        return None
    return ClaimScreen


class ClaimsWorkspace(QWidget):
    """What the shell shows for Claims: the queue tab, and a tab for the open claim.

    ``status_message(text)`` carries what an action did, for the status bar;
    ``print_eob_requested(locator)`` passes on the claim screen's request for
    an EOB (offered only when something is connected here to print it).
    """

    status_message = Signal(str)
    print_eob_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, qsettings: QSettings | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._claim_screen: QWidget | None = None
        self._open_locator = ""
        self.setObjectName("claimsWorkspace")
        self.setAccessibleName("Claims")

        self._tabs = QTabWidget(self)
        self._tabs.setObjectName("claimsTabs")
        self._tabs.setAccessibleName("Work queue and open claim")
        self._tabs.setDocumentMode(True)
        # One tab (just the queue) needs no tab bar.
        self._tabs.setTabBarAutoHide(True)
        self._queue = QueueScreen(ctx, self._tabs, qsettings=qsettings)
        self._tabs.addTab(self._queue, icon("claims"), "Work queue")
        self._tabs.currentChanged.connect(self._on_tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tabs)
        self.setFocusProxy(self._queue)

        self._queue.claim_requested.connect(self.open_claim)
        self._queue.status_message.connect(self.status_message)

        # The shell puts these in the Claims menu, shortcuts shown. The claim
        # screen's own actions stay on it (and its toolbar): in the menu bar
        # they would fire from the queue tab against a claim out of sight.
        # Going back is the claim screen's (Escape, Alt+Left); Ctrl+Tab switches tabs.
        self.addActions(self._queue.actions())

    def queue(self) -> QueueScreen:
        return self._queue

    def claim_screen(self) -> QWidget | None:
        """The claim screen (or its placeholder) once a claim was opened."""
        return self._claim_screen

    @Slot(object, str)
    def open_claim(self, claim_id: uuid.UUID, locator: str = "") -> None:
        screen = self._ensure_claim_screen()
        screen.open_claim(claim_id)  # type: ignore[attr-defined]
        self._open_locator = locator
        title = locator or "Claim"
        index = self._tabs.indexOf(screen)
        if index < 0:
            index = self._tabs.addTab(screen, title)
        self._tabs.setTabText(index, title)
        self._tabs.setTabToolTip(index, f"Claim {locator}" if locator else "The open claim")
        self._tabs.setCurrentIndex(index)
        screen.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def show_queue(self) -> None:
        self._tabs.setCurrentWidget(self._queue)
        self._queue.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ensure_claim_screen(self) -> QWidget:
        if self._claim_screen is not None and shiboken6.isValid(self._claim_screen):
            return self._claim_screen
        cls = _load_claim_screen_class()
        screen: QWidget | None = None
        if cls is not None:
            try:
                screen = cls(self._ctx, self._tabs)
            except Exception:  # keep the queue usable if their constructor fails
                _log.exception("the claim screen could not be built; using a placeholder")
                screen = None
        if screen is None:
            screen = _ClaimPlaceholder(self._tabs)
        closed = getattr(screen, "closed", None)
        if closed is not None:
            closed.connect(self._on_claim_closed)
        print_eob = getattr(screen, "print_eob_requested", None)
        if print_eob is not None and self.isSignalConnected(QMetaMethod.fromSignal(self.print_eob_requested)):
            print_eob.connect(self.print_eob_requested)
        for name in ("status_message", "message"):
            message = getattr(screen, name, None)
            if message is not None:
                message.connect(self.status_message)
                break
        self._claim_screen = screen
        return screen

    @Slot()
    def _on_claim_closed(self) -> None:
        screen = self._claim_screen
        if screen is not None:
            index = self._tabs.indexOf(screen)
            if index >= 0:
                self._tabs.removeTab(index)
        if self._open_locator:
            self.status_message.emit(f"{self._open_locator} closed.")
        self._open_locator = ""
        self.show_queue()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        self._queue.set_in_front(self._tabs.widget(index) is self._queue)


# --------------------------------------------------------------------------
# small helpers


def _single_shot(parent: QObject, ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


def _buddy(text: str, widget: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(widget)
    label.setAccessibleName(text.replace("&", ""))
    return label


def _paint_as_error(label: QLabel) -> None:
    """Problem text in the palette's red; the words say what is wrong, the colour only repeats it."""
    fg, _bg = badge_colors("DENIED")
    label.setStyleSheet(f"QLabel {{ color: {fg.name()}; }}")


def _dash(parent: QWidget) -> QLabel:
    label = QLabel("–", parent)
    label.setAccessibleName("to")
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    return label
