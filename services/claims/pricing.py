"""Pure claim-line pricing: the spec's "Pricing a line", steps 1 to 12.

No database and no Qt. The caller loads coverage, balances, the fee schedule
and prior authorisations, calls :func:`price_claim`, and writes back the lines
and the balances it returns. Everything here is a function of its arguments,
so the simulator, the workstation and the tests price a claim the same way.

Money is ``Decimal`` with two places, rounded half up (``services.money``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from claimdesk.services.errors import ValidationError
from claimdesk.services.money import ZERO, fmt, money, rate

__all__ = [
    "ACCUMULATOR_TYPES",
    "Balance",
    "BenefitTerms",
    "ClaimPricing",
    "ClaimTotals",
    "CostShare",
    "CoverageInput",
    "Eligibility",
    "LineInput",
    "LineResult",
    "PlanTerms",
    "PriorAuthInput",
    "Step",
    "choose_coverage",
    "parse_coverage_terms",
    "price_claim",
]

APPROVED = "APPROVED"
DENIED = "DENIED"
PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
IN_NETWORK = "IN_NETWORK"
OUT_OF_NETWORK = "OUT_OF_NETWORK"

DEDUCTIBLE = "DEDUCTIBLE"
OUT_OF_POCKET = "OUT_OF_POCKET"
BENEFIT_LIMIT = "BENEFIT_LIMIT"
VISIT_LIMIT = "VISIT_LIMIT"
ACCUMULATOR_TYPES = (DEDUCTIBLE, OUT_OF_POCKET, BENEFIT_LIMIT, VISIT_LIMIT)
PLAN_KEY = "plan"

CARC_DEDUCTIBLE = "1"
CARC_COINSURANCE = "2"
CARC_COPAY = "3"
CARC_BEFORE_COVERAGE = "26"
CARC_AFTER_COVERAGE = "27"
CARC_FEE_SCHEDULE = "45"
CARC_NOT_COVERED = "96"
CARC_LIMIT = "119"
CARC_NO_PRIOR_AUTH = "197"
CARC_OUT_OF_NETWORK = "242"

# CARCs are short alphanumerics ("45", "119", "A1", "P12"); anything else a
# person typed into a deny override is a slip, not a code.
_CARC_PATTERN = re.compile(r"^[A-Z0-9]{1,5}$")
_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
# The spec gives no default currency; the seed plans and every scenario are
# USD, so a plan that names none is read as USD rather than refused.
DEFAULT_CURRENCY = "USD"
_ONE = Decimal(1)
# decimal.InvalidOperation (an ArithmeticError, not a ValueError) is what an
# amount too large to hold in cents raises; it is bad input like the others.
_BAD_NUMBER = (ValueError, TypeError, ArithmeticError)
_NO_END = dt.date.max


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageInput:
    """One ``eligibility.member_coverage`` row."""

    status: str
    effective_from: dt.date
    effective_to: dt.date | None
    terms: Mapping[str, Any]
    # ``parse_coverage_terms(terms)`` done ahead, when the caller has it (a batch
    # reads the same plan for many members); otherwise pricing parses ``terms``.
    plan: PlanTerms | None = field(default=None, compare=False, repr=False)

    def holds(self, day: dt.date) -> bool:
        """Both ends count: coverage to 2026-12-31 still covers that day."""
        return self.effective_from <= day <= (self.effective_to or _NO_END)

    @property
    def is_active(self) -> bool:
        return self.status.strip().upper() == "ACTIVE"


@dataclass
class Balance:
    """One ``eligibility.coverage_accumulators`` row.

    Mutable because pricing walks a private copy forward line by line; the
    caller's objects are never touched.
    """

    type: str
    key: str
    limit: Decimal
    consumed: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.limit - self.consumed, ZERO)

    @property
    def label(self) -> str:
        return f"{self.type}/{self.key}"

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "key": self.key, "limit": fmt(self.limit), "consumed": fmt(self.consumed)}


@dataclass(frozen=True)
class PriorAuthInput:
    """One ``claims.prior_auths`` row of this member; ``None`` dates are open ended."""

    procedure_code: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from or dt.date.min) <= day <= (self.valid_to or _NO_END)


@dataclass(frozen=True)
class LineInput:
    line_number: int
    coverage_term_key: str
    procedure_code: str
    amount_claimed: Decimal
    # A person set the allowed amount: it replaces the fee-schedule step only;
    # limits, deductible, copay, coinsurance and the out-of-pocket maximum
    # still apply, and no CARC 45 is added.
    override_allowed: Decimal | None = None
    # A person denied the line with this CARC.
    override_deny_carc: str | None = None
    override_note: str | None = None


# --------------------------------------------------------------------------
# Parsed coverage terms
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CostShare:
    """What the member pays on a line: the benefit's, or the out-of-network one."""

    copay: Decimal
    coinsurance: Decimal
    deductible_applies: bool


