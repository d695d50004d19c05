"""The direct-canvas layout under the documents: wrapping, tables, page flow.

The documents used to be laid out by platypus; these tests hold the small
layout to the same line breaks and page rules, and check that long text
stays inside its column.
"""

from __future__ import annotations

import dataclasses
import io
import re
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from claimdesk.services.documents.layout import (
    PAGE_BREAK,
    Face,
    Keep,
    Label,
    Para,
    Pen,
    RowStyle,
    Spacer,
    Style,
    Table,
    Text,
    flow,
    wrap,
)
from claimdesk.services.documents.reason_codes import CARC
from claimdesk.services.documents.render import MARGIN, render_eob
from claimdesk.services.documents.templates import BASE_LABELS, DEFAULT_TEMPLATES

from .test_render import US_EOB, eob, line

INK = colors.black
BODY = Face("Helvetica", 7.5, INK)
NOTE = Face("Helvetica", 6.5, colors.HexColor("#555555"))

SENTENCES = [
    *(text for template in DEFAULT_TEMPLATES.values() for text in template.rights_text),
    *(plain for _official, plain in CARC.values()),
    "Lakeside Family Medicine & Imaging Associates of Greater Springfield and the Tri-County Area, LLC",
]


def _lines(runs, width, hyphenate=False) -> list[str]:
    return ["".join(text for _dx, text, _face in pieces) for _w, pieces, _ws in wrap(runs, width, hyphenate)]


def _platypus_lines(paragraph: Paragraph) -> list[str]:
    lines = []
    for line in paragraph.blPara.lines:
        if isinstance(line, tuple):  # one face: (extra space, words)
            lines.append(" ".join(line[1]))
        else:  # several fragments (the parser split at an entity such as &amp;)
            lines.append(" ".join("".join(f.text for f in line.words).split()))
    return lines


@pytest.mark.parametrize("width", [90.0, 160.0, 260.0, 494.0])
def test_plain_text_breaks_where_platypus_broke_it(width):
    style = ParagraphStyle("p", fontName="Helvetica", fontSize=7.5, leading=9)
    for text in SENTENCES:
        paragraph = Paragraph(escape(text), style)
        paragraph.wrap(width, 10_000)
        assert _lines(((text, BODY),), width) == _platypus_lines(paragraph), text


def test_lines_fit_their_width_and_keep_every_character():
    runs = (
        ("Supercalifragilisticexpialidocious" * 3 + " short words then ", BODY),
        ("(an official wording in a smaller face)", NOTE),
    )
    for width in (40.0, 75.0, 150.0):
        lines = wrap(runs, width)
        assert all(line_width <= width + 1e-6 for line_width, _pieces, _ws in lines)
        drawn = "".join(text for _w, pieces, _ws in lines for _dx, text, _face in pieces)
        assert drawn.replace(" ", "") == "".join(text for text, _face in runs).replace(" ", "")


def test_a_line_may_narrow_its_spaces_a_little_to_take_one_more_word():
    text = "This service needed approval from us before you received it."
    natural = stringWidth(text, BODY.font, BODY.size)
    (line_width, pieces, word_space), = wrap(((text, BODY),), natural - 0.5)
    assert line_width == pytest.approx(natural - 0.5) and word_space < 0
    assert len(wrap(((text, BODY),), natural * 0.9)) == 2


def test_runs_in_two_faces_share_a_line_and_a_forced_break_starts_a_new_one():
    (first, second) = wrap((("Lakeside Family Medicine", BODY), ("\nNPI 1234567893", NOTE)), 300)
    assert [p[1] for p in first[1]] == ["Lakeside Family Medicine"]
    assert [(p[1], p[2]) for p in second[1]] == [("NPI 1234567893", NOTE)]
    (only,) = wrap((("Your plan does not cover this service. ", BODY), ("(Non-covered charge(s))", NOTE)), 400)
    (_dx0, plain, _f0), (dx1, official, face1) = only[1]
    # The space belongs to the first run: drawn with it, so the note starts one 7.5 pt space after the sentence.
    assert plain == "Your plan does not cover this service. "
    assert (official, face1) == ("(Non-covered charge(s))", NOTE)
    assert dx1 == pytest.approx(stringWidth(plain, BODY.font, BODY.size))


def test_column_heads_break_after_a_hyphen_as_platypus_did():
    head = Face("Helvetica-Bold", 7, INK)
    style = ParagraphStyle("head", fontName=head.font, fontSize=7, leading=8.2, embeddedHyphenation=1)
    heads = {
        t.label(k) for t in DEFAULT_TEMPLATES.values() for k in BASE_LABELS[t.template_type] if k.startswith("col.")
    }
    for text in sorted(heads | {"Out-of-pocket maximum", "Pre-authorisation required"}):
        # Down to the widest part between hyphens: the narrowest column the renderer gives a head.
        widest = max(stringWidth(p, head.font, 7) for w in text.split() for p in re.split(r"(?<=-)", w) if p)
        for width in (widest, widest + 3, widest + 11, 2 * widest, 120.0):
            paragraph = Paragraph(escape(text), style)
            paragraph.wrap(width, 10_000)
            assert _lines(((text, head),), width, hyphenate=True) == _platypus_lines(paragraph), (text, width)
    assert _lines((("Co-insurance", head),), 35, hyphenate=True) == ["Co-", "insurance"]
    assert _lines((("", head),), 40) == []


def test_text_splits_with_no_orphan_and_no_widow():
    style = Style(BODY, 9)
    text = Text("word " * 60, style, 60)
    assert len(text.lines) >= 5
    assert text.split(9 * 1.5) is None  # one line would be an orphan
    head, tail = text.split(9 * (len(text.lines) - 1))
    assert len(tail.lines) == 2 and len(head.lines) + len(tail.lines) == len(text.lines)
    assert head.height + tail.height == pytest.approx(text.height)


