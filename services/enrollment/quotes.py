"""Quotes: dynamic fields checked against the product version's field definitions, then rated."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import text

from ..errors import ValidationError
from ..locators import next_locator
from ..money import money
from ..uow import UnitOfWork

FIELD_TYPES = ("TEXT", "INTEGER", "DECIMAL", "DATE", "BOOLEAN", "CHOICE")
QUOTE_VALID_DAYS = 30


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    type: str
    required: bool
    options: Mapping[str, Any]
    id: Any = None


@dataclass(frozen=True)
class QuoteResult:
    quote_id: Any
    locator: str
    premium: Decimal
    currency: str
    expires_at: dt.datetime
    message: str
    changes: frozenset[str] = frozenset({"quotes"})


def check_value(field: FieldDefinition, raw: Any) -> str | None:
    """The canonical text stored for ``raw``, or ValidationError naming the field."""
    where = f"field {field.key}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if field.required:
            raise ValidationError("is required", where=where)
        return None
    if isinstance(raw, float):
        raise ValidationError("must be given as text or a whole number, not a binary float", where=where)
    value = raw.strip() if isinstance(raw, str) else raw
    opts = field.options or {}
    if field.type == "TEXT":
        value = str(value)
        if len(value) > int(opts.get("max_length", 200)) or "\x00" in value:
            raise ValidationError(f"must be text of at most {opts.get('max_length', 200)} characters", where=where)
        return value
    if field.type == "INTEGER":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit() and value.isascii())):
            raise ValidationError(f"{raw!r} is not a whole number", where=where)
        number = int(value)
        if not int(opts.get("min", -(10**9))) <= number <= int(opts.get("max", 10**9)):
            raise ValidationError(f"must be from {opts.get('min')} to {opts.get('max')}", where=where)
        return str(number)
    if field.type == "DECIMAL":
        try:
            amount = money(value)
        except (TypeError, ValueError, InvalidOperation):
            raise ValidationError(f"{raw!r} is not an amount", where=where) from None
        if amount < money(opts.get("min", "0")) or ("max" in opts and amount > money(opts["max"])):
            raise ValidationError(f"must be between {opts.get('min', '0')} and {opts.get('max', 'any amount')}", where=where)
        return f"{amount:.2f}"
    if field.type == "DATE":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(f"{raw!r} is not a date (YYYY-MM-DD)", where=where) from None
        return day.isoformat()
    if field.type == "BOOLEAN":
        if isinstance(value, bool):
            return "true" if value else "false"
        lowered = str(value).lower()
        if lowered in ("true", "yes", "y", "1"):
            return "true"
        if lowered in ("false", "no", "n", "0"):
            return "false"
        raise ValidationError(f"{raw!r} is not yes or no", where=where)
    if field.type == "CHOICE":
        choices = [str(c) for c in opts.get("choices", [])]
        if str(value) not in choices:
            raise ValidationError(f"{raw!r} is not one of {', '.join(choices)}", where=where)
        return str(value)
    raise ValidationError(f"has an unknown type {field.type!r}", where=where)


def load_fields(conn, version_id: Any) -> dict[str, FieldDefinition]:  # noqa: ANN001
    """The product version's questions, by key."""
    return load_fields_for(conn, [version_id]).get(version_id, {})


def load_fields_for(conn, version_ids: list[Any]) -> dict[Any, dict[str, FieldDefinition]]:  # noqa: ANN001
    """Each product version's questions, by key, in one query."""
    fields: dict[Any, dict[str, FieldDefinition]] = {}
    for r in conn.execute(
        text(
            "SELECT product_version_id, id, field_key, field_type, required, options FROM policy_admin.field_definitions "
            "WHERE product_version_id = ANY(:v) ORDER BY product_version_id, field_key"
        ),
        {"v": list(version_ids)},
    ):
        fields.setdefault(r.product_version_id, {})[r.field_key] = FieldDefinition(r.field_key, r.field_type, r.required, r.options or {}, r.id)
    return fields


def check_answers(fields: Mapping[str, FieldDefinition], answers: Mapping[str, Any], *, where: str) -> dict[str, str | None]:
    """Every field's canonical value; an unknown key or a bad value is a ValidationError naming it."""
    unknown = sorted(set(answers) - set(fields))
    if unknown:
        raise ValidationError(f"this product has no field {unknown[0]!r}", where=where)
    return {key: check_value(field, answers.get(key)) for key, field in fields.items()}


def rate(base: Decimal, values: Mapping[str, str | None]) -> Decimal:
    """A monthly premium: the product's base, loaded for smokers and per dependant. Written down, not hidden."""
    premium = base
    if values.get("smoker") == "true":
        premium = premium * Decimal("1.20")
    dependants = int(values.get("dependants") or 0)
    premium = premium * (1 + Decimal("0.35") * dependants)
    return money(premium)


def create_quote(sessions, account_locator: str, product_code: str, answers: Mapping[str, Any]) -> QuoteResult:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        account = conn.execute(
            text("SELECT id, currency FROM policy_admin.accounts WHERE locator = :l"), {"l": str(account_locator).strip().upper()}
        ).first()
        if account is None:
            raise ValidationError(f"no account {account_locator!r}", where="account")
        version = conn.execute(
            text(
                "SELECT pv.id, pv.document FROM policy_admin.product_versions pv JOIN policy_admin.products p ON p.id = pv.product_id "
                "WHERE p.code = :c AND p.status = 'ACTIVE' AND pv.effective_from <= current_date "
                "AND (pv.effective_to IS NULL OR pv.effective_to >= current_date) ORDER BY pv.version DESC LIMIT 1"
            ),
            {"c": str(product_code).strip()},
        ).first()
        if version is None:
            raise ValidationError(f"no product {product_code!r} on sale today", where="product")
        fields = load_fields(conn, version.id)
        values = check_answers(fields, answers, where="quote")
        ids = {key: field.id for key, field in fields.items()}
        premium_doc = (version.document or {}).get("premium", {})
        premium = rate(money(premium_doc.get("amount", "0")), values)
        currency = premium_doc.get("currency", account.currency)
        locator = next_locator(conn, "quote")
        quote = conn.execute(
            text(
                "INSERT INTO enrollment.quotes (locator, account_id, product_version_id, status, document, expires_at) "
                "VALUES (:l, :a, :v, 'QUOTED', CAST(:d AS jsonb), now() + make_interval(days => :days)) RETURNING id, expires_at"
            ),
            {"l": locator, "a": account.id, "v": version.id, "days": QUOTE_VALID_DAYS,
             "d": json.dumps({"premium": {"amount": f"{premium:.2f}", "frequency": "MONTHLY", "currency": currency}, "answers": values})},
        ).one()
        rows = [{"q": quote.id, "f": ids[k], "v": v} for k, v in values.items() if v is not None]
        if rows:
            conn.execute(text("INSERT INTO enrollment.quote_field_values (quote_id, field_def_id, value) VALUES (:q, :f, :v)"), rows)
        conn.execute(
            text("INSERT INTO enrollment.outbox (topic, key, payload) VALUES ('enrollment.quote.quoted', :l, CAST(:p AS jsonb))"),
            {"l": locator, "p": json.dumps({"quote_locator": locator, "premium": f"{premium:.2f}", "currency": currency})},
        )
        uow.commit()
    return QuoteResult(quote.id, locator, premium, currency, quote.expires_at, f"{locator} quoted at {premium:.2f} {currency} a month")
