"""Small helpers the screen tests share."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QWidget


def shown(qtbot, widget: QWidget, size: tuple[int, int] = (1440, 900)) -> QWidget:  # noqa: ANN001
    """``widget`` at a workstation's size, on screen (offscreen), owned by the test."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cells(table: QTableWidget) -> list[list[str]]:
    """What a table shows, row by row, as text."""
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
