"""Explanations of Benefits and policy schedules as PDF bytes.

Pure functions of plain values: the same input gives byte-identical PDFs
(ReportLab's invariant mode, with the PDF's creation date and file ID taken
from the issue date instead of the clock). No database, no Qt.

Layout is shared by every market; ``MarketTemplate`` supplies the words,
currency, dates and paper size.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from claimdesk.services.documents.model import (
    BenefitTerms,
    EobData,
    PolicyDocData,
    PolicyElement,
    YtdBalance,
    mask_id,
)
from claimdesk.services.documents.reason_codes import describe
from claimdesk.services.documents.templates import MarketTemplate
from claimdesk.services.errors import ValidationError
from claimdesk.services.money import ZERO, fmt_grouped

__all__ = ["render_eob", "render_policy", "eob_totals", "accumulator_label"]

# ------------------------------------------------------------------ look

FONT = "Helvetica"  # built-in: no font files to ship; its digits are fixed-width
BOLD = "Helvetica-Bold"
INK = colors.black
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#BBBBBB")
HAIRLINE = colors.HexColor("#DDDDDD")
HEADER_FILL = colors.HexColor("#EEEEEE")

MARGIN = 15 * mm
TOP = 17 * mm
BOTTOM = 21 * mm  # room for the two footer lines
CELL_PAD = 2.5

_S = {
    "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5, textColor=INK),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9, textColor=MUTED),
    "label": ParagraphStyle("label", fontName=FONT, fontSize=7.5, leading=9.5, textColor=MUTED),
    "value": ParagraphStyle("value", fontName=FONT, fontSize=8.5, leading=9.5, textColor=INK),
    "payer": ParagraphStyle("payer", fontName=BOLD, fontSize=10.5, leading=13, textColor=INK),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=18, alignment=TA_RIGHT),
    "title_sub": ParagraphStyle("title_sub", fontName=FONT, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
    "addressee": ParagraphStyle("addressee", fontName=FONT, fontSize=9.5, leading=12),
    "h2": ParagraphStyle(
        "h2", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3, keepWithNext=1
    ),
    # Before a long table: keepWithNext would push the whole table to the next
    # page; a CondPageBreak in front of the heading keeps it with a few rows instead.
    "h2_table": ParagraphStyle("h2_table", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9),
    "cell_note": ParagraphStyle("cell_note", fontName=FONT, fontSize=6.5, leading=7.8, textColor=MUTED),
    # Column heads may break after a hyphen ("Co-/insurance"), never inside a word.
    "head": ParagraphStyle(
        "head", fontName=BOLD, fontSize=7, leading=8.2, alignment=TA_LEFT, embeddedHyphenation=1
    ),
    "head_r": ParagraphStyle(
        "head_r", fontName=BOLD, fontSize=7, leading=8.2, alignment=TA_RIGHT, embeddedHyphenation=1
    ),
    "sum_label": ParagraphStyle("sum_label", fontName=FONT, fontSize=7.5, leading=9, textColor=MUTED),
    "sum_value": ParagraphStyle("sum_value", fontName=FONT, fontSize=11, leading=13.5),
    "sum_value_b": ParagraphStyle("sum_value_b", fontName=BOLD, fontSize=11, leading=13.5),
    "rights": ParagraphStyle("rights", fontName=FONT, fontSize=7.5, leading=9.3, spaceAfter=3),
}


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, _S[style])


def _e(text: object) -> str:
    return escape(str(text))


# --------------------------------------------------------------- canvas


class _IssueStamp:
    """Stands in for ReportLab's clock-based ``TimeStamp``: midnight UTC of the issue date."""

    def __init__(self, day: dt.date):
        self.t = calendar.timegm(day.timetuple())
        self.lt = time.gmtime(self.t)
        self.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
        self.dhh = 0
        self.dmm = 0
        self.tzname = "UTC"


