"""A table model that grows page by page, fetched by key on the database worker.

Rows are plain mappings made by a read-model query (never ORM objects):
display strings already formatted by the service, plus two private keys:

* ``_key``: the sort key tuple of the row; the next page is fetched with
  ``fetch_page(last_row["_key"], limit)``, i.e. ``WHERE (sort, id) > _key``.
* ``_id``: the row's identity, used to drop a row a later page repeats (a
  row whose sort key changed between pages; checked against the rows held
  in memory, see below) and to find rows again.

Views call ``canFetchMore``/``fetchMore`` as the user scrolls (Qt's
fetchMore example); here ``fetchMore`` only *starts* the query on the ops
worker, and rows are inserted when the page arrives.

Memory stays bounded however far the user scrolls. Rows are kept in pages
of ``page_size``; for every page ever loaded the model remembers only the
key it starts after and where its rows begin (a few bytes a page). The row
data of at most ``max_cached_pages`` pages is held, least recently used
first out, never a page on screen (the pages ``data()`` was asked for in the
last paint) nor one holding a persistent index (the view's current row and
selection ends); among the older pages, the one farthest from the row last
asked for goes first. ``rowCount()`` still only grows, so the scroll bar
behaves as if every row were loaded.

``data()`` for a row whose page was dropped shows a blank cell and starts
*one* re-fetch of that page (``fetch_page(start_key, page_size)``) on the
same worker; when it comes back the page is stored again and ``dataChanged``
is emitted for its rows. ``row_at``/``id_at``/``row_of_id`` answer for rows
held in memory and give ``None`` for a dropped one.

If the data changed underneath, a re-fetched page may hold a different
number of rows than it did: the model keeps ``rowCount()`` stable instead,
truncating the page to its old number of rows or padding it with blank rows
(``row_at`` gives ``None`` for those). A row that moved into another page
still held in memory is not shown twice; one that moved into a dropped page
may be. :meth:`KeysetTableModel.reset` gives an exact list again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot

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

# What a page fetched again changes; also sent to make a view ask again.
_CHANGED_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.UserRole,
]

# What data() gets for a row whose page is not held in memory.
_NOT_HELD = object()


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
    """Lazy, read-only table of pre-formatted rows paged by key, with bounded memory.

    ``page_loaded(rows_total)`` after each page is appended (also for an empty
    last page); ``load_failed(message)`` when a page could not be fetched, after
    which the model stops asking until :meth:`retry` or :meth:`reset`.
    ``UserRole`` on any cell returns the row's ``_id``.

    At most ``max_cached_pages`` pages of rows are held (more only while more
    than that are on screen at once); see the module docstring for how the
    others are dropped and fetched again.
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
        max_cached_pages: int = 40,
        parent=None,
    ) -> None:
        super().__init__(parent)
        if not columns:
            raise ValueError("a table needs at least one column")
        if page_size < 1:
            raise ValueError("page_size must be positive")
        if max_cached_pages < 1:
            raise ValueError("max_cached_pages must be positive")
        self._columns: tuple[Column, ...] = tuple(columns)
        self._fetch_page: FetchPage = fetch_page
        self._page_size = page_size
        self._max_cached_pages = max_cached_pages
        self._row_count = 0
        # Per page ever loaded (never dropped): its first row, and the key it
        # starts after (None for page 0). A page holds at least one row.
        self._page_first: list[int] = []
        self._page_after: list[tuple | None] = []
        # Row data of the pages held, least recently used first. A slot is None
        # where a re-fetched page came back shorter than it was.
        self._cache: OrderedDict[int, list[Mapping[str, Any] | None]] = OrderedDict()
        self._mru_page = -1
        # _id -> row number, for the rows held only.
        self._row_of_id: dict[Any, int] = {}
        self._refetching: set[int] = set()
        # Page -> whether it failed for a lost connection (fetched again once online).
        self._refetch_failed: dict[int, bool] = {}
        # The pages data() was asked for: in the burst of calls still going on
        # (a paint), and in the last finished one. Those are on screen.
        self._seen_pages: set[int] = set()
        self._shown_pages: frozenset[int] = frozenset()
        self._burst_open = False
        self._burst_timer = QTimer(self)
        self._burst_timer.setSingleShot(True)
        self._burst_timer.setInterval(0)
        self._burst_timer.timeout.connect(self._end_burst)
        self._last_page = 0  # the page of the row data() was last asked for
        self._hint = (0, 0, -1)  # (first row, end row, page) of the last lookup
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
        return 0 if parent.isValid() else self._row_count

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
        if row_no >= self._row_count or col_no >= len(self._columns):
            return None
        column = self._columns[col_no]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.FontRole:
            return self._money_font if column.money else None
        row = self._requested_row(row_no)
        if row is None or row is _NOT_HELD:
            # A dropped page (being fetched again) or a slot a shorter re-fetch left blank.
            if role == Qt.ItemDataRole.DisplayRole:
                return ""
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{column.title}: {'loading' if row is _NOT_HELD else 'blank'}"
            return None
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
            success=lambda rows: self._on_page(generation, after, limit, rows),
            failure=lambda exc: self._on_failure(generation, exc),
        )

    # ------------------------------------------------------------ our API

    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def is_loading(self) -> bool:
        return self._in_flight

    def is_exhausted(self) -> bool:
        return self._exhausted

    def row_at(self, row: int) -> Mapping[str, Any] | None:
        """The row's mapping, or None while its page is not held (see the module docstring)."""
        if row < 0:
            row += self._row_count
        if not 0 <= row < self._row_count:
            raise IndexError(f"row {row} out of range")
        page = self._page_of(row)
        rows = self._cache.get(page)
        return None if rows is None else rows[row - self._page_first[page]]

    def id_at(self, row: int) -> Any:
        mapping = self.row_at(row)
        return None if mapping is None else mapping.get("_id")

    def row_of_id(self, row_id: Any) -> int | None:
        return self._row_of_id.get(row_id)

    def cached_row_count(self) -> int:
        """How many rows are held in memory (for tests and benchmarks)."""
        return sum(1 for rows in self._cache.values() for row in rows if row is not None)

    def cached_pages(self) -> tuple[int, ...]:
        """The pages whose rows are held, least recently used first (for tests and benchmarks)."""
        return tuple(self._cache)

    def reset(self, fetch_page: FetchPage | None = None) -> None:
        """Start over, with a new query (filter or sort) or the same one.

        Clears the rows and starts loading the first page at once, so a view
        shows fresh results without waiting to be scrolled.
        """
        self.beginResetModel()
        self._generation += 1
        if fetch_page is not None:
            self._fetch_page = fetch_page
        self._row_count = 0
        self._page_first = []
        self._page_after = []
        self._cache = OrderedDict()
        self._mru_page = -1
        self._row_of_id = {}
        self._refetching = set()
        self._refetch_failed = {}
        self._seen_pages = set()
        self._shown_pages = frozenset()
        self._last_page = 0
        self._hint = (0, 0, -1)
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
        """Try the page that failed again (and any dropped page that could not be fetched back)."""
        self._retry_refetches(offline_only=False)
        if self._failed:
            self._failed = False
            self.fetchMore(QModelIndex())

    def update_row(self, row: Mapping[str, Any]) -> bool:
        """Replace a held row (matched by ``_id``) in place, keeping scroll and selection.

        Returns False when that row is not held; the caller may then reset().
        """
        row_no = self._row_of_id.get(_identity(row))
        if row_no is None:
            return False
        page = self._page_of(row_no)
        self._cache[page][row_no - self._page_first[page]] = row
        self.dataChanged.emit(
            self.index(row_no, 0),
            self.index(row_no, len(self._columns) - 1),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole],
        )
        return True

    # ------------------------------------------------------------ internals: pages

    def _page_of(self, row: int) -> int:
        first, end, page = self._hint
        if first <= row < end:
            return page
        page = bisect_right(self._page_first, row) - 1
        self._hint = (self._page_first[page], self._page_end(page), page)
        return page

    def _page_end(self, page: int) -> int:
        return self._page_first[page + 1] if page + 1 < len(self._page_first) else self._row_count

    def _requested_row(self, row_no: int) -> Mapping[str, Any] | None | object:
        """The row for data(): notes its page as on screen, and fetches it again if dropped."""
        page = self._page_of(row_no)
        self._last_page = page
        if page not in self._seen_pages:
            self._seen_pages.add(page)
            if not self._burst_open:
                # Ends once the event loop turns, i.e. after this paint.
                self._burst_open = True
                self._burst_timer.start()
        rows = self._cache.get(page)
        if rows is None:
            self._request_page(page)
            return _NOT_HELD
        if page != self._mru_page:
            self._cache.move_to_end(page)
            self._mru_page = page
        return rows[row_no - self._page_first[page]]

    @Slot()
    def _end_burst(self) -> None:
        self._shown_pages = frozenset(self._seen_pages)
        self._seen_pages = set()
        self._burst_open = False

    def _store_page(self, page: int, rows: list[Mapping[str, Any] | None]) -> None:
        first = self._page_first[page]
        for offset, row in enumerate(rows):
            if row is not None:
                self._row_of_id[_identity(row)] = first + offset
        self._cache[page] = rows
        self._cache.move_to_end(page)
        self._mru_page = page
        self._evict(keep=page)

    def _evict(self, keep: int) -> None:
        over = len(self._cache) - self._max_cached_pages
        if over <= 0:
            return
        protected = set(self._shown_pages)
        protected |= self._seen_pages
        protected.add(keep)
        for index in self.persistentIndexList():  # the view's current row and selection ends
            if index.isValid() and index.row() < self._row_count:
                protected.add(self._page_of(index.row()))
        candidates = [page for page in self._cache if page not in protected]  # oldest first
        anchor = self._last_page
        while over > 0 and candidates:
            # Of the less recently used half, the page farthest from where the user looks.
            pool = candidates[: (len(candidates) + 1) // 2]
            victim = max(pool, key=lambda page: abs(page - anchor))
            candidates.remove(victim)
            self._drop_page(victim)
            over -= 1

    def _drop_page(self, page: int) -> None:
        rows = self._cache.pop(page)
        if page == self._mru_page:
            self._mru_page = -1
        first = self._page_first[page]
        for offset, row in enumerate(rows):
            if row is None:
                continue
            row_id = _identity(row)
            if self._row_of_id.get(row_id) == first + offset:
                del self._row_of_id[row_id]

    def _request_page(self, page: int) -> None:
        if page in self._refetching or page in self._refetch_failed:
            return
        self._refetching.add(page)
        generation = self._generation
        fetch, after, limit = self._fetch_page, self._page_after[page], self._page_size
        ops.run_op(
            self,
            lambda: list(fetch(after, limit)),
            success=lambda rows: self._on_refetched(generation, page, rows),
            failure=lambda exc: self._on_refetch_failed(generation, page, exc),
        )

    def _on_refetched(self, generation: int, page: int, rows: list[Mapping[str, Any]]) -> None:
        if generation != self._generation:
            return  # the query was replaced while this page was on its way
        self._refetching.discard(page)
        if page in self._cache:
            return
        first, end = self._page_first[page], self._page_end(page)
        count = end - first
        # Rows after this page's last key (as first loaded) belong to the next pages.
        bound = self._page_after[page + 1] if page + 1 < len(self._page_after) else self._after_key
        kept: list[Mapping[str, Any] | None] = []
        page_ids: set[Any] = set()
        for row in rows:
            if len(kept) == count or _beyond(row, bound):
                break  # more rows now than before: keep rowCount stable, reset() shows them
            row_id = _identity(row)
            elsewhere = self._row_of_id.get(row_id)
            if row_id in page_ids or (elsewhere is not None and not first <= elsewhere < end):
                continue  # already shown in another page held in memory
            page_ids.add(row_id)
            kept.append(row)
        kept.extend([None] * (count - len(kept)))  # fewer rows now: blank slots
        self._store_page(page, kept)
        self.dataChanged.emit(self.index(first, 0), self.index(end - 1, len(self._columns) - 1), _CHANGED_ROLES)

    def _on_refetch_failed(self, generation: int, page: int, exc: BaseException) -> bool:
        if generation != self._generation:
            return True
        self._refetching.discard(page)
        # Not asked again on every repaint; retry() or the connection coming back does.
        self._refetch_failed[page] = isinstance(exc, errors.ConnectionLost)
        return False  # run_op shows it (a lost connection only in the status bar)

    def _retry_refetches(self, *, offline_only: bool) -> None:
        pages = [page for page, offline in self._refetch_failed.items() if offline or not offline_only]
        for page in sorted(pages):
            del self._refetch_failed[page]
            # The view asks for the rows it shows again, which fetches their page.
            self.dataChanged.emit(
                self.index(self._page_first[page], 0),
                self.index(self._page_end(page) - 1, len(self._columns) - 1),
                _CHANGED_ROLES,
            )

    # ------------------------------------------------------------ internals: appending

    def _on_page(self, generation: int, after: tuple | None, limit: int, rows: list[Mapping[str, Any]]) -> None:
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
        fresh: list[Mapping[str, Any] | None] = []
        page_ids: set[Any] = set()
        for row in rows:
            row_id = _identity(row)
            # Only rows held in memory are checked: remembering every id ever
            # loaded would make memory grow with scrolling again.
            if row_id in self._row_of_id or row_id in page_ids:
                continue
            page_ids.add(row_id)
            fresh.append(row)
        if fresh:
            first = self._row_count
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._page_first.append(first)
            self._page_after.append(after)
            self._row_count += len(fresh)
            self._hint = (0, 0, -1)
            self._store_page(len(self._page_first) - 1, fresh)
            self.endInsertRows()
        self.loading_changed.emit(False)
        self.page_loaded.emit(self._row_count)

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
        if state != ops.ConnectionState.ONLINE:
            return
        self._retry_refetches(offline_only=True)
        if self._failed and self._failed_offline:
            self.retry()


def _identity(row: Mapping[str, Any]) -> Any:
    row_id = row.get("_id")
    if row_id is None:
        key = row.get("_key")
        return tuple(key) if isinstance(key, list) else key
    return row_id


def _beyond(row: Mapping[str, Any], bound: tuple | None) -> bool:
    """Whether ``row`` sorts after the key ``bound`` (False when that cannot be told)."""
    if bound is None:
        return False
    key = row.get("_key")
    try:
        return key is not None and tuple(key) > bound
    except TypeError:  # e.g. a NULL in the sort key: rather keep the row than guess
        return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
