"""Documents: issued EOBs and policy schedules, and the print spool that keeps working offline.

Two lists. Above, the documents stored in the database (lazy, paged by key,
searchable); below, the print spool on this workstation
(``settings.data_dir / "spool"``): documents waiting to print, and printed
ones whose printed status the database has not yet heard of.

Printing a stored document fetches its bytes, puts them in the spool first
(so a dropped connection cannot lose the job), prints, marks the spool entry
printed, and, when the database answers, writes ``printed_at`` back. With the
database unreachable the stored list is disabled and a banner says so; the
spool still prints, and the printed status is written back when the
connection state turns online again.

All database calls run on the database worker (``ops.run_op``); all spool and
file work on the file pool (``ops.run_file_op``). Spool calls from either pool
hold ``_SPOOL_LOCK`` so a listing never sees an entry half-moved by a print.
Printing, previewing and saving go through :mod:`.printing` (module-level
functions, replaced by the tests).
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claimdesk.services import errors
from claimdesk.services.documents import service as documents
from claimdesk.services.documents.spool import Spool, SpoolCorrupt, SpoolEntry
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.documents import printing
from claimdesk.ui.focus import tab_chain
from claimdesk.ui.formatting import date_format
from claimdesk.ui.icons import icon
from claimdesk.ui.lazy_model import Column, KeysetTableModel
from claimdesk.ui.shell import EmptyState
from claimdesk.ui.theme import badge_colors, compact_table

__all__ = ["OFFLINE_TEXT", "DocumentsScreen", "SpoolModel", "confirm"]

OFFLINE_TEXT = (
    "Offline — the central database cannot be reached. Documents already in the print spool can be printed; "
    "printed status will be written back when the connection returns."
)

_PAGE_SIZE = 100
_SEARCH_DEBOUNCE_MS = 300
_REFRESH_DEBOUNCE_MS = 200

# One lock for every spool on this workstation: the database worker (sync)
# and the file pool (add, read, mark, list) must not interleave on its files.
_SPOOL_LOCK = threading.Lock()

_KIND_WORDS = {"EOB": "EOB", "POLICY": "Policy"}
_TITLE_WORDS = {"EOB": "EOB", "POLICY": "Policy document"}

DOCUMENT_COLUMNS = (
    Column("locator", "Document"),
    Column("kind", "Type"),
    Column("subject", "Subject", tooltip_key="subject_tip"),
    Column("member", "Member", tooltip_key="party"),
    Column("market", "Market"),
    Column("created", "Issued", tooltip_key="created_tip"),
    Column("printed", "Printed", tooltip_key="printed_tip"),
)
_DOCUMENT_WIDTHS = (120, 64, 130, 190, 64, 150)


# --------------------------------------------------------------------------
# Formatting (runs on the worker for list rows; QLocale is reentrant)


def _moment(value: dt.datetime | None, locale: QLocale, date_fmt: str) -> str:
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    day = locale.toString(QDate(local.year, local.month, local.day), date_fmt)
    return f"{day} {locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)}"


def _document_row(r: documents.DocumentRow, locale: QLocale, date_fmt: str) -> dict[str, Any]:
    subject_word = "Claim" if r.subject_type == "CLAIM" else "Policy" if r.subject_type == "POLICY" else r.subject_type.title()
    printed = _moment(r.printed_at, locale, date_fmt)
    return {
        "locator": r.locator,
        "kind": _KIND_WORDS.get(r.template_type, r.template_type.title()),
        "template_type": r.template_type,
        "subject": r.subject_locator,
        "subject_locator": r.subject_locator,
        "subject_tip": f"{subject_word} {r.subject_locator}",
        "member": r.member_name or r.party_locator or "",
        "party": r.party_locator or "",
        "market": r.market_code,
        "created": _moment(r.created_at, locale, date_fmt),
        "created_tip": f"Issued by {r.created_by}",
        "printed": f"{printed} · {r.printed_by}" if printed and r.printed_by else printed or "Not printed",
        "printed_tip": f"First printed {printed} by {r.printed_by or 'unknown'}" if printed else "Not printed yet",
        "_key": r.key,
        "_id": r.id,
    }


def _title(kind: str, locator: str) -> str:
    return f"{_TITLE_WORDS.get(kind.upper(), kind.title())} {locator}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _awaiting_sync(entry: SpoolEntry) -> bool:
    """Printed, and the database still has to hear of it (one it refused is no longer waiting)."""
    return entry.printed and entry.synced_at is None and not entry.sync_error


def _remove_entry(entry: SpoolEntry) -> None:
    """Drop a spool entry. The description goes first, so a half-removed entry is never listed."""
    entry.sidecar.unlink(missing_ok=True)
    entry.path.unlink(missing_ok=True)


# --------------------------------------------------------------------------
# Confirmation (module-level so tests can answer it)


def confirm(parent: QWidget, title: str, text: str, accept_text: str, on_accept: Callable[[], None]) -> QMessageBox:
    """Ask before something that cannot be undone; ``on_accept`` only on the accept button.

    Opened with ``open()``: window-modal, no nested event loop. Escape and
    the default button both mean "keep it".
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, title, QMessageBox.StandardButton.NoButton, parent.window())
    box.setObjectName("confirmDialog")
    box.setInformativeText(text)
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    box.addButton(accept_text, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(
        lambda button: on_accept() if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole else None
    )
    box.open()
    return box


# --------------------------------------------------------------------------
# The spool as a table


class SpoolModel(QAbstractTableModel):
    """The spool's entries: waiting ones first, then printed ones awaiting write-back."""

    COLUMNS = ("Document", "Type", "Subject", "Spooled", "Status")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._entries: list[SpoolEntry] = []
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._problem_color = badge_colors("DENIED")[0]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            return None
        return super().headerData(section, orientation, role)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._entries) or index.column() >= len(self.COLUMNS):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.COLUMNS[column]}: {self._text(entry, column) or 'blank'}"
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return self.status_detail(entry)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and (entry.problem or entry.sync_error):
            return self._problem_color
        if role == Qt.ItemDataRole.UserRole:
            return str(entry.sidecar)
        return None

    # ------------------------------------------------------------ ours

    def set_entries(self, entries: Sequence[SpoolEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[SpoolEntry]:
        return list(self._entries)

    def entry_at(self, row: int) -> SpoolEntry:
        return self._entries[row]

    def row_of(self, document_locator: str, sidecar: str | None = None) -> int | None:
        """The row of ``sidecar`` if given and listed, else the first entry for the document (waiting first)."""
        if sidecar is not None:
            for row, entry in enumerate(self._entries):
                if str(entry.sidecar) == sidecar:
                    return row
        for row, entry in enumerate(self._entries):
            if entry.document_locator == document_locator:
                return row
        return None

    def status_text(self, entry: SpoolEntry) -> str:
        if entry.problem:
            return "Damaged — cannot be printed"
        if not entry.printed:
            return "Waiting to print"
        when = _moment(entry.printed_at, self._locale, self._date_fmt)
        if entry.sync_error:
            return f"Printed {when} — not recorded: {entry.sync_error}"
        if entry.synced_at is None:
            return f"Printed {when} — not yet recorded"
        return f"Printed {when} — recorded"

    def status_detail(self, entry: SpoolEntry) -> str:
        if entry.problem:
            return f"{entry.document_locator}: {entry.problem}. Remove it and print the document again from the stored documents."
        if not entry.printed:
            return "Kept encrypted on this workstation until it has printed"
        who = f" by {entry.printed_by}" if entry.printed_by else ""
        if entry.synced_at is None:
            return f"Printed{who}; written back to the database when it can be reached"
        return f"Printed{who}; recorded in the database"

    def _text(self, entry: SpoolEntry, column: int) -> str:
        if column == 0:
            return entry.document_locator
        if column == 1:
            return _KIND_WORDS.get(entry.kind, entry.kind.title()) if entry.kind else ""
        if column == 2:
            return entry.subject_locator
        if column == 3:
            return "" if entry.problem else _moment(entry.created_at, self._locale, self._date_fmt)
        return self.status_text(entry)


# --------------------------------------------------------------------------
# Dialogs


class _LocatorDialog(QDialog):
    """Asks for one locator. Stays open while the screen works, so a refusal is shown here and can be fixed."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget, *, name: str, title: str, label: str, placeholder: str, accept_text: str):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        self._edit = QLineEdit(self)
        self._edit.setObjectName("locatorEdit")
        self._edit.setAccessibleName(label)
        self._edit.setPlaceholderText(placeholder)
        self._edit.setMaxLength(40)
        self._edit.setMinimumWidth(240)
        self._edit.textChanged.connect(self._on_text)

        self._error = QLabel(self)
        self._error.setObjectName("locatorError")
        self._error.setAccessibleName("Problem")
        self._error.setTextFormat(Qt.TextFormat.PlainText)
        self._error.setWordWrap(True)
        self._error.setStyleSheet(f"QLabel {{ color: {badge_colors('DENIED')[0].name()}; }}")
        self._error.hide()

        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self._ok = self._buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self._ok.setObjectName("locatorAccept")
        self._ok.setAccessibleName(accept_text)
        self._ok.setDefault(True)
        self._ok.setEnabled(False)
        self._buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self._buttons.accepted.connect(self.submit)
        self._buttons.rejected.connect(self.reject)

        form = QFormLayout()
        caption = QLabel(f"&{label}", self)
        caption.setBuddy(self._edit)
        caption.setAccessibleName(label)
        form.addRow(caption, self._edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._error)
        layout.addWidget(self._buttons)

    def locator(self) -> str:
        return self._edit.text().strip().upper()

    def set_locator(self, text: str) -> None:
        self._edit.setText(text)

    @Slot()
    def submit(self) -> None:
        if not self.locator():
            return
        self.show_error("")
        self._ok.setEnabled(False)
        self._edit.setReadOnly(True)
        self.submitted.emit(self.locator())

    def show_error(self, text: str) -> None:
        """The reason the last try was refused; the typing stays to be fixed."""
        self._error.setText(text)
        self._error.setVisible(bool(text))
        self._edit.setReadOnly(False)
        self._ok.setEnabled(bool(self.locator()))
        if text:
            self._edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self._edit.selectAll()

    def error_text(self) -> str:
        return self._error.text()

    @Slot(str)
    def _on_text(self, _text: str) -> None:
        self._ok.setEnabled(bool(self.locator()) and not self._edit.isReadOnly())


class DateRangeDialog(QDialog):
    """From and to dates, both included; OK only for a period that ends on or after its start."""

    def __init__(self, parent: QWidget, date_from: dt.date, date_to: dt.date):
        super().__init__(parent)
        self.setObjectName("exportRangeDialog")
        self.setWindowTitle("Export EOBs")
        self.setAccessibleName("Export EOBs: choose the period")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fmt = date_format(QLocale())

        intro = QLabel("One PDF per claim finalized or denied in the period, both days included.", self)
        intro.setWordWrap(True)
        intro.setAccessibleName("What is exported")

        self._from = self._date_edit("exportFrom", "From", fmt, date_from)
        self._to = self._date_edit("exportTo", "To", fmt, date_to)
        self._error = QLabel(self)
        self._error.setObjectName("exportRangeError")
        self._error.setAccessibleName("Problem")
        self._error.setStyleSheet(f"QLabel {{ color: {badge_colors('DENIED')[0].name()}; }}")
        self._error.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self._ok = buttons.addButton("Choose folder…", QDialogButtonBox.ButtonRole.AcceptRole)
        self._ok.setObjectName("exportRangeAccept")
        self._ok.setAccessibleName("Choose the folder to export to")
        self._ok.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        for text, edit in (("&From", self._from), ("&To", self._to)):
            caption = QLabel(text, self)
            caption.setBuddy(edit)
            caption.setAccessibleName(text.replace("&", ""))
            form.addRow(caption, edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self._error)
        layout.addWidget(buttons)
        self._check()

    def _date_edit(self, name: str, accessible: str, fmt: str, value: dt.date) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(fmt)
        edit.setDate(QDate(value.year, value.month, value.day))
        edit.dateChanged.connect(self._check)
        return edit

    def period(self) -> tuple[dt.date, dt.date]:
        return self._from.date().toPython(), self._to.date().toPython()

    def set_period(self, date_from: dt.date, date_to: dt.date) -> None:
        self._from.setDate(QDate(date_from.year, date_from.month, date_from.day))
        self._to.setDate(QDate(date_to.year, date_to.month, date_to.day))

    @Slot()
    def _check(self) -> None:
        date_from, date_to = self.period()
        wrong = date_to < date_from
        self._error.setText("The period ends before it starts." if wrong else "")
        self._error.setVisible(wrong)
        self._ok.setEnabled(not wrong)


class _DocumentsModel(KeysetTableModel):
    """The stored documents; asks nothing of the database while the screen is offline.

    An op on the database worker that succeeds counts as proof of a
    connection (``ops`` turns the badge green), so an offline screen must not
    run even an empty page there.
    """

    def __init__(self, columns: Sequence[Column], fetch_page: Any, usable: Callable[[], bool], parent: QObject):
        super().__init__(columns, fetch_page, page_size=_PAGE_SIZE, parent=parent)
        self._usable = usable

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return self._usable() and super().canFetchMore(parent)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if self._usable():
            super().fetchMore(parent)


class _Relay(QObject):
    """Export progress from the database worker to the GUI thread (queued across threads)."""

    progressed = Signal(int, int)


# --------------------------------------------------------------------------
# The screen


class DocumentsScreen(QWidget):
    """Stored documents and the offline print spool.

    ``status_message(text)`` says what an action did, for the status bar.
    ``spool_loaded(count)`` after the spool list was read. ``document_printed(locator)``
    once a print was recorded in the spool; ``printed_synced(count)`` after
    printed status was written back to the database. ``export_finished(ExportResult)``
    when an export ends, finished or cancelled. ``preview_opened(locator)`` when a
    document was handed to the preview.
    """

    status_message = Signal(str)
    spool_loaded = Signal(int)
    document_printed = Signal(str)
    printed_synced = Signal(int)
    export_finished = Signal(object)
    preview_opened = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._spool = Spool(Path(ctx.settings.data_dir) / "spool")
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._term = ""
        self._active = "documents"
        self._in_flight: set[str] = set()
        self._offline_shown: bool | None = None
        self._last_message = ""
        self._export_progress: QProgressDialog | None = None
        self._export_cancel: threading.Event | None = None
        self._pending_sync = 0
        self._stale = False
        self._reselect: Any = None
        self.setObjectName("documentsScreen")
        self.setAccessibleName("Documents")

        self._build_banner()
        self._build_documents()
        self._build_spool()
        self._build_actions()
        self._build_layout()

        self._search_timer = self._single_shot(_SEARCH_DEBOUNCE_MS, self._apply_search)
        self._refresh_timer = self._single_shot(_REFRESH_DEBOUNCE_MS, self.refresh)

        ops.change_bus().changed.connect(self._on_changes)
        ops.connection_state().state_changed.connect(self._on_connection_state)
        self._update_mode()
        self.refresh_spool()
        if not self.is_offline():
            self._model.reset(self._fetch_for(self._term))
            # Prints made offline in an earlier session are written back now.
            self.sync_printed()

    # ------------------------------------------------------------ building

    def _single_shot(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _build_banner(self) -> None:
        self._banner = QFrame(self)
        self._banner.setObjectName("offlineBanner")
        self._banner.setAccessibleName("Offline")
        self._banner.setAccessibleDescription(OFFLINE_TEXT)
        word, rest = OFFLINE_TEXT.split(" — ", 1)
        self._banner_text = QLabel(f"<b>{html.escape(word)}</b> — {html.escape(rest)}", self._banner)
        self._banner_text.setObjectName("offlineBannerText")
        self._banner_text.setAccessibleName(OFFLINE_TEXT)
        self._banner_text.setTextFormat(Qt.TextFormat.RichText)
        self._banner_text.setWordWrap(True)
        row = QHBoxLayout(self._banner)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self._banner_text, 1)
        self._banner.hide()

    def _restyle(self) -> None:
        """Colours taken from the palette in use; again after a light <-> dark switch."""
        # Amber, not red: offline is a state to work in, not an error.
        fg, bg = badge_colors("RECONNECTING")
        self._banner.setStyleSheet(
            f"QFrame#offlineBanner {{ background: {bg.name()}; border: 1px solid {fg.name()}; border-radius: 3px; }}"
            f" QFrame#offlineBanner QLabel {{ color: {fg.name()}; background: transparent; border: none; }}"
        )
        muted = self._spool_summary.palette()
        muted.setColor(self._spool_summary.foregroundRole(), self.palette().placeholderText().color())
        self._spool_summary.setPalette(muted)

    def banner_text(self) -> str:
        """The offline banner's sentence as plain text ("" while it is hidden)."""
        return OFFLINE_TEXT if not self._banner.isHidden() else ""

    def _build_documents(self) -> None:
        self._search = QLineEdit(self)
        self._search.setObjectName("documentsSearch")
        self._search.setAccessibleName("Search documents")
        self._search.setAccessibleDescription("Document, claim or policy number, or the member's name")
        self._search.setPlaceholderText("Document, claim, policy or member")
        self._search.setClearButtonEnabled(True)
        self._search.setMaxLength(200)
        self._search.setMinimumWidth(260)
        self._search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition).setText("Search")
        self._search.textChanged.connect(lambda _t: self._search_timer.start())
        self._search.returnPressed.connect(self._apply_search)

        self._model = _DocumentsModel(DOCUMENT_COLUMNS, self._fetch_for(""), lambda: not self.is_offline(), self)
        self._model.page_loaded.connect(self._on_page_loaded)
        self._model.load_failed.connect(self._on_load_failed)
        self._model.modelReset.connect(self._update_actions)

        self._table = QTableView(self)
        self._table.setObjectName("documentsTable")
        self._table.setAccessibleName("Stored documents")
        self._table.setAccessibleDescription("Space previews, Ctrl+P prints, Ctrl+S saves the selected document")
        self._table.setModel(self._model)
        compact_table(self._table)
        header = self._table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(_DOCUMENT_WIDTHS):
            header.resizeSection(column, width)
        self._table.selectionModel().currentRowChanged.connect(self._update_actions)
        self._table.doubleClicked.connect(lambda _i: self.preview_selected())
        self._table.installEventFilter(self)

        self._count = QLabel(self)
        self._count.setObjectName("documentsCount")
        self._count.setAccessibleName("Documents listed")
        self._count.setTextFormat(Qt.TextFormat.PlainText)

        # Offline, rows loaded earlier would read as current; a calm notice replaces them.
        self._documents_offline = EmptyState(
            "Stored documents need the database",
            "They are listed again as soon as the connection returns. The print spool below still works.",
            "documents",
        )
        self._documents_offline.setObjectName("documentsOffline")
        self._documents_stack = QStackedWidget(self)
        self._documents_stack.setObjectName("documentsStack")
        self._documents_stack.setAccessibleName("Stored documents")
        self._documents_stack.addWidget(self._table)
        self._documents_stack.addWidget(self._documents_offline)

    def _build_spool(self) -> None:
        self._spool_model = SpoolModel(self)
        self._spool_table = QTableView(self)
        self._spool_table.setObjectName("spoolTable")
        self._spool_table.setAccessibleName("Print spool")
        self._spool_table.setAccessibleDescription(
            "Documents kept on this workstation for printing; Ctrl+P prints, Delete removes the selected one"
        )
        self._spool_table.setModel(self._spool_model)
        compact_table(self._spool_table)
        header = self._spool_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((120, 64, 130, 150)):
            header.resizeSection(column, width)
        self._spool_table.selectionModel().currentRowChanged.connect(self._update_actions)
        self._spool_table.doubleClicked.connect(lambda _i: self.preview_spool_selected())
        self._spool_table.installEventFilter(self)

        self._spool_title = QLabel("Print spool", self)
        self._spool_title.setObjectName("spoolTitle")
        self._spool_title.setAccessibleName("Print spool")
        self._spool_title.setStyleSheet("QLabel { font-weight: 600; }")
        self._spool_summary = QLabel(self)
        self._spool_summary.setObjectName("spoolSummary")
        self._spool_summary.setAccessibleName("Print spool summary")
        self._spool_summary.setTextFormat(Qt.TextFormat.PlainText)
        self._restyle()

        self._spool_empty = EmptyState(
            "Nothing is waiting to print",
            "Documents you print are kept here, encrypted, until they have come out of the printer. "
            "They can be printed from here even when the database cannot be reached.",
        )
        self._spool_empty.setObjectName("spoolEmpty")
        self._spool_stack = QStackedWidget(self)
        self._spool_stack.setObjectName("spoolStack")
        self._spool_stack.setAccessibleName("Print spool")
        self._spool_stack.addWidget(self._spool_table)
        self._spool_stack.addWidget(self._spool_empty)

    def _action(
        self,
        name: str,
        text: str,
        shortcut: str | None,
        tip: str,
        slot: Callable[[], None],
        icon_name: str | None = None,
        *,
        context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action-{name}")
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
        else:
            action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setShortcutContext(context)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        # Space and Delete fire only from the lists, so the search box still types them.
        self._preview_action = self._action(
            "preview", "Preview", "Space", "Preview the selected document", self.preview_selected,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self._print_action = self._action(
            "print", "Print…", "Ctrl+P", "Print the selected document", self.print_selected, "print"
        )
        self._save_action = self._action(
            "save-pdf", "Save as PDF…", "Ctrl+S", "Save the selected document as a PDF file", self.save_selected
        )
        separator = QAction(self)
        separator.setSeparator(True)
        self.addAction(separator)
        self._issue_eob_action = self._action(
            "issue-eob", "Issue EOB for claim…", "Ctrl+E", "Issue a new EOB for an adjudicated claim", self.ask_issue_eob
        )
        self._issue_policy_action = self._action(
            "issue-policy", "Issue policy document…", "Ctrl+Shift+E", "Issue a new policy schedule", self.ask_issue_policy
        )
        self._export_action = self._action(
            "export-eobs", "Export EOBs…", "Ctrl+Shift+S", "Save one PDF per claim decided in a period to a folder",
            self.ask_export,
        )
        separator = QAction(self)
        separator.setSeparator(True)
        self.addAction(separator)
        self._spool_print_action = self._action(
            "spool-print", "Print from spool", None, "Print the selected spool entry", self.print_spool_selected, "print"
        )
        self._spool_preview_action = self._action(
            "spool-preview", "Preview from spool", None, "Preview the selected spool entry", self.preview_spool_selected
        )
        self._spool_remove_action = self._action(
            "spool-remove", "Remove from spool", "Delete", "Remove the selected entry from the print spool",
            self.remove_spool_selected, context=Qt.ShortcutContext.WidgetShortcut,
        )
        self._sync_action = self._action(
            "spool-sync", "Write back printed status", None, "Tell the database which spooled documents were printed",
            lambda: self.sync_printed(announce=True),
        )
        separator = QAction(self)
        separator.setSeparator(True)
        self.addAction(separator)
        self._search_action = self._action("search", "Search", "Ctrl+F", "Go to the search box", self._focus_search, "search")
        self._refresh_action = self._action("refresh", "Refresh", "F5", "Load both lists again", self._refresh_both, "refresh")

        for table in (self._table, self._spool_table):
            table.addAction(self._preview_action)
        self._spool_table.addAction(self._spool_remove_action)

    def _build_layout(self) -> None:
        toolbar = QToolBar(self)
        toolbar.setObjectName("documentsToolbar")
        toolbar.setAccessibleName("Document actions")
        # Words only: not every action has an icon, and a row of half-iconed buttons reads unevenly.
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setIconSize(QSize(16, 16))
        for action in (self._preview_action, self._print_action, self._save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        for action in (self._issue_eob_action, self._issue_policy_action, self._export_action):
            toolbar.addAction(action)

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(toolbar)
        top.addStretch(1)
        top.addWidget(self._search, 1)

        upper = QWidget(self)
        upper.setObjectName("documentsPane")
        upper.setAccessibleName("Stored documents")
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(4)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self._documents_stack, 1)
        upper_layout.addWidget(self._count)

        spool_header = QHBoxLayout()
        spool_header.setSpacing(6)
        spool_header.addWidget(self._spool_title)
        spool_header.addWidget(self._spool_summary, 1)
        self._spool_buttons: list[QToolButton] = []
        for action in (self._spool_print_action, self._spool_preview_action, self._spool_remove_action, self._sync_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setObjectName(f"button-{action.objectName().removeprefix('action-')}")
            button.setAccessibleName(action.text())
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            spool_header.addWidget(button)
            self._spool_buttons.append(button)

        lower = QWidget(self)
        lower.setObjectName("spoolPane")
        lower.setAccessibleName("Print spool")
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 6, 0, 0)
        lower_layout.setSpacing(4)
        lower_layout.addLayout(spool_header)
        lower_layout.addWidget(self._spool_stack, 1)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("documentsSplitter")
        splitter.setAccessibleName("Stored documents and print spool")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addWidget(self._banner)
        layout.addWidget(splitter, 1)

        # Reading order: search, stored list, the spool's buttons, the spool list.
        tab_chain(self._search, self._table, *self._spool_buttons, self._spool_table)

    # ------------------------------------------------------------ public API

    def spool(self) -> Spool:
        return self._spool

    def model(self) -> KeysetTableModel:
        return self._model

    def spool_model(self) -> SpoolModel:
        return self._spool_model

    def last_message(self) -> str:
        return self._last_message

    def is_offline(self) -> bool:
        """No database in the context, or the connection has been given up for now."""
        return self._ctx.db is None or ops.connection_state().state() == ops.ConnectionState.OFFLINE

    @Slot()
    def refresh(self) -> None:
        """Load the stored documents again (keeps the selection where it can)."""
        self._refresh_timer.stop()
        if self.is_offline():
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self._reselect = self._selected_document_id()
        self._model.reset(self._fetch_for(self._term))

    @Slot()
    def refresh_spool(self) -> None:
        self._spool_op(lambda s: s.list() + s.pending_printed_status(), success=self._on_spool_listed)

    def set_search_text(self, text: str) -> None:
        """Search for ``text`` at once (as typing it and pressing Enter)."""
        self._search.setText(text)
        self._apply_search()

    def select_document(self, locator: str) -> bool:
        for row in range(self._model.rowCount()):
            data = self._model.row_at(row)  # None for rows the model has let go of
            if data is not None and data.get("locator") == locator:
                self._select(self._table, row)
                self._active = "documents"
                self._update_actions()
                return True
        return False

    def select_spool_entry(self, locator: str) -> bool:
        row = self._spool_model.row_of(locator)
        if row is None:
            return False
        self._select(self._spool_table, row)
        self._active = "spool"
        self._update_actions()
        return True

    @Slot(str)
    def request_eob(self, claim_locator: str) -> None:
        """For the claim screen's ``print_eob_requested``: the claim's EOB, spooled, then previewed.

        Reuses the EOB already issued when the claim has not changed since;
        otherwise issues a new one.
        """
        locator = claim_locator.strip()
        if not locator:
            return
        if self.is_offline():
            self._say(f"The EOB for {locator} cannot be issued while the database cannot be reached.")
            return
        sessions = self._ctx.sessions
        self._say(f"Preparing the EOB for {locator}…")
        ops.run_op(
            self,
            lambda: documents.eob_pdf_for_claim(sessions, locator),
            success=lambda result: self._spool_and_preview(result[1], locator, "EOB", result[0]),
            progress_label=f"Preparing the EOB for {locator}",
            changes=lambda _result: frozenset({"documents", "claim"}),
        )

    def issue_eob(self, claim_locator: str, dialog: _LocatorDialog | None = None) -> None:
        """Issue a new EOB for an adjudicated claim, store it, spool it and preview it."""
        self._issue(documents.render_and_store_eob, claim_locator.strip().upper(), "EOB", dialog)

    def issue_policy_document(self, policy_locator: str, dialog: _LocatorDialog | None = None) -> None:
        """Issue a new policy schedule, store it, spool it and preview it."""
        self._issue(documents.render_and_store_policy, policy_locator.strip().upper(), "policy document", dialog)

    @Slot()
    def ask_issue_eob(self) -> _LocatorDialog | None:
        return self._ask_locator(
            "issueEobDialog", "Issue EOB for claim", "Claim number", "CLM-00000001", "Issue EOB", self.issue_eob
        )

    @Slot()
    def ask_issue_policy(self) -> _LocatorDialog | None:
        return self._ask_locator(
            "issuePolicyDialog", "Issue policy document", "Policy number", "POL-00000001", "Issue document",
            self.issue_policy_document,
        )

    @Slot()
    def ask_export(self) -> DateRangeDialog | None:
        """Period, then folder, then the export on the worker."""
        if self._refuse_offline("Exporting EOBs"):
            return None
        today = dt.date.today()
        dialog = DateRangeDialog(self, today.replace(day=1), today)
        dialog.accepted.connect(lambda: self._ask_export_folder(*dialog.period()))
        dialog.open()
        return dialog

    def export_eobs(self, date_from: dt.date, date_to: dt.date, out_dir: Path) -> QProgressDialog | None:
        """Export on the database worker behind a progress dialog whose Cancel stops between files."""
        if self._refuse_offline("Exporting EOBs"):
            return None
        if self._export_progress is not None:
            self._say("An export is already running; wait for it to finish or cancel it.")
            return None
        out_dir = Path(out_dir)
        cancel = threading.Event()
        progress = QProgressDialog("Finding the claims decided in the period…", "Cancel", 0, 0, self)
        progress.setObjectName("exportProgress")
        progress.setWindowTitle("Exporting EOBs")
        progress.setAccessibleName("Exporting EOBs")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        relay = _Relay(progress)
        relay.progressed.connect(lambda done, total: self._on_export_progress(progress, done, total, out_dir))
        progress.canceled.connect(lambda: self._on_export_cancel(progress, cancel))
        self._export_progress = progress
        self._export_cancel = cancel

        def report(done: int, total: int) -> None:
            try:
                relay.progressed.emit(int(done), int(total))
            except RuntimeError:
                pass  # the dialog is gone; the export still ends on its own

        sessions = self._ctx.sessions
        ops.run_op(
            self,
            lambda: documents.export_eobs(sessions, date_from, date_to, out_dir, report, cancel.is_set),
            success=lambda result: self._on_export_done(progress, result, date_from, date_to),
            failure=lambda exc: self._on_export_failed(progress, exc),
            progress_label="Exporting EOBs",
            changes=lambda result: frozenset({"documents", "claim"}) if result.written else None,
        )
        progress.show()
        return progress

    @Slot()
    def preview_selected(self) -> None:
        if self._active_list() == "spool":
            self.preview_spool_selected()
            return
        row = self._document_or_say()
        if row is None:
            return
        locator, subject, kind = row["locator"], row["subject_locator"], row["template_type"]
        self._fetch_document(
            locator,
            lambda pdf: self._preview(
                locator, pdf, printed=lambda outcome: self._record_print(locator, subject, kind, pdf, outcome)
            ),
            "Opening",
        )

    @Slot()
    def print_selected(self) -> None:
        if self._active_list() == "spool":
            self.print_spool_selected()
            return
        row = self._document_or_say()
        if row is None:
            return
        locator, subject, kind = row["locator"], row["subject_locator"], row["template_type"]
        if not self._begin(locator):
            return
        self._fetch_document(
            locator, lambda pdf: self._spool_then_print(locator, subject, kind, pdf), "Printing", keep_busy=True
        )

    @Slot()
    def save_selected(self) -> None:
        if self._active_list() == "spool":
            entry = self._selected_entry()
            if entry is None:
                self._say("Select an entry in the print spool first.")
                return
            self._read_spooled(entry, "saved", lambda pdf: self._save(entry.document_locator, pdf))
            return
        row = self._document_or_say()
        if row is None:
            return
        locator = row["locator"]
        self._fetch_document(locator, lambda pdf: self._save(locator, pdf), "Saving")

    @Slot()
    def print_spool_selected(self) -> None:
        entry = self._selected_entry()
        if entry is None:
            self._say("Select an entry in the print spool first.")
            return
        if not self._begin(entry.document_locator):
            return
        self._read_spooled(
            entry,
            "printed",
            lambda pdf: printing.print_pdf(
                self, pdf, _title(entry.kind, entry.document_locator), done=lambda o: self._after_print(entry, o)
            ),
            release=True,
        )

    @Slot()
    def preview_spool_selected(self) -> None:
        entry = self._selected_entry()
        if entry is None:
            self._say("Select an entry in the print spool first.")
            return
        self._read_spooled(
            entry,
            "previewed",
            lambda pdf: self._preview(entry.document_locator, pdf, printed=lambda o: self._after_print(entry, o), kind=entry.kind),
        )

    @Slot()
    def remove_spool_selected(self) -> None:
        entry = self._selected_entry()
        if entry is None:
            self._say("Select an entry in the print spool first.")
            return
        if _awaiting_sync(entry):
            self._say(
                f"{entry.document_locator} stays in the spool until its printed status has been written back to the database."
            )
            return
        state = "has not been printed yet" if not entry.printed else "has been printed and recorded"
        confirm(
            self,
            f"Remove {entry.document_locator} from the print spool?",
            f"{_title(entry.kind, entry.document_locator)} {state}. Removing it deletes this workstation's copy; "
            "the stored document in the database is not affected.",
            "Remove",
            lambda: self._remove(entry),
        )

    def sync_printed(self, announce: bool = False) -> None:
        """Write the printed status of spooled prints back to the database, on the worker."""
        if self.is_offline():
            if announce:
                self._say("Printed status will be written back when the database can be reached.")
            return
        spool, sessions = self._spool, self._ctx.sessions

        def op() -> int:
            with _SPOOL_LOCK:
                return spool.sync_printed(sessions)

        ops.run_op(
            self,
            op,
            success=lambda count: self._on_synced(count, announce),
            changes=lambda count: frozenset({"documents"}) if count else None,
        )

    # ------------------------------------------------------------ Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_mode()
        if self._stale:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self._restyle()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            if watched is self._table:
                self._active = "documents"
                self._update_actions()
            elif watched is self._spool_table:
                self._active = "spool"
                self._update_actions()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ slots

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, {"documents"}):
            self._refresh_timer.start()

    @Slot(str)
    def _on_connection_state(self, state: str) -> None:
        was_offline = self._offline_shown
        self._update_mode()
        if state == ops.ConnectionState.ONLINE and self._ctx.db is not None:
            if was_offline:
                self._model.reset(self._fetch_for(self._term))
            self.sync_printed()

    @Slot(int)
    def _on_page_loaded(self, total: int) -> None:
        if self.is_offline():
            return  # the empty offline page; the count keeps saying why
        more = "" if self._model.is_exhausted() else " so far; scroll for more"
        if self._term:
            self._count.setText(f"{_plural(total, 'document')} match “{self._term}”{more}")
        else:
            self._count.setText(f"{_plural(total, 'document')}{more}")
        reselect = self._reselect
        if reselect is not None:
            row = self._model.row_of_id(reselect)
            if row is not None:
                self._select(self._table, row)
                self._reselect = None
        self._update_actions()

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self._count.setText(f"The documents could not be loaded: {message}. Press F5 to try again.")

    @Slot()
    def _apply_search(self) -> None:
        self._search_timer.stop()
        term = self._search.text().strip()
        if term == self._term and self._model.rowCount():
            return
        self._term = term
        if not self.is_offline():
            self._count.setText("Searching…" if term else "Loading…")
            self._model.reset(self._fetch_for(term))

    @Slot()
    def _focus_search(self) -> None:
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    @Slot()
    def _refresh_both(self) -> None:
        self.refresh_spool()
        self._stale = False
        if not self.is_offline():
            self._reselect = self._selected_document_id()
            self._model.reset(self._fetch_for(self._term))

    # ------------------------------------------------------------ internals: mode and selection

    def _update_mode(self) -> None:
        offline = self.is_offline()
        if offline == self._offline_shown:
            self._update_actions()
            return
        self._offline_shown = offline
        self._banner.setVisible(offline)
        self._table.setEnabled(not offline)
        self._search.setEnabled(not offline)
        self._documents_stack.setCurrentWidget(self._documents_offline if offline else self._table)
        self._count.setVisible(not offline)
        if offline:
            self._count.setText("Stored documents are not available offline.")
            self._active = "spool"
            self.setFocusProxy(self._spool_table)
        else:
            self._count.setText("Loading…")
            self._active = "documents"
            self.setFocusProxy(self._table)
        self._update_actions()

    def _active_list(self) -> str:
        return "spool" if self.is_offline() else self._active

    def _selected_document(self) -> dict[str, Any] | None:
        if self.is_offline():
            return None
        index = self._table.currentIndex()
        if not index.isValid() or index.row() >= self._model.rowCount():
            return None
        data = self._model.row_at(index.row())
        return dict(data) if data is not None else None

    def _document_or_say(self) -> dict[str, Any] | None:
        """The selected stored document; when there is none, say so in the status bar."""
        row = self._selected_document()
        if row is None:
            self._say("Select a document in the list first.")
        return row

    def _selected_document_id(self) -> Any:
        row = self._selected_document()
        return row["_id"] if row else None

    def _selected_entry(self) -> SpoolEntry | None:
        index = self._spool_table.currentIndex()
        if not index.isValid() or index.row() >= self._spool_model.rowCount():
            return None
        return self._spool_model.entry_at(index.row())

    def _select(self, table: QTableView, row: int) -> None:
        model = table.model()
        index = model.index(row, 0)
        table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        table.scrollTo(index)

    @Slot()
    def _update_actions(self, *_args: object) -> None:
        offline = self.is_offline()
        document = self._selected_document() is not None
        entry = self._selected_entry()
        on_spool = self._active_list() == "spool"
        selected = entry is not None if on_spool else document
        for action in (self._preview_action, self._print_action, self._save_action):
            action.setEnabled(selected)
        for action in (self._issue_eob_action, self._issue_policy_action, self._export_action):
            action.setEnabled(not offline)
        self._spool_print_action.setEnabled(entry is not None)
        self._spool_preview_action.setEnabled(entry is not None)
        self._spool_remove_action.setEnabled(entry is not None and not _awaiting_sync(entry))
        self._sync_action.setEnabled(not offline and self._pending_sync > 0)
        self._refresh_action.setEnabled(True)
        self._search_action.setEnabled(not offline)

    def _say(self, text: str) -> None:
        self._last_message = text
        self.status_message.emit(text)

    def _refuse_offline(self, what: str) -> bool:
        if self.is_offline():
            self._say(f"{what} needs the database, which cannot be reached; the print spool still works.")
            return True
        return False

    def _begin(self, locator: str) -> bool:
        """Guard against printing one document twice at once (a second Ctrl+P while the first runs)."""
        if locator in self._in_flight:
            self._say(f"{locator} is already being printed.")
            return False
        self._in_flight.add(locator)
        return True

    def _fetch_for(self, term: str) -> Callable[[tuple | None, int], list[dict[str, Any]]]:
        ctx, locale, date_fmt = self._ctx, self._locale, self._date_fmt

        def fetch(after: tuple | None, limit: int) -> list[dict[str, Any]]:
            db = ctx.db
            if db is None:
                # Gone offline while this page was queued; the screen reloads when it is back.
                return []
            return [_document_row(r, locale, date_fmt) for r in documents.list_documents(db.sessions, after, limit, term)]

        return fetch

    # ------------------------------------------------------------ internals: spool

    def _spool_op(
        self,
        work: Callable[[Spool], Any],
        success: Callable[[Any], None] | None = None,
        failure: Callable[[BaseException], bool] | None = None,
        label: str | None = None,
    ) -> None:
        spool = self._spool

        def op() -> Any:
            with _SPOOL_LOCK:
                return work(spool)

        ops.run_file_op(self, op, success=success, failure=failure, progress_label=label)

    def _on_spool_listed(self, entries: list[SpoolEntry]) -> None:
        selected = self._selected_entry()
        self._spool_model.set_entries(entries)
        waiting = sum(1 for e in entries if not e.printed and not e.problem)
        damaged = sum(1 for e in entries if e.problem)
        pending = sum(1 for e in entries if e.printed and e.synced_at is None)
        self._pending_sync = pending
        parts = []
        if waiting:
            parts.append(f"{_plural(waiting, 'document')} waiting to print")
        if pending:
            parts.append(f"{_plural(pending, 'printed document')} not yet recorded in the database")
        if damaged:
            parts.append(f"{_plural(damaged, 'damaged entry', 'damaged entries')}")
        self._spool_summary.setText("— " + (" · ".join(parts) if parts else "empty"))
        self._spool_stack.setCurrentWidget(self._spool_table if entries else self._spool_empty)
        if selected is not None:
            row = self._spool_model.row_of(selected.document_locator, str(selected.sidecar))
            if row is not None:
                self._select(self._spool_table, row)
        elif entries and not self._spool_table.currentIndex().isValid():
            # Something is always selected, so the spool's buttons work without a click first.
            self._select(self._spool_table, 0)
        self._update_actions()
        self.spool_loaded.emit(len(entries))

    def _read_spooled(self, entry: SpoolEntry, verb: str, then: Callable[[bytes], None], *, release: bool = False) -> None:
        """Decrypt and check a spooled PDF on the file pool; a damaged one is refused by name."""

        def failed(exc: BaseException) -> bool:
            if release:
                self._in_flight.discard(entry.document_locator)
            if isinstance(exc, SpoolCorrupt):
                text = (
                    f"{entry.document_locator} failed its integrity check and was not {verb}. "
                    "Remove it from the print spool and print it again from the stored documents."
                )
                self._say(text)
                ops.show_error(self, ops.KIND_VALIDATION, f"{entry.document_locator} not {verb}", text, str(exc))
                self.refresh_spool()
                return True
            return False

        self._spool_op(lambda s: s.read(entry), success=then, failure=failed, label=f"Reading {entry.document_locator}")

    def _spool_then_print(self, locator: str, subject: str, kind: str, pdf: bytes) -> None:
        def spooled(entry: SpoolEntry) -> None:
            self.refresh_spool()
            printing.print_pdf(self, pdf, _title(kind, locator), done=lambda outcome: self._after_print(entry, outcome))

        def failed(_exc: BaseException) -> bool:
            self._in_flight.discard(locator)
            return False

        self._spool_op(lambda s: s.add(locator, subject, kind, pdf), success=spooled, failure=failed)

    def _spool_and_preview(self, locator: str, subject: str, kind: str, pdf: bytes) -> None:
        def spooled(entry: SpoolEntry) -> None:
            self.refresh_spool()
            self._say(f"{_title(kind, locator)} is in the print spool.")
            self._preview(locator, pdf, printed=lambda outcome: self._after_print(entry, outcome), kind=kind)

        self._spool_op(lambda s: s.add(locator, subject, kind, pdf), success=spooled)

    def _after_print(self, entry: SpoolEntry, outcome: printing.PrintOutcome) -> None:
        locator = entry.document_locator
        self._in_flight.discard(locator)
        if outcome.failed:
            self._say(f"{locator} was not printed; it stays in the print spool.")
            return
        if not outcome.completed:
            if outcome.pages:
                self._say(
                    f"Printing {locator} stopped after {outcome.pages} of {outcome.total} pages; "
                    "it stays in the print spool and is not recorded as printed."
                )
            else:
                self._say(f"{locator} was not printed; it stays in the print spool.")
            self.refresh_spool()
            return
        if entry.printed:
            self._say(f"{locator} printed again.")
            return
        by = self._ctx.user or None
        self._spool_op(lambda s: s.mark_printed(entry, by), success=lambda _printed: self._after_marked(locator))

    def _record_print(self, locator: str, subject: str, kind: str, pdf: bytes, outcome: printing.PrintOutcome) -> None:
        """A document printed from a preview that was not spooled: spool it as printed, then write back."""
        if not outcome.completed:
            self._say(f"{locator} was not printed.")
            return
        by = self._ctx.user or None
        self._spool_op(
            lambda s: s.mark_printed(s.add(locator, subject, kind, pdf), by),
            success=lambda _printed: self._after_marked(locator),
        )

    def _after_marked(self, locator: str) -> None:
        self.document_printed.emit(locator)
        self.refresh_spool()
        if self.is_offline():
            self._say(f"Printed {locator}. It will be recorded as printed when the connection returns.")
            return
        self._say(f"Printed {locator}.")
        self.sync_printed()

    def _on_synced(self, count: int, announce: bool) -> None:
        self.refresh_spool()
        if count:
            self._say(f"Printed status of {_plural(count, 'document')} written back to the database.")
        elif announce:
            self._say("Nothing was waiting to be written back.")
        self.printed_synced.emit(count)

    def _remove(self, entry: SpoolEntry) -> None:
        def removed(_result: object) -> None:
            self._say(f"{entry.document_locator} removed from the print spool.")
            self.refresh_spool()

        self._spool_op(lambda _s: _remove_entry(entry), success=removed)

    # ------------------------------------------------------------ internals: documents

    def _fetch_document(
        self, locator: str, then: Callable[[bytes], None], verb: str, *, keep_busy: bool = False
    ) -> None:
        if self._refuse_offline(f"{verb} a stored document"):
            if keep_busy:
                self._in_flight.discard(locator)
            return
        sessions = self._ctx.sessions

        def failed(_exc: BaseException) -> bool:
            if keep_busy:
                self._in_flight.discard(locator)
            return False

        ops.run_op(
            self,
            lambda: documents.document_pdf(sessions, locator),
            success=then,
            failure=failed,
            progress_label=f"{verb} {locator}",
        )

    def _preview(self, locator: str, pdf: bytes, printed: Callable[[printing.PrintOutcome], None], kind: str = "") -> None:
        title = _title(kind, locator) if kind else locator
        printing.preview_pdf(self, pdf, title, printed=printed)
        self.preview_opened.emit(locator)

    def _save(self, locator: str, pdf: bytes) -> None:
        printing.save_pdf(self, pdf, f"{locator}.pdf", done=lambda path: self._say(f"{locator} saved to {path}."))

    def _issue(
        self, service: Callable[[Any, str], documents.StoredDocument], locator: str, what: str, dialog: _LocatorDialog | None
    ) -> None:
        if not locator:
            return
        if self._refuse_offline(f"Issuing a {what}"):
            if dialog is not None and _alive(dialog):
                dialog.show_error("The database cannot be reached, so nothing can be issued now.")
            return
        sessions = self._ctx.sessions

        def issued(stored: documents.StoredDocument) -> None:
            if dialog is not None and _alive(dialog):
                dialog.accept()
            self._say(f"{_title(stored.template_type, stored.locator)} issued for {stored.subject_locator}.")
            self._spool_and_preview(stored.locator, stored.subject_locator, stored.template_type, stored.content)

        def failed(exc: BaseException) -> bool:
            if dialog is None or not _alive(dialog):
                return False
            if isinstance(exc, errors.ConnectionLost):
                dialog.show_error("The database could not be reached; try again when the connection is back.")
                return True
            if isinstance(exc, errors.ClaimDeskError):
                dialog.show_error(str(exc))
                return True
            dialog.show_error("")
            return False

        ops.run_op(
            self,
            lambda: service(sessions, locator),
            success=issued,
            failure=failed,
            progress_label=f"Issuing the {what} for {locator}",
            changes=lambda stored: stored.changes,
        )

    def _ask_locator(
        self, name: str, title: str, label: str, placeholder: str, accept_text: str, run: Callable[..., None]
    ) -> _LocatorDialog | None:
        if self._refuse_offline(title):
            return None
        dialog = _LocatorDialog(self, name=name, title=title, label=label, placeholder=placeholder, accept_text=accept_text)
        dialog.submitted.connect(lambda locator: run(locator, dialog))
        dialog.open()
        return dialog

    def _ask_export_folder(self, date_from: dt.date, date_to: dt.date) -> None:
        dialog = QFileDialog(self, "Export EOBs to folder")
        dialog.setObjectName("exportFolderDialog")
        dialog.setAccessibleName("Choose the folder to export EOBs to")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda folder: self.export_eobs(date_from, date_to, Path(folder)))
        dialog.open()

    def _on_export_progress(self, progress: QProgressDialog, done: int, total: int, out_dir: Path) -> None:
        if not _alive(progress) or (self._export_cancel is not None and self._export_cancel.is_set()):
            return
        progress.setMaximum(max(total, 1))
        progress.setValue(min(done, max(total, 1)))
        progress.setLabelText(f"Exporting EOBs to {out_dir}: {done:,} of {total:,} written…")

    def _on_export_cancel(self, progress: QProgressDialog, cancel: threading.Event) -> None:
        if cancel.is_set() or self._export_progress is not progress:
            return
        cancel.set()
        if _alive(progress):
            # Stays up until the worker stops at the next file; nothing half-written is left.
            progress.setLabelText("Stopping after the current EOB…")
            progress.setCancelButton(None)
            progress.show()

    def _on_export_done(
        self, progress: QProgressDialog, result: documents.ExportResult, date_from: dt.date, date_to: dt.date
    ) -> None:
        self._export_progress = None
        self._export_cancel = None
        written = len(result.written)
        if result.cancelled:
            text = (
                f"Export cancelled: {written:,} of {_plural(result.total, 'EOB')} had been written to {result.out_dir}; "
                "no partial file was left."
            )
        elif result.total == 0:
            text = f"No claims were decided between {date_from} and {date_to}; nothing was exported."
        else:
            text = f"Exported {written:,} of {_plural(result.total, 'EOB')} to {result.out_dir}."
        self._say(text)
        if _alive(progress):
            if result.cancelled:
                progress.close()
                progress.deleteLater()
            else:
                # The summary stays on screen until read: a long export is often left running.
                progress.setMaximum(max(result.total, 1))
                progress.setValue(max(result.total, 1))
                progress.setLabelText(text)
                progress.setCancelButtonText("Close")
                progress.canceled.connect(progress.deleteLater)
        self.export_finished.emit(result)

    def _on_export_failed(self, progress: QProgressDialog, _exc: BaseException) -> bool:
        self._export_progress = None
        self._export_cancel = None
        if _alive(progress):
            progress.close()
            progress.deleteLater()
        self._say("The export stopped because of an error; files already written are complete.")
        return False