class _PagedCanvas(Canvas):
    """Two-pass canvas: pages are held until ``save`` so each can print "Page n of m"."""

    def __init__(self, *args, issue_date: dt.date, furniture: Callable[[Canvas, int, int], None], **kwargs):
        kwargs["invariant"] = 1
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._held_pages: list[dict] = []
        self._stamp_with(issue_date)

    def _stamp_with(self, issue_date: dt.date) -> None:
        # Invariant mode fixes the date at 2000-01-01 or SOURCE_DATE_EPOCH, and
        # the file ID is seeded from it. Seeding both from the issue date makes
        # the bytes depend on the document alone, not on the environment.
        stamp = _IssueStamp(issue_date)
        pdf = getattr(self, "_doc", None)
        if pdf is not None and hasattr(pdf, "_timeStamp") and hasattr(pdf, "signature"):
            pdf._timeStamp = stamp
            signature = hashlib.md5(usedforsecurity=False)
            signature.update(b"a reportlab document")
            signature.update(ascii(stamp.t).encode("ascii"))
            pdf.signature = signature
        else:  # pragma: no cover - other ReportLab internals; the visible date is still right
            self.setDateFormatter(lambda *_: issue_date.strftime("D:%Y%m%d000000+00'00'"))

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._furniture(self, self._pageNumber, total)
            Canvas.showPage(self)
        Canvas.save(self)


def _furniture(
    template: MarketTemplate,
    page_size: tuple[float, float],
    left_footer: str,
    running_left: str,
    running_right: str,
) -> Callable[[Canvas, int, int], None]:
    width, height = page_size

    footer_size = 7.5
    if template.footer_text:
        # The disclaimer is template data of any length: shrink it rather than let it run off the page.
        room = width - 2 * MARGIN
        footer_size = min(7.5, 7.5 * room / max(stringWidth(template.footer_text, BOLD, 7.5), 1))

    def draw(canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        baseline = 8 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, baseline + 19, width - MARGIN, baseline + 19)
        canvas.setFillColor(INK)
        if template.footer_text:
            canvas.setFont(BOLD, footer_size)
            canvas.drawString(MARGIN, baseline + 9.5, template.footer_text)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, baseline, left_footer)
        canvas.drawRightString(width - MARGIN, baseline, f"Page {page} of {total}")
        if page > 1:
            # Loose pages can be matched to their document and person.
            top = height - 10 * mm
            canvas.setFont(FONT, 7.5)
            canvas.setFillColor(MUTED)
            canvas.drawString(MARGIN, top, running_left)
            canvas.drawRightString(width - MARGIN, top, running_right)
            canvas.line(MARGIN, top - 3, width - MARGIN, top - 3)
        canvas.restoreState()

    return draw


def _build(
    story: list[Flowable],
    template: MarketTemplate,
    *,
    issue_date: dt.date,
    title: str,
    subject: str,
    furniture: Callable[[Canvas, int, int], None],
) -> bytes:
    buffer = BytesIO()
    page_width, page_height = _page_size(template)
    # A frame without the default 6 pt padding, so headings and full-width tables share one left edge.
    frame = Frame(
        MARGIN, BOTTOM, page_width - 2 * MARGIN, page_height - TOP - BOTTOM,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body",
    )
    doc = BaseDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        pageTemplates=[PageTemplate(id="page", frames=[frame])],
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=title,
        author=template.payer_name,
        subject=subject,
        creator="ClaimDesk",
        invariant=1,
        lang="en-GB" if template.market_code == "UK" else "en-US",
    )
    doc.build(story, canvasmaker=partial(_PagedCanvas, issue_date=issue_date, furniture=furniture))
    return buffer.getvalue()


def _page_size(template: MarketTemplate) -> tuple[float, float]:
    return A4 if template.page_size == "A4" else LETTER


def _frame_width(template: MarketTemplate) -> float:
    return _page_size(template)[0] - 2 * MARGIN


# ------------------------------------------------------------- blocks


def _header(template: MarketTemplate, document_locator: str, issue_date: dt.date, width: float) -> Table:
    """Payer top-left; title, document locator and issue date top-right."""
    payer = [_p(_e(template.payer_name), "payer")]
    payer += [_p(_e(line)) for line in template.payer_address]
    payer += [_p(_e(line), "small") for line in template.payer_contact]
    title = [
        _p(_e(template.title), "title"),
        _p(f"{_e(template.label('document'))} {_e(document_locator)}", "title_sub"),
        _p(f"{_e(template.label('issued'))} {_e(template.long_date(issue_date))}", "title_sub"),
    ]
    return _side_by_side([payer, title], [width * 0.55, width * 0.45])


