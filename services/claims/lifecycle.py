"""Claim statuses and the one table of allowed transitions."""

from __future__ import annotations

RECEIVED = "RECEIVED"
PENDED = "PENDED"
APPROVED = "APPROVED"
PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
DENIED = "DENIED"
FINALIZED = "FINALIZED"
REOPENED = "REOPENED"
VOIDED = "VOIDED"

PRICED = frozenset({APPROVED, PARTIALLY_APPROVED, DENIED})
WORKABLE = frozenset({RECEIVED, PENDED, REOPENED})

# from status -> statuses it may move to. Same-status entries allow re-pricing
# (APPROVED -> APPROVED after an override) and re-pending with a new reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({PENDED, APPROVED, PARTIALLY_APPROVED, DENIED, VOIDED}),
    PENDED: frozenset({PENDED, RECEIVED, APPROVED, PARTIALLY_APPROVED, DENIED, VOIDED}),
    APPROVED: frozenset({APPROVED, PARTIALLY_APPROVED, DENIED, PENDED, FINALIZED, REOPENED, VOIDED}),
    PARTIALLY_APPROVED: frozenset({APPROVED, PARTIALLY_APPROVED, DENIED, PENDED, FINALIZED, REOPENED, VOIDED}),
    DENIED: frozenset({APPROVED, PARTIALLY_APPROVED, DENIED, PENDED, REOPENED, VOIDED}),
    FINALIZED: frozenset({REOPENED, VOIDED}),
    REOPENED: frozenset({PENDED, APPROVED, PARTIALLY_APPROVED, DENIED, VOIDED}),
    VOIDED: frozenset(),
}

STATUSES = tuple(TRANSITIONS)


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def can_price(status: str) -> bool:
    return bool(TRANSITIONS.get(status, frozenset()) & PRICED)
