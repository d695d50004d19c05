"""Explanations of Benefits and policy schedules as PDF bytes.

Pure functions of plain values: the same input gives byte-identical PDFs
(ReportLab's invariant mode, with the PDF's creation date and file ID taken
from the issue date instead of the clock). No database, no Qt.

Layout is shared by every market; ``MarketTemplate`` supplies the words,
currency, dates and paper size. Blocks are drawn straight onto the canvas by
``layout`` (wrapped text runs, tables, a page flow) rather than by platypus:
an EOB is on the issue path of every claim, and platypus's markup parsing and
general table machinery made it several times slower than the page needs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from claimdesk.services.documents.layout import (
    Columns,
    CondBreak,
    Face,
    Item,
    Keep,
    Label,
    PAGE_BREAK,
    Para,
    Pen,
    RowStyle,
    Rule,
    Runs,
    Spacer,
    Style,
    Table,
    Text,
    flow,
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
BAND_FILL = colors.HexColor("#F5F5F5")

MARGIN = 15 * mm
TOP = 17 * mm
BOTTOM = 21 * mm  # room for the two footer lines
CELL_PAD = 2.5

BODY = Style(Face(FONT, 8.5, INK), 10.5)
SMALL = Style(Face(FONT, 7.5, MUTED), 9)
LABEL = Style(Face(FONT, 7.5, MUTED), 9.5)
VALUE = Style(Face(FONT, 8.5, INK), 9.5)
PAYER = Style(Face(BOLD, 10.5, INK), 13)
TITLE = Style(Face(BOLD, 15, INK), 18, right=True)
TITLE_SUB = Style(Face(FONT, 8.5, INK), 10.5, right=True)
ADDRESSEE = Style(Face(FONT, 9.5, INK), 12)
H2 = Style(Face(BOLD, 9.5, INK), 12, space_before=7, space_after=3, keep_with_next=True)
# Before a long table: keeping the heading with the whole table would push it to
# the next page; a CondBreak in front of the heading keeps it with a few rows instead.
H2_TABLE = H2._replace(keep_with_next=False)
CELL = Style(Face(FONT, 7.5, INK), 9)
# Column heads may break after a hyphen ("Co-/insurance"), never inside a word.
HEAD = Style(Face(BOLD, 7, INK), 8.2, hyphenate=True)
HEAD_R = HEAD._replace(right=True)
SUM_LABEL = Style(Face(FONT, 7.5, MUTED), 9)
SUM_VALUE = Style(Face(FONT, 11, INK), 13.5)
SUM_VALUE_B = Style(Face(BOLD, 11, INK), 13.5)
RIGHTS = Style(Face(FONT, 7.5, INK), 9.3, space_after=3)

CELL_BOLD = Face(BOLD, 7.5, INK)
CELL_MUTED = Face(FONT, 7.5, MUTED)
NOTE = Face(FONT, 6.5, MUTED)  # a line's description, a code's official wording
NOTE_BOLD = Face(BOLD, 6.5, INK)

# Data tables: shaded head on a black rule, hairlines between rows, nothing else.
GRID_HEAD = RowStyle(top=2, bottom=2, bottom_align=True, fill=HEADER_FILL, line_below=Rule(0.6, INK))
GRID_ROW = RowStyle(top=2, bottom=2, line_below=Rule(0.25, HAIRLINE))
# Label/value lists (codes, balances, plan limits): hairlines only.
LIST_ROW = RowStyle(top=1.5, bottom=1.5, line_below=Rule(0.25, HAIRLINE))


def _bold(style: Style) -> Face:
    return style.face._replace(font=BOLD)


def _para(text: str, style: Style) -> Para:
    return Para(((text, style.face),), style)


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
    items: Iterable[Item],
    template: MarketTemplate,
    *,
    issue_date: dt.date,
    title: str,
    subject: str,
    furniture: Callable[[Canvas, int, int], None],
) -> bytes:
    buffer = BytesIO()
    page_width, page_height = _page_size(template)
    canvas = _PagedCanvas(
        buffer,
        pagesize=(page_width, page_height),
        issue_date=issue_date,
        furniture=furniture,
        lang="en-GB" if template.market_code == "UK" else "en-US",
    )
    canvas.setAuthor(template.payer_name)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator("ClaimDesk")
    flow(Pen(canvas), items, left=MARGIN, top=page_height - TOP, bottom=BOTTOM, new_page=canvas.showPage)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page_size(template: MarketTemplate) -> tuple[float, float]:
    return A4 if template.page_size == "A4" else LETTER


def _frame_width(template: MarketTemplate) -> float:
    return _page_size(template)[0] - 2 * MARGIN


# ------------------------------------------------------------- blocks


def _header(template: MarketTemplate, document_locator: str, issue_date: dt.date, width: float) -> Columns:
    """Payer top-left; title, document locator and issue date top-right."""
    left, right = width * 0.55, width * 0.45
    payer = [Text(template.payer_name, PAYER, left)]
    payer += [Text(line, BODY, left) for line in template.payer_address]
    payer += [Text(line, SMALL, left) for line in template.payer_contact]
    title = [
        Text(template.title, TITLE, right),
        Text(f"{template.label('document')} {document_locator}", TITLE_SUB, right),
        Text(f"{template.label('issued')} {template.long_date(issue_date)}", TITLE_SUB, right),
    ]
    return Columns([(left, payer), (right, title)])


def _addressee(name: str, address: Sequence[str], width: float) -> list[Text]:
    return [Text(((name, _bold(ADDRESSEE)),), ADDRESSEE, width)] + [Text(line, ADDRESSEE, width) for line in address]


def _reference_box(rows: Sequence[tuple[str, Runs]], width: float) -> Table:
    """Label/value pairs in a light box: the references a caller asks for on the phone."""
    label_width = width * 0.36
    last = len(rows) - 1
    body = [
        ([_para(label, LABEL), Para(value, VALUE)], RowStyle(top=4 if i == 0 else 1.2, bottom=4 if i == last else 1.2))
        for i, (label, value) in enumerate(rows)
    ]
    return Table([label_width, width - label_width], (), body, pad=(5, 5), box=Rule(0.5, RULE))


def _value(text: str, face: Face = VALUE.face) -> Runs:
    return ((text, face),)


def _list_table(rows: Iterable[Sequence[Para]], widths: Sequence[float]) -> Table:
    return Table(widths, (), [(cells, LIST_ROW) for cells in rows], pad=(CELL_PAD, CELL_PAD))


def _rights(template: MarketTemplate, width: float) -> list[Text]:
    # The heading keeps with the first paragraph; the paragraphs may run on to the next page.
    return [Text(template.rights_heading, H2, width)] + [Text(text, RIGHTS, width) for text in template.rights_text]


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


def _eob_reference(data: EobData, template: MarketTemplate) -> list[tuple[str, Runs]]:
    label = template.label
    bold = _bold(VALUE)
    provider: Runs = _value(data.provider_name)
    if data.provider_npi:
        provider += ((f"\n{label('npi')} {data.provider_npi}", CELL_MUTED),)
    rows = [
        (label("member_id"), _value(mask_id(data.member_id))),
        (label("claim"), _value(data.claim_locator, bold)),
        (label("policy"), _value(data.policy_locator)),
        (label("product"), _value(data.product_name)),
        (label("provider"), provider),
        (label("network"), _value(label(f"network.{data.network_status}"))),
        (label("service_dates"), _value(_service_dates(data, template))),
    ]
    if data.received_date:
        rows.append((label("received"), _value(template.date(data.received_date))))
    if data.processed_date:
        rows.append((label("processed"), _value(template.date(data.processed_date))))
    rows.append((label("claim_status"), _value(label(f"status.{data.claim_status}"), bold)))
    return rows


def _summary_strip(totals: dict[str, Decimal], template: MarketTemplate, currency: str | None, width: float) -> Table:
    keys = ("billed", "allowed", "paid", "member_share")
    cells = [
        (
            _para(template.label(f"summary.{key}"), SUM_LABEL),
            _para(template.money(totals[key], currency), SUM_VALUE_B if key == "member_share" else SUM_VALUE),
        )
        for key in keys
    ]
    return Table(
        [width / len(keys)] * len(keys),
        (),
        [(cells, RowStyle(top=4, bottom=5))],
        pad=(6, 6),
        box=Rule(0.5, RULE),
        inner_v=Rule(0.5, RULE),
        band=(len(keys) - 1, HEADER_FILL),
    )


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
        _para(label("col.line"), HEAD_R),
        _para(label("col.service_date"), HEAD),
        _para(label("col.procedure"), HEAD),
        *[_para(label(f"col.{key}"), HEAD_R) for key in money_keys],
        _para(label("col.codes"), HEAD),
    ]
    size = _money_font_size(total_texts, col_widths[3:10])
    money_face = Face(FONT, size, INK)
    rows: list[tuple] = []
    for line in data.lines:
        # Every amount is a string of its own, so the PDF's text reads back to the cent.
        procedure: Runs = ((line.procedure_code, CELL_BOLD),)
        if line.description:
            procedure += ((f"\n{line.description}", NOTE),)
        if line.status != "APPROVED":
            procedure += ((f"\n{label(f'status.{line.status}')}", NOTE_BOLD),)
        cells = [
            Label(str(line.line_number), CELL.face, right=True),
            Label(template.date(line.service_date), CELL.face),
            Para(procedure, CELL),
            *[Label(fmt_grouped(getattr(line, key)), money_face, right=True) for key in money_keys],
            _para(", ".join(line.reason_codes), CELL),
        ]
        rows.append((cells, GRID_ROW))
    total_face = Face(BOLD, size, INK)
    totals_row = [Label(label("totals"), CELL_BOLD), None, None]
    totals_row += [*(Label(t, total_face, right=True) for t in total_texts), None]
    rows.append((totals_row, GRID_ROW._replace(top=3, line_above=Rule(0.6, INK)), (0, 2)))
    # The member's column is the one they read; a faint band keeps the eye on it.
    return Table(col_widths, [(header, GRID_HEAD)], rows, pad=(CELL_PAD, CELL_PAD), band=(9, BAND_FILL))


def _codes_section(data: EobData, template: MarketTemplate, width: float) -> list[Item]:
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
        explained = ((f"{plain} ", CELL.face), (f"({official.rstrip('.')})", NOTE))
        rows.append([Para(((code, CELL_BOLD),), CELL), Para(explained, CELL)])
    return [Text(template.label("codes_heading"), H2, width), _list_table(rows, [28, width - 28])]


def _balance_text(balance: YtdBalance, template: MarketTemplate, currency: str | None) -> str:
    if balance.is_count:
        visits = template.label("balance.visits")
        used, limit, left = str(balance.consumed), f"{balance.limit} {visits}", str(balance.remaining)
    else:
        used, limit, left = (template.money(v, currency) for v in (balance.consumed, balance.limit, balance.remaining))
    return template.label("balance.used").format(used=used, limit=limit, remaining=left)


def _balances_section(data: EobData, template: MarketTemplate, width: float) -> list[Item]:
    if not data.balances:
        return []
    rows = [[_para(b.label, CELL), _para(_balance_text(b, template, data.currency), CELL)] for b in data.balances]
    heading = Text(template.label("balances_heading"), H2, width)
    return [Keep([heading, _list_table(rows, [width * 0.3, width * 0.7])])]


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
    items: list[Item] = [
        _header(template, data.document_locator, data.issue_date, width),
        Spacer(6 * mm),
        Columns(
            [
                (width * 0.52, _addressee(data.member_name, data.member_address, width * 0.52)),
                (width * 0.48, [_reference_box(_eob_reference(data, template), width * 0.48)]),
            ]
        ),
        Spacer(2 * mm),
        Text(template.label("summary"), H2, width),
        _summary_strip(totals, template, data.currency, width),
        CondBreak(30 * mm),
        Text(template.label("lines_heading"), H2_TABLE, width),
        _line_table(data, template, totals, width),
        *_codes_section(data, template, width),
        *_balances_section(data, template, width),
        *_rights(template, width),
    ]
    furniture = _furniture(
        template,
        _page_size(template),
        left_footer=f"{data.document_locator} \u00b7 {template.label('claim')} {data.claim_locator}",
        running_left=f"{template.title} \u00b7 {template.label('claim')} {data.claim_locator}",
        running_right=f"{data.member_name} \u00b7 {template.label('member_id')} {mask_id(data.member_id)}",
    )
    return _build(
        items,
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
        [_para(label("deductible"), CELL), _para(deductible_text, CELL)],
        [_para(label("out_of_pocket"), CELL), _para(oop_text, CELL)],
    ]
    return _list_table(rows, [width * 0.3, width * 0.7])


# Benefits table: which columns hold right-aligned figures.
_BENEFIT_HEADS = ("col.benefit", "col.covered", "col.copay", "col.coinsurance", "col.deductible_applies",
                  "col.prior_auth", "col.limit")
_BENEFIT_RIGHT = (False, False, True, True, False, False, True)


def _benefits_table(element: PolicyElement, template: MarketTemplate, width: float) -> list[Item]:
    label = template.label
    header = [_para(label(k), HEAD_R if right else HEAD) for k, right in zip(_BENEFIT_HEADS, _BENEFIT_RIGHT)]

    def row(name: Para, texts: Sequence[str]) -> list:
        return [name] + [Label(t, CELL.face, right=right) for t, right in zip(texts, _BENEFIT_RIGHT[1:])]

    rows: list[tuple] = []
    for terms in element.benefits:
        limit = _limit_text(element, terms.key, template) if terms.covered else "\u2014"
        texts = [*_terms_cells(terms, element, template), limit]
        rows.append((row(_para(_benefit_name(template, terms.key), CELL), texts), GRID_ROW))
    oon_name = Para(((label("out_of_network"), CELL_BOLD),), CELL)
    oon = element.out_of_network
    if oon is not None and oon.covered:
        texts = [
            label("yes"),
            template.money(oon.copay, element.currency or None),
            _percent(oon.coinsurance),
            label("yes") if oon.deductible_applies else label("no"),
            "\u2014",
            "\u2014",
        ]
    else:
        texts = [label("no"), "\u2014", "\u2014", "\u2014", "\u2014", "\u2014"]
    rows.append((row(oon_name, texts), GRID_ROW._replace(line_above=Rule(0.6, INK))))
    fixed = [54.0, 58.0, 62.0, 72.0, 72.0]
    col_widths = [width - sum(fixed) - 70.0] + fixed + [70.0]
    pad = [(CELL_PAD, CELL_PAD)] * len(col_widths)
    pad[4] = (12, CELL_PAD)  # air between the right-aligned percentages and the yes/no column after them
    parts: list[Item] = [Table(col_widths, [(header, GRID_HEAD)], rows, pad=pad)]
    if oon is not None and oon.covered:
        parts += [Spacer(2), Text(label("out_of_network.note"), SMALL, width)]
    return parts


def _bullet_list(items: Sequence[Runs], width: float) -> Table:
    rows = [([_para("\u2013", CELL), Para(item, CELL)], RowStyle(top=1, bottom=1)) for item in items]
    return Table([10, width - 10], (), rows, pad=(CELL_PAD, CELL_PAD))


def _per_element(data: PolicyDocData, template: MarketTemplate, pick: Callable[[BenefitTerms], bool]) -> list[Runs]:
    many = len(data.elements) > 1
    items = []
    for element in data.elements:
        for terms in element.benefits:
            if pick(terms):
                runs: Runs = ((_benefit_name(template, terms.key), CELL_BOLD),)
                if many:
                    runs += ((f" ({element.name})", CELL_MUTED),)
                items.append(runs)
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
    bold = _bold(VALUE)
    reference = _reference_box(
        [
            (label("policy"), _value(data.policy_locator, bold)),
            (label("product"), ((f"{data.product_name} ", VALUE.face),
                                (f"({label('version')} {data.product_version})", VALUE.face._replace(color=MUTED)))),
            (label("market"), _value(data.market_code)),
            (label("term"), _value(term)),
            (label("premium"), ((template.money(premium.amount, premium.currency), bold),
                                (f" {label(f'frequency.{premium.frequency}')}", VALUE.face))),
            *([(label("status"), _value(label("status.cancelled").format(date=template.date(data.cancelled_from)), bold))]
              if data.cancelled_from else []),
        ],
        width * 0.48,
    )

    member_heads = ("col.name", "col.member_id", "col.relationship", "col.date_of_birth")
    member_head = [_para(label(k), HEAD) for k in member_heads]
    member_rows = [
        (
            [
                _para(member.name, CELL),
                Label(mask_id(member.member_id), CELL.face),
                Label(label(f"relationship.{member.relationship.upper()}"), CELL.face),
                Label(template.date(member.date_of_birth), CELL.face),
            ],
            GRID_ROW,
        )
        for member in data.members
    ]
    members = Table(
        [width * 0.4, width * 0.22, width * 0.2, width * 0.18],
        [(member_head, GRID_HEAD)],
        member_rows,
        pad=(CELL_PAD, CELL_PAD),
    )

    holder_width = width * 0.52
    items: list[Item] = [
        _header(template, data.document_locator, data.issue_date, width),
        Spacer(7 * mm),
        Columns(
            [
                (holder_width, [Text(label("policyholder"), LABEL, holder_width),
                                *_addressee(data.policyholder_name, data.policyholder_address, holder_width)]),
                (width * 0.48, [reference]),
            ]
        ),
        Text(label("members_heading"), H2, width),
        members,
        PAGE_BREAK,
    ]

    for element in data.elements:
        heading: Runs = ((f"{label('benefits_heading')}: {element.name}", H2.face),)
        if element.element_type and element.element_type.lower() != element.name.lower():
            suffix = element.element_type.replace("_", " ").capitalize()
            heading += ((f" ({suffix})", H2.face._replace(color=MUTED)),)
        items += [
            CondBreak(45 * mm),
            Text(heading, H2, width),
            # The heading and "Plan limits" stay with the limits they introduce.
            Text(label("plan_limits"), LABEL._replace(keep_with_next=True), width),
            _plan_limits(element, template, width * 0.6),
            Spacer(4),
            *_benefits_table(element, template, width),
        ]

    exclusions = _per_element(data, template, lambda t: not t.covered)
    items.append(Text(label("exclusions_heading"), H2, width))
    items.append(_bullet_list(exclusions, width) if exclusions else Text(label("exclusions.none"), CELL, width))

    prior_auth = _per_element(data, template, lambda t: t.covered and t.requires_prior_auth)
    items.append(Text(label("prior_auth_heading"), H2, width))
    if prior_auth:
        items += [Text(label("prior_auth.intro"), CELL, width), Spacer(2), _bullet_list(prior_auth, width)]
    else:
        items.append(Text(label("prior_auth.none"), CELL, width))

    items += _rights(template, width)

    furniture = _furniture(
        template,
        _page_size(template),
        left_footer=f"{data.document_locator} \u00b7 {label('policy')} {data.policy_locator}",
        running_left=f"{template.title} \u00b7 {label('policy')} {data.policy_locator}",
        running_right=data.policyholder_name,
    )
    return _build(
        items,
        template,
        issue_date=data.issue_date,
        title=f"{template.title} {data.policy_locator}",
        subject=f"{label('policy')} {data.policy_locator}",
        furniture=furniture,
    )
