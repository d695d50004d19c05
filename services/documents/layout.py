"""A small direct-canvas layout for the documents: wrapped text, tables, a page flow.

ReportLab's platypus does all of this in general, and an EOB laid out with it
cost about 15 ms, most of it parsing, measuring and drawing ~80 Paragraphs one
by one. The documents need a small, fixed part of platypus: text arrives here
as runs already split by face (no markup to parse), is wrapped once with
``stringWidth``, and is drawn with ``drawString``.

Geometry follows platypus where the documents used it, so pages look as they
did: a text block is ``lines * leading`` high with its first baseline ``size``
below its top; table cells are padded and top- or bottom-aligned; a table
splits between rows and repeats its head rows on the next page; a heading kept
with the next block moves to the next page with it; space after one block and
space before the next overlap, and space before is dropped at the top of a page.

Pure layout: it knows nothing of EOBs or policies, and draws on whatever
ReportLab canvas it is given. Lengths are ``Points`` (floats); no money here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "Face", "Style", "Runs", "Rule", "RowStyle", "Label", "Para", "Text", "Table", "Columns", "Spacer",
    "CondBreak", "Keep", "PAGE_BREAK", "Item", "Pen", "flow", "wrap",
]

Points = float  # a length or position on the page in PDF points (1/72 inch): layout only, never money

_FUZZ = 1e-6  # platypus's tolerance when a block "just" fits


class Face(NamedTuple):
    """Font, size and colour of a run of text."""

    font: str
    size: Points
    color: Color


class Style(NamedTuple):
    """A block of text: base face, line spacing, alignment and the space around it."""

    face: Face
    leading: Points
    right: bool = False
    space_before: Points = 0.0
    space_after: Points = 0.0
    keep_with_next: bool = False
    # Column heads may break after a hyphen ("Co-/insurance") when a word does not fit.
    hyphenate: bool = False

    def runs(self, text: str) -> Runs:
        return ((text, self.face),)


Run = tuple[str, Face]
Runs = tuple[Run, ...]
# A wrapped line: its width, its pieces, each (x offset, text, face), and the
# word spacing to draw them with (negative when the spaces were narrowed to fit).
Line = tuple[Points, tuple[tuple[Points, str, Face], ...], Points]

# As platypus: a line may take up to 5% off its spaces to fit one more word.
SPACE_SHRINK = 0.05


class Pen:
    """Draws strings on a canvas, setting font and colour only when they change.

    Like ``drawString`` but without its closing move to the next line (``T*``),
    as platypus's paragraphs drew: text extraction (pypdf) reads that move as
    a line break between two strings of one line. Whoever changes the canvas's
    font or fill colour behind the pen's back, or starts a page, calls ``forget``.
    """

    __slots__ = ("canvas", "_font", "_size", "_color")

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.forget()

    def forget(self) -> None:
        self._font: str | None = None
        self._size: Points = 0.0
        self._color: Color | None = None

    def text(self, x: Points, y: Points, text: str, face: Face, word_space: Points = 0.0) -> None:
        canvas = self.canvas
        # The font is set before the string's text object, not inside it after its position:
        # pypdf judges a move to a new line by the font size in force at the move.
        if face.font != self._font or face.size != self._size:
            canvas.setFont(face.font, face.size)
            self._font, self._size = face.font, face.size
        # Faces share a few Color objects: identity is the cheap test, and a miss only costs a repeated colour.
        if face.color is not self._color:
            canvas.setFillColor(face.color)
            self._color = face.color
        out = canvas.beginText(x, y)
        if word_space:
            out.setWordSpace(word_space)
            out.textOut(text)
            out.setWordSpace(0)
        else:
            out.textOut(text)
        canvas.drawText(out)


# ------------------------------------------------------------------ wrapping


def wrap(runs: Runs, width: Points, hyphenate: bool = False) -> tuple[Line, ...]:
    """Break runs into lines no wider than ``width``, at spaces and at ``\\n``.

    Greedy, as ``simpleSplit`` and platypus do, and like platypus a line may
    narrow its spaces by ``SPACE_SHRINK`` to take one more word. A word that
    does not fit is broken after a hyphen when ``hyphenate`` is set (column
    heads); a word wider than a whole line is broken between characters, so
    nothing runs into the next column. Same-face words on a line are joined
    into one string (fewer strings to draw; PDF text reads back with its spaces).
    """
    if len(runs) == 1:
        text, face = runs[0]
        if not text:
            return ()
        if "\n" not in text:
            line_width = stringWidth(text, face.font, face.size)
            if line_width <= width and text == text.strip() and "  " not in text:
                return ((line_width, ((0.0, text, face),), 0.0),)
    return _wrap(runs, round(width, 6), hyphenate)


@lru_cache(maxsize=4096)
def _wrap(runs: Runs, width: Points, hyphenate: bool) -> tuple[Line, ...]:
    # Template wording (appeal rights, reason-code sentences, column heads)
    # repeats on every document: the cache makes it free after the first one.
    lines: list[Line] = []
    words: list[tuple[list[Run], Points, Points]] = []  # the current line: (fragments, width, space before)
    used = spaces = 0.0
    pending = deque(_words(runs))
    while pending:
        word = pending.popleft()
        if word is None:  # forced break
            lines.append(_line(words, width))
            words, used, spaces = [], 0.0, 0.0
            continue
        fragments, word_width, space = word
        gap = space if words else 0.0
        if used + gap + word_width <= width + SPACE_SHRINK * (spaces + gap) + _FUZZ:
            words.append(word)
            used += gap + word_width
            spaces += gap
            continue
        split = _split_at_hyphen(fragments, width - used - gap) if hyphenate else None
        if split is not None:
            head, tail = split
            words.append((head, _fragments_width(head), space))
            lines.append(_line(words, width))
            words, used, spaces = [], 0.0, 0.0
            pending.appendleft((tail, _fragments_width(tail), space))
            continue
        if word_width > width + _FUZZ:
            # Longer than a whole line: break it between characters, starting on this line (as platypus).
            head, tail = _split_long(fragments, width - used - gap, at_least_one=not words)
            if head:
                words.append((head, _fragments_width(head), space))
            lines.append(_line(words, width))
            words, used, spaces = [], 0.0, 0.0
            if tail:
                pending.appendleft((tail, _fragments_width(tail), space))
            continue
        lines.append(_line(words, width))  # start a new line with this word
        words, used, spaces = [], 0.0, 0.0
        pending.appendleft(word)
    if words:
        lines.append(_line(words, width))
    return tuple(lines)


def _words(runs: Runs) -> list[tuple[list[Run], Points, Points] | None]:
    """Words as (fragments, width, width of the space before), with ``None`` for a forced break.

    Runs that meet without whitespace continue the same word ("(" + "Deductible");
    a space is as wide as in the run it was typed in.
    """
    out: list[tuple[list[Run], Points, Points] | None] = []
    glued = False
    trailing: Points | None = None  # width of the space that ended the previous run
    for text, face in runs:
        font, size = face.font, face.size
        space = stringWidth(" ", font, size)
        for i, part in enumerate(text.split("\n")):
            if i:
                out.append(None)
                glued, trailing = False, None
            if not part:
                continue
            if part[0].isspace():
                glued, trailing = False, None
            for j, token in enumerate(part.split()):
                token_width = stringWidth(token, font, size)
                last = out[-1] if out else None
                if j == 0 and glued and last is not None:
                    last[0].append((token, face))
                    out[-1] = (last[0], last[1] + token_width, last[2])
                else:
                    gap = trailing if j == 0 and trailing is not None else space
                    out.append(([(token, face)], token_width, gap))
            glued = not part[-1].isspace()
            trailing = None if glued else space
    return out


def _fragments_width(fragments: Sequence[Run]) -> Points:
    return sum(stringWidth(text, face.font, face.size) for text, face in fragments)


def _split_at_hyphen(fragments: list[Run], room: Points) -> tuple[list[Run], list[Run]] | None:
    """Head and tail of a one-face word broken after its last hyphen that leaves a head fitting ``room``."""
    if len(fragments) != 1:
        return None
    text, face = fragments[0]
    if len(text) < 5 or "-" not in text.strip("-"):
        return None
    cut = len(text.rstrip("-"))
    while (cut := text.rfind("-", 0, cut)) > 0:
        head = text[: cut + 1]
        if stringWidth(head, face.font, face.size) <= room + _FUZZ:
            return [(head, face)], [(text[cut + 1 :], face)]
    return None


def _split_long(fragments: list[Run], room: Points, at_least_one: bool) -> tuple[list[Run], list[Run]]:
    """As many characters of a too-long word as fit ``room``, and the rest.

    At the start of a line the head takes at least one character, so wrapping always moves on.
    """
    head: list[Run] = []
    used = 0.0
    for index, (text, face) in enumerate(fragments):
        text_width = stringWidth(text, face.font, face.size)
        if used + text_width <= room + _FUZZ:
            head.append((text, face))
            used += text_width
            continue
        low, high = 0, len(text)  # longest prefix that fits: binary search
        while low < high:
            mid = (low + high + 1) // 2
            if used + stringWidth(text[:mid], face.font, face.size) <= room + _FUZZ:
                low = mid
            else:
                high = mid - 1
        if low == 0 and not head and at_least_one:
            low = 1
        if low:
            head.append((text[:low], face))
        rest = [(text[low:], face)] if low < len(text) else []
        return head, rest + list(fragments[index + 1 :])
    return head, []


def _line(words: Sequence[tuple[list[Run], Points, Points]], width: Points) -> Line:
    pieces: list[tuple[Points, str, Face, int]] = []  # x offset, text, face, spaces before it
    x = 0.0
    start = 0.0
    gaps = first_gap = 0
    parts: list[str] = []
    face: Face | None = None
    for n, (fragments, _width, space) in enumerate(words):
        for k, (text, fragment_face) in enumerate(fragments):
            gap = bool(n and k == 0)
            if fragment_face == face:
                parts.append(" " + text if gap else text)
            else:
                if face is not None:
                    # The space before a change of face ends the previous string, as it was typed:
                    # text read back from the PDF keeps it without guessing from the gap.
                    pieces.append((start, "".join(parts) + (" " if gap else ""), face, first_gap))
                face, parts = fragment_face, [text]
                start, first_gap = x + (space if gap else 0.0), gaps + gap
            x += (space if gap else 0.0) + stringWidth(text, fragment_face.font, fragment_face.size)
            gaps += gap
    if face is not None:
        pieces.append((start, "".join(parts), face, first_gap))
    if x > width and gaps:
        # Over by at most SPACE_SHRINK of its spaces: narrow each space to fit exactly.
        shrink = (width - x) / gaps
        return width, tuple((dx + shrink * before, text, f) for dx, text, f, before in pieces), shrink
    return x, tuple((dx, text, f) for dx, text, f, _before in pieces), 0.0


# ------------------------------------------------------------------- blocks


class Text:
    """Wrapped text: platypus's Paragraph without the markup parser."""

    __slots__ = ("lines", "style", "width", "height")

    def __init__(self, runs: Runs | str, style: Style, width: Points, lines: tuple[Line, ...] | None = None):
        if isinstance(runs, str):
            runs = style.runs(runs)
        self.style = style
        self.width = width
        self.lines = lines if lines is not None else wrap(runs, width, style.hyphenate)
        self.height = len(self.lines) * style.leading

    @property
    def space_before(self) -> Points:
        return self.style.space_before

    @property
    def space_after(self) -> Points:
        return self.style.space_after

    @property
    def keep_with_next(self) -> bool:
        return self.style.keep_with_next

    def draw(self, pen: Pen, x: Points, top: Points) -> None:
        style = self.style
        y = top - style.face.size
        for line_width, pieces, word_space in self.lines:
            left = x + self.width - line_width if style.right else x
            for dx, text, face in pieces:
                pen.text(left + dx, y, text, face, word_space)
            y -= style.leading

    def split(self, room: Points) -> tuple[Text, Text] | None:
        """At least two lines on this page and two on the next: no orphans, no widows."""
        fit = min(int((room + _FUZZ) / self.style.leading), len(self.lines) - 2)
        if fit < 2:
            return None
        head = Text((), self.style, self.width, self.lines[:fit])
        tail = Text((), self.style._replace(space_before=0.0), self.width, self.lines[fit:])
        return head, tail