def _addressee(name: str, address: Sequence[str]) -> list[Flowable]:
    return [_p(f"<b>{_e(name)}</b>", "addressee")] + [_p(_e(line), "addressee") for line in address]


def _reference_box(rows: Sequence[tuple[str, str]], width: float) -> Table:
    """Label/value pairs in a light box: the references a caller asks for on the phone."""
    label_width = width * 0.36
    data = [[_p(_e(label), "label"), _p(value, "value")] for label, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("TOPPADDING", (0, 0), (-1, 0), 4),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4),
            ]
        )
    )
    return table


def _two_columns(left: list[Flowable], right: Flowable, width: float, left_share: float) -> Table:
    return _side_by_side([left, right], [width * left_share, width * (1 - left_share)])


def _side_by_side(cells: list, col_widths: list[float]) -> Table:
    """Blocks next to each other, top-aligned, with no frame or padding of their own."""
    table = Table([cells], colWidths=col_widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _grid_style(header_rows: int = 1) -> list[tuple]:
    """Shared look of data tables: shaded header, hairlines between rows, nothing else."""
    return [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("LEADING", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.6, INK),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, HAIRLINE),
    ]


def _rights(template: MarketTemplate) -> list[Flowable]:
    # The heading keeps with the first paragraph; the paragraphs may run on to the next page.
    parts: list[Flowable] = [_p(_e(template.rights_heading), "h2")]
    parts += [_p(_e(text), "rights") for text in template.rights_text]
    return parts


# ------------------------------------------------------------------ EOB

_EOB_MONEY = ("billed", "allowed", "deductible", "copay", "coinsurance", "paid", "member_share")


def eob_totals(data: EobData) -> dict[str, Decimal]:
    """Sums of the lines, to the cent: the totals row and the claim summary print these."""
    return {name: sum((getattr(line, name) for line in data.lines), ZERO) for name in _EOB_MONEY}


def accumulator_label(template: MarketTemplate, accumulator_type: str, coverage_term_key: str) -> str:
    """A balance's name in the template's words, e.g. "Deductible", "Excess", "Imaging visits".

    For the database layer building ``YtdBalance`` rows from
    ``coverage_accumulators``; the template may override any of them with
    a ``balance.<TYPE>`` label.
    """
    defaults = {
        "DEDUCTIBLE": template.label("col.deductible"),
        "OUT_OF_POCKET": "Out-of-pocket limit" if template.market_code == "UK" else "Out-of-pocket maximum",
        "BENEFIT_LIMIT": "{benefit} benefit limit",
        "VISIT_LIMIT": "{benefit} visits",
    }
    pattern = template.labels.get(f"balance.{accumulator_type}", defaults.get(accumulator_type, accumulator_type))
    return pattern.format(benefit=_benefit_name(template, coverage_term_key))


def _service_dates(data: EobData, template: MarketTemplate) -> str:
    days = sorted({line.service_date for line in data.lines} | {data.incident_date})
    if len(days) == 1:
        return template.date(days[0])
    return f"{template.date(days[0])} \u2013 {template.date(days[-1])}"


def _eob_reference(data: EobData, template: MarketTemplate) -> list[tuple[str, str]]:
    label = template.label
    provider = _e(data.provider_name)
    if data.provider_npi:
        provider += f"<br/><font size=7.5 color='#555555'>{_e(label('npi'))} {_e(data.provider_npi)}</font>"
    rows = [
        (label("member_id"), _e(mask_id(data.member_id))),
        (label("claim"), f"<b>{_e(data.claim_locator)}</b>"),
        (label("policy"), _e(data.policy_locator)),
        (label("product"), _e(data.product_name)),
        (label("provider"), provider),
        (label("network"), _e(label(f"network.{data.network_status}"))),
        (label("service_dates"), _e(_service_dates(data, template))),
    ]
    if data.received_date:
        rows.append((label("received"), _e(template.date(data.received_date))))
    if data.processed_date:
        rows.append((label("processed"), _e(template.date(data.processed_date))))
    rows.append((label("claim_status"), f"<b>{_e(label(f'status.{data.claim_status}'))}</b>"))
    return rows