def _grid(rows: int) -> Table:
    head = RowStyle(top=2, bottom=2, bottom_align=True)
    body = RowStyle(top=2, bottom=2)
    return Table(
        [30, 100],
        [([Para((("Line", BODY),), Style(BODY, 9)), Label("Amount", BODY, right=True)], head)],
        [([Label(str(n), BODY), Label(f"{n}.00", BODY, right=True)], body) for n in range(rows)],
        pad=(2.5, 2.5),
    )


def test_table_splits_between_rows_and_repeats_its_head():
    table = _grid(50)
    head, tail = table.split(200)
    assert head.height <= 200
    assert len(head.body) + len(tail.body) == 50 and tail.body[0] is table.body[len(head.body)]
    assert head.head == tail.head == table.head
    assert table.split(10) is None  # not even one row fits under the head
    assert _grid(3).split(1_000) is None


class _Recorder(Pen):
    """A pen that notes (page, y, text) instead of only drawing."""

    def __init__(self):
        super().__init__(Canvas(io.BytesIO()))
        self.page = 1
        self.drawn: list[tuple[int, float, str]] = []

    def text(self, x, y, text, face, word_space=0.0):
        self.drawn.append((self.page, y, text))
        super().text(x, y, text, face, word_space)

    def next_page(self):
        self.canvas.showPage()
        self.page += 1


def _flow(items) -> _Recorder:
    pen = _Recorder()
    flow(pen, items, left=0, top=500, bottom=0, new_page=pen.next_page)
    return pen


def _pages_of(pen: _Recorder, text: str) -> set[int]:
    return {page for page, _y, drawn in pen.drawn if drawn == text}


def test_heading_moves_to_the_next_page_with_the_block_it_introduces():
    heading = Style(Face("Helvetica-Bold", 9.5, INK), 12, space_before=7, space_after=3, keep_with_next=True)
    filler = Text("\n".join(f"filler {n}" for n in range(52)), Style(BODY, 9), 300)  # 468 of 500 pt
    pen = _flow([filler, Text("Heading", heading, 300), _grid(5)])
    assert _pages_of(pen, "Heading") == {2} and _pages_of(pen, "4.00") == {2}
    # A short block that fits stays on the page with its heading.
    pen = _flow([Text("filler", Style(BODY, 9), 300), Text("Heading", heading, 300), _grid(5)])
    assert _pages_of(pen, "Heading") == {1} and _pages_of(pen, "4.00") == {1}


def test_long_table_repeats_its_head_on_every_page():
    pen = _flow([_grid(120)])
    pages = {page for page, _y, _t in pen.drawn}
    assert len(pages) >= 3
    assert all("Amount" in {t for p, _y, t in pen.drawn if p == page} for page in pages)
    assert [t for _p, _y, t in pen.drawn if t.endswith(".00")] == [f"{n}.00" for n in range(120)]


def test_keep_block_and_page_break():
    big = Text("\n".join(f"filler {n}" for n in range(50)), Style(BODY, 9), 300)
    kept = Keep([Text(t, Style(BODY, 9), 50) for t in ("A", "B", "C\nD\nE\nF")])
    pen = _flow([big, kept, PAGE_BREAK, Spacer(40), Text("G", Style(BODY, 9), 50)])
    assert _pages_of(pen, "A") == _pages_of(pen, "F") == {2}
    # The spacer at the top of page 3 is dropped: G starts at the top.
    assert [(p, y) for p, y, t in pen.drawn if t == "G"] == [(3, 500 - 7.5)]


def test_long_words_and_names_stay_inside_the_frame():
    word = "Supercalifragilisticexpialidocious" * 4
    data = eob(
        lines=(line(1, "99213" * 6, "180.00", "120.00", "0", "25.00", "0", ("1", "2", "3", "16", "45", "197"),
                    description=word),),
        provider_name=word,
        member_name="Maria-Fernanda Gonzalez de la Torre y Villanueva " * 2,
        member_address=(word,),
    )
    page_width = 612
    seen = []

    def visit(text, cm, tm, font, size):
        text = text.strip()  # pypdf adds the line break it inferred
        if text and font is not None:
            base = str(font["/BaseFont"]).lstrip("/")
            x = tm[4] * cm[0] + cm[4]
            width = stringWidth(text, base, size)
            # A line may have narrowed its spaces by up to 5 %.
            slack = 0.05 * text.count(" ") * stringWidth(" ", base, size) + 0.01
            seen.append(text)
            assert MARGIN - 0.01 <= x and x + width <= page_width - MARGIN + slack, (text, x, width)

    for page in PdfReader(io.BytesIO(render_eob(data, US_EOB))).pages:
        page.extract_text(visitor_text=visit)
    assert any(word[:20] in t for t in seen)


def test_same_inputs_give_the_same_bytes_after_the_wrap_cache_is_warm():
    data = dataclasses.replace(eob(), provider_name="A provider name that is rendered the first time only")
    assert render_eob(data, US_EOB) == render_eob(data, US_EOB)


def test_text_reads_back_a_line_at_a_time():
    """Strings of one line, in one face or several, read back as one line of the PDF's text."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_eob(eob(), US_EOB))).pages)
    lines = set(text.splitlines())
    assert "Total $5,675.00 $1,100.00 $200.00 $25.00 $156.00 $719.00 $381.00" in lines
    assert "Member ID ********1234" in lines
    assert f"1 {CARC['1'][1]} (Deductible Amount)" in lines
    assert "Explanation of Benefits" in lines and "Document DOC-2026-000045" in lines