class Label(NamedTuple):
    """A table cell of one line that never wraps (an amount, a date): drawn as its own string."""

    text: str
    face: Face
    right: bool = False


class Para(NamedTuple):
    """A table cell of wrapped text; the table gives it its width."""

    runs: Runs
    style: Style


Cell = Label | Para | tuple[Para, ...] | None


class Rule(NamedTuple):
    width: Points
    color: Color


class RowStyle(NamedTuple):
    """Padding, alignment and decoration of a table row (shared by many rows)."""

    top: Points
    bottom: Points
    leading: Points = 9.0  # height of a Label line
    bottom_align: bool = False
    fill: Color | None = None
    line_above: Rule | None = None
    line_below: Rule | None = None


class _Row(NamedTuple):
    cells: tuple  # per column: None, Label, or a tuple of Text blocks
    style: RowStyle
    height: Points
    span: tuple[int, int] | None


class Table:
    """Rows of cells on fixed columns; splits between body rows and repeats the head rows.

    ``pad`` is each column's (left, right) padding; ``band`` fills one column
    behind the body rows; ``box`` frames the table and ``inner_v`` rules
    between columns.
    """

    __slots__ = ("widths", "pad", "head", "body", "band", "box", "inner_v", "space_before", "space_after",
                 "keep_with_next", "height", "_head_height")

    def __init__(
        self,
        widths: Sequence[Points],
        head: Iterable[tuple[Sequence[Cell], RowStyle]],
        body: Iterable[tuple[Sequence[Cell], RowStyle] | tuple[Sequence[Cell], RowStyle, tuple[int, int]]],
        *,
        pad: Sequence[tuple[Points, Points]] | tuple[Points, Points],
        band: tuple[int, Color] | None = None,
        box: Rule | None = None,
        inner_v: Rule | None = None,
        space_before: Points = 0.0,
        space_after: Points = 0.0,
    ):
        self.widths = tuple(widths)
        if isinstance(pad[0], (int, float)):
            pad = [pad] * len(self.widths)  # type: ignore[list-item]
        self.pad = tuple(pad)  # type: ignore[arg-type]
        self.band = band
        self.box = box
        self.inner_v = inner_v
        self.space_before = space_before
        self.space_after = space_after
        self.keep_with_next = False
        self.head = tuple(self._row(*spec) for spec in head)
        self.body = tuple(self._row(*spec) for spec in body)
        self._measure()

    def _row(self, cells: Sequence[Cell], style: RowStyle, span: tuple[int, int] | None = None) -> _Row:
        built = []
        height = 0.0
        for col, cell in enumerate(cells):
            if cell is None or (span is not None and span[0] < col <= span[1]):
                built.append(None)
                continue
            if isinstance(cell, Label):
                built.append(cell)
                height = max(height, style.leading)
                continue
            left, right = self.pad[col]
            width = self.widths[col]
            if span is not None and col == span[0]:
                width = sum(self.widths[span[0] : span[1] + 1])
                right = self.pad[span[1]][1]
            inner = width - left - right
            paras = (cell,) if isinstance(cell, Para) else cell
            blocks = tuple(Text(p.runs, p.style, inner) for p in paras)
            built.append(blocks)
            height = max(height, sum(b.height for b in blocks))
        return _Row(tuple(built), style, height + style.top + style.bottom, span)

    def _measure(self) -> None:
        self._head_height = sum(r.height for r in self.head)
        self.height = self._head_height + sum(r.height for r in self.body)

    def _slice(self, body: tuple[_Row, ...], space_before: Points, space_after: Points) -> Table:
        part = object.__new__(Table)
        for name in ("widths", "pad", "head", "band", "box", "inner_v", "keep_with_next"):
            setattr(part, name, getattr(self, name))
        part.body = body
        part.space_before = space_before
        part.space_after = space_after
        part._measure()
        return part

    def split(self, room: Points) -> tuple[Table, Table] | None:
        used = self._head_height
        fit = 0
        for row in self.body:
            if used + row.height > room + _FUZZ:
                break
            used += row.height
            fit += 1
        if fit == 0 or fit == len(self.body):
            return None
        return (self._slice(self.body[:fit], self.space_before, 0.0),
                self._slice(self.body[fit:], 0.0, self.space_after))

    def draw(self, pen: Pen, x: Points, top: Points) -> None:
        canvas = pen.canvas
        rows = self.head + self.body
        n_head = len(self.head)
        edges = [x]
        for w in self.widths:
            edges.append(edges[-1] + w)
        tops = [top]
        for row in rows:
            tops.append(tops[-1] - row.height)
        right = edges[-1]
        bottom = tops[-1]

        # Backgrounds, then text, then rules: the order platypus drew them in.
        for i, row in enumerate(rows):
            if row.style.fill is not None:
                canvas.setFillColor(row.style.fill)
                canvas.rect(x, tops[i + 1], right - x, row.height, stroke=0, fill=1)
        if self.band is not None and len(rows) > n_head:
            col, color = self.band
            canvas.setFillColor(color)
            canvas.rect(edges[col], bottom, self.widths[col], tops[n_head] - bottom, stroke=0, fill=1)
        pen.forget()

        for i, row in enumerate(rows):
            self._draw_row(pen, row, edges, tops[i], tops[i + 1])

        stroke = None

        def rule(r: Rule) -> None:
            nonlocal stroke
            if r != stroke:
                canvas.setStrokeColor(r.color)
                canvas.setLineWidth(r.width)
                stroke = r

        for i, row in enumerate(rows):
            if row.style.line_below is not None:
                rule(row.style.line_below)
                canvas.line(x, tops[i + 1], right, tops[i + 1])
        for i, row in enumerate(rows):
            if row.style.line_above is not None:
                rule(row.style.line_above)
                canvas.line(x, tops[i], right, tops[i])
        if self.inner_v is not None:
            rule(self.inner_v)
            for edge in edges[1:-1]:
                canvas.line(edge, top, edge, bottom)
        if self.box is not None:
            rule(self.box)
            canvas.rect(x, bottom, right - x, top - bottom, stroke=1, fill=0)

    def _draw_row(self, pen: Pen, row: _Row, edges: list[Points], top: Points, bottom: Points) -> None:
        style = row.style
        for col, cell in enumerate(row.cells):
            if cell is None:
                continue
            left, right_pad = self.pad[col]
            end = edges[row.span[1] + 1] if row.span is not None and col == row.span[0] else edges[col + 1]
            if isinstance(cell, Label):
                if style.bottom_align:
                    y = bottom + style.bottom + style.leading - cell.face.size
                else:
                    y = top - style.top - cell.face.size
                if cell.right:
                    x = end - right_pad - stringWidth(cell.text, cell.face.font, cell.face.size)
                else:
                    x = edges[col] + left
                pen.text(x, y, cell.text, cell.face)
                continue
            y = bottom + style.bottom + sum(b.height for b in cell) if style.bottom_align else top - style.top
            for block in cell:
                block.draw(pen, edges[col] + left, y)
                y -= block.height