def _summary_strip(totals: dict[str, Decimal], template: MarketTemplate, currency: str | None, width: float) -> Table:
    keys = ("billed", "allowed", "paid", "member_share")
    cells = []
    for key in keys:
        style = "sum_value_b" if key == "member_share" else "sum_value"
        cells.append(
            [
                _p(_e(template.label(f"summary.{key}")), "sum_label"),
                _p(_e(template.money(totals[key], currency)), style),
            ]
        )
    table = Table([cells], colWidths=[width / len(keys)] * len(keys))
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEBEFORE", (1, 0), (-1, 0), 0.5, RULE),
                ("BACKGROUND", (-1, 0), (-1, 0), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _eob_column_widths(width: float, money_heads: Sequence[str], money_totals: Sequence[str]) -> list[float]:
    """Line, date and codes fixed; each amount column as wide as its head's longest word
    or its bold total needs (at least 44 pt); the procedure column takes the rest."""
    line_w, date_w, codes_w = 21.0, 45.0, 40.0

    def need(head: str, total: str) -> float:
        # Whole words up to 52 pt wide ("Co-insurance"); longer ones break after a hyphen.
        words = [stringWidth(w, BOLD, 7) for w in head.split()]
        parts = [stringWidth(p, BOLD, 7) for w in head.split() for p in re.split(r"(?<=-)", w) if p]
        head_w = min(max(words), 52 - 2 * CELL_PAD - 1) if words else 0
        widest = max([head_w, *parts, stringWidth(total, BOLD, 7.5)])
        return max(44.0, math.ceil(widest + 2 * CELL_PAD + 1))

    money = [need(h, t) for h, t in zip(money_heads, money_totals)]
    procedure_w = width - line_w - date_w - codes_w - sum(money)
    if procedure_w < 56:
        # Very large amounts: squeeze the amount columns evenly; _money_font_size shrinks the digits.
        excess = 56 - procedure_w
        money = [w - excess / len(money) for w in money]
        procedure_w = 56
    return [line_w, date_w, procedure_w, *money, codes_w]


def _money_font_size(texts: Sequence[str], widths: Sequence[float]) -> float:
    """7.5 pt unless an amount (bold, in the totals row) would not fit its column."""
    ratios = [(w - 2 * CELL_PAD) / max(stringWidth(t, BOLD, 7.5), 1) for t, w in zip(texts, widths)]
    return max(5.5, min([7.5] + [7.5 * r for r in ratios]))


def _line_table(data: EobData, template: MarketTemplate, totals: dict[str, Decimal], width: float) -> Table:
    label = template.label
    money_keys = _EOB_MONEY
    total_texts = [template.money(totals[key], data.currency) for key in money_keys]
    col_widths = _eob_column_widths(width, [label(f"col.{key}") for key in money_keys], total_texts)
    header = [
        _p(_e(label("col.line")), "head_r"),
        _p(_e(label("col.service_date")), "head"),
        _p(_e(label("col.procedure")), "head"),
        *[_p(_e(label(f"col.{key}")), "head_r") for key in money_keys],
        _p(_e(label("col.codes")), "head"),
    ]
    rows: list[list] = [header]
    for line in data.lines:
        procedure = f"<b>{_e(line.procedure_code)}</b>"
        if line.description:
            procedure += f"<br/><font size=6.5 color='#555555'>{_e(line.description)}</font>"
        if line.status != "APPROVED":
            procedure += f"<br/><font size=6.5><b>{_e(label(f'status.{line.status}'))}</b></font>"
        rows.append(
            [
                str(line.line_number),
                template.date(line.service_date),
                _p(procedure, "cell"),
                *[fmt_grouped(getattr(line, key)) for key in money_keys],
                _p(_e(", ".join(line.reason_codes)), "cell"),
            ]
        )
    rows.append([_e(label("totals")), "", "", *total_texts, ""])

    size = _money_font_size(total_texts, col_widths[3:10])
    last = len(rows) - 1
    style = _grid_style() + [
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),
        ("ALIGN", (3, 1), (9, -1), "RIGHT"),
        ("FONT", (3, 1), (9, -1), FONT, size),
        ("SPAN", (0, last), (2, last)),
        ("ALIGN", (0, last), (2, last), "LEFT"),
        ("FONT", (0, last), (-1, last), BOLD, 7.5),
        ("FONT", (3, last), (9, last), BOLD, size),
        ("LINEABOVE", (0, last), (-1, last), 0.6, INK),
        ("TOPPADDING", (0, last), (-1, last), 3),
        # The member's column is the one they read; a faint band keeps the eye on it.
        ("BACKGROUND", (9, 1), (9, -1), colors.HexColor("#F5F5F5")),
    ]
    table = Table(rows, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _codes_section(data: EobData, template: MarketTemplate, width: float) -> list[Flowable]:
    codes = sorted(
        {code for line in data.lines for code in line.reason_codes},
        key=lambda c: (int(c), c) if c.isdigit() else (10**9, c),
    )
    if not codes:
        return []
    rows = []
    for code in codes:
        official, plain = describe(code)
        plain = template.labels.get(f"carc.{code}", plain)
        rows.append(
            [
                _p(f"<b>{_e(code)}</b>", "cell"),
                _p(f"{_e(plain)} <font size=6.5 color='#555555'>({_e(official.rstrip('.'))})</font>", "cell"),
            ]
        )
    table = Table(rows, colWidths=[28, width - 28])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE),
            ]
        )
    )
    return [_p(_e(template.label("codes_heading")), "h2"), table]


