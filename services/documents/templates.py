"""Market templates: the wording, currency, dates and paper of each market's documents.

A template is data, not layout. The layout lives in ``render.py`` and is the
same for every market; a template says what to call things. It round-trips
through JSON (``to_document`` / ``from_document``) so it can live in
``documents.templates.document`` (JSONB), and ``content_html`` gives the short
HTML rendition that the table's ``content_html`` column holds.

Label lookups fall back to ``BASE_LABELS`` (US English) for the template's
type, so a stored document only needs the words that differ.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from claimdesk.services.errors import ValidationError
from claimdesk.services.money import fmt_grouped

TEMPLATE_TYPES = ("EOB", "POLICY")
PAGE_SIZES = ("LETTER", "A4")
DOCUMENT_SCHEMA = 1

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_DATE_TOKEN = re.compile(r"YYYY|MMMM|MMM|MM|M|DD|D")
_DATE_SEPARATORS = re.compile(r"[ /.,\-]*")


def format_date(value: dt.date, pattern: str) -> str:
    """Format ``value`` with tokens YYYY, MMMM, MMM, MM, M, DD, D.

    Month names are English and built in, not taken from the process locale,
    so a document reads the same on every workstation.
    """
    parts = {
        "YYYY": f"{value.year:04d}",
        "MMMM": _MONTHS[value.month - 1],
        "MMM": _MONTHS[value.month - 1][:3],
        "MM": f"{value.month:02d}",
        "M": str(value.month),
        "DD": f"{value.day:02d}",
        "D": str(value.day),
    }
    return _DATE_TOKEN.sub(lambda m: parts[m.group(0)], pattern)


def _check_date_pattern(pattern: str, where: str) -> None:
    rest = _DATE_TOKEN.sub("", pattern)
    if not pattern or _DATE_SEPARATORS.fullmatch(rest) is None or "YYYY" not in pattern:
        raise ValidationError(
            f"{pattern!r} is not a date pattern (use YYYY, MMMM, MMM, MM, M, DD, D and / . , - or spaces)",
            where=where,
        )


BASE_LABELS: dict[str, dict[str, str]] = {
    "EOB": {
        "col.line": "Line",
        "col.service_date": "Service date",
        "col.procedure": "Procedure",
        "col.billed": "Billed",
        "col.allowed": "Allowed",
        "col.deductible": "Deductible",
        "col.copay": "Copay",
        "col.coinsurance": "Coinsurance",
        "col.paid": "Plan paid",
        "col.member_share": "You owe",
        "col.codes": "Codes",
        "totals": "Total",
        "document": "Document",
        "issued": "Issued",
        "member": "Member",
        "member_id": "Member ID",
        "claim": "Claim number",
        "policy": "Policy number",
        "product": "Plan",
        "provider": "Provider",
        "npi": "NPI",
        "network": "Network status",
        "network.IN_NETWORK": "In network",
        "network.OUT_OF_NETWORK": "Out of network",
        "service_dates": "Date of service",
        "received": "Received",
        "processed": "Processed",
        "claim_status": "Claim status",
        "status.APPROVED": "Approved",
        "status.PARTIALLY_APPROVED": "Partially approved",
        "status.DENIED": "Denied",
        "status.PENDED": "Pending review",
        "summary": "Claim summary",
        "summary.billed": "Amount billed",
        "summary.allowed": "Plan allowed amount",
        "summary.paid": "Plan paid provider",
        "summary.member_share": "You owe the provider",
        "lines_heading": "Services on this claim",
        "codes_heading": "What the codes mean",
        "balances_heading": "Your year-to-date balances",
        "balance.used": "used {used} of {limit}, {remaining} remaining",
        "balance.visits": "visits",
        "continued": "continued",
    },
    "POLICY": {
        "document": "Document",
        "issued": "Issued",
        "schedule_heading": "Policy schedule",
        "policyholder": "Policyholder",
        "policy": "Policy number",
        "product": "Plan",
        "version": "version",
        "market": "Market",
        "term": "Coverage period",
        "term.open": "until cancelled",
        "status": "Status",
        "status.cancelled": "Cancelled: no cover from {date}",
        "premium": "Premium",
        "frequency.MONTHLY": "per month",
        "frequency.QUARTERLY": "per quarter",
        "frequency.SEMI_ANNUAL": "every six months",
        "frequency.ANNUAL": "per year",
        "members_heading": "Covered members",
        "col.name": "Name",
        "col.member_id": "Member ID",
        "col.relationship": "Relationship",
        "col.date_of_birth": "Date of birth",
        "relationship.PRIMARY": "Policyholder",
        "relationship.POLICYHOLDER": "Policyholder",
        "relationship.SUBSCRIBER": "Policyholder",
        "relationship.SPOUSE": "Spouse",
        "relationship.PARTNER": "Partner",
        "relationship.CHILD": "Child",
        "relationship.DEPENDENT": "Dependent",
        "benefits_heading": "Benefits",
        "plan_limits": "Plan limits",
        "deductible": "Deductible",
        "out_of_pocket": "Out-of-pocket maximum",
        "limit.none": "None",
        "limit.no_maximum": "No maximum",
        "col.benefit": "Benefit",
        "col.covered": "Covered",
        "col.copay": "Copay",
        "col.coinsurance": "Coinsurance",
        "col.deductible_applies": "Deductible applies",
        "col.prior_auth": "Prior authorization",
        "col.limit": "Limit per period",
        "yes": "Yes",
        "no": "No",
        "required": "Required",
        "not_covered": "Not covered",
        "visits": "visits",
        "per_term": "per coverage period",
        "out_of_network": "Out-of-network care",
        "out_of_network.note": "Out of network, the copay, coinsurance and deductible above are replaced by these "
                               "terms; limits and prior authorization still follow the benefit.",
        "exclusions_heading": "What is not covered",
        "exclusions.none": "No benefit of this plan is excluded.",
        "prior_auth_heading": "Services that need prior authorization",
        "prior_auth.intro": "Ask us to approve these services before you receive them. Without an approval "
                            "valid on the date of service, the claim will be denied.",
        "prior_auth.none": "No service of this plan needs prior authorization.",
    },
}


@dataclass(frozen=True)
class MarketTemplate:
    """The wording of one document type in one market.

    ``date_format`` is used in tables and reference boxes, ``long_date_format``
    for the issue date; both take the tokens of ``format_date``.
    ``rights_heading``/``rights_text`` hold the appeal rights (EOB) or the
    cancellation and complaints notice (policy); ``footer_text`` is printed
    on every page.
    """

    market_code: str
    template_type: str
    payer_name: str
    payer_address: tuple[str, ...]
    payer_contact: tuple[str, ...]
    title: str
    currency_code: str
    currency_symbol: str
    date_format: str
    long_date_format: str
    page_size: str
    rights_heading: str
    rights_text: tuple[str, ...]
    footer_text: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        where = f"template {self.market_code}/{self.template_type}"
        if self.template_type not in TEMPLATE_TYPES:
            raise ValidationError(f"template type {self.template_type!r} is not EOB or POLICY", where=where)
        if self.page_size not in PAGE_SIZES:
            raise ValidationError(f"page size {self.page_size!r} is not LETTER or A4", where=where)
        _check_date_pattern(self.date_format, f"{where}.date_format")
        _check_date_pattern(self.long_date_format, f"{where}.long_date_format")
        object.__setattr__(self, "payer_address", tuple(self.payer_address))
        object.__setattr__(self, "payer_contact", tuple(self.payer_contact))
        object.__setattr__(self, "rights_text", tuple(self.rights_text))
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    # ---------------------------------------------------------------- wording

    def label(self, key: str) -> str:
        if key in self.labels:
            return self.labels[key]
        base = BASE_LABELS[self.template_type]
        if key in base:
            return base[key]
        # A status or relationship this list does not know still reads as words.
        return key.rsplit(".", 1)[-1].replace("_", " ").capitalize()

    def date(self, value: dt.date | None) -> str:
        return format_date(value, self.date_format) if value else ""

    def long_date(self, value: dt.date | None) -> str:
        return format_date(value, self.long_date_format) if value else ""

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        """``$1,234.50``; a currency other than the template's prints its code: ``EUR 1,234.50``."""
        text = fmt_grouped(amount)
        sign = ""
        if text.startswith("-"):
            sign, text = "-", text[1:]
        if currency and currency != self.currency_code:
            return f"{sign}{currency} {text}"
        return f"{sign}{self.currency_symbol}{text}"

    # ------------------------------------------------------------ round trip

    def to_document(self) -> dict[str, Any]:
        """A JSON-ready dict for the ``document`` JSONB column."""
        return {
            "schema": DOCUMENT_SCHEMA,
            "market_code": self.market_code,
            "template_type": self.template_type,
            "payer_name": self.payer_name,
            "payer_address": list(self.payer_address),
            "payer_contact": list(self.payer_contact),
            "title": self.title,
            "currency_code": self.currency_code,
            "currency_symbol": self.currency_symbol,
            "date_format": self.date_format,
            "long_date_format": self.long_date_format,
            "page_size": self.page_size,
            "rights_heading": self.rights_heading,
            "rights_text": list(self.rights_text),
            "footer_text": self.footer_text,
            "labels": dict(sorted(self.labels.items())),
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> MarketTemplate:
        if not isinstance(document, Mapping):
            raise ValidationError("a template document must be a JSON object", where="template")
        schema = document.get("schema", DOCUMENT_SCHEMA)
        if schema != DOCUMENT_SCHEMA:
            raise ValidationError(f"template schema {schema!r} is not {DOCUMENT_SCHEMA}", where="template.schema")
        where = f"template {document.get('market_code', '?')}/{document.get('template_type', '?')}"

        def text(name: str) -> str:
            value = document.get(name)
            if not isinstance(value, str) or not value:
                raise ValidationError("must be non-empty text", where=f"{where}.{name}")
            return value

        def lines(name: str) -> tuple[str, ...]:
            value = document.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError("must be a list of text lines", where=f"{where}.{name}")
            return tuple(value)

        labels = document.get("labels", {})
        if not isinstance(labels, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
        ):
            raise ValidationError("must map text to text", where=f"{where}.labels")
        footer = document.get("footer_text", "")
        if not isinstance(footer, str):
            raise ValidationError("must be text", where=f"{where}.footer_text")
        return cls(
            market_code=text("market_code"),
            template_type=text("template_type"),
            payer_name=text("payer_name"),
            payer_address=lines("payer_address"),
            payer_contact=lines("payer_contact"),
            title=text("title"),
            currency_code=text("currency_code"),
            currency_symbol=text("currency_symbol"),
            date_format=text("date_format"),
            long_date_format=text("long_date_format"),
            page_size=text("page_size"),
            rights_heading=text("rights_heading"),
            rights_text=lines("rights_text"),
            footer_text=footer,
            labels=dict(labels),
        )

    @property
    def content_html(self) -> str:
        """A short HTML rendition of the wording, for ``documents.templates.content_html``."""
        e = html.escape
        base = BASE_LABELS[self.template_type]
        if self.template_type == "EOB":
            columns = [k for k in base if k.startswith("col.")]
        else:
            columns = [k for k in base if k.startswith("col.") and k not in ("col.name", "col.member_id")]
        head = "".join(f"<th>{e(self.label(k))}</th>" for k in columns)
        address = "<br>".join(e(x) for x in (*self.payer_address, *self.payer_contact))
        rights = "".join(f"<p>{e(p)}</p>" for p in self.rights_text)
        return (
            f'<article lang="{"en-GB" if self.market_code == "UK" else "en-US"}" '
            f'data-market="{e(self.market_code)}" data-type="{e(self.template_type)}">'
            f"<header><h1>{e(self.title)}</h1><p><strong>{e(self.payer_name)}</strong><br>{address}</p></header>"
            f"<table><thead><tr>{head}</tr></thead></table>"
            f"<section><h2>{e(self.rights_heading)}</h2>{rights}</section>"
            f"<footer>{e(self.footer_text)}</footer></article>"
        )


# ------------------------------------------------------------ built-in markets

_US_PAYER = dict(
    payer_name="Harbor Point Health Plan, Inc.",
    payer_address=("P.O. Box 4410", "Hartford, CT 06101-4410"),
    payer_contact=("Member Services 1-800-555-0142 (TTY 711)", "www.harborpointhealth.example"),
    currency_code="USD",
    currency_symbol="$",
    date_format="MM/DD/YYYY",
    long_date_format="MMMM D, YYYY",
    page_size="LETTER",
)

_UK_PAYER = dict(
    payer_name="Thamesbridge Health Insurance Ltd",
    payer_address=("Claims Department, PO Box 2208", "Reading RG1 9ZZ"),
    payer_contact=("Claims 0808 157 0192", "www.thamesbridgehealth.example"),
    currency_code="GBP",
    currency_symbol="\u00a3",
    date_format="DD/MM/YYYY",
    long_date_format="D MMMM YYYY",
    page_size="A4",
)

US_EOB = MarketTemplate(
    market_code="US",
    template_type="EOB",
    title="Explanation of Benefits",
    rights_heading="Your right to appeal",
    rights_text=(
        "If you disagree with this decision, you or someone you authorize may appeal within 180 days of the "
        "date you receive this notice. Write to us at the address above, quote your claim number, and send "
        "anything that supports your appeal, such as medical records or a letter from your provider.",
        "You may ask for copies of all documents, records and other information relevant to your claim, "
        "including any plan rule or medical criteria we used, free of charge. If waiting could seriously harm "
        "your health, ask for an expedited (urgent) appeal.",
        "If your plan is governed by the Employee Retirement Income Security Act (ERISA), you have the right "
        "to bring a civil action under section 502(a) of ERISA after a final decision on appeal. You may also "
        "be entitled to an independent external review.",
    ),
    footer_text="This is not a bill.",
    labels={},
    **_US_PAYER,
)

UK_EOB = MarketTemplate(
    market_code="UK",
    template_type="EOB",
    title="Claim Settlement Statement",
    rights_heading="If you are unhappy with our decision",
    rights_text=(
        "If you disagree with how we have settled this claim, please contact us first, quoting your claim "
        "reference. We will review our decision and send you our final response within eight weeks.",
        "If you remain unhappy with our final response, or we have not sent one within eight weeks, you can "
        "ask the Financial Ombudsman Service to look at your complaint, free of charge. You must contact them "
        "within six months of the date of our final response. Financial Ombudsman Service, Exchange Tower, "
        "London E14 9SR; telephone 0800 023 4567; www.financial-ombudsman.org.uk.",
        "Using our complaints procedure or the Financial Ombudsman Service does not affect your right to take "
        "legal action.",
    ),
    footer_text="This statement is for your records. Amounts due from you are payable to the provider.",
    labels={
        "col.service_date": "Treatment date",
        "col.billed": "Charged",
        "col.allowed": "Eligible",
        "col.deductible": "Excess",
        "col.copay": "Co-payment",
        "col.coinsurance": "Co-insurance",
        "col.paid": "Insurer paid",
        "col.member_share": "Amount due from you",
        "member": "Member",
        "member_id": "Membership number",
        "claim": "Claim reference",
        "policy": "Policy number",
        "product": "Cover",
        "npi": "Provider number",
        "network.IN_NETWORK": "In network",
        "network.OUT_OF_NETWORK": "Outside network",
        "service_dates": "Treatment date",
        "status.DENIED": "Declined",
        "summary": "Settlement summary",
        "summary.billed": "Amount charged",
        "summary.allowed": "Eligible amount",
        "summary.paid": "We paid the provider",
        "summary.member_share": "Amount due from you",
        "lines_heading": "Treatment on this claim",
        "codes_heading": "What the codes mean",
        "balances_heading": "Your cover used this year",
        "carc.1": "This amount was applied to your excess: the part of a claim you pay before your cover pays.",
        "carc.2": "This is your co-insurance: your percentage share of the eligible amount.",
        "carc.3": "This is your co-payment: the fixed amount your cover asks you to pay for this treatment.",
        "carc.45": "The provider charged more than the amount your cover allows for this treatment, so we used "
                   "the eligible amount.",
        "carc.197": "This treatment needed pre-authorisation from us before it took place, and we have no "
                    "authorisation on file.",
        "carc.242": "The provider is outside your cover's network, and your cover does not include treatment "
                    "outside the network.",
    },
    **_UK_PAYER,
)

US_POLICY = MarketTemplate(
    market_code="US",
    template_type="POLICY",
    title="Schedule of Benefits",
    rights_heading="About this schedule",
    rights_text=(
        "This schedule summarizes your coverage. Your certificate of coverage describes your benefits in full "
        "and governs if there is any difference between the two.",
        "Each Explanation of Benefits we send you explains how a claim was paid and how to appeal. "
        "Call Member Services at the number above with any question about your coverage.",
    ),
    footer_text="Keep this schedule with your plan documents.",
    labels={},
    **_US_PAYER,
)

UK_POLICY = MarketTemplate(
    market_code="UK",
    template_type="POLICY",
    title="Policy Schedule",
    rights_heading="Your right to cancel, and complaints",
    rights_text=(
        "You may cancel this policy within 14 days of receiving this schedule or of the start date, whichever "
        "is later. We will refund any premium you have paid, provided no claim has been made.",
        "If you are unhappy with our service, please contact us first. If we cannot resolve your complaint "
        "within eight weeks, or you are unhappy with our final response, you can refer it to the Financial "
        "Ombudsman Service within six months of that response: Exchange Tower, London E14 9SR; "
        "telephone 0800 023 4567; www.financial-ombudsman.org.uk.",
    ),
    footer_text="This schedule forms part of your policy. Please keep it with your policy terms.",
    labels={
        "schedule_heading": "Policy schedule",
        "product": "Cover",
        "term": "Period of cover",
        "members_heading": "People covered",
        "col.member_id": "Membership number",
        "relationship.SPOUSE": "Spouse or partner",
        "relationship.DEPENDENT": "Dependant",
        "deductible": "Excess",
        "out_of_pocket": "Out-of-pocket limit",
        "col.copay": "Co-payment",
        "col.coinsurance": "Co-insurance",
        "col.deductible_applies": "Excess applies",
        "col.prior_auth": "Pre-authorisation",
        "per_term": "per period of cover",
        "out_of_network": "Treatment outside the network",
        "out_of_network.note": "Outside the network, the co-payment, co-insurance and excess above are replaced "
                               "by these terms; limits and pre-authorisation still follow the benefit.",
        "exclusions_heading": "What is not covered",
        "exclusions.none": "No benefit of this cover is excluded.",
        "prior_auth_heading": "Treatment that needs pre-authorisation",
        "prior_auth.intro": "Contact us for authorisation before this treatment takes place. Without an "
                            "authorisation valid on the date of treatment, the claim will be declined.",
        "prior_auth.none": "No treatment under this cover needs pre-authorisation.",
    },
    **_UK_PAYER,
)

DEFAULT_TEMPLATES: dict[tuple[str, str], MarketTemplate] = {
    (t.market_code, t.template_type): t for t in (US_EOB, UK_EOB, US_POLICY, UK_POLICY)
}
