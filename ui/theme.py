"""Look and feel: Fusion, one light and one dark palette, money font, badges.

Adjudicators look at ClaimDesk all day, so the theme is dense and calm: the
palette carries meaning (selection, disabled, status) and nothing else.
"""

from __future__ import annotations

import importlib.resources
import os

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QLabel, QTableView, QWidget

from claimdesk.ui import icons

__all__ = [
    "StatusBadge",
    "apply_theme",
    "badge_colors",
    "compact_table",
    "is_dark",
    "money_font",
    "row_height",
    "status_word",
]

# Lets a user (or a screenshot script) pin the scheme when the desktop does
# not report one: CLAIMDESK_THEME=light|dark.
_THEME_ENV = "CLAIMDESK_THEME"
_APPLIED_PROPERTY = "claimdeskThemeApplied"

_scheme_override: str | None = None


def _color(value: str) -> QColor:
    return QColor(value)


# Light: cool greys with one calm blue for selection and focus.
_LIGHT = {
    "window": "#f4f5f7",
    "window_text": "#1f2328",
    "base": "#ffffff",
    "alternate_base": "#f2f4f7",
    "text": "#1f2328",
    "button": "#eceef1",
    "button_text": "#1f2328",
    "bright_text": "#ffffff",
    "highlight": "#2d6cb5",
    "highlighted_text": "#ffffff",
    "link": "#1d5ea8",
    "link_visited": "#5b3f8f",
    "tooltip_base": "#fffbe6",
    "tooltip_text": "#1f2328",
    "placeholder": "#767d86",
    "light": "#ffffff",
    "midlight": "#e3e6ea",
    "mid": "#c9ced4",
    "dark": "#9aa1a9",
    "shadow": "#5f666e",
    "disabled_text": "#9aa1a9",
    "inactive_highlight": "#d5e2f2",
    "inactive_highlighted_text": "#1f2328",
}

_DARK = {
    "window": "#232629",
    "window_text": "#e2e4e7",
    "base": "#1b1d20",
    "alternate_base": "#212428",
    "text": "#e2e4e7",
    "button": "#2d3135",
    "button_text": "#e2e4e7",
    "bright_text": "#ffffff",
    "highlight": "#3b78c2",
    "highlighted_text": "#ffffff",
    "link": "#7fb2ee",
    "link_visited": "#b79be0",
    "tooltip_base": "#2d3135",
    "tooltip_text": "#e2e4e7",
    "placeholder": "#8b9199",
    "light": "#3a3f44",
    "midlight": "#32363b",
    "mid": "#40454b",
    "dark": "#15171a",
    "shadow": "#0c0d0f",
    "disabled_text": "#6c727a",
    "inactive_highlight": "#34404e",
    "inactive_highlighted_text": "#e2e4e7",
}


def _palette(colors: dict[str, str]) -> QPalette:
    p = QPalette()
    R = QPalette.ColorRole
    G = QPalette.ColorGroup
    roles = {
        R.Window: "window",
        R.WindowText: "window_text",
        R.Base: "base",
        R.AlternateBase: "alternate_base",
        R.Text: "text",
        R.Button: "button",
        R.ButtonText: "button_text",
        R.BrightText: "bright_text",
        R.Highlight: "highlight",
        R.HighlightedText: "highlighted_text",
        R.Link: "link",
        R.LinkVisited: "link_visited",
        R.ToolTipBase: "tooltip_base",
        R.ToolTipText: "tooltip_text",
        R.PlaceholderText: "placeholder",
        R.Light: "light",
        R.Midlight: "midlight",
        R.Mid: "mid",
        R.Dark: "dark",
        R.Shadow: "shadow",
    }
    for role, key in roles.items():
        p.setColor(role, _color(colors[key]))
    for role in (R.WindowText, R.Text, R.ButtonText, R.PlaceholderText):
        p.setColor(G.Disabled, role, _color(colors["disabled_text"]))
    p.setColor(G.Disabled, R.Highlight, _color(colors["mid"]))
    # A table that lost focus keeps its selection readable but quieter, so
    # the eye finds the widget that has the keyboard.
    p.setColor(G.Inactive, R.Highlight, _color(colors["inactive_highlight"]))
    p.setColor(G.Inactive, R.HighlightedText, _color(colors["inactive_highlighted_text"]))
    return p