def _balance_text(balance: YtdBalance, template: MarketTemplate, currency: str | None) -> str:
    if balance.is_count:
        visits = template.label("balance.visits")
        used, limit, left = str(balance.consumed), f"{balance.limit} {visits}", str(balance.remaining)
    else:
        used, limit, left = (template.money(v, currency) for v in (balance.consumed, balance.limit, balance.remaining))
    return template.label("balance.used").format(used=used, limit=limit, remaining=left)


def _balances_section(data: EobData, template: MarketTemplate, width: float) -> list[Flowable]:
    if not data.balances:
        return []
    rows = [
        [_p(_e(b.label), "cell"), _p(_e(_balance_text(b, template, data.currency)), "cell")]
        for b in data.balances
    ]
    table = Table(rows, colWidths=[width * 0.3, width * 0.7])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE),
            ]
        )
    )
    return [KeepTogether([_p(_e(template.label("balances_heading")), "h2"), table])]


def _require(template: MarketTemplate, template_type: str) -> None:
    if template.template_type != template_type:
        raise ValidationError(
            f"a {template.template_type} template cannot render a {template_type} document",
            where=f"template {template.market_code}/{template.template_type}",
        )


def render_eob(data: EobData, template: MarketTemplate) -> bytes:
    """The Explanation of Benefits for one adjudicated claim, as PDF bytes."""
    _require(template, "EOB")
    width = _frame_width(template)
    totals = eob_totals(data)
    reference = _reference_box(_eob_reference(data, template), width * 0.48)
    story: list[Flowable] = [
        _header(template, data.document_locator, data.issue_date, width),
        Spacer(0, 6 * mm),
        _two_columns(_addressee(data.member_name, data.member_address), reference, width, left_share=0.52),
        Spacer(0, 2 * mm),
        _p(_e(template.label("summary")), "h2"),
        _summary_strip(totals, template, data.currency, width),
        CondPageBreak(30 * mm),
        _p(_e(template.label("lines_heading")), "h2_table"),
        _line_table(data, template, totals, width),
        *_codes_section(data, template, width),
        *_balances_section(data, template, width),
        *_rights(template),
    ]
    furniture = _furniture(
        template,
        _page_size(template),
        left_footer=f"{data.document_locator} \u00b7 {template.label('claim')} {data.claim_locator}",
        running_left=f"{template.title} \u00b7 {template.label('claim')} {data.claim_locator}",
        running_right=f"{data.member_name} \u00b7 {template.label('member_id')} {mask_id(data.member_id)}",
    )
    return _build(
        story,
        template,
        issue_date=data.issue_date,
        title=f"{template.title} {data.claim_locator}",
        subject=f"{template.label('claim')} {data.claim_locator}",
        furniture=furniture,
    )


# --------------------------------------------------------------- policy


def _benefit_name(template: MarketTemplate, key: str) -> str:
    return template.labels.get(f"benefit.{key}", key.replace("_", " ").strip().capitalize())


def _percent(value: Decimal) -> str:
    pct = (value * 100).normalize()
    text = f"{pct:f}"
    return f"{text}%"