@dataclass(frozen=True)
class BenefitTerms:
    key: str
    covered: bool
    share: CostShare
    requires_prior_auth: bool


@dataclass(frozen=True)
class PlanTerms:
    currency: str
    benefits: Mapping[str, BenefitTerms]
    # ``None`` when the section is absent: out-of-network care is not covered.
    out_of_network: CostShare | None


def _where(*parts: str) -> str:
    return ".".join(("coverage_terms", *parts))


def _decimal(value: Any) -> Decimal:
    """Read a JSON amount. JSON numbers arrive as floats from psycopg's JSONB
    loader; their shortest repr is the number as written, so go through it."""
    if type(value) is Decimal and value.is_finite():  # rows from PostgreSQL: already exact
        return value
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, (int, str)):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if not isinstance(value, Decimal):
        raise ValueError(f"{value!r} is not a number")
    if not value.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return value


def _flag(section: Mapping[str, Any], field: str, default: bool, where: str, label: str) -> bool:
    value = section.get(field, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(f"{field} of {label} must be true or false, not {value!r}", where=where)
    return value


def _copay(section: Mapping[str, Any], where: str, label: str) -> Decimal:
    raw = section.get("copay")
    if raw is None:
        return ZERO
    try:
        amount = money(_decimal(raw))
    except _BAD_NUMBER as exc:
        raise ValidationError(f"copay of {label} is not an amount: {exc}", where=where) from None
    if amount < 0:
        raise ValidationError(f"copay of {label} is negative ({fmt(amount)})", where=where)
    return amount


def _coinsurance(section: Mapping[str, Any], where: str, label: str) -> Decimal:
    raw = section.get("coinsurance")
    if raw is None:
        return Decimal(0)
    try:
        return rate(_decimal(raw))
    except _BAD_NUMBER as exc:
        raise ValidationError(
            f"coinsurance of {label} must be a rate between 0 and 1, not {raw!r} ({exc})", where=where
        ) from None


def _cost_share(section: Mapping[str, Any], path: tuple[str, ...], label: str) -> CostShare:
    return CostShare(
        copay=_copay(section, _where(*path, "copay"), label),
        coinsurance=_coinsurance(section, _where(*path, "coinsurance"), label),
        deductible_applies=_flag(section, "deductible_applies", False, _where(*path, "deductible_applies"), label),
    )


def parse_coverage_terms(terms: Mapping[str, Any]) -> PlanTerms:
    """Check a ``coverage_terms`` document and apply the spec's defaults.

    The whole document is checked, not only the benefits a claim touches: a
    broken plan is a configuration error to fix, and pricing half a claim on
    it would be worse than refusing. Raises ``ValidationError`` naming the
    benefit and field.
    """
    if not isinstance(terms, Mapping):
        raise ValidationError("coverage_terms must be a JSON object", where=_where())
    currency = terms.get("currency", DEFAULT_CURRENCY)
    if currency is None:
        currency = DEFAULT_CURRENCY
    if not isinstance(currency, str) or not _CURRENCY_PATTERN.match(currency.strip().upper()):
        raise ValidationError(f"currency {currency!r} is not a three-letter code", where=_where("currency"))
    # A plan without a benefits section is a broken document, not a plan that
    # covers nothing; refusing it keeps a typo from denying every claim.
    raw_benefits = terms.get("benefits")
    if not isinstance(raw_benefits, Mapping):
        raise ValidationError("coverage_terms has no benefits object", where=_where("benefits"))
    benefits: dict[str, BenefitTerms] = {}
    for key, section in raw_benefits.items():
        label = f"benefit {key}"
        if not isinstance(section, Mapping):
            raise ValidationError(f"{label} must be a JSON object", where=_where("benefits", str(key)))
        path = ("benefits", str(key))
        benefits[str(key)] = BenefitTerms(
            key=str(key),
            covered=_flag(section, "covered", True, _where(*path, "covered"), label),
            share=_cost_share(section, path, label),
            requires_prior_auth=_flag(
                section, "requires_prior_auth", False, _where(*path, "requires_prior_auth"), label
            ),
        )
    oon_section = terms.get("out_of_network")
    out_of_network: CostShare | None = None
    if oon_section is not None:
        label = "out_of_network"
        if not isinstance(oon_section, Mapping):
            raise ValidationError("out_of_network must be a JSON object", where=_where("out_of_network"))
        covered = _flag(oon_section, "covered", True, _where("out_of_network", "covered"), label)
        share = _cost_share(oon_section, ("out_of_network",), label)
        out_of_network = share if covered else None
    return PlanTerms(currency=currency.strip().upper(), benefits=benefits, out_of_network=out_of_network)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


class Step(NamedTuple):
    """One sentence of a line's explanation, in the order pricing took it.

    A named tuple rather than a frozen dataclass: a claim makes some twenty
    of these, and a tuple is made several times faster.
    """

    rule: str
    text: str
    amount: Decimal | None = None
    balance: str | None = None
    before: Decimal | None = None
    after: Decimal | None = None

    def to_dict(self) -> dict[str, str]:
        """The step as stored in the claim's document; fields without a value are left out."""
        out = {"rule": self.rule, "text": self.text}
        if self.amount is not None:
            out["amount"] = fmt(self.amount)
        if self.balance is not None:
            out["balance"] = self.balance
        if self.before is not None:
            out["before"] = fmt(self.before)
        if self.after is not None:
            out["after"] = fmt(self.after)
        return out


@dataclass(frozen=True)
class LineResult:
    line_number: int
    status: str
    amount_claimed: Decimal
    amount_allowed: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    amount_paid: Decimal
    member_responsibility: Decimal
    reason_codes: tuple[str, ...]
    steps: tuple[Step, ...]
    network: str

    @property
    def approved(self) -> bool:
        return self.status == APPROVED

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_number": self.line_number,
            "status": self.status,
            "amount_claimed": fmt(self.amount_claimed),
            "amount_allowed": fmt(self.amount_allowed),
            "deductible": fmt(self.deductible),
            "copay": fmt(self.copay),
            "coinsurance": fmt(self.coinsurance),
            "amount_paid": fmt(self.amount_paid),
            "member_responsibility": fmt(self.member_responsibility),
            "reason_codes": list(self.reason_codes),
            "steps": [step.to_dict() for step in self.steps],
        }