class Columns:
    """Blocks side by side, top-aligned, each column a stack of blocks; never split."""

    __slots__ = ("columns", "height", "space_before", "space_after", "keep_with_next")

    def __init__(self, columns: Sequence[tuple[Points, Sequence[Text | Table]]]):
        self.columns = tuple((width, tuple(stack)) for width, stack in columns)
        self.height = max(sum(b.height for b in stack) for _, stack in self.columns)
        self.space_before = self.space_after = 0.0
        self.keep_with_next = False

    def split(self, room: Points) -> None:
        return None

    def draw(self, pen: Pen, x: Points, top: Points) -> None:
        for width, stack in self.columns:
            y = top
            for block in stack:
                block.draw(pen, x, y)
                y -= block.height
            x += width


class Spacer(NamedTuple):
    """Vertical space; dropped at the top of a page."""

    height: Points


class CondBreak(NamedTuple):
    """Start a new page unless at least ``height`` is left on this one."""

    height: Points


class Keep:
    """Blocks kept on one page: if they do not fit where they are, they start the next page."""

    __slots__ = ("blocks",)

    def __init__(self, blocks: Sequence[Block]):
        self.blocks = tuple(blocks)

    def height(self, first_gap: Points) -> Points:
        total = first_gap
        after = 0.0
        for n, block in enumerate(self.blocks):
            if n:
                total += max(block.space_before - after, 0.0)
            total += block.height
            after = block.space_after
        return total


