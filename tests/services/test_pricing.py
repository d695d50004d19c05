"""The pricing engine against the worked scenarios and the spec's edge cases.

Pure tests: no database. The scenarios live beside the repository in
``shared/scenarios``; each holds a simulator input and the output the spec
implies under ``expected``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claimdesk.services.claims.pricing import (
    Balance,
    ClaimPricing,
    CoverageInput,
    LineInput,
    PriorAuthInput,
    choose_coverage,
    parse_coverage_terms,
    price_claim,
)
from claimdesk.services.errors import ValidationError

SCENARIOS = Path(__file__).resolve().parents[3] / "shared" / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))

D = Decimal


# --------------------------------------------------------------------------
# Scenario files
# --------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    # Scenario amounts may be JSON strings or numbers; str() of a float is its
    # shortest round-trip form, so 80.0 reads as 80.0, not 80.0000000001.
    return Decimal(str(value))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def scenario_inputs(doc: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for price_claim from a simulator file."""
    coverage = doc["coverage"]
    claim = doc["claim"]
    return {
        "incident_date": dt.date.fromisoformat(claim["incident_date"]),
        "coverages": [
            CoverageInput(
                status=coverage["status"],
                effective_from=dt.date.fromisoformat(coverage["effective_from"]),
                effective_to=_date(coverage.get("effective_to")),
                terms=coverage["terms"],
            )
        ],
        "network_status": doc["provider"]["network_status"],
        "fee_schedule": {code: _amount(price) for code, price in doc.get("fee_schedule", {}).items()},
        "prior_auths": [
            PriorAuthInput(
                procedure_code=auth["procedure_code"],
                status=auth["status"],
                valid_from=_date(auth.get("valid_from")),
                valid_to=_date(auth.get("valid_to")),
            )
            for auth in doc.get("prior_auths", [])
        ],
        "balances": [
            Balance(type=a["type"], key=a["key"], limit=_amount(a["limit"]), consumed=_amount(a["consumed"]))
            for a in doc.get("accumulators", [])
        ],
        "lines": [
            LineInput(
                line_number=line["line_number"],
                coverage_term_key=line["coverage_term_key"],
                procedure_code=line["procedure_code"],
                amount_claimed=_amount(line["amount_claimed"]),
            )
            for line in claim["lines"]
        ],
    }