@dataclass(frozen=True)
class ClaimTotals:
    amount_claimed: Decimal
    amount_allowed: Decimal
    amount_paid: Decimal
    member_responsibility: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal


@dataclass(frozen=True)
class ClaimPricing:
    status: str
    lines: tuple[LineResult, ...]
    balances: tuple[Balance, ...]  # after the claim, in the order given
    currency: str
    # Copies of the balances as given, so the delta needs nothing from the caller.
    balances_before: tuple[Balance, ...] = dataclasses.field(default=(), repr=False)

    def consumed_delta(self) -> dict[tuple[str, str], Decimal]:
        """What this claim added to each balance, keyed by (type, key).

        Every balance is listed, untouched ones with zero, so a caller can
        write back exactly the rows it loaded. VISIT_LIMIT counts approved lines.
        """
        before = {(b.type, b.key): b.consumed for b in self.balances_before}
        return {(b.type, b.key): b.consumed - before.get((b.type, b.key), ZERO) for b in self.balances}

    @property
    def totals(self) -> ClaimTotals:
        claimed = allowed = paid = member = deductible = copay = coinsurance = ZERO
        for line in self.lines:
            claimed += line.amount_claimed
            allowed += line.amount_allowed
            paid += line.amount_paid
            member += line.member_responsibility
            deductible += line.deductible
            copay += line.copay
            coinsurance += line.coinsurance
        return ClaimTotals(
            amount_claimed=money(claimed),
            amount_allowed=money(allowed),
            amount_paid=money(paid),
            member_responsibility=money(member),
            deductible=money(deductible),
            copay=money(copay),
            coinsurance=money(coinsurance),
        )

    def to_dict(self) -> dict[str, Any]:
        """The simulator's output shape, less ``claim_locator`` (the caller's to add)."""
        return {
            "status": self.status,
            "lines": [line.to_dict() for line in self.lines],
            "accumulators": [b.to_dict() for b in self.balances],
        }


