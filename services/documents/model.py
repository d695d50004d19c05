"""Plain inputs for the document renderer: what an EOB or a policy schedule says.

The database layer fills these; the renderer only reads them. Amounts are
normalised to two-place ``Decimal`` on construction (``money()`` refuses
floats), so a document can never print a value it did not receive exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claimdesk.services.errors import ValidationError
from claimdesk.services.money import ZERO, money, rate

NETWORK_STATUSES = ("IN_NETWORK", "OUT_OF_NETWORK")


def _set(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise their own fields in __post_init__.
    object.__setattr__(obj, name, value)


def _amount(obj: object, name: str, where: str) -> None:
    # A float stays a TypeError (a programming bug); a malformed value is a validation error.
    try:
        _set(obj, name, money(getattr(obj, name)))
    except ValueError as exc:
        raise ValidationError(str(exc), where=f"{where}.{name}") from None


def mask_id(identifier: str) -> str:
    """Show only the last four characters of an identifier: ``******1234``.

    Identifiers of four characters or fewer are masked completely, since
    showing "the last four" would show all of it.
    """
    text = str(identifier).strip()
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


# --------------------------------------------------------------------------- EOB


@dataclass(frozen=True)
class EobLine:
    """One adjudicated claim line, as the engine priced it.

    ``member_share`` must equal deductible + copay + coinsurance and ``paid``
    must equal allowed - member_share (the adjudication spec, steps 11-12);
    a line that breaks either is refused rather than printed.
    """

    line_number: int
    procedure_code: str
    service_date: dt.date
    billed: Decimal
    allowed: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    paid: Decimal
    member_share: Decimal
    reason_codes: tuple[str, ...] = ()
    status: str = "APPROVED"
    description: str | None = None

    def __post_init__(self) -> None:
        where = f"line {self.line_number}"
        for name in ("billed", "allowed", "deductible", "copay", "coinsurance", "paid", "member_share"):
            _amount(self, name, where)
        # Reason codes are a set (spec); keep them in numeric order so output is stable.
        codes = tuple(sorted({str(c).strip() for c in self.reason_codes}, key=_code_sort_key))
        _set(self, "reason_codes", codes)
        share = self.deductible + self.copay + self.coinsurance
        if self.member_share != share:
            raise ValidationError(
                f"member share {self.member_share} is not deductible + copay + coinsurance ({share})",
                where=where,
            )
        if self.paid != self.allowed - self.member_share:
            raise ValidationError(
                f"paid {self.paid} is not allowed - member share ({self.allowed - self.member_share})",
                where=where,
            )


def _code_sort_key(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**9, code)


@dataclass(frozen=True)
class YtdBalance:
    """A year-to-date balance printed as "used X of Y, Z remaining".

    ``is_count`` marks a visit limit: limit and consumed are whole visits,
    not money.
    """

    label: str
    limit: Decimal | int
    consumed: Decimal | int
    is_count: bool = False

    def __post_init__(self) -> None:
        if self.is_count:
            for name in ("limit", "consumed"):
                value = getattr(self, name)
                if isinstance(value, (float, bool)) or Decimal(str(value)) != int(Decimal(str(value))):
                    raise ValidationError(f"{value!r} is not a whole number of visits", where=f"balance {self.label}")
                _set(self, name, int(Decimal(str(value))))
        else:
            _amount(self, "limit", f"balance {self.label}")
            _amount(self, "consumed", f"balance {self.label}")

    @property
    def remaining(self) -> Decimal | int:
        left = self.limit - self.consumed
        return max(left, 0 if self.is_count else ZERO)


@dataclass(frozen=True)
class EobData:
    """Everything one Explanation of Benefits shows about one adjudicated claim."""

    document_locator: str
    issue_date: dt.date
    member_name: str
    member_id: str
    member_address: tuple[str, ...]
    claim_locator: str
    policy_locator: str
    product_name: str
    provider_name: str
    provider_npi: str | None
    network_status: str
    incident_date: dt.date
    received_date: dt.date | None
    processed_date: dt.date | None
    claim_status: str
    lines: tuple[EobLine, ...]
    balances: tuple[YtdBalance, ...] = ()
    currency: str | None = None

    def __post_init__(self) -> None:
        _set(self, "member_address", tuple(self.member_address))
        _set(self, "lines", tuple(sorted(self.lines, key=lambda ln: ln.line_number)))
        _set(self, "balances", tuple(self.balances))
        if self.network_status not in NETWORK_STATUSES:
            raise ValidationError(
                f"network status {self.network_status!r} is not one of {', '.join(NETWORK_STATUSES)}",
                where="eob.network_status",
            )
        if not self.lines:
            raise ValidationError("an EOB needs at least one claim line", where="eob.lines")
        numbers = [ln.line_number for ln in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValidationError("line numbers repeat", where="eob.lines")


# ------------------------------------------------------------------------ policy


@dataclass(frozen=True)
class BenefitTerms:
    """One benefit of ``coverage_terms`` with the spec's defaults filled in.

    ``coinsurance`` is a rate between 0 and 1 (``0.20`` is 20 %).
    """

    key: str
    covered: bool = True
    copay: Decimal = ZERO
    coinsurance: Decimal = Decimal("0")
    deductible_applies: bool = False
    requires_prior_auth: bool = False

    def __post_init__(self) -> None:
        _amount(self, "copay", f"benefit {self.key}")
        try:
            _set(self, "coinsurance", rate(self.coinsurance))
        except ValueError as exc:
            raise ValidationError(str(exc), where=f"benefit {self.key}.coinsurance") from None

    @classmethod
    def from_terms(cls, key: str, terms: Mapping[str, Any]) -> BenefitTerms:
        return cls(
            key=key,
            covered=bool(terms.get("covered", True)),
            copay=terms.get("copay", "0"),
            coinsurance=terms.get("coinsurance", "0"),
            deductible_applies=bool(terms.get("deductible_applies", False)),
            requires_prior_auth=bool(terms.get("requires_prior_auth", False)),
        )


LIMIT_TYPES = ("DEDUCTIBLE", "OUT_OF_POCKET", "BENEFIT_LIMIT", "VISIT_LIMIT")


@dataclass(frozen=True)
class CoverageLimit:
    """A limit as ``coverage_accumulators`` holds it: type, key and limit amount.

    ``key`` is ``plan`` for DEDUCTIBLE and OUT_OF_POCKET and a benefit key for
    BENEFIT_LIMIT and VISIT_LIMIT. A VISIT_LIMIT amount is a number of visits.
    """

    limit_type: str
    key: str
    amount: Decimal | int

    def __post_init__(self) -> None:
        if self.limit_type not in LIMIT_TYPES:
            raise ValidationError(f"unknown limit type {self.limit_type!r}", where=f"limit {self.key}")
        if self.limit_type == "VISIT_LIMIT":
            value = Decimal(str(self.amount)) if not isinstance(self.amount, (float, bool)) else None
            if value is None or value != int(value):
                raise ValidationError(f"{self.amount!r} is not a whole number of visits", where=f"limit {self.key}")
            _set(self, "amount", int(value))
        else:
            _amount(self, "amount", f"limit {self.key}")


@dataclass(frozen=True)
class PolicyElement:
    """One element of a policy (e.g. the medical plan) with its benefit terms."""

    name: str
    element_type: str
    currency: str
    benefits: tuple[BenefitTerms, ...]
    out_of_network: BenefitTerms | None
    limits: tuple[CoverageLimit, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "benefits", tuple(self.benefits))
        _set(self, "limits", tuple(self.limits))

    @classmethod
    def from_coverage_terms(
        cls,
        name: str,
        element_type: str,
        coverage_terms: Mapping[str, Any],
        limits: tuple[CoverageLimit, ...] = (),
    ) -> PolicyElement:
        """Build from a ``coverage_terms`` JSON document in the spec's shape."""
        benefits = coverage_terms.get("benefits") or {}
        if not isinstance(benefits, Mapping):
            raise ValidationError("benefits must be an object", where=f"{name}.coverage_terms")
        oon = coverage_terms.get("out_of_network")
        return cls(
            name=name,
            element_type=element_type,
            currency=str(coverage_terms.get("currency", "")),
            benefits=tuple(BenefitTerms.from_terms(k, v or {}) for k, v in benefits.items()),
            # An absent out_of_network section means out-of-network care is not covered.
            out_of_network=BenefitTerms.from_terms("out_of_network", oon) if oon is not None else None,
            limits=tuple(limits),
        )

    def limit(self, limit_type: str, key: str) -> CoverageLimit | None:
        for item in self.limits:
            if item.limit_type == limit_type and item.key == key:
                return item
        return None


@dataclass(frozen=True)
class PolicyMember:
    name: str
    member_id: str
    relationship: str
    date_of_birth: dt.date


@dataclass(frozen=True)
class Premium:
    amount: Decimal
    frequency: str  # MONTHLY, QUARTERLY, SEMI_ANNUAL, ANNUAL
    currency: str

    def __post_init__(self) -> None:
        _amount(self, "amount", "premium")


@dataclass(frozen=True)
class PolicyDocData:
    """Everything a policy schedule shows."""

    document_locator: str
    issue_date: dt.date
    policy_locator: str
    product_name: str
    product_version: str
    market_code: str
    policyholder_name: str
    policyholder_address: tuple[str, ...]
    effective_from: dt.date
    effective_to: dt.date | None
    members: tuple[PolicyMember, ...]
    elements: tuple[PolicyElement, ...]
    premium: Premium
    cancelled_from: dt.date | None = None  # a cancelled policy's first day without cover

    def __post_init__(self) -> None:
        _set(self, "policyholder_address", tuple(self.policyholder_address))
        _set(self, "members", tuple(self.members))
        _set(self, "elements", tuple(self.elements))
