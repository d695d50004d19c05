"""Properties of the pricing engine over generated plans, balances and claims.

Examples are kept to about 200 per property so the file runs in seconds on a
small machine; the shapes are narrow on purpose (few benefit keys, few codes)
so that limits, prior auths and fee schedules actually collide.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.services.claims.pricing import (
    Balance,
    ClaimPricing,
    CoverageInput,
    LineInput,
    PriorAuthInput,
    price_claim,
)
from claimdesk.services.errors import ValidationError

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,  # first examples pay for imports; timing is not the property
    suppress_health_check=[HealthCheck.too_slow],
)

INCIDENT = dt.date(2026, 6, 15)
KEYS = ("office_visit", "imaging", "physio")
CODES = ("99213", "70553", "97110", "27447")
CENT = Decimal("0.01")


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda c: (Decimal(c) / 100).quantize(CENT))


def as_json_amount(value: Decimal) -> st.SearchStrategy[Any]:
    """The same amount the ways a JSONB document can hold it."""
    options: list[Any] = [str(value), value, float(value)]
    if value == value.to_integral_value():
        options.append(int(value))
    return st.sampled_from(options)


rates = st.integers(0, 10_000).map(lambda bp: Decimal(bp) / 10_000)


@st.composite
def cost_share_section(draw: st.DrawFn, *, benefit: bool) -> dict[str, Any]:
    """A benefit or out_of_network section; any field may be missing."""
    section: dict[str, Any] = {}
    if draw(st.booleans()):
        section["covered"] = draw(st.sampled_from([True] * 9 + [False]))
    if draw(st.booleans()):
        section["copay"] = draw(cents(0, 10_000).flatmap(as_json_amount))
    if draw(st.booleans()):
        section["coinsurance"] = draw(rates.flatmap(as_json_amount))
    if draw(st.booleans()):
        section["deductible_applies"] = draw(st.booleans())
    if benefit and draw(st.booleans()):
        section["requires_prior_auth"] = draw(st.sampled_from([False, False, True]))
    return section


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    # Most keys present, so most lines reach the money steps instead of CARC 96.
    present = [key for key in KEYS if draw(st.integers(0, 9)) > 0]
    terms: dict[str, Any] = {"benefits": {key: draw(cost_share_section(benefit=True)) for key in present}}
    if draw(st.booleans()):
        terms["currency"] = "USD"
    if draw(st.booleans()):
        terms["out_of_network"] = draw(cost_share_section(benefit=False))
    return terms


@st.composite
def money_balance(draw: st.DrawFn, type_: str, key: str) -> Balance:
    limit = draw(cents(0, 200_000))
    # Mostly at or under the limit; sometimes already over, as a stale row can be.
    # A little headroom is the common case, a spent or overspent one the edge.
    kind = draw(st.sampled_from(["fresh"] * 3 + ["partly"] * 4 + ["spent", "over"]))
    if kind == "fresh":
        consumed = Decimal("0.00")
    elif kind == "partly":
        consumed = draw(cents(0, int(limit * 100)))
    elif kind == "spent":
        consumed = limit
    else:
        consumed = limit + draw(cents(1, 10_000))
    return Balance(type=type_, key=key, limit=limit, consumed=consumed)


@st.composite
def visit_balance(draw: st.DrawFn, key: str) -> Balance:
    limit = draw(st.integers(0, 6))
    consumed = draw(st.integers(0, limit + 1))
    return Balance(type="VISIT_LIMIT", key=key, limit=Decimal(limit), consumed=Decimal(consumed))


@st.composite
def balance_sets(draw: st.DrawFn) -> list[Balance]:
    candidates: list[st.SearchStrategy[Balance]] = [
        money_balance("DEDUCTIBLE", "plan"),
        money_balance("OUT_OF_POCKET", "plan"),
    ]
    for key in KEYS:
        candidates.append(money_balance("BENEFIT_LIMIT", key))
        candidates.append(visit_balance(key))
    chosen = [draw(candidate) for candidate in candidates if draw(st.booleans())]
    return draw(st.permutations(chosen))


@st.composite
def coverage_lists(draw: st.DrawFn) -> list[CoverageInput]:
    def one(terms: dict[str, Any]) -> st.SearchStrategy[CoverageInput]:
        return st.builds(
            CoverageInput,
            status=st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "TERMINATED", "SUSPENDED"]),
            effective_from=st.sampled_from([dt.date(2026, 1, 1), INCIDENT, dt.date(2026, 7, 1)]),
            effective_to=st.sampled_from([None, dt.date(2026, 12, 31), INCIDENT, dt.date(2026, 6, 14)]),
            terms=st.just(terms),
        )

    # Mostly one ACTIVE row holding the incident date, so lines get priced;
    # the rest exercise CARC 26/27 and the choice between rows.
    shape = draw(st.sampled_from(["holding"] * 7 + ["random", "random", "none"]))
    if shape == "none":
        return []
    if shape == "holding":
        end = draw(st.sampled_from([None, dt.date(2026, 12, 31)]))
        return [CoverageInput("ACTIVE", dt.date(2026, 1, 1), end, draw(plans()))]
    count = draw(st.integers(1, 2))
    return [draw(one(draw(plans()))) for _ in range(count)]


prior_auth_lists = st.lists(
    st.builds(
        PriorAuthInput,
        procedure_code=st.sampled_from(CODES),
        status=st.sampled_from(["APPROVED"] * 4 + ["PENDING", "DENIED"]),
        valid_from=st.sampled_from([None, dt.date(2026, 1, 1), INCIDENT, dt.date(2026, 6, 16)]),
        valid_to=st.sampled_from([None, dt.date(2026, 12, 31), INCIDENT, dt.date(2026, 6, 14)]),
    ),
    max_size=3,
)


@st.composite
def claim_lines(draw: st.DrawFn) -> list[LineInput]:
    count = draw(st.integers(1, 6))
    numbers = draw(st.permutations(range(1, count + 1)))
    lines: list[LineInput] = []
    for number in numbers:
        claimed = draw(cents(0, 300_000))
        override = draw(st.sampled_from(["none"] * 10 + ["allowed", "deny"]))
        override_allowed = None
        override_deny = None
        if override == "allowed":
            percent = draw(st.integers(0, 100))
            override_allowed = (claimed * percent / 100).quantize(CENT)
            override_allowed = min(override_allowed, claimed)
        elif override == "deny":
            override_deny = draw(st.sampled_from(["50", "16", "B7"]))
        lines.append(
            LineInput(
                line_number=number,
                coverage_term_key=draw(st.sampled_from((*KEYS * 4, "dental"))),
                procedure_code=draw(st.sampled_from(CODES)),
                amount_claimed=claimed,
                override_allowed=override_allowed,
                override_deny_carc=override_deny,
            )
        )
    return lines


@st.composite
def claims(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "incident_date": INCIDENT,
        "coverages": draw(coverage_lists()),
        "network_status": draw(st.sampled_from(["IN_NETWORK"] * 3 + ["OUT_OF_NETWORK"])),
        "fee_schedule": draw(st.dictionaries(st.sampled_from(CODES), cents(0, 300_000))),
        "prior_auths": draw(prior_auth_lists),
        "balances": draw(balance_sets()),
        "lines": draw(claim_lines()),
    }


AMOUNT_FIELDS = ("amount_allowed", "deductible", "copay", "coinsurance", "amount_paid", "member_responsibility")


@PROPERTY_SETTINGS
@given(claims())
def test_every_line_and_the_claim_add_up(claim: dict[str, Any]) -> None:
    result = price_claim(**claim)
    claimed = {line.line_number: line.amount_claimed for line in claim["lines"]}
    assert [line.line_number for line in result.lines] == sorted(claimed)
    for line in result.lines:
        assert line.amount_claimed == claimed[line.line_number]
        for field in AMOUNT_FIELDS:
            value = getattr(line, field)
            assert value >= 0, field
            assert value.as_tuple().exponent == -2, field
        assert line.amount_allowed <= line.amount_claimed
        assert line.amount_paid + line.member_responsibility == line.amount_allowed
        assert line.member_responsibility == line.deductible + line.copay + line.coinsurance
        assert len(set(line.reason_codes)) == len(line.reason_codes)
        if line.status == "DENIED":
            assert len(line.reason_codes) == 1
            assert all(getattr(line, field) == 0 for field in AMOUNT_FIELDS)
        else:
            assert line.status == "APPROVED"
            # A cost-share code is there exactly when that share is: the
            # out-of-pocket cut takes the code away with the amount.
            assert ("1" in line.reason_codes) == (line.deductible > 0)
            assert ("3" in line.reason_codes) == (line.copay > 0)
            assert ("2" in line.reason_codes) == (line.coinsurance > 0)

    statuses = {line.status for line in result.lines}
    if statuses == {"APPROVED"}:
        assert result.status == "APPROVED"
    elif statuses == {"DENIED"}:
        assert result.status == "DENIED"
    else:
        assert result.status == "PARTIALLY_APPROVED"
    totals = result.totals
    assert totals.amount_paid == sum((line.amount_paid for line in result.lines), Decimal(0))
    assert totals.amount_allowed == totals.amount_paid + totals.member_responsibility


@PROPERTY_SETTINGS
@given(claims())
def test_balances_move_by_the_delta_never_pass_their_limit_and_are_explained(claim: dict[str, Any]) -> None:
    given_balances = claim["balances"]
    result = price_claim(**claim)
    delta = result.consumed_delta()
    assert [(b.type, b.key, b.limit) for b in result.balances] == [(b.type, b.key, b.limit) for b in given_balances]
    for before, after in zip(given_balances, result.balances, strict=True):
        assert after.consumed == before.consumed + delta[(before.type, before.key)]
        assert delta[(before.type, before.key)] >= 0
        if before.consumed <= before.limit:
            assert after.consumed <= after.limit, after.label

    approved = [line for line in result.lines if line.status == "APPROVED"]
    by_key = {line.line_number: line.coverage_term_key for line in claim["lines"]}
    for (type_, key), amount in delta.items():
        if type_ == "DEDUCTIBLE":
            assert amount == sum((line.deductible for line in approved), Decimal(0))
        elif type_ == "OUT_OF_POCKET":
            assert amount == sum((line.member_responsibility for line in approved), Decimal(0))
        elif type_ == "BENEFIT_LIMIT":
            assert amount == sum((ln.amount_allowed for ln in approved if by_key[ln.line_number] == key), Decimal(0))
        elif type_ == "VISIT_LIMIT":
            assert amount == sum(1 for ln in approved if by_key[ln.line_number] == key)

    # Every move of a balance is explained by a step with its before and after.
    moved: dict[str, Decimal] = {}
    for line in result.lines:
        for step in line.steps:
            if step.rule == "balance":
                assert step.before is not None and step.after is not None and step.amount is not None
                assert step.after == step.before + step.amount
                moved[step.balance] = moved.get(step.balance, Decimal(0)) + step.amount
    for (type_, key), amount in delta.items():
        assert moved.get(f"{type_}/{key}", Decimal(0)) == amount


@PROPERTY_SETTINGS
@given(claims())
def test_pricing_is_deterministic_and_leaves_inputs_alone(claim: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(claim)
    first = price_claim(**claim)
    assert claim == snapshot
    second = price_claim(**claim)
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert isinstance(first, ClaimPricing)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@PROPERTY_SETTINGS
@given(
    claim=claims(),
    field=st.sampled_from(["covered", "copay", "coinsurance", "deductible_applies", "requires_prior_auth"]),
    value=junk,
    in_network_section=st.booleans(),
)
def test_junk_in_the_terms_prices_or_raises_a_validation_error(
    claim: dict[str, Any], field: str, value: Any, in_network_section: bool
) -> None:
    """Never a crash of another kind, never a half-priced claim."""
    coverages = []
    for coverage in claim["coverages"]:
        terms = copy.deepcopy(dict(coverage.terms))
        target = terms["benefits"].setdefault("office_visit", {}) if in_network_section else terms.setdefault(
            "out_of_network", {}
        )
        target[field] = value
        coverages.append(CoverageInput(coverage.status, coverage.effective_from, coverage.effective_to, terms))
    claim["coverages"] = coverages
    try:
        result = price_claim(**claim)
    except ValidationError as error:
        assert field in str(error)
    else:
        assert len(result.lines) == len(claim["lines"])