class _PageBreak:
    def __repr__(self) -> str:
        return "PAGE_BREAK"


PAGE_BREAK = _PageBreak()

Block = Text | Table | Columns
Item = Block | Spacer | CondBreak | Keep | _PageBreak


def _grouped(items: Iterable[Item]) -> list[Item]:
    """A block that keeps with the next becomes a Keep with it (as platypus's keepWithNext)."""
    out: list[Item] = []
    chain: list[Block] = []
    for item in items:
        if isinstance(item, (Text, Table, Columns)):
            chain.append(item)
            if item.keep_with_next:
                continue
            out.append(Keep(chain) if len(chain) > 1 else item)
            chain = []
        elif isinstance(item, Keep) and chain:
            out.append(Keep([*chain, *item.blocks]))
            chain = []
        else:
            if chain:
                out.append(Keep(chain) if len(chain) > 1 else chain[0])
                chain = []
            out.append(item)
    if chain:
        out.append(Keep(chain) if len(chain) > 1 else chain[0])
    return out


def flow(pen: Pen, items: Iterable[Item], *, left: Points, top: Points, bottom: Points,
         new_page: Callable[[], None]) -> None:
    """Draw ``items`` down a frame from ``top`` to ``bottom``, calling ``new_page`` at each page break."""
    y = top
    at_top = True
    after = 0.0  # space after the last block drawn, which overlaps the next block's space before
    queue: deque[Item] = deque(_grouped(items))

    def page() -> None:
        nonlocal y, at_top, after
        new_page()
        pen.forget()
        y, at_top, after = top, True, 0.0

    while queue:
        item = queue.popleft()
        if item is PAGE_BREAK:
            page()
            continue
        if isinstance(item, Spacer):
            if not at_top:
                y -= item.height
                after = 0.0
            continue
        if isinstance(item, CondBreak):
            if y - bottom < item.height - _FUZZ and not at_top:
                page()
            continue
        if isinstance(item, Keep):
            gap = 0.0 if at_top else max(item.blocks[0].space_before - after, 0.0)
            if item.height(gap) > y - bottom + _FUZZ and not at_top:
                page()
            queue.extendleft(reversed(item.blocks))
            continue
        gap = 0.0 if at_top else max(item.space_before - after, 0.0)
        room = y - bottom - gap
        if item.height <= room + _FUZZ:
            item.draw(pen, left, y - gap)
            y -= gap + item.height + item.space_after
            after = item.space_after
            at_top = False
            continue
        parts = item.split(room)
        if parts is not None:
            head, tail = parts
            head.draw(pen, left, y - gap)
            page()
            queue.appendleft(tail)
        elif not at_top:
            page()
            queue.appendleft(item)
        else:
            # Taller than a whole page and cannot split: draw it and let it run off rather than loop.
            item.draw(pen, left, y)
            y -= item.height + item.space_after
            after = item.space_after
            at_top = False