def light_palette() -> QPalette:
    return _palette(_LIGHT)


def dark_palette() -> QPalette:
    return _palette(_DARK)


def is_dark() -> bool:
    """Whether the dark palette applies: an override, else the system's scheme."""
    choice = _scheme_override or os.environ.get(_THEME_ENV, "").strip().lower()
    if choice in ("light", "dark"):
        return choice == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _style_sheet() -> str:
    try:
        return importlib.resources.files("claimdesk.resources").joinpath("style.qss").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return ""


def apply_theme(app: QApplication, scheme: str | None = None) -> None:
    """Fusion, the palette for the system's scheme (or ``scheme``), our style sheet.

    Safe to call again; it follows later system scheme changes by itself.
    """
    global _scheme_override
    if scheme is not None and scheme not in ("light", "dark"):
        raise ValueError("scheme must be 'light', 'dark' or None")
    _scheme_override = scheme
    app.setStyle("Fusion")
    _apply_palette(app)
    app.setStyleSheet(_style_sheet())
    if not app.property(_APPLIED_PROPERTY):
        app.setProperty(_APPLIED_PROPERTY, True)
        app.styleHints().colorSchemeChanged.connect(_on_scheme_changed)


@Slot(Qt.ColorScheme)
def _on_scheme_changed(_scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        _apply_palette(app)


def _apply_palette(app: QApplication) -> None:
    app.setPalette(dark_palette() if is_dark() else light_palette())
    # Icons were tinted for the old palette.
    icons.clear_icon_cache()
    _money_fonts.clear()


# --------------------------------------------------------------------------
# Numbers

_money_fonts: dict[str, QFont] = {}


def _digits_tabular(font: QFont) -> bool:
    metrics = QFontMetricsF(font)
    widths = {round(metrics.horizontalAdvance(d), 2) for d in "0123456789"}
    return len(widths) == 1


def money_font(base: QFont | None = None) -> QFont:
    """A font whose digits all have one width, so amounts line up in columns.

    Asks the UI font for OpenType tabular figures first (it reads better than a
    typewriter face); if the digits still differ in width, falls back to the
    system fixed-pitch font at the same size.
    """
    font = QFont(base if base is not None else QApplication.font())
    cached = _money_fonts.get(font.key())
    if cached is not None:
        return QFont(cached)
    key = font.key()
    font.setFeature(QFont.Tag("tnum"), 1)
    if not _digits_tabular(font):
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        if font.pointSizeF() > 0:
            fixed.setPointSizeF(font.pointSizeF())
        else:
            fixed.setPixelSize(font.pixelSize())
        font = fixed
    _money_fonts[key] = font
    return QFont(font)


def row_height(widget: QWidget | None = None) -> int:
    """Compact row height: one line of text plus a little air."""
    metrics = widget.fontMetrics() if widget is not None else QApplication.fontMetrics()
    return metrics.height() + 6


def compact_table(view: QTableView) -> None:
    """Dense, keyboard-friendly defaults every list screen shares."""
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    # Tab leaves the table instead of walking its cells, so the tab order
    # follows the screen's reading order; arrows still move within it.
    view.setTabKeyNavigation(False)
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    # Fixed heights let the view skip measuring every row of a long list.
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(row_height(view))
    horizontal = view.horizontalHeader()
    horizontal.setHighlightSections(False)
    horizontal.setStretchLastSection(True)
    horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    horizontal.setMinimumSectionSize(40)


# --------------------------------------------------------------------------
# Status badges

# code -> (word, colour family). The word is what a person reads; the colour
# only repeats it, so a colour-blind user or a screen reader loses nothing.
_BADGES: dict[str, tuple[str, str]] = {
    "RECEIVED": ("Received", "blue"),
    "PENDED": ("Pended", "amber"),
    "APPROVED": ("Approved", "green"),
    "PARTIALLY_APPROVED": ("Partially approved", "teal"),
    "DENIED": ("Denied", "red"),
    "FINALIZED": ("Finalized", "slate"),
    "REOPENED": ("Reopened", "purple"),
    "VOIDED": ("Voided", "grey"),
    "IN_NETWORK": ("In network", "green"),
    "OUT_OF_NETWORK": ("Out of network", "amber"),
    "ACTIVE": ("Active", "green"),
    "COVERED": ("Covered", "green"),
    "NOT_COVERED": ("Not covered", "red"),
    "ISSUED": ("Issued", "blue"),
    "CANCELLED": ("Cancelled", "red"),
    "EXPIRED": ("Expired", "grey"),
    "LAPSED": ("Lapsed", "amber"),
    "ONLINE": ("Online", "green"),
    "RECONNECTING": ("Reconnecting", "amber"),
    "OFFLINE": ("Offline", "red"),
}

# family -> ((light fg, light bg), (dark fg, dark bg)); each pair meets WCAG AA
# contrast for small text.
_FAMILIES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "green": (("#1b6330", "#e2f3e7"), ("#93d8a7", "#1d3826")),
    "red": (("#9f2323", "#fbe5e5"), ("#f4a6a6", "#4a2222")),
    "amber": (("#7f4d00", "#fcefd6"), ("#f1c47c", "#433213")),
    "blue": (("#1d5590", "#e3edf9"), ("#9fc4f0", "#1e3550")),
    "teal": (("#15605f", "#dcf1f0"), ("#8fd6d4", "#173b3c")),
    "slate": (("#303b63", "#e6e8f2"), ("#b6bde2", "#2b3047")),
    "purple": (("#64368c", "#efe6f7"), ("#d2b4ee", "#392a49")),
    "grey": (("#50565c", "#eaecee"), ("#b9bfc5", "#33373b")),
}