# --------------------------------------------------------------------------
# Eligibility (step 1)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """The coverage that prices the claim, or the CARC that denies every line."""

    coverage: CoverageInput | None
    carc: str | None
    text: str


def _span(coverage: CoverageInput) -> str:
    end = coverage.effective_to.isoformat() if coverage.effective_to else "open end"
    return f"{coverage.effective_from.isoformat()} to {end}"


def choose_coverage(incident_date: dt.date, coverages: Sequence[CoverageInput]) -> Eligibility:
    """Pick the coverage whose dates hold the incident date, preferring ACTIVE.

    Where the spec is silent:
    - several ACTIVE rows hold the date: the one that started last wins (the
      newest enrolment), ties go to the first given, so the choice is stable;
    - a row holds the date but none of those is ACTIVE: CARC 27 (coverage not
      active), even if another, inactive row would say 26;
    - no row holds the date: 26 only when the incident is before every row's
      start, otherwise 27 (it falls after, or between, coverage periods);
    - no coverage rows at all: 27. There is no period for the incident to be
      "before", and a payer reads "no coverage on that day" as 27.
    """
    day = incident_date
    holding = [c for c in coverages if c.holds(day)]
    active = [c for c in holding if c.is_active]
    if active:
        chosen = max(enumerate(active), key=lambda pair: (pair[1].effective_from, -pair[0]))[1]
        return Eligibility(chosen, None, f"Coverage {_span(chosen)} is active on the incident date {day.isoformat()}.")
    if holding:
        c = holding[0]
        return Eligibility(
            None,
            CARC_AFTER_COVERAGE,
            f"Coverage {_span(c)} holds the incident date {day.isoformat()} but is {c.status.strip().upper()}, "
            f"not ACTIVE (CARC {CARC_AFTER_COVERAGE}).",
        )
    if not coverages:
        return Eligibility(
            None,
            CARC_AFTER_COVERAGE,
            f"The member has no coverage on record for the incident date {day.isoformat()} "
            f"(CARC {CARC_AFTER_COVERAGE}).",
        )
    if all(day < c.effective_from for c in coverages):
        first = min(c.effective_from for c in coverages)
        return Eligibility(
            None,
            CARC_BEFORE_COVERAGE,
            f"The incident date {day.isoformat()} is before coverage starts on {first.isoformat()} "
            f"(CARC {CARC_BEFORE_COVERAGE}).",
        )
    return Eligibility(
        None,
        CARC_AFTER_COVERAGE,
        f"No coverage holds the incident date {day.isoformat()}; "
        f"{'coverage' if len(coverages) == 1 else 'the latest coverage'} "
        f"{_span(max(coverages, key=lambda c: c.effective_from))} does not reach it (CARC {CARC_AFTER_COVERAGE}).",
    )


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _code(value: str) -> str:
    # Procedure codes come from CHAR columns and typed input; padding and case
    # are not part of the code.
    return value.strip().upper()


def _checked_lines(lines: Sequence[LineInput]) -> list[LineInput]:
    if not lines:
        raise ValidationError("a claim needs at least one line", where="lines")
    seen: set[int] = set()
    checked: list[LineInput] = []
    for line in sorted(lines, key=lambda item: item.line_number):
        where = f"line {line.line_number}"
        if line.line_number in seen:
            raise ValidationError(f"line number {line.line_number} appears twice", where=where)
        seen.add(line.line_number)
        try:
            claimed = money(line.amount_claimed)
        except _BAD_NUMBER as exc:
            raise ValidationError(f"amount_claimed is not an amount: {exc}", where=where) from None
        if claimed < 0:
            raise ValidationError(f"amount_claimed {fmt(claimed)} is negative", where=where)
        override_allowed: Decimal | None = None
        if line.override_allowed is not None:
            try:
                override_allowed = money(line.override_allowed)
            except _BAD_NUMBER as exc:
                raise ValidationError(f"override allowed amount is not an amount: {exc}", where=where) from None
            if override_allowed < 0:
                raise ValidationError(f"override allowed amount {fmt(override_allowed)} is negative", where=where)
            # Allowing more than was billed would pay the provider for
            # something they did not charge; refuse rather than cap silently.
            if override_allowed > claimed:
                raise ValidationError(
                    f"override allowed amount {fmt(override_allowed)} is more than the {fmt(claimed)} charged",
                    where=where,
                )
        deny_carc: str | None = None
        if line.override_deny_carc is not None:
            deny_carc = line.override_deny_carc.strip().upper()
            if not _CARC_PATTERN.match(deny_carc):
                raise ValidationError(f"{line.override_deny_carc!r} is not a CARC", where=where)
            if override_allowed is not None:
                raise ValidationError("a line cannot be both denied and given an allowed amount", where=where)
        checked.append(
            LineInput(
                line.line_number,
                line.coverage_term_key,
                line.procedure_code,
                claimed,
                override_allowed=override_allowed,
                override_deny_carc=deny_carc,
                override_note=line.override_note,
            )
        )
    return checked


