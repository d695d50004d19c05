"""Small read-only tables for detail panes: a few dozen rows, filled whole, money right-aligned."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from claimdesk.ui.theme import money_font

__all__ = ["fill_table", "simple_table"]


def simple_table(parent: QWidget, name: str, headers: Sequence[str], money_columns: tuple[int, ...] = ()) -> QTableWidget:
    """Rows selected whole, nothing editable, columns sized to their contents; ``money_columns`` right-aligned in the money font."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setAccessibleName(name.replace("Table", "").capitalize())
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setProperty("money_columns", money_columns)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    money_columns = table.property("money_columns") or ()
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            if c in money_columns:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setFont(money_font())
            table.setItem(r, c, item)