def test_scenarios_are_there() -> None:
    assert SCENARIO_FILES, f"no scenario files found in {SCENARIOS}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_scenario(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    expected = doc["expected"]

    result = price_claim(**scenario_inputs(doc)).to_dict()

    assert result["status"] == expected["status"]
    assert len(result["lines"]) == len(expected["lines"])
    for got, want in zip(result["lines"], expected["lines"], strict=True):
        for field, value in want.items():
            if field == "reason_codes":
                assert set(got[field]) == set(value), f"line {want['line_number']}: {field}"
            else:
                assert got[field] == value, f"line {want['line_number']}: {field}"
    assert result["accumulators"] == expected["accumulators"]


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_scenario_numbers_read_like_strings(path: Path) -> None:
    """Amounts written as JSON numbers price the same as strings."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    as_numbers = copy.deepcopy(doc)
    terms = as_numbers["coverage"]["terms"]
    for section in [*terms["benefits"].values(), terms.get("out_of_network") or {}]:
        for field in ("copay", "coinsurance"):
            if field in section:
                section[field] = float(section[field])
    for accumulator in as_numbers["accumulators"]:
        accumulator["limit"] = float(accumulator["limit"])
        accumulator["consumed"] = float(accumulator["consumed"])
    for line in as_numbers["claim"]["lines"]:
        line["amount_claimed"] = float(line["amount_claimed"])
    assert price_claim(**scenario_inputs(as_numbers)).to_dict() == price_claim(**scenario_inputs(doc)).to_dict()


# --------------------------------------------------------------------------
# Builders for the targeted tests
# --------------------------------------------------------------------------

INCIDENT = dt.date(2026, 3, 10)


def terms(**benefits: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "currency": "USD",
        "benefits": {
            "office_visit": {"copay": "25.00"},
            "imaging": {"coinsurance": "0.20", "deductible_applies": True, "requires_prior_auth": True},
            "physio": {"coinsurance": "0.20", "deductible_applies": True},
            "cosmetic": {"covered": False},
        },
        "out_of_network": {"covered": True, "copay": "0", "coinsurance": "0.40", "deductible_applies": True},
    }
    base["benefits"].update(benefits)
    return base


def coverage(
    status: str = "ACTIVE",
    start: dt.date = dt.date(2026, 1, 1),
    end: dt.date | None = dt.date(2026, 12, 31),
    plan: dict[str, Any] | None = None,
) -> CoverageInput:
    return CoverageInput(status=status, effective_from=start, effective_to=end, terms=plan if plan is not None else terms())


def line(
    key: str = "office_visit",
    code: str = "99213",
    claimed: str = "100.00",
    number: int = 1,
    **overrides: Any,
) -> LineInput:
    return LineInput(
        line_number=number, coverage_term_key=key, procedure_code=code, amount_claimed=D(claimed), **overrides
    )


def bal(type_: str, key: str, limit: str, consumed: str = "0.00") -> Balance:
    return Balance(type=type_, key=key, limit=D(limit), consumed=D(consumed))


def price(**kwargs: Any) -> ClaimPricing:
    args: dict[str, Any] = {
        "incident_date": INCIDENT,
        "coverages": [coverage()],
        "network_status": "IN_NETWORK",
        "fee_schedule": {},
        "prior_auths": [],
        "balances": [],
        "lines": [line()],
    }
    args.update(kwargs)
    return price_claim(**args)


def only_line(result: ClaimPricing) -> dict[str, Any]:
    assert len(result.lines) == 1
    return result.lines[0].to_dict()


def assert_denied(result: ClaimPricing, carc: str) -> None:
    for priced in result.lines:
        assert priced.status == "DENIED"
        assert priced.reason_codes == (carc,)
        for field in ("amount_allowed", "deductible", "copay", "coinsurance", "amount_paid", "member_responsibility"):
            assert getattr(priced, field) == 0
    assert result.status == "DENIED"
    assert all(delta == 0 for delta in result.consumed_delta().values())


# --------------------------------------------------------------------------
# 1. Eligibility
# --------------------------------------------------------------------------


def test_incident_before_every_coverage_is_26() -> None:
    result = price(coverages=[coverage(start=dt.date(2026, 4, 1)), coverage(start=dt.date(2027, 1, 1), end=None)])
    assert_denied(result, "26")


def test_incident_after_coverage_is_27() -> None:
    assert_denied(price(coverages=[coverage(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))]), "27")


def test_incident_between_coverages_is_27() -> None:
    result = price(
        coverages=[
            coverage(start=dt.date(2025, 1, 1), end=dt.date(2026, 2, 28)),
            coverage(start=dt.date(2026, 4, 1), end=None),
        ]
    )
    assert_denied(result, "27")


def test_no_coverage_rows_is_27() -> None:
    assert_denied(price(coverages=[]), "27")


@pytest.mark.parametrize("status", ["TERMINATED", "SUSPENDED", "PENDING"])
def test_holding_coverage_that_is_not_active_is_27(status: str) -> None:
    assert_denied(price(coverages=[coverage(status=status)]), "27")


def test_inactive_coverage_that_starts_later_still_reads_27_when_it_holds_the_date() -> None:
    assert_denied(price(coverages=[coverage(status="SUSPENDED"), coverage(start=dt.date(2027, 1, 1))]), "27")


def test_active_coverage_is_preferred_over_an_inactive_one_holding_the_same_day() -> None:
    result = price(coverages=[coverage(status="TERMINATED"), coverage()])
    assert result.status == "APPROVED"


def test_the_newest_active_coverage_prices_the_claim() -> None:
    old = coverage(start=dt.date(2025, 1, 1), plan=terms(office_visit={"copay": "10.00"}))
    new = coverage(start=dt.date(2026, 3, 1), plan=terms(office_visit={"copay": "40.00"}))
    assert price(coverages=[new, old]).lines[0].copay == D("40.00")
    assert price(coverages=[old, new]).lines[0].copay == D("40.00")


@pytest.mark.parametrize("incident", [dt.date(2026, 1, 1), dt.date(2026, 12, 31)])
def test_coverage_dates_include_both_ends(incident: dt.date) -> None:
    assert price(incident_date=incident).status == "APPROVED"


def test_open_ended_coverage_holds_any_later_day() -> None:
    assert price(incident_date=dt.date(2040, 6, 1), coverages=[coverage(end=None)]).status == "APPROVED"


def test_choose_coverage_explains_itself() -> None:
    chosen = choose_coverage(INCIDENT, [coverage()])
    assert chosen.carc is None and chosen.coverage is not None
    assert "2026-03-10" in chosen.text


def test_broken_terms_on_a_coverage_that_does_not_apply_are_not_checked() -> None:
    stale = coverage(start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31), plan={"benefits": "nonsense"})
    assert price(coverages=[stale, coverage()]).status == "APPROVED"


# --------------------------------------------------------------------------
# 2. Benefit, 3. Network
# --------------------------------------------------------------------------


def test_unknown_benefit_is_96() -> None:
    assert_denied(price(lines=[line(key="acupuncture")]), "96")


def test_excluded_benefit_is_96() -> None:
    assert_denied(price(lines=[line(key="cosmetic", code="15780")]), "96")


def test_missing_fields_take_the_spec_defaults() -> None:
    result = price(coverages=[coverage(plan={"benefits": {"anything": {}}})], lines=[line(key="anything")])
    assert only_line(result) | {"steps": None} == {
        "line_number": 1,
        "status": "APPROVED",
        "amount_claimed": "100.00",
        "amount_allowed": "100.00",
        "deductible": "0.00",
        "copay": "0.00",
        "coinsurance": "0.00",
        "amount_paid": "100.00",
        "member_responsibility": "0.00",
        "reason_codes": [],
        "steps": None,
    }
    assert result.currency == "USD"


def test_out_of_network_without_a_section_is_242() -> None:
    plan = terms()
    del plan["out_of_network"]
    assert_denied(price(coverages=[coverage(plan=plan)], network_status="OUT_OF_NETWORK"), "242")


def test_out_of_network_section_not_covered_is_242() -> None:
    plan = terms()
    plan["out_of_network"] = {"covered": False, "coinsurance": "0.5"}
    assert_denied(price(coverages=[coverage(plan=plan)], network_status="OUT_OF_NETWORK"), "242")


def test_out_of_network_uses_its_cost_share_but_the_benefits_limits() -> None:
    result = price(
        network_status="OUT_OF_NETWORK",
        balances=[bal("BENEFIT_LIMIT", "office_visit", "60.00"), bal("DEDUCTIBLE", "plan", "500.00", "490.00")],
        lines=[line(claimed="100.00")],
    )
    priced = result.lines[0]
    # limit 60 -> deductible 10 -> no copay out of network -> 40% of 50 = 20
    assert (priced.amount_allowed, priced.deductible, priced.copay, priced.coinsurance) == (
        D("60.00"),
        D("10.00"),
        D("0.00"),
        D("20.00"),
    )
    assert set(priced.reason_codes) == {"119", "1", "2"}
    assert priced.network == "OUT_OF_NETWORK"


def test_in_network_ignores_the_out_of_network_section() -> None:
    plan = terms()
    del plan["out_of_network"]
    assert price(coverages=[coverage(plan=plan)]).lines[0].copay == D("25.00")


# --------------------------------------------------------------------------
# 4. Prior authorisation
# --------------------------------------------------------------------------


def _auth(code: str = "70553", status: str = "APPROVED", start: str | None = "2026-03-10", end: str | None = "2026-03-20"):
    return PriorAuthInput(procedure_code=code, status=status, valid_from=_date(start), valid_to=_date(end))


@pytest.mark.parametrize("incident", [dt.date(2026, 3, 10), dt.date(2026, 3, 20)])
def test_prior_auth_validity_includes_both_ends(incident: dt.date) -> None:
    result = price(incident_date=incident, prior_auths=[_auth()], lines=[line(key="imaging", code="70553")])
    assert result.status == "APPROVED"


@pytest.mark.parametrize("incident", [dt.date(2026, 3, 9), dt.date(2026, 3, 21)])
def test_prior_auth_outside_its_dates_is_197(incident: dt.date) -> None:
    result = price(incident_date=incident, prior_auths=[_auth()], lines=[line(key="imaging", code="70553")])
    assert_denied(result, "197")


@pytest.mark.parametrize(
    "auth",
    [_auth(code="70551"), _auth(status="PENDING"), _auth(status="DENIED")],
    ids=["other code", "pending", "denied"],
)
def test_prior_auth_for_another_code_or_not_approved_is_197(auth: PriorAuthInput) -> None:
    assert_denied(price(prior_auths=[auth], lines=[line(key="imaging", code="70553")]), "197")


def test_open_ended_prior_auth() -> None:
    result = price(prior_auths=[_auth(start=None, end=None)], lines=[line(key="imaging", code="70553")])
    assert result.status == "APPROVED"


# --------------------------------------------------------------------------
# 5. Allowed, 6. Limits
# --------------------------------------------------------------------------


def test_fee_schedule_above_the_charge_allows_the_charge_without_45() -> None:
    priced = price(fee_schedule={"99213": D("150.00")}).lines[0]
    assert priced.amount_allowed == D("100.00")
    assert "45" not in priced.reason_codes


def test_visit_limit_exhausted_is_119() -> None:
    assert_denied(price(balances=[bal("VISIT_LIMIT", "office_visit", "10", "10")]), "119")


def test_a_fraction_of_a_visit_left_is_no_visit_left() -> None:
    # Counting a whole visit against half a visit would pass the limit.
    assert_denied(price(balances=[bal("VISIT_LIMIT", "office_visit", "2.5", "2")]), "119")


def test_visit_limit_counts_one_per_approved_line() -> None:
    result = price(
        balances=[bal("VISIT_LIMIT", "office_visit", "3", "2")],
        lines=[line(number=1), line(number=2), line(number=3, key="cosmetic")],
    )
    assert [priced.status for priced in result.lines] == ["APPROVED", "DENIED", "DENIED"]
    assert result.lines[1].reason_codes == ("119",)
    assert result.lines[2].reason_codes == ("96",)
    assert result.balances[0].consumed == D("3")
    assert result.consumed_delta() == {("VISIT_LIMIT", "office_visit"): D("1")}
    assert result.status == "PARTIALLY_APPROVED"


def test_benefit_limit_exhausted_is_119() -> None:
    assert_denied(price(balances=[bal("BENEFIT_LIMIT", "office_visit", "500.00", "500.00")]), "119")


def test_a_limit_without_an_accumulator_row_does_not_apply() -> None:
    # A row for another benefit limits only that benefit.
    result = price(balances=[bal("BENEFIT_LIMIT", "physio", "10.00", "10.00")], lines=[line(claimed="900.00")])
    assert result.lines[0].amount_allowed == D("900.00")


# --------------------------------------------------------------------------
# 7-10. Cost share
# --------------------------------------------------------------------------


def test_no_deductible_row_means_no_deductible() -> None:
    priced = price(lines=[line(key="physio", code="97110", claimed="100.00")]).lines[0]
    assert priced.deductible == D("0.00")
    assert priced.coinsurance == D("20.00")


def test_copay_larger_than_allowed_takes_all_of_it() -> None:
    result = price(lines=[line(claimed="20.00")], balances=[bal("OUT_OF_POCKET", "plan", "2000.00")])
    assert only_line(result)["copay"] == "20.00"
    assert only_line(result)["amount_paid"] == "0.00"
    assert result.lines[0].reason_codes == ("3",)
    assert result.lines[0].status == "APPROVED"


def test_copay_after_deductible_takes_only_what_is_left() -> None:
    plan = terms(office_visit={"copay": "25.00", "coinsurance": "0.5", "deductible_applies": True})
    result = price(
        coverages=[coverage(plan=plan)],
        balances=[bal("DEDUCTIBLE", "plan", "500.00", "410.00")],
        lines=[line(claimed="100.00")],
    )
    priced = result.lines[0]
    assert (priced.deductible, priced.copay, priced.coinsurance, priced.amount_paid) == (
        D("90.00"),
        D("10.00"),
        D("0.00"),
        D("0.00"),
    )
    assert set(priced.reason_codes) == {"1", "3"}


def test_coinsurance_rounds_half_up() -> None:
    plan = terms(office_visit={"coinsurance": "0.10"})
    # 10.05 x 0.10 = 1.005: half-up gives 1.01 (banker's rounding would give 1.00)
    priced = price(coverages=[coverage(plan=plan)], lines=[line(claimed="10.05")]).lines[0]
    assert priced.coinsurance == D("1.01")
    assert priced.amount_paid == D("9.04")


def test_out_of_pocket_cut_goes_through_coinsurance_copay_then_deductible() -> None:
    plan = terms(office_visit={"copay": "50.00", "coinsurance": "0.20", "deductible_applies": True})
    result = price(
        coverages=[coverage(plan=plan)],
        balances=[bal("DEDUCTIBLE", "plan", "500.00", "400.00"), bal("OUT_OF_POCKET", "plan", "2000.00", "1970.00")],
        lines=[line(claimed="500.00")],
    )
    # Before the cut: deductible 100, copay 50, coinsurance 20% of 350 = 70 -> 220.
    # Only 30 left: coinsurance and copay go to zero, deductible 100 -> 30.
    priced = result.lines[0]
    assert (priced.deductible, priced.copay, priced.coinsurance) == (D("30.00"), D("0.00"), D("0.00"))
    assert priced.reason_codes == ("1",)
    assert priced.member_responsibility == D("30.00")
    assert priced.amount_paid == D("470.00")
    assert [(b.type, b.consumed) for b in result.balances] == [
        ("DEDUCTIBLE", D("430.00")),
        ("OUT_OF_POCKET", D("2000.00")),
    ]
    assert any(step.rule == "out_of_pocket" and "losing CARC 3" in step.text for step in priced.steps)


def test_out_of_pocket_met_leaves_no_cost_share_and_no_codes() -> None:
    plan = terms(office_visit={"copay": "50.00", "deductible_applies": True})
    result = price(
        coverages=[coverage(plan=plan)],
        balances=[bal("DEDUCTIBLE", "plan", "500.00"), bal("OUT_OF_POCKET", "plan", "2000.00", "2000.00")],
        fee_schedule={"99213": D("80.00")},
    )
    priced = result.lines[0]
    assert priced.status == "APPROVED"
    assert priced.reason_codes == ("45",)
    assert priced.member_responsibility == D("0.00")
    assert priced.amount_paid == D("80.00")
    assert all(delta == 0 for delta in result.consumed_delta().values())


def test_partial_coinsurance_cut_keeps_its_code() -> None:
    plan = terms(office_visit={"coinsurance": "0.50"})
    result = price(coverages=[coverage(plan=plan)], balances=[bal("OUT_OF_POCKET", "plan", "100.00", "90.00")])
    assert result.lines[0].coinsurance == D("10.00")
    assert result.lines[0].reason_codes == ("2",)


# --------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------


def test_allowed_override_replaces_the_fee_schedule_and_adds_no_45() -> None:
    result = price(
        fee_schedule={"99213": D("120.00")},
        balances=[bal("OUT_OF_POCKET", "plan", "2000.00")],
        lines=[line(claimed="180.00", override_allowed=D("100.00"), override_note="contract renegotiated")],
    )
    priced = result.lines[0]
    assert (priced.amount_allowed, priced.copay, priced.amount_paid) == (D("100.00"), D("25.00"), D("75.00"))
    assert priced.reason_codes == ("3",)
    override = [step for step in priced.steps if step.rule == "override"]
    assert override and "contract renegotiated" in override[0].text
    assert not any(step.rule == "allowed" for step in priced.steps)


def test_allowed_override_is_still_cut_by_the_benefit_limit() -> None:
    result = price(
        balances=[bal("BENEFIT_LIMIT", "office_visit", "100.00", "60.00")],
        lines=[line(claimed="180.00", override_allowed=D("100.00"))],
    )
    assert result.lines[0].amount_allowed == D("40.00")
    assert set(result.lines[0].reason_codes) == {"119", "3"}


def test_allowed_override_does_not_lift_an_automatic_denial() -> None:
    assert_denied(price(lines=[line(key="cosmetic", override_allowed=D("50.00"))]), "96")


def test_deny_override_gives_exactly_its_code_and_touches_nothing() -> None:
    balances = [bal("OUT_OF_POCKET", "plan", "2000.00"), bal("VISIT_LIMIT", "office_visit", "5")]
    result = price(balances=balances, lines=[line(override_deny_carc="50", override_note="not medically necessary")])
    assert_denied(result, "50")
    assert "not medically necessary" in result.lines[0].steps[-1].text


def test_deny_override_stands_over_an_eligibility_denial() -> None:
    assert_denied(price(coverages=[], lines=[line(override_deny_carc=" b7 ")]), "B7")


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"override_allowed": D("100.01")}, "more than"),
        ({"override_allowed": D("-1.00")}, "negative"),
        ({"override_deny_carc": "not a code!"}, "CARC"),
        ({"override_allowed": D("10.00"), "override_deny_carc": "50"}, "both"),
    ],
)
def test_contradictory_or_impossible_overrides_are_refused(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words) as error:
        price(lines=[line(number=4, **overrides)])
    assert error.value.where == "line 4"


# --------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "benefit, field",
    [
        ({"coinsurance": "abc"}, "coinsurance"),
        ({"coinsurance": "1.5"}, "coinsurance"),
        ({"coinsurance": "-0.1"}, "coinsurance"),
        ({"coinsurance": True}, "coinsurance"),
        ({"copay": "-5.00"}, "copay"),
        ({"copay": "twenty"}, "copay"),
        ({"covered": "yes"}, "covered"),
        ({"deductible_applies": 1}, "deductible_applies"),
        ({"requires_prior_auth": "false"}, "requires_prior_auth"),
    ],
)
def test_malformed_benefit_raises_naming_benefit_and_field(benefit: dict[str, Any], field: str) -> None:
    # The broken benefit is not the one the claim uses: nothing is priced on a broken plan.
    plan = terms(imaging=benefit)
    with pytest.raises(ValidationError) as error:
        price(coverages=[coverage(plan=plan)])
    assert "imaging" in str(error.value)
    assert field in str(error.value)
    assert error.value.where == f"coverage_terms.benefits.imaging.{field}"


def test_malformed_out_of_network_raises() -> None:
    plan = terms()
    plan["out_of_network"] = {"coinsurance": "2"}
    with pytest.raises(ValidationError, match="out_of_network"):
        price(coverages=[coverage(plan=plan)])


@pytest.mark.parametrize(
    "plan, where",
    [
        ({"currency": "USD"}, "coverage_terms.benefits"),
        ({"benefits": []}, "coverage_terms.benefits"),
        ({"benefits": {"x": "covered"}}, "coverage_terms.benefits.x"),
        ({"currency": "dollars", "benefits": {}}, "coverage_terms.currency"),
    ],
)
def test_malformed_plan_shape_raises(plan: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_coverage_terms(plan)
    assert error.value.where == where


def test_negative_amount_claimed_names_the_line() -> None:
    with pytest.raises(ValidationError, match="line 2") as error:
        price(lines=[line(number=1), line(number=2, claimed="-0.01")])
    assert "negative" in str(error.value)


def test_duplicate_line_numbers_are_refused() -> None:
    with pytest.raises(ValidationError, match="twice"):
        price(lines=[line(number=1), line(number=1)])


def test_a_claim_needs_lines() -> None:
    with pytest.raises(ValidationError):
        price(lines=[])


def test_unknown_network_status_is_refused() -> None:
    with pytest.raises(ValidationError, match="network"):
        price(network_status="MAYBE")


def test_negative_fee_schedule_price_names_the_code() -> None:
    with pytest.raises(ValidationError, match="99213"):
        price(fee_schedule={"99213": D("-1.00")})


def test_duplicate_accumulator_rows_are_refused() -> None:
    with pytest.raises(ValidationError, match="DEDUCTIBLE/plan"):
        price(balances=[bal("DEDUCTIBLE", "plan", "500.00"), bal("DEDUCTIBLE", "plan", "300.00")])


# --------------------------------------------------------------------------
# Balances, order and the result's shape
# --------------------------------------------------------------------------


def test_input_balances_are_not_mutated() -> None:
    balances = [bal("DEDUCTIBLE", "plan", "500.00"), bal("OUT_OF_POCKET", "plan", "2000.00", "10.00")]
    snapshot = copy.deepcopy(balances)
    plan = terms()
    plan_snapshot = copy.deepcopy(plan)

    result = price(coverages=[coverage(plan=plan)], balances=balances, lines=[line(key="physio", claimed="100.00")])

    assert balances == snapshot
    assert plan == plan_snapshot
    assert result.balances[0] is not balances[0]
    assert result.balances[0].consumed == D("100.00")


def test_lines_are_priced_in_line_number_order_whatever_the_input_order() -> None:
    balances = [bal("BENEFIT_LIMIT", "office_visit", "150.00")]
    result = price(balances=balances, lines=[line(number=2, claimed="100.00"), line(number=1, claimed="100.00")])
    assert [priced.line_number for priced in result.lines] == [1, 2]
    assert [priced.amount_allowed for priced in result.lines] == [D("100.00"), D("50.00")]


def test_each_touched_balance_has_a_step_with_before_and_after() -> None:
    balances = [
        bal("DEDUCTIBLE", "plan", "500.00", "450.00"),
        bal("OUT_OF_POCKET", "plan", "2000.00", "450.00"),
        bal("BENEFIT_LIMIT", "physio", "1000.00", "100.00"),
        bal("VISIT_LIMIT", "physio", "20", "3"),
        bal("DEDUCTIBLE", "family", "900.00"),  # not a key pricing reads; rides along
    ]
    result = price(balances=balances, lines=[line(key="physio", code="97110", claimed="100.00")])
    steps = {step.balance: step for step in result.lines[0].steps if step.rule == "balance"}
    assert set(steps) == {"DEDUCTIBLE/plan", "OUT_OF_POCKET/plan", "BENEFIT_LIMIT/physio", "VISIT_LIMIT/physio"}
    assert (steps["DEDUCTIBLE/plan"].before, steps["DEDUCTIBLE/plan"].after) == (D("450.00"), D("500.00"))
    # deductible 50 + 20% of 50 = 60
    assert (steps["OUT_OF_POCKET/plan"].before, steps["OUT_OF_POCKET/plan"].after) == (D("450.00"), D("510.00"))
    assert (steps["BENEFIT_LIMIT/physio"].before, steps["BENEFIT_LIMIT/physio"].after) == (D("100.00"), D("200.00"))
    assert (steps["VISIT_LIMIT/physio"].before, steps["VISIT_LIMIT/physio"].after) == (D("3"), D("4"))
    assert result.consumed_delta() == {
        ("DEDUCTIBLE", "plan"): D("50.00"),
        ("OUT_OF_POCKET", "plan"): D("60.00"),
        ("BENEFIT_LIMIT", "physio"): D("100.00"),
        ("VISIT_LIMIT", "physio"): D("1"),
        ("DEDUCTIBLE", "family"): D("0.00"),
    }


def test_result_serialises_to_the_spec_shape() -> None:
    result = price(fee_schedule={"99213": D("80.00")}, balances=[bal("OUT_OF_POCKET", "plan", "2000.00")])
    out = json.loads(json.dumps(result.to_dict()))
    assert set(out) == {"status", "lines", "accumulators"}
    assert out["lines"][0]["amount_allowed"] == "80.00"
    assert out["lines"][0]["steps"][0]["rule"] == "eligibility"
    # A step keeps only the fields it has: a sentence, an amount, a balance moved.
    steps = {step["rule"]: step for step in out["lines"][0]["steps"]}
    assert set(steps["eligibility"]) == {"rule", "text"}
    assert set(steps["allowed"]) == {"rule", "text", "amount"}
    assert steps["balance"] == {
        "rule": "balance",
        "text": "OUT_OF_POCKET/plan used goes from 0.00 to 25.00 (+25.00).",
        "amount": "25.00",
        "balance": "OUT_OF_POCKET/plan",
        "before": "0.00",
        "after": "25.00",
    }
    assert out["accumulators"] == [{"type": "OUT_OF_POCKET", "key": "plan", "limit": "2000.00", "consumed": "25.00"}]


def test_fee_schedule_step_reads_like_the_examiner_expects() -> None:
    priced = price(fee_schedule={"99213": D("120.00")}, lines=[line(claimed="180.00")]).lines[0]
    texts = [step.text for step in priced.steps if step.rule == "allowed"]
    assert texts == ["Fee schedule price 120.00 for 99213 is below the 180.00 charged; allowed 120.00 (CARC 45)."]


def test_totals_add_up_the_lines() -> None:
    result = price(
        fee_schedule={"99213": D("80.00")},
        lines=[line(number=1), line(number=2, claimed="60.00"), line(number=3, key="cosmetic")],
    )
    totals = result.totals
    assert totals.amount_claimed == D("260.00")
    assert totals.amount_allowed == D("140.00")
    assert totals.copay == D("50.00")
    assert totals.amount_paid == D("90.00")
    assert totals.member_responsibility == D("50.00")
    assert result.currency == "USD"