def _checked_fee_schedule(fee_schedule: Mapping[str, Decimal]) -> dict[str, Decimal]:
    prices: dict[str, Decimal] = {}
    for code, price in fee_schedule.items():
        where = f"fee_schedule[{code}]"
        try:
            amount = money(_decimal(price))
        except _BAD_NUMBER as exc:
            raise ValidationError(f"price for {code} is not an amount: {exc}", where=where) from None
        if amount < 0:
            raise ValidationError(f"price for {code} is negative ({fmt(amount)})", where=where)
        prices[_code(code)] = amount
    return prices


def _checked_balances(balances: Sequence[Balance]) -> list[Balance]:
    copies: list[Balance] = []
    seen: set[tuple[str, str]] = set()
    for given in balances:
        where = f"accumulator {given.type}/{given.key}"
        if (given.type, given.key) in seen and given.type in ACCUMULATOR_TYPES:
            raise ValidationError("appears twice; pricing cannot tell which balance to use", where=where)
        seen.add((given.type, given.key))
        try:
            limit = _decimal(given.limit)
            consumed = _decimal(given.consumed)
            # A sub-cent money balance would let a line be allowed a rounded
            # amount above what is left; such a row is corrupt, not a limit.
            sub_cent = given.type != VISIT_LIMIT and (limit != money(limit) or consumed != money(consumed))
        except _BAD_NUMBER as exc:
            raise ValidationError(f"limit or consumed is not an amount: {exc}", where=where) from None
        if limit < 0 or consumed < 0:
            raise ValidationError(f"limit {limit} and consumed {consumed} must not be negative", where=where)
        if sub_cent:
            raise ValidationError("amounts must have at most two decimal places", where=where)
        copies.append(Balance(given.type, given.key, limit, consumed))
    return copies


# --------------------------------------------------------------------------
# One line (steps 2 to 12)
# --------------------------------------------------------------------------


def _quantity(balance: Balance, value: Decimal) -> str:
    """Visits read as counts, everything else as money."""
    return f"{value.normalize():f}" if balance.type == VISIT_LIMIT else fmt(value)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


@dataclass
class _LineWork:
    """A line being priced: its steps and codes so far."""

    line: LineInput
    network: str
    steps: list[Step] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)

    def step(
        self,
        rule: str,
        text: str,
        amount: Decimal | None = None,
        balance: str | None = None,
        before: Decimal | None = None,
        after: Decimal | None = None,
    ) -> None:
        self.steps.append(Step(rule, text, amount, balance, before, after))

    def add_code(self, carc: str) -> None:
        if carc not in self.codes:
            self.codes.append(carc)

    def drop_code(self, carc: str) -> None:
        if carc in self.codes:
            self.codes.remove(carc)

    def deny(self, carc: str, rule: str, text: str) -> LineResult:
        """A denied line: one CARC, nothing allowed, no balance touched."""
        self.step(rule, text)
        return LineResult(
            line_number=self.line.line_number,
            status=DENIED,
            amount_claimed=self.line.amount_claimed,
            amount_allowed=ZERO,
            deductible=ZERO,
            copay=ZERO,
            coinsurance=ZERO,
            amount_paid=ZERO,
            member_responsibility=ZERO,
            reason_codes=(carc,),
            steps=tuple(self.steps),
            network=self.network,
        )


def _note(line: LineInput) -> str:
    note = (line.override_note or "").strip()
    return f" Note: {note}" if note else ""