def _limit_text(element: PolicyElement, key: str, template: MarketTemplate) -> str:
    parts = []
    benefit_limit = element.limit("BENEFIT_LIMIT", key)
    if benefit_limit is not None:
        parts.append(template.money(benefit_limit.amount, element.currency or None))
    visit_limit = element.limit("VISIT_LIMIT", key)
    if visit_limit is not None:
        parts.append(f"{visit_limit.amount} {template.label('visits')}")
    return "; ".join(parts) if parts else "\u2014"


def _terms_cells(terms: BenefitTerms, element: PolicyElement, template: MarketTemplate) -> list[str]:
    label = template.label
    if not terms.covered:
        return [label("no"), "\u2014", "\u2014", "\u2014", "\u2014"]
    return [
        label("yes"),
        template.money(terms.copay, element.currency or None),
        _percent(terms.coinsurance),
        label("yes") if terms.deductible_applies else label("no"),
        label("required") if terms.requires_prior_auth else label("no"),
    ]


def _plan_limits(element: PolicyElement, template: MarketTemplate, width: float) -> Table:
    label = template.label
    deductible = element.limit("DEDUCTIBLE", "plan")
    oop = element.limit("OUT_OF_POCKET", "plan")
    per = label("per_term")
    currency = element.currency or None
    # No accumulator row means the limit does not apply (spec): say so in words.
    deductible_text = f"{template.money(deductible.amount, currency)} {per}" if deductible else label("limit.none")
    oop_text = f"{template.money(oop.amount, currency)} {per}" if oop else label("limit.no_maximum")
    rows = [
        [_p(_e(label("deductible")), "cell"), _p(_e(deductible_text), "cell")],
        [_p(_e(label("out_of_pocket")), "cell"), _p(_e(oop_text), "cell")],
    ]
    table = Table(rows, colWidths=[width * 0.3, width * 0.7], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, HAIRLINE),
            ]
        )
    )
    return table


