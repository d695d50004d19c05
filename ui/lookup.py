"""The shape the lookup screens share (Eligibility, Enrollment, Providers, Billing): find, choose, see.

Above, a search field. Left, what the search found, with a count. Right, an
empty state until something is chosen, then the chosen record: a title, an
optional status badge, a frame of labelled facts, and whatever the screen adds
below (tabs of tables, buttons). Every read runs on the database worker; a
result that arrives after the person chose something else is dropped; the
screen reloads what it shows when the change bus names one of its ``CHANGES``.

A subclass supplies ``_find(sessions, query)``, ``_row_cells(row)``,
``_row_key(row)``, ``_load(sessions, key)``, ``_detail_key(detail)`` and
``_show(detail)``, and builds its own part of the detail pane in
``_build_body(panel, layout)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.formatting import date_format
from claimdesk.ui.shell import EmptyState
from claimdesk.ui.tables import fill_table, simple_table
from claimdesk.ui.theme import StatusBadge

__all__ = ["LookupScreen"]


class LookupScreen(QWidget):
    """``status_message(text)`` for the status bar; ``loaded`` once a chosen record is on screen."""

    status_message = Signal(str)
    loaded = Signal()

    SEARCH_LIMIT = 200
    CHANGES: frozenset[str] = frozenset()
    NOUNS = ("record", "records")
    SEARCH_ON_START = False  # an empty search lists something useful (the latest policies, providers by name)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        name: str,
        title: str,
        placeholder: str,
        columns: Sequence[str],
        money_columns: tuple[int, ...] = (),
        empty: tuple[str, str, str],
        facts: Sequence[tuple[str, str]],
        badge: str | None = None,
        sizes: tuple[int, int] = (560, 840),
    ):
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(title)
        self._ctx = ctx
        self._locale = QLocale()
        self._date_fmt = date_format(self._locale)
        self._rows: list[Any] = []
        self._detail: Any = None
        self._selected: str | None = None

        self._search = QLineEdit(self)
        self._search.setObjectName("search")
        self._search.setAccessibleName(f"Find in {title}")
        self._search.setPlaceholderText(placeholder)
        self._search.setClearButtonEnabled(True)
        self._search.returnPressed.connect(self.refresh)
        find = QPushButton("&Find", self)
        find.setObjectName("findButton")
        find.clicked.connect(self.refresh)
        self.bar = QHBoxLayout()
        self.bar.addWidget(self._search, 1)
        self.bar.addWidget(find)

        self._list = simple_table(self, "listTable", columns, money_columns)
        self._list.itemSelectionChanged.connect(self._on_selection)
        self._count = QLabel(self)
        self._count.setObjectName("count")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._list, 1)
        left_layout.addWidget(self._count)

        self._right = QStackedWidget(self)
        self._right.addWidget(EmptyState(*empty, self._right))
        self._right.addWidget(self._build_detail(facts, badge))
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self._right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes(list(sizes))
        layout = QVBoxLayout(self)
        layout.addLayout(self.bar)
        layout.addWidget(splitter, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._on_refresh_timer)
        ops.change_bus().changed.connect(self._on_changes)
        if self.SEARCH_ON_START:
            QTimer.singleShot(0, self.refresh)

    def _build_detail(self, facts: Sequence[tuple[str, str]], badge: str | None) -> QWidget:
        panel = QWidget(self)
        panel.setObjectName("detail")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        self._title = QLabel(panel)
        self._title.setObjectName("detailTitle")
        self._title.setStyleSheet("QLabel#detailTitle { font-size: 15pt; font-weight: 600; }")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.addWidget(self._title)
        self._badge = StatusBadge(parent=panel, label=badge or "Status")
        self._badge.setVisible(badge is not None)
        head.addWidget(self._badge)
        head.addStretch(1)
        layout.addLayout(head)
        frame = QFrame(panel)
        frame.setObjectName("facts")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(frame)
        grid.setHorizontalSpacing(18)
        self._facts: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(facts):
            name = QLabel(label, frame)
            name.setStyleSheet("color: palette(placeholder-text);")
            value = QLabel(frame)
            value.setObjectName(f"fact_{key}")
            value.setAccessibleName(label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, i, 1)
            self._facts[key] = value
        grid.setColumnStretch(1, 1)
        layout.addWidget(frame)
        self._build_body(panel, layout)
        return panel

    # ------------------------------------------------------------ for subclasses

    def _build_body(self, panel: QWidget, layout: QVBoxLayout) -> None:
        """Add what goes below the facts (tabs, buttons)."""

    def _find(self, sessions: Any, query: str) -> list[Any]:
        raise NotImplementedError

    def _row_cells(self, row: Any) -> list[str]:
        raise NotImplementedError

    def _row_key(self, row: Any) -> str:
        return row.locator

    def _load(self, sessions: Any, key: str) -> Any:
        raise NotImplementedError

    def _detail_key(self, detail: Any) -> str:
        return detail.locator

    def _current(self, detail: Any) -> bool:
        """Whether a detail that arrived is still what the screen asks for (beyond its key)."""
        return True

    def _show(self, detail: Any) -> None:
        raise NotImplementedError

    def _rows_shown(self, rows: list[Any]) -> None:
        """After the list is filled (tooltips, say)."""

    # ------------------------------------------------------------ reading

    @Slot()
    def refresh(self) -> None:
        """Search again, on the worker; an empty search lists only where ``SEARCH_ON_START``."""
        query = self._search.text()
        if not self._ctx.online or (not query.strip() and not self.SEARCH_ON_START):
            return
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: self._find(sessions, query), success=self._show_rows, progress_label=f"Finding {self.NOUNS[1]}")

    def _show_rows(self, rows: list[Any]) -> None:
        self._rows = rows
        keep = next((i for i, r in enumerate(rows) if self._row_key(r) == self._selected), 0 if len(rows) == 1 else None)
        self._list.blockSignals(True)  # one load per choice: the selection below is not a second one
        fill_table(self._list, [self._row_cells(r) for r in rows])
        self._rows_shown(rows)
        if keep is not None:
            self._list.selectRow(keep)
        self._list.blockSignals(False)
        limit = f" (the first {self.SEARCH_LIMIT}: narrow the search)" if len(rows) >= self.SEARCH_LIMIT else ""
        one, many = self.NOUNS
        self._count.setText(f"{len(rows):,} {one if len(rows) == 1 else many}{limit}" if rows else "Nothing matches.")
        if keep is not None:
            self.load(self._row_key(rows[keep]))
        elif self._selected is not None and self._detail is not None:
            self.load(self._selected)  # chosen earlier and not among these rows: keep showing it

    @Slot()
    def _on_selection(self) -> None:
        row = self._list.currentRow()
        if 0 <= row < len(self._rows):
            self.load(self._row_key(self._rows[row]))

    def load(self, key: str) -> None:
        self._selected = key
        sessions = self._ctx.sessions
        ops.run_op(self, lambda: self._load(sessions, key), success=self._show_detail, progress_label=f"Loading {key}")

    def _show_detail(self, detail: Any) -> None:
        if self._detail_key(detail) != self._selected or not self._current(detail):
            return  # something else was chosen while this loaded
        self._detail = detail
        self._show(detail)
        self._right.setCurrentIndex(1)
        self.loaded.emit()

    @Slot()
    def reload(self) -> None:
        if self._selected is not None and self._ctx.online:
            self.load(self._selected)

    @Slot()
    def _on_refresh_timer(self) -> None:
        self.reload()

    @Slot(object, object)
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if ops.mentions(changes, set(self.CHANGES)):
            self._refresh_timer.start()

    # ------------------------------------------------------------ helpers

    def set_fact(self, key: str, value: str) -> None:
        self._facts[key].setText(value)

    def date_text(self, day: dt.date | None) -> str:
        return self._locale.toString(QDate(day.year, day.month, day.day), self._date_fmt) if day else ""

    # ------------------------------------------------------------ for tests and the shell

    def search(self, query: str) -> None:
        self._search.setText(query)
        self.refresh()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def detail(self) -> Any:
        return self._detail

    def fact(self, key: str) -> str:
        return self._facts[key].text()

    def badge_text(self) -> str:
        return self._badge.text()
