"""EOB and policy PDFs: what a reader can check on the page, read back with pypdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from claimdesk.services.documents.model import (
    CoverageLimit,
    EobData,
    EobLine,
    PolicyDocData,
    PolicyElement,
    PolicyMember,
    Premium,
    YtdBalance,
    mask_id,
)
from claimdesk.services.documents.reason_codes import CARC
from claimdesk.services.documents.render import eob_totals, render_eob, render_policy
from claimdesk.services.documents.templates import DEFAULT_TEMPLATES, MarketTemplate, format_date
from claimdesk.services.errors import ValidationError

US_EOB = DEFAULT_TEMPLATES[("US", "EOB")]
UK_EOB = DEFAULT_TEMPLATES[("UK", "EOB")]
US_POLICY = DEFAULT_TEMPLATES[("US", "POLICY")]
UK_POLICY = DEFAULT_TEMPLATES[("UK", "POLICY")]

MEMBER_ID = "HPM907731234"
D = Decimal


def line(n, code, billed, allowed, deductible, copay, coinsurance, codes, status="APPROVED", day=10, description=None):
    share = D(deductible) + D(copay) + D(coinsurance)
    return EobLine(
        line_number=n,
        procedure_code=code,
        description=description,
        service_date=dt.date(2026, 3, day),
        billed=D(billed),
        allowed=D(allowed),
        deductible=D(deductible),
        copay=D(copay),
        coinsurance=D(coinsurance),
        paid=D(allowed) - share,
        member_share=share,
        reason_codes=tuple(codes),
        status=status,
    )


def denied(n, code, billed, carc, day=10, description=None):
    return line(n, code, billed, "0", "0", "0", "0", (carc,), status="DENIED", day=day, description=description)


# Priced as the adjudication spec prices them (scenarios 01, 02 and 04).
FIVE_LINES = (
    line(1, "99213", "180.00", "120.00", "0", "25.00", "0", ("45", "3"),
         description="Office visit, established patient"),
    line(2, "70553", "1200.00", "900.00", "200.00", "0", "140.00", ("45", "1", "2"), description="MRI brain"),
    denied(3, "15780", "3000.00", "96", description="Dermabrasion"),
    line(4, "97110", "95.00", "80.00", "0", "0", "16.00", ("45", "2"), day=12, description="Therapeutic exercise"),
    denied(5, "70553", "1200.00", "197", day=12),
)


def eob(lines=FIVE_LINES, **changes) -> EobData:
    data = EobData(
        document_locator="DOC-2026-000045",
        issue_date=dt.date(2026, 3, 18),
        member_name="Jordan A. Rivera",
        member_id=MEMBER_ID,
        member_address=("1458 Alder Street, Apt 3B", "Springfield, IL 62704"),
        claim_locator="CLM-000123",
        policy_locator="POL-004417",
        product_name="Harbor Point Silver PPO 2026",
        provider_name="Lakeside Family Medicine & Imaging",
        provider_npi="1234567893",
        network_status="IN_NETWORK",
        incident_date=dt.date(2026, 3, 10),
        received_date=dt.date(2026, 3, 14),
        processed_date=dt.date(2026, 3, 17),
        claim_status="PARTIALLY_APPROVED",
        lines=lines,
        balances=(
            YtdBalance("Deductible", D("500.00"), D("500.00")),
            YtdBalance("Out-of-pocket maximum", D("2000.00"), D("681.00")),
            YtdBalance("Physiotherapy visits", 20, 4, is_count=True),
        ),
    )
    return dataclasses.replace(data, **changes)


def sixty_lines() -> tuple[EobLine, ...]:
    lines = []
    for n in range(1, 61):
        if n % 10 == 0:
            lines.append(denied(n, "15780", "350.00", "96", day=1 + n % 28))
        else:
            lines.append(line(n, "97110", "95.00", "80.00", "0", "0", "16.00", ("45", "2"), day=1 + n % 28))
    return tuple(lines)


def policy(market="US", **changes) -> PolicyDocData:
    terms = {
        "currency": "USD" if market == "US" else "GBP",
        "benefits": {
            "office_visit": {"covered": True, "copay": "25.00", "coinsurance": "0", "deductible_applies": False},
            "specialist": {"covered": True, "copay": "50.00"},
            "imaging": {"covered": True, "copay": "0", "coinsurance": "0.20", "deductible_applies": True,
                        "requires_prior_auth": True},
            "physiotherapy": {"covered": True, "coinsurance": "0.20", "deductible_applies": True},
            "surgery": {"covered": True, "coinsurance": "0.10", "deductible_applies": True,
                        "requires_prior_auth": True},
            "cosmetic": {"covered": False},
            "fertility_treatment": {"covered": False},
        },
        "out_of_network": {"covered": True, "copay": "0", "coinsurance": "0.40", "deductible_applies": True},
    }
    element = PolicyElement.from_coverage_terms(
        "Medical",
        "MEDICAL",
        terms,
        limits=(
            CoverageLimit("DEDUCTIBLE", "plan", D("500.00")),
            CoverageLimit("OUT_OF_POCKET", "plan", D("2000.00")),
            CoverageLimit("BENEFIT_LIMIT", "imaging", D("1500.00")),
            CoverageLimit("VISIT_LIMIT", "physiotherapy", 20),
        ),
    )
    data = PolicyDocData(
        document_locator="DOC-2026-000046",
        issue_date=dt.date(2025, 12, 15),
        policy_locator="POL-004417",
        product_name="Harbor Point Silver PPO" if market == "US" else "Thamesbridge Complete",
        product_version="2026.1",
        market_code=market,
        policyholder_name="Jordan A. Rivera",
        policyholder_address=(
            ("1458 Alder Street, Apt 3B", "Springfield, IL 62704") if market == "US"
            else ("14 Fairfield Road", "Headington", "Oxford OX3 9PT")
        ),
        effective_from=dt.date(2026, 1, 1),
        effective_to=dt.date(2026, 12, 31),
        members=(
            PolicyMember("Jordan A. Rivera", MEMBER_ID, "PRIMARY", dt.date(1984, 7, 2)),
            PolicyMember("Sam Rivera", "HPM907735678", "SPOUSE", dt.date(1986, 11, 23)),
            PolicyMember("Alex Rivera", "HPM907739012", "CHILD", dt.date(2015, 4, 9)),
        ),
        elements=(element,),
        premium=Premium(D("1284.50"), "MONTHLY", "USD" if market == "US" else "GBP"),
    )
    return dataclasses.replace(data, **changes)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    """All text with whitespace collapsed, so wrapped sentences compare as written."""
    return re.sub(r"\s+", " ", " ".join(pages(pdf)))


# ------------------------------------------------------------------ EOB


def test_eob_amounts_on_the_page_equal_the_inputs_to_the_cent():
    text = flat(render_eob(eob(), US_EOB))
    for amount in ("180.00", "120.00", "95.00", "25.00", "900.00", "200.00", "140.00", "560.00", "3,000.00", "64.00"):
        assert amount in text
    totals = eob_totals(eob())
    assert totals == {
        "billed": D("5675.00"),
        "allowed": D("1100.00"),
        "deductible": D("200.00"),
        "copay": D("25.00"),
        "coinsurance": D("156.00"),
        "paid": D("719.00"),
        "member_share": D("381.00"),
    }
    # Totals carry the currency symbol, in the summary strip and the totals row.
    for total in ("$5,675.00", "$1,100.00", "$200.00", "$25.00", "$156.00", "$719.00", "$381.00"):
        assert total in text
    assert text.count("$381.00") >= 2


def test_eob_totals_are_sums_of_lines_without_float_drift():
    lines = tuple(line(n, "99213", "0.10", "0.10", "0", "0", "0.03", ("2",)) for n in range(1, 31))
    totals = eob_totals(eob(lines=lines))
    assert totals["billed"] == D("3.00") and totals["coinsurance"] == D("0.90") and totals["paid"] == D("2.10")
    assert "$2.10" in flat(render_eob(eob(lines=lines), US_EOB))


def test_every_reason_code_is_explained_in_plain_language():
    text = flat(render_eob(eob(), US_EOB))
    assert "What the codes mean" in text
    for code in ("1", "2", "3", "45", "96", "197"):
        assert CARC[code][1] in text, code
    # Codes that are not on the claim are not explained.
    assert CARC["242"][1] not in text


def test_member_id_is_masked_except_last_four():
    text = flat(render_eob(eob(), US_EOB))
    assert MEMBER_ID not in text
    assert mask_id(MEMBER_ID) == "********1234"
    assert "********1234" in text


def test_reference_box_and_status_words():
    text = flat(render_eob(eob(), US_EOB))
    for expected in (
        "Explanation of Benefits", "DOC-2026-000045", "CLM-000123", "POL-004417", "Harbor Point Silver PPO 2026",
        "Lakeside Family Medicine & Imaging", "NPI 1234567893", "In network", "Partially approved",
        "Jordan A. Rivera", "Springfield, IL 62704", "Denied", "This is not a bill.", "Your right to appeal",
        "180 days",
    ):
        assert expected in text, expected
    assert "IN_NETWORK" not in text and "PARTIALLY_APPROVED" not in text


def test_year_to_date_balances_read_used_of_remaining():
    text = flat(render_eob(eob(), US_EOB))
    assert "used $500.00 of $500.00, $0.00 remaining" in text
    assert "used $681.00 of $2,000.00, $1,319.00 remaining" in text
    assert "used 4 of 20 visits, 16 remaining" in text


def test_sixty_line_eob_numbers_pages_and_repeats_the_header():
    pdf = render_eob(eob(lines=sixty_lines()), US_EOB)
    texts = pages(pdf)
    total = len(texts)
    assert total >= 2
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {total}" in text
    header = re.compile(r"Line\s+Service\s+date\s+Procedure\s+Billed\s+Allowed\s+Deductible\s+Copay\s+Coinsurance")
    assert header.search(texts[0])
    assert header.search(texts[1]), "table header is not repeated on page 2"
    # The running header lets a loose page be matched to its claim and member.
    assert "CLM-000123" in texts[1] and "********1234" in texts[1]
    totals = eob_totals(eob(lines=sixty_lines()))
    assert totals["billed"] == 54 * D("95.00") + 6 * D("350.00")
    assert f"${totals['paid']:,.2f}" in flat(pdf)
    # Every page that carries claim lines starts them under the column heads.
    for text in texts:
        if re.search(r"^\s*\d+ \d\d/\d\d/2026", text, re.M):
            assert header.search(text)


def test_us_and_uk_differ_in_title_currency_dates_and_words():
    us = flat(render_eob(eob(), US_EOB))
    uk = flat(render_eob(eob(), UK_EOB))
    assert "Explanation of Benefits" in us and "Explanation of Benefits" not in uk
    assert "Claim Settlement Statement" in uk
    assert "$381.00" in us and "\u00a3381.00" in uk and "$" not in uk
    assert "03/10/2026" in us and "10/03/2026" in uk
    assert "March 18, 2026" in us and "18 March 2026" in uk
    assert "Excess" in uk and "Amount due from you" in uk and "Insurer paid" in uk
    assert "Financial Ombudsman Service" in uk and "six months" in uk
    assert "This is not a bill." not in uk
    assert UK_EOB.labels["carc.1"] in uk


def test_page_size_follows_the_market():
    letter = PdfReader(io.BytesIO(render_eob(eob(), US_EOB))).pages[0].mediabox
    a4 = PdfReader(io.BytesIO(render_eob(eob(), UK_EOB))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_render_is_deterministic_whatever_the_environment(monkeypatch):
    first = render_eob(eob(), US_EOB)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render_eob(eob(), US_EOB) == first
    assert render_policy(policy(), US_POLICY) == render_policy(policy(), US_POLICY)
    assert b"D:20260318000000" in first  # creation date is the issue date
    assert render_eob(eob(issue_date=dt.date(2026, 3, 19)), US_EOB) != first


def test_inconsistent_line_is_refused_not_printed():
    with pytest.raises(ValidationError, match="line 7"):
        EobLine(7, "99213", dt.date(2026, 3, 10), D("180"), D("120"), D("0"), D("25"), D("0"),
                paid=D("96.00"), member_share=D("25.00"))
    with pytest.raises(TypeError, match="floats"):
        EobLine(1, "99213", dt.date(2026, 3, 10), 180.0, D("120"), D("0"), D("25"), D("0"), D("95"), D("25"))


def test_template_type_must_match_document():
    with pytest.raises(ValidationError):
        render_eob(eob(), US_POLICY)
    with pytest.raises(ValidationError):
        render_policy(policy("US"), UK_POLICY)


def test_unknown_reason_code_still_renders():
    lines = (line(1, "99213", "180.00", "120.00", "0", "25.00", "0", ("3", "B7")),)
    text = flat(render_eob(eob(lines=lines), US_EOB))
    assert "B7" in text and "Reason code B7" in text


# --------------------------------------------------------------- policy


def test_policy_shows_schedule_members_premium_exclusions_and_prior_auth():
    pdf = render_policy(policy("US"), US_POLICY)
    texts = pages(pdf)
    text = flat(pdf)
    for n, page in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in page
    assert "Schedule of Benefits" in text and "POL-004417" in text
    assert "$1,284.50 per month" in text
    assert "01/01/2026 \u2013 12/31/2026" in text
    assert "Spouse" in text and "Child" in text and "07/02/1984" in text
    assert MEMBER_ID not in text and "HPM907735678" not in text and "********5678" in text
    assert "$500.00 per coverage period" in text and "$2,000.00 per coverage period" in text
    assert "20%" in text and "40%" in text and "$25.00" in text and "$1,500.00" in text and "20 visits" in text
    exclusions = text.split("What is not covered", 1)[1].split("Services that need prior authorization", 1)[0]
    assert "Cosmetic" in exclusions and "Fertility treatment" in exclusions and "Imaging" not in exclusions
    prior_auth = text.split("Services that need prior authorization", 1)[1]
    assert "Imaging" in prior_auth and "Surgery" in prior_auth and "Office visit" not in prior_auth
    # The schedule is page 1; benefits start on page 2.
    assert "Benefits: Medical" not in texts[0] and "Benefits: Medical" in texts[1]


def test_uk_policy_uses_uk_words_currency_and_dates():
    text = flat(render_policy(policy("UK"), UK_POLICY))
    assert "Policy Schedule" in text and "\u00a31,284.50 per month" in text and "$" not in text
    assert "01/01/2026 \u2013 31/12/2026" in text and "15 December 2025" in text
    assert "Excess" in text and "Pre-authorisation" in text and "Co-payment" in text
    assert "Treatment that needs pre-authorisation" in text and "Financial Ombudsman Service" in text


def test_policy_without_out_of_network_or_limits_says_so():
    terms = {"currency": "USD", "benefits": {"office_visit": {}}}
    element = PolicyElement.from_coverage_terms("Medical", "MEDICAL", terms)
    text = flat(render_policy(policy("US", elements=(element,)), US_POLICY))
    assert "Out-of-network care No" in text
    assert "No maximum" in text
    assert "No benefit of this plan is excluded." in text
    assert "No service of this plan needs prior authorization." in text


# ------------------------------------------------------------- templates


@pytest.mark.parametrize("key", sorted(DEFAULT_TEMPLATES))
def test_template_round_trips_through_json(key):
    template = DEFAULT_TEMPLATES[key]
    document = json.loads(json.dumps(template.to_document()))
    assert MarketTemplate.from_document(document) == template
    assert template.title in template.content_html and "<table>" in template.content_html


def test_template_document_is_validated():
    document = US_EOB.to_document()
    document["page_size"] = "A3"
    with pytest.raises(ValidationError, match="page size"):
        MarketTemplate.from_document(document)
    document = US_EOB.to_document()
    document["date_format"] = "%m/%d/%Y"
    with pytest.raises(ValidationError, match="date_format"):
        MarketTemplate.from_document(document)


def test_stored_template_only_needs_the_words_that_differ():
    document = US_EOB.to_document()
    document["labels"] = {"col.copay": "Co-pay"}
    template = MarketTemplate.from_document(document)
    assert template.label("col.copay") == "Co-pay" and template.label("col.coinsurance") == "Coinsurance"
    assert "Co-pay" in flat(render_eob(eob(), template))


def test_date_formats():
    day = dt.date(2026, 3, 10)
    assert format_date(day, "MM/DD/YYYY") == "03/10/2026"
    assert format_date(day, "DD/MM/YYYY") == "10/03/2026"
    assert format_date(day, "D MMMM YYYY") == "10 March 2026"
    assert format_date(day, "MMMM D, YYYY") == "March 10, 2026"


def test_carc_table_has_the_codes_the_engine_uses():
    for code in ("1", "2", "3", "4", "16", "18", "23", "26", "27", "45", "50", "96", "119", "197", "204", "242"):
        official, plain = CARC[code]
        assert official and plain and official != plain
    assert CARC["45"][0] == "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement."
    assert CARC["197"][0] == "Precertification/authorization/notification/pre-treatment absent."