def _benefits_table(element: PolicyElement, template: MarketTemplate, width: float) -> list[Flowable]:
    label = template.label
    heads = ("col.benefit", "col.covered", "col.copay", "col.coinsurance", "col.deductible_applies",
             "col.prior_auth", "col.limit")
    right = {"col.copay", "col.coinsurance", "col.limit"}
    header = [_p(_e(label(k)), "head_r" if k in right else "head") for k in heads]
    rows: list[list] = [header]
    for terms in element.benefits:
        rows.append(
            [_p(_e(_benefit_name(template, terms.key)), "cell")]
            + _terms_cells(terms, element, template)
            + [_limit_text(element, terms.key, template) if terms.covered else "\u2014"]
        )
    oon_row = len(rows)
    oon_name = _p(f"<b>{_e(label('out_of_network'))}</b>", "cell")
    if element.out_of_network is not None and element.out_of_network.covered:
        oon = element.out_of_network
        rows.append(
            [
                oon_name,
                label("yes"),
                template.money(oon.copay, element.currency or None),
                _percent(oon.coinsurance),
                label("yes") if oon.deductible_applies else label("no"),
                "\u2014",
                "\u2014",
            ]
        )
    else:
        rows.append([oon_name, label("no"), "\u2014", "\u2014", "\u2014", "\u2014", "\u2014"])
    fixed = [54.0, 58.0, 62.0, 72.0, 72.0]
    col_widths = [width - sum(fixed) - 70.0] + fixed + [70.0]
    style = _grid_style() + [
        ("ALIGN", (2, 1), (3, -1), "RIGHT"),
        ("ALIGN", (6, 1), (6, -1), "RIGHT"),
        # Air between the right-aligned percentages and the yes/no column after them.
        ("LEFTPADDING", (4, 0), (4, -1), 12),
        ("LINEABOVE", (0, oon_row), (-1, oon_row), 0.6, INK),
    ]
    table = Table(rows, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    parts: list[Flowable] = [table]
    if element.out_of_network is not None and element.out_of_network.covered:
        parts += [Spacer(0, 2), _p(_e(label("out_of_network.note")), "small")]
    return parts


def _bullet_list(items: Sequence[str], width: float) -> Table:
    rows = [[_p("\u2013", "cell"), _p(item, "cell")] for item in items]
    table = Table(rows, colWidths=[10, width - 10])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _per_element(data: PolicyDocData, template: MarketTemplate, pick: Callable[[BenefitTerms], bool]) -> list[str]:
    many = len(data.elements) > 1
    items = []
    for element in data.elements:
        for terms in element.benefits:
            if pick(terms):
                text = f"<b>{_e(_benefit_name(template, terms.key))}</b>"
                if many:
                    text += f" <font color='#555555'>({_e(element.name)})</font>"
                items.append(text)
    return items


def render_policy(data: PolicyDocData, template: MarketTemplate) -> bytes:
    """The policy schedule and summary of benefits, as PDF bytes."""
    _require(template, "POLICY")
    if data.market_code != template.market_code:
        raise ValidationError(
            f"policy market {data.market_code!r} does not match template market {template.market_code!r}",
            where="policy.market_code",
        )
    label = template.label
    width = _frame_width(template)

    term = f"{template.date(data.effective_from)} \u2013 " + (
        template.date(data.effective_to) if data.effective_to else label("term.open")
    )
    premium = data.premium
    reference = _reference_box(
        [
            (label("policy"), f"<b>{_e(data.policy_locator)}</b>"),
            (label("product"), f"{_e(data.product_name)} <font color='#555555'>"
                               f"({_e(label('version'))} {_e(data.product_version)})</font>"),
            (label("market"), _e(data.market_code)),
            (label("term"), _e(term)),
            (label("premium"), f"<b>{_e(template.money(premium.amount, premium.currency))}</b> "
                               f"{_e(label(f'frequency.{premium.frequency}'))}"),
        ],
        width * 0.48,
    )

    member_rows: list[list] = [
        [_p(_e(label(k)), "head") for k in ("col.name", "col.member_id", "col.relationship", "col.date_of_birth")]
    ]
    for member in data.members:
        member_rows.append(
            [
                _p(_e(member.name), "cell"),
                mask_id(member.member_id),
                label(f"relationship.{member.relationship.upper()}"),
                template.date(member.date_of_birth),
            ]
        )
    members = Table(member_rows, colWidths=[width * 0.4, width * 0.22, width * 0.2, width * 0.18], repeatRows=1)
    members.setStyle(TableStyle(_grid_style()))

    story: list[Flowable] = [
        _header(template, data.document_locator, data.issue_date, width),
        Spacer(0, 7 * mm),
        _two_columns(
            [_p(_e(label("policyholder")), "label"), *_addressee(data.policyholder_name, data.policyholder_address)],
            reference,
            width,
            left_share=0.52,
        ),
        _p(_e(label("members_heading")), "h2"),
        members,
        PageBreak(),
    ]

    for element in data.elements:
        heading = f"{_e(label('benefits_heading'))}: {_e(element.name)}"
        if element.element_type and element.element_type.lower() != element.name.lower():
            heading += f" <font color='#555555'>({_e(element.element_type.replace('_', ' ').capitalize())})</font>"
        story += [
            CondPageBreak(45 * mm),
            _p(heading, "h2"),
            _p(_e(label("plan_limits")), "label"),
            _plan_limits(element, template, width * 0.6),
            Spacer(0, 4),
            *_benefits_table(element, template, width),
        ]

    exclusions = _per_element(data, template, lambda t: not t.covered)
    story.append(_p(_e(label("exclusions_heading")), "h2"))
    story.append(_bullet_list(exclusions, width) if exclusions else _p(_e(label("exclusions.none")), "cell"))

    prior_auth = _per_element(data, template, lambda t: t.covered and t.requires_prior_auth)
    story.append(_p(_e(label("prior_auth_heading")), "h2"))
    if prior_auth:
        story += [_p(_e(label("prior_auth.intro")), "cell"), Spacer(0, 2), _bullet_list(prior_auth, width)]
    else:
        story.append(_p(_e(label("prior_auth.none")), "cell"))

    story += _rights(template)

    furniture = _furniture(
        template,
        _page_size(template),
        left_footer=f"{data.document_locator} \u00b7 {label('policy')} {data.policy_locator}",
        running_left=f"{template.title} \u00b7 {label('policy')} {data.policy_locator}",
        running_right=data.policyholder_name,
    )
    return _build(
        story,
        template,
        issue_date=data.issue_date,
        title=f"{template.title} {data.policy_locator}",
        subject=f"{label('policy')} {data.policy_locator}",
        furniture=furniture,
    )
