"""Exact money: Decimal, two places, rounded half up. Floats are refused."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a two-place Decimal, rounded half up.

    Floats are rejected on purpose: a binary float near money is a bug, and
    accepting one here would hide it.
    """
    if type(value) is Decimal and value.is_finite():  # the common case, first
        try:
            return value.quantize(CENT, ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError(f"{value!r} is too large to be an amount") from None
    if isinstance(value, float):
        raise TypeError("money() refuses floats; pass a Decimal, int or str")
    if isinstance(value, bool):
        raise TypeError("money() refuses booleans")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        raise ValueError(f"{value!r} is too large to be an amount") from None


def rate(value: Decimal | int | str) -> Decimal:
    """A coinsurance rate between 0 and 1 inclusive, kept at full precision."""
    if isinstance(value, (float, bool)):
        raise TypeError("rate() refuses floats and booleans; pass a Decimal, int or str")
    try:
        r = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a rate") from None
    if not r.is_finite() or r < 0 or r > 1:
        raise ValueError(f"rate {value!r} must be between 0 and 1")
    return r


def fmt(amount: Decimal) -> str:
    """Plain two-decimal text, as the simulator and the EOB print it."""
    # A two-place Decimal prints as plain digits (never in exponent form), as "%.2f" would.
    if type(amount) is Decimal:  # pricing formats thousands of these: skip money()'s checks
        try:
            return str(amount.quantize(CENT, ROUND_HALF_UP))
        except InvalidOperation:
            pass  # not finite, or too large: money() says which
    return str(money(amount))


def fmt_grouped(amount: Decimal) -> str:
    """Two decimals with thousands separators, for screens and documents."""
    return f"{money(amount):,.2f}"