def _price_line(
    line: LineInput,
    *,
    incident_date: dt.date,
    eligibility: Eligibility,
    plan: PlanTerms | None,
    network_status: str,
    fee_schedule: Mapping[str, Decimal],
    prior_auths: Sequence[PriorAuthInput],
    book: dict[tuple[str, str], Balance],
) -> LineResult:
    work = _LineWork(line, network_status)
    key = line.coverage_term_key
    code = _code(line.procedure_code)
    claimed = line.amount_claimed

    # A person's denial stands over every automatic rule: they chose the code.
    if line.override_deny_carc is not None:
        return work.deny(
            line.override_deny_carc,
            "override",
            f"An examiner denied the line with CARC {line.override_deny_carc}.{_note(line)}",
        )

    # 1. Eligibility
    if eligibility.carc is not None or plan is None:
        return work.deny(eligibility.carc or CARC_AFTER_COVERAGE, "eligibility", eligibility.text)
    work.step("eligibility", eligibility.text)

    # 2. Benefit
    benefit = plan.benefits.get(key)
    if benefit is None:
        return work.deny(
            CARC_NOT_COVERED, "benefit", f"The plan has no benefit {key!r}; the line is not covered (CARC 96)."
        )
    if not benefit.covered:
        return work.deny(CARC_NOT_COVERED, "benefit", f"The plan does not cover {key} (CARC 96).")
    work.step("benefit", f"The plan covers {key}.")

    # 3. Network: cost share may switch, limits and prior-auth rules stay the benefit's.
    if network_status == OUT_OF_NETWORK:
        if plan.out_of_network is None:
            return work.deny(
                CARC_OUT_OF_NETWORK,
                "network",
                "The provider is out of network and the plan does not cover out-of-network care (CARC 242).",
            )
        share = plan.out_of_network
        where = "out-of-network"
    else:
        share = benefit.share
        where = f"in-network {key}"
    work.step(
        "network",
        f"{'Out of network' if network_status == OUT_OF_NETWORK else 'In network'}: the {where} terms apply "
        f"(copay {fmt(share.copay)}, coinsurance {_pct(share.coinsurance)}, "
        f"deductible {'applies' if share.deductible_applies else 'does not apply'}).",
    )

    # 4. Prior authorisation
    if benefit.requires_prior_auth:
        auth = next(
            (
                a
                for a in prior_auths
                if a.status.strip().upper() == APPROVED and _code(a.procedure_code) == code and a.valid_on(incident_date)
            ),
            None,
        )
        if auth is None:
            return work.deny(
                CARC_NO_PRIOR_AUTH,
                "prior_auth",
                f"{key} needs prior authorisation and no approved authorisation for {code} is valid on "
                f"{incident_date.isoformat()} (CARC 197).",
            )
        span_from = auth.valid_from.isoformat() if auth.valid_from else "open start"
        span_to = auth.valid_to.isoformat() if auth.valid_to else "open end"
        work.step("prior_auth", f"Prior authorisation for {code} is approved and valid {span_from} to {span_to}.")

    # 5. Allowed
    if line.override_allowed is not None:
        allowed = line.override_allowed
        work.step(
            "override",
            f"An examiner set the allowed amount to {fmt(allowed)} of the {fmt(claimed)} charged.{_note(line)}",
            amount=allowed,
        )
    else:
        price = fee_schedule.get(code)
        if price is None:
            allowed = claimed
            work.step("allowed", f"No fee schedule price for {code}; allowed the {fmt(claimed)} charged.", amount=allowed)
        elif price < claimed:
            allowed = price
            work.add_code(CARC_FEE_SCHEDULE)
            work.step(
                "allowed",
                f"Fee schedule price {fmt(price)} for {code} is below the {fmt(claimed)} charged; "
                f"allowed {fmt(allowed)} (CARC 45).",
                amount=allowed,
            )
        else:
            allowed = claimed
            work.step(
                "allowed",
                f"Fee schedule price {fmt(price)} for {code} is not below the {fmt(claimed)} charged; "
                f"allowed {fmt(allowed)}.",
                amount=allowed,
            )

    # 6. Limits
    visits = book.get((VISIT_LIMIT, key))
    if visits is not None:
        # Visits are whole: a fraction left is not a visit left, and counting
        # one against it would take the balance past its limit.
        if visits.remaining < _ONE:
            return work.deny(
                CARC_LIMIT,
                "limit",
                f"The {key} visit limit is used up ({visits.consumed.normalize():f} of "
                f"{visits.limit.normalize():f} visits) (CARC 119).",
            )
        work.step(
            "limit",
            f"The {key} visit limit has {visits.remaining.normalize():f} of {visits.limit.normalize():f} visits left; "
            "this line uses one.",
        )
    benefit_limit = book.get((BENEFIT_LIMIT, key))
    if benefit_limit is not None:
        left = benefit_limit.remaining
        if left <= 0:
            return work.deny(
                CARC_LIMIT,
                "limit",
                f"The {key} benefit limit of {fmt(benefit_limit.limit)} is used up (CARC 119).",
            )
        if left < allowed:
            work.add_code(CARC_LIMIT)
            work.step(
                "limit",
                f"The {key} benefit limit has only {fmt(left)} left of {fmt(benefit_limit.limit)}; "
                f"allowed drops from {fmt(allowed)} to {fmt(left)} (CARC 119).",
                amount=left,
            )
            allowed = left
        else:
            work.step(
                "limit",
                f"The {key} benefit limit has {fmt(left)} left of {fmt(benefit_limit.limit)}; "
                f"the {fmt(allowed)} allowed fits.",
            )

    # 7. Deductible
    deductible = ZERO
    if share.deductible_applies:
        plan_deductible = book.get((DEDUCTIBLE, PLAN_KEY))
        if plan_deductible is None:
            work.step("deductible", "The deductible applies, but the plan has no deductible.")
        else:
            deductible = min(allowed, plan_deductible.remaining)
            if deductible > 0:
                work.add_code(CARC_DEDUCTIBLE)
                work.step(
                    "deductible",
                    f"{fmt(plan_deductible.remaining)} of the {fmt(plan_deductible.limit)} deductible is left; "
                    f"the member pays {fmt(deductible)} toward it (CARC 1).",
                    amount=deductible,
                )
            else:
                work.step(
                    "deductible",
                    f"The {fmt(plan_deductible.limit)} deductible is already met.",
                    amount=ZERO,
                )

    # 8. Copay
    copay = min(share.copay, allowed - deductible)
    if share.copay > 0:
        if copay > 0:
            work.add_code(CARC_COPAY)
            capped = "" if copay == share.copay else f", capped at the {fmt(copay)} left after the deductible"
            work.step("copay", f"Copay {fmt(share.copay)}{capped}; the member pays {fmt(copay)} (CARC 3).", amount=copay)
        else:
            work.step("copay", f"Copay {fmt(share.copay)}, but nothing is left after the deductible.", amount=ZERO)

    # 9. Coinsurance
    base = allowed - deductible - copay
    coinsurance = money(base * share.coinsurance)
    if share.coinsurance > 0:
        if coinsurance > 0:
            work.add_code(CARC_COINSURANCE)
            work.step(
                "coinsurance",
                f"Coinsurance {_pct(share.coinsurance)} of {fmt(base)} is {fmt(coinsurance)} (CARC 2).",
                amount=coinsurance,
            )
        else:
            work.step("coinsurance", f"Coinsurance {_pct(share.coinsurance)} of {fmt(base)} is 0.00.", amount=ZERO)

    # 10. Out-of-pocket maximum: cut coinsurance, then copay, then deductible.
    oop = book.get((OUT_OF_POCKET, PLAN_KEY))
    if oop is not None:
        share_total = deductible + copay + coinsurance
        left = oop.remaining
        if share_total > left:
            excess = share_total - left
            cuts: list[str] = []
            components = {"coinsurance": coinsurance, "copay": copay, "deductible": deductible}
            for name, carc in (("coinsurance", CARC_COINSURANCE), ("copay", CARC_COPAY), ("deductible", CARC_DEDUCTIBLE)):
                cut = min(components[name], excess)
                if cut <= 0:
                    continue
                components[name] -= cut
                excess -= cut
                lost = ""
                if components[name] == 0:
                    work.drop_code(carc)
                    lost = f", losing CARC {carc}"
                cuts.append(f"{name} down {fmt(cut)}{lost}")
            coinsurance, copay, deductible = components["coinsurance"], components["copay"], components["deductible"]
            work.step(
                "out_of_pocket",
                f"Only {fmt(left)} is left of the {fmt(oop.limit)} out-of-pocket maximum; the member's "
                f"{fmt(share_total)} is cut to {fmt(left)} ({'; '.join(cuts)}).",
                amount=left,
            )

    # 11. Paid
    member = deductible + copay + coinsurance
    paid = allowed - member
    work.step(
        "paid",
        f"The plan pays {fmt(paid)} of the {fmt(allowed)} allowed; the member owes {fmt(member)}.",
        amount=paid,
    )

    # 12. Balances
    updates: list[tuple[Balance | None, Decimal]] = [
        (book.get((DEDUCTIBLE, PLAN_KEY)), deductible),
        (oop, member),
        (benefit_limit, allowed),
        (visits, _ONE),
    ]
    for balance, amount in updates:
        if balance is None or amount == 0:
            continue
        before = balance.consumed
        balance.consumed = before + amount
        work.step(
            "balance",
            f"{balance.label} used goes from {_quantity(balance, before)} to {_quantity(balance, balance.consumed)} "
            f"(+{_quantity(balance, amount)}).",
            amount=amount,
            balance=balance.label,
            before=before,
            after=balance.consumed,
        )

    return LineResult(
        line_number=line.line_number,
        status=APPROVED,
        amount_claimed=claimed,
        amount_allowed=allowed,
        deductible=deductible,
        copay=copay,
        coinsurance=coinsurance,
        amount_paid=paid,
        member_responsibility=member,
        reason_codes=tuple(work.codes),
        steps=tuple(work.steps),
        network=network_status,
    )