def _normalise(code: str) -> str:
    return code.strip().upper().replace(" ", "_").replace("-", "_")


def status_word(code: str) -> str:
    """The word shown for a status code; unknown codes still read as words."""
    known = _BADGES.get(_normalise(code))
    if known:
        return known[0]
    return code.replace("_", " ").strip().capitalize()


def badge_colors(code: str, dark: bool | None = None) -> tuple[QColor, QColor]:
    """(text, background) for a status, for badges and item-view delegates."""
    family = _BADGES.get(_normalise(code), ("", "grey"))[1]
    light_pair, dark_pair = _FAMILIES[family]
    use_dark = is_dark() if dark is None else dark
    fg, bg = dark_pair if use_dark else light_pair
    return QColor(fg), QColor(bg)


class StatusBadge(QLabel):
    """A status shown as a word on a tinted pill: never colour alone."""

    def __init__(self, status: str | None = None, parent: QWidget | None = None, *, label: str = "Status"):
        super().__init__(parent)
        self._label = label
        self._status = ""
        self._styled_dark: bool | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(label)
        if status:
            self.set_status(status)

    def status(self) -> str:
        return self._status

    def set_status(self, status: str) -> None:
        self._status = _normalise(status)
        word = status_word(status)
        self.setText(word)
        self.setAccessibleName(f"{self._label}: {word}")
        self._restyle(force=True)

    def _restyle(self, force: bool = False) -> None:
        dark = is_dark()
        if not force and dark == self._styled_dark:
            return
        self._styled_dark = dark
        fg, bg = badge_colors(self._status or "", dark)
        self.setStyleSheet(
            "QLabel {"
            f" color: {fg.name()}; background: {bg.name()};"
            f" border: 1px solid {fg.name()}; border-radius: 3px;"
            " padding: 0px 6px; font-weight: 600; }"
        )

    def changeEvent(self, event: QEvent) -> None:
        # Our own setStyleSheet also changes the widget palette; only a new
        # application palette (light <-> dark) needs new colours.
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self._restyle()
        super().changeEvent(event)
