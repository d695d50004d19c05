"""A table model that grows page by page, fetched by key on the database worker.

Rows are plain mappings made by a read-model query (never ORM objects):
display strings already formatted by the service, plus two private keys:

* ``_key``: the sort key tuple of the row; the next page is fetched with
  ``fetch_page(last_row["_key"], limit)``, i.e. ``WHERE (sort, id) > _key``.
* ``_id``: the row's identity, used to drop a row a later page repeats (a
  row whose sort key changed between pages) and to find rows again.

Views call ``canFetchMore``/``fetchMore`` as the user scrolls (Qt's
fetchMore example); here ``fetchMore`` only *starts* the query on the ops
worker, and rows are inserted when the page arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot

from claimdesk.services import errors
from claimdesk.ui import ops
from claimdesk.ui.theme import money_font

__all__ = ["Column", "FetchPage", "KeysetTableModel"]

FetchPage = Callable[[tuple | None, int], Sequence[Mapping[str, Any]]]
_Index = QModelIndex | QPersistentModelIndex

_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    "center": Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
}

_SERVED_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.UserRole,
    }
)


@dataclass(frozen=True)
class Column:
    """One column: ``key`` into the row mapping, header ``title``.

    Money columns are right-aligned in the tabular money font whatever
    ``align`` says, so amounts always line up by their decimal point.
    """

    key: str
    title: str
    align: Literal["left", "right", "center"] = "left"
    money: bool = False
    tooltip_key: str | None = None

    def __post_init__(self) -> None:
        if self.align not in _ALIGN:
            raise ValueError(f"align must be one of {sorted(_ALIGN)}, not {self.align!r}")

    @property
    def alignment(self) -> Qt.AlignmentFlag:
        return _ALIGN["right" if self.money else self.align]


class KeysetTableModel(QAbstractTableModel):
    """Lazy, read-only table of pre-formatted rows paged by key.

    ``page_loaded(rows_total)`` after each page is appended (also for an empty
    last page); ``load_failed(message)`` when a page could not be fetched, after
    which the model stops asking until :meth:`retry` or :meth:`reset`.
    ``UserRole`` on any cell returns the row's ``_id``.
    """

    page_loaded = Signal(int)
    load_failed = Signal(str)
    loading_changed = Signal(bool)

    def __init__(
        self,
        columns: Sequence[Column],
        fetch_page: FetchPage,
        *,
        page_size: int = 100,
        parent=None,
    ) -> None:
        super().__init__(parent)
        if not columns:
            raise ValueError("a table needs at least one column")
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self._columns: tuple[Column, ...] = tuple(columns)
        self._fetch_page: FetchPage = fetch_page
        self._page_size = page_size
        self._rows: list[Mapping[str, Any]] = []
        self._row_of_id: dict[Any, int] = {}
        self._after_key: tuple | None = None
        self._exhausted = False
        self._failed = False
        self._failed_offline = False
        self._in_flight = False
        # Bumped by reset(): a page that arrives for an older generation
        # belongs to a query the user has already replaced, and is dropped.
        self._generation = 0
        self._money_font = money_font()
        ops.connection_state().state_changed.connect(self._on_connection_state)

    # ---------------------------------------------------------------- Qt API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # data() runs for every visible cell on every repaint; bail out before
        # any lookup for the many roles we leave to the style.
        if role not in _SERVED_ROLES or not index.isValid():
            return None
        row_no, col_no = index.row(), index.column()
        if row_no >= len(self._rows) or col_no >= len(self._columns):
            return None
        column = self._columns[col_no]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.FontRole:
            return self._money_font if column.money else None
        row = self._rows[row_no]
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row.get(column.key))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip_key is None:
                return None
            tip = _text(row.get(column.tooltip_key))
            return tip or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # A screen reader moving across a row hears which field this is.
            return f"{column.title}: {_text(row.get(column.key)) or 'blank'}"
        if role == Qt.ItemDataRole.UserRole:
            return row.get("_id")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return super().headerData(section, orientation, role)
        column = self._columns[section]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        return None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:
        if parent.isValid():
            return False
        # After a failure a view would call fetchMore again at once and loop;
        # wait for an explicit retry() instead.
        return not self._exhausted and not self._failed

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:
        if parent.isValid() or self._in_flight or not self.canFetchMore(parent):
            return
        self._in_flight = True
        self.loading_changed.emit(True)
        generation = self._generation
        fetch, after, limit = self._fetch_page, self._after_key, self._page_size
        ops.run_op(
            self,
            lambda: list(fetch(after, limit)),
            success=lambda rows: self._on_page(generation, limit, rows),
            failure=lambda exc: self._on_failure(generation, exc),
        )

    # ------------------------------------------------------------ our API

    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def is_loading(self) -> bool:
        return self._in_flight

    def is_exhausted(self) -> bool:
        return self._exhausted

    def row_at(self, row: int) -> Mapping[str, Any]:
        return self._rows[row]

    def id_at(self, row: int) -> Any:
        return self._rows[row].get("_id")

    def row_of_id(self, row_id: Any) -> int | None:
        return self._row_of_id.get(row_id)

    def reset(self, fetch_page: FetchPage | None = None) -> None:
        """Start over, with a new query (filter or sort) or the same one.

        Clears the rows and starts loading the first page at once, so a view
        shows fresh results without waiting to be scrolled.
        """
        self.beginResetModel()
        self._generation += 1
        if fetch_page is not None:
            self._fetch_page = fetch_page
        self._rows = []
        self._row_of_id = {}
        self._after_key = None
        self._exhausted = False
        self._failed = False
        self._failed_offline = False
        was_loading = self._in_flight
        self._in_flight = False
        self.endResetModel()
        if was_loading:
            self.loading_changed.emit(False)
        self.fetchMore(QModelIndex())

    def retry(self) -> None:
        """Try the page that failed again."""
        if self._failed:
            self._failed = False
            self.fetchMore(QModelIndex())

    def update_row(self, row: Mapping[str, Any]) -> bool:
        """Replace a loaded row (matched by ``_id``) in place, keeping scroll and selection.

        Returns False when that row is not loaded; the caller may then reset().
        """
        row_no = self._row_of_id.get(_identity(row))
        if row_no is None:
            return False
        self._rows[row_no] = row
        self.dataChanged.emit(
            self.index(row_no, 0),
            self.index(row_no, len(self._columns) - 1),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole],
        )
        return True

    # ------------------------------------------------------------ internals

    def _on_page(self, generation: int, limit: int, rows: list[Mapping[str, Any]]) -> None:
        if generation != self._generation:
            return
        self._in_flight = False
        if len(rows) < limit:
            self._exhausted = True
        if rows:
            last_key = rows[-1].get("_key")
            if last_key is None:
                self._failed = True
                self.loading_changed.emit(False)
                raise ValueError("fetch_page rows must carry a '_key' tuple for the next page")
            self._after_key = tuple(last_key)
        fresh = []
        page_ids: set[Any] = set()
        for row in rows:
            row_id = _identity(row)
            # Look up in the index rather than copying it: a copy per page made scrolling quadratic.
            if row_id in self._row_of_id or row_id in page_ids:
                continue
            page_ids.add(row_id)
            fresh.append(row)
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for offset, row in enumerate(fresh):
                self._row_of_id[_identity(row)] = first + offset
            self._rows.extend(fresh)
            self.endInsertRows()
        self.loading_changed.emit(False)
        self.page_loaded.emit(len(self._rows))

    def _on_failure(self, generation: int, exc: BaseException) -> bool:
        if generation != self._generation:
            return True  # an abandoned query; nobody is waiting for it
        self._in_flight = False
        self._failed = True
        self._failed_offline = isinstance(exc, errors.ConnectionLost)
        self.loading_changed.emit(False)
        self.load_failed.emit(str(exc) or type(exc).__name__)
        # Still let run_op show it: ConnectionLost goes to the status bar,
        # anything else to the standard dialog.
        return False

    @Slot(str)
    def _on_connection_state(self, state: str) -> None:
        # A page lost to a dropped connection is fetched again once the
        # database answers; other failures wait for an explicit retry().
        if state == ops.ConnectionState.ONLINE and self._failed and self._failed_offline:
            self.retry()


def _identity(row: Mapping[str, Any]) -> Any:
    row_id = row.get("_id")
    if row_id is None:
        key = row.get("_key")
        return tuple(key) if isinstance(key, list) else key
    return row_id


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