# --------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------


def _claim_status(lines: Sequence[LineResult]) -> str:
    approved = sum(1 for line in lines if line.approved)
    if approved == len(lines):
        return APPROVED
    if approved == 0:
        return DENIED
    return PARTIALLY_APPROVED


def _fallback_currency(coverages: Sequence[CoverageInput]) -> str:
    """The currency to report when no coverage prices the claim: the first
    well-formed one on record, so a denial still reads in the plan's money."""
    for coverage in coverages:
        value = coverage.terms.get("currency") if isinstance(coverage.terms, Mapping) else None
        if isinstance(value, str) and _CURRENCY_PATTERN.match(value.strip().upper()):
            return value.strip().upper()
    return DEFAULT_CURRENCY


def price_claim(
    *,
    incident_date: dt.date,
    coverages: Sequence[CoverageInput],
    network_status: str,
    fee_schedule: Mapping[str, Decimal],
    prior_auths: Sequence[PriorAuthInput],
    balances: Sequence[Balance],
    lines: Sequence[LineInput],
) -> ClaimPricing:
    """Price every line of one claim and return the lines and balances after it.

    ``coverages`` are the member's coverage rows for the claim's policy,
    ``prior_auths`` the member's authorisations, ``balances`` the member's
    accumulator rows. Inputs are checked before any line is priced, so a
    malformed plan or line raises ``ValidationError`` and nothing comes back
    half done. The given ``Balance`` objects are not changed.
    """
    if not isinstance(incident_date, dt.date) or isinstance(incident_date, dt.datetime):
        raise ValidationError(f"incident date {incident_date!r} is not a date", where="incident_date")
    network = network_status.strip().upper() if isinstance(network_status, str) else ""
    if network not in (IN_NETWORK, OUT_OF_NETWORK):
        raise ValidationError(
            f"network status {network_status!r} is neither IN_NETWORK nor OUT_OF_NETWORK", where="network_status"
        )
    checked_lines = _checked_lines(lines)
    prices = _checked_fee_schedule(fee_schedule)
    working = _checked_balances(balances)
    before = tuple(Balance(b.type, b.key, b.limit, b.consumed) for b in working)

    eligibility = choose_coverage(incident_date, coverages)
    # Only the coverage that prices the claim is checked: a broken row that
    # does not hold the incident date has no say in this claim.
    coverage = eligibility.coverage
    plan = (coverage.plan or parse_coverage_terms(coverage.terms)) if coverage is not None else None
    currency = plan.currency if plan is not None else _fallback_currency(coverages)

    # Pricing only moves the four known kinds; any other row rides along untouched.
    book = {(b.type, b.key): b for b in working if b.type in ACCUMULATOR_TYPES}
    results = tuple(
        _price_line(
            line,
            incident_date=incident_date,
            eligibility=eligibility,
            plan=plan,
            network_status=network,
            fee_schedule=prices,
            prior_auths=prior_auths,
            book=book,
        )
        for line in checked_lines
    )
    return ClaimPricing(
        status=_claim_status(results),
        lines=results,
        balances=tuple(working),
        currency=currency,
        balances_before=before,
    )
