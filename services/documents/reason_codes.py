"""Claim Adjustment Reason Codes (CARC) as documents print them.

``CARC`` maps a code to (official X12 description, plain-language sentence
for the member). The official text is the code set's short description
without its "Usage:" notes; the sentence is ours and says what the code means
for the person reading the statement. The lead loads this dict into a
reference table, so it stays a plain ``dict[str, tuple[str, str]]``.
"""

from __future__ import annotations

CARC: dict[str, tuple[str, str]] = {
    "1": (
        "Deductible Amount",
        "This amount counts toward your deductible: the amount you pay for covered care "
        "before your plan starts to pay.",
    ),
    "2": (
        "Coinsurance Amount",
        "This is your coinsurance: your share of the allowed amount, as a percentage set by your plan.",
    ),
    "3": (
        "Co-payment Amount",
        "This is your copay: the fixed amount your plan asks you to pay for this type of service.",
    ),
    "4": (
        "The procedure code is inconsistent with the modifier used or a required modifier is missing.",
        "The provider billed this service with a code that is incomplete or does not match. "
        "The provider can correct the claim and send it again.",
    ),
    "16": (
        "Claim/service lacks information or has submission/billing error(s).",
        "Information was missing from the claim, or it had a billing error, so we could not pay it. "
        "The provider can send us the missing information or a corrected claim.",
    ),
    "18": (
        "Exact duplicate claim/service",
        "This service was already billed to us on another claim, so it was not paid again.",
    ),
    "23": (
        "The impact of prior payer(s) adjudication including payments and/or adjustments.",
        "Another insurance plan processed this service first; we took its payment into account.",
    ),
    "26": (
        "Expenses incurred prior to coverage.",
        "You received this service before your coverage started.",
    ),
    "27": (
        "Expenses incurred after coverage terminated.",
        "You received this service after your coverage ended or while it was not active.",
    ),
    "45": (
        "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement.",
        "The provider charged more than the amount your plan allows for this service, "
        "so we used the allowed amount.",
    ),
    "50": (
        "These are non-covered services because this is not deemed a 'medical necessity' by the payer.",
        "We decided this service was not medically necessary, so your plan does not cover it.",
    ),
    "96": (
        "Non-covered charge(s).",
        "Your plan does not cover this service.",
    ),
    "119": (
        "Benefit maximum for this time period or occurrence has been reached.",
        "You have reached the most your plan pays for this benefit in this period.",
    ),
    "197": (
        "Precertification/authorization/notification/pre-treatment absent.",
        "This service needed approval from us before you received it, and we have no approval on file.",
    ),
    "204": (
        "This service/equipment/drug is not covered under the patient's current benefit plan.",
        "This service, equipment or drug is not covered under your current plan.",
    ),
    "242": (
        "Services not provided by network/primary care providers.",
        "The provider is outside your plan's network, and your plan does not cover out-of-network care.",
    ),
}


def describe(code: str) -> tuple[str, str]:
    """(official description, plain sentence) for ``code``, with a fallback for unknown codes.

    An unknown code still prints: a statement must never fail to render
    because the reference list is behind the code set.
    """
    code = str(code).strip()
    if code in CARC:
        return CARC[code]
    return (f"Claim adjustment reason code {code}.", f"Reason code {code}. Contact us and we will explain it.")
