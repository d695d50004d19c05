"""The one way to get an icon: ``icon("approve")``.

Icons are monochrome SVGs in ``claimdesk.resources/icons`` drawn with
``currentColor``. We substitute the palette's text colour before rendering,
so one file serves the light and the dark palette, and a selected list entry
gets its icon in the highlighted-text colour instead of dark-on-blue.
"""

from __future__ import annotations

import importlib.resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

__all__ = ["clear_icon_cache", "icon", "icon_names", "svg_bytes"]

_PACKAGE = "claimdesk.resources"
_FOLDER = "icons"
# Rendered at the sizes menus, lists and toolbars ask for; QIcon scales the
# nearest one for anything else. Twice each for high-density screens.
_SIZES = (16, 20, 24, 32, 48)
_SCALES = (1.0, 2.0)

_svg_cache: dict[str, bytes] = {}
_icon_cache: dict[tuple[str, str, str, str], QIcon] = {}


def icon_names() -> list[str]:
    """Every icon shipped, without the ``.svg`` suffix."""
    folder = importlib.resources.files(_PACKAGE).joinpath(_FOLDER)
    return sorted(p.name[: -len(".svg")] for p in folder.iterdir() if p.name.endswith(".svg"))


def svg_bytes(name: str) -> bytes:
    """The raw SVG for ``name``; ``KeyError`` when no such icon ships."""
    data = _svg_cache.get(name)
    if data is None:
        resource = importlib.resources.files(_PACKAGE).joinpath(_FOLDER, f"{name}.svg")
        try:
            data = resource.read_bytes()
        except (FileNotFoundError, OSError):
            raise KeyError(f"no icon named {name!r} in {_PACKAGE}/{_FOLDER}") from None
        _svg_cache[name] = data
    return data


def _render(svg: bytes, color: QColor, size: int, scale: float) -> QPixmap:
    tinted = svg.replace(b"currentColor", color.name(QColor.NameFormat.HexRgb).encode("ascii"))
    renderer = QSvgRenderer(QByteArray(tinted))
    pixels = round(size * scale)
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(scale)
    return pixmap


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """A QIcon for ``resources/icons/<name>.svg`` in the current palette.

    ``color`` forces one colour for every mode (e.g. a green approve button);
    by default the normal, disabled and selected modes follow the palette.
    """
    svg = svg_bytes(name)
    palette = QGuiApplication.palette()
    if color is not None:
        fixed = QColor(color)
        normal = disabled = selected = fixed
    else:
        normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
        disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        selected = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
    key = (name, normal.name(), disabled.name(), selected.name())
    cached = _icon_cache.get(key)
    if cached is not None:
        return QIcon(cached)

    result = QIcon()
    for mode, col in (
        (QIcon.Mode.Normal, normal),
        (QIcon.Mode.Active, normal),
        (QIcon.Mode.Disabled, disabled),
        (QIcon.Mode.Selected, selected),
    ):
        for size in _SIZES:
            for scale in _SCALES:
                result.addPixmap(_render(svg, col, size, scale), mode, QIcon.State.Off)
    _icon_cache[key] = result
    return QIcon(result)


def clear_icon_cache() -> None:
    """Forget rendered icons, e.g. after the palette changed."""
    _icon_cache.clear()
