"""A policy's life after its quote: issue, endorse, renew, cancel.

Each change is one transaction that writes the policy's rows, one
``enrollment.policy_transactions`` row per term it touches (the policy's
history: what changed, from when, and what it did to the premium), an
``enrollment.outbox`` message, and the premium it moves. Premium goes through
``billing.post_premium`` (migration 0013): a PREMIUM charge for money owed,
a REFUND charge for money given back, each with its ledger pair.

Premium is earned by the day. A term's annual premium in force on a day is
the one set by the last issue, renewal or endorsement on or before that day;
an endorsement charges or refunds the difference for the days left in the
term, and a cancellation refunds what was charged for the term less what was
earned before the cancellation date. So after any sequence of changes the
member has paid exactly the premium earned, to the cent.

Dates: a term runs from ``effective_from`` to ``effective_to`` inclusive. A
cancellation's effective date is the first day without cover.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import text

from ..errors import ConflictError, NotFound, ValidationError
from ..locators import next_locator
from ..money import money
from ..uow import UnitOfWork
from .quotes import check_answers, check_value, load_fields, rate

BACKDATE_DAYS = 30  # a change may take effect this many days before today
ISSUE_AHEAD_DAYS = 90  # a policy may start this many days after today
RENEWAL_OPENS_DAYS = 90  # a term may be renewed from this many days before it ends
RENEWAL_GRACE_DAYS = 30  # ... and up to this many days after
LIVE = ("ISSUED", "ACTIVE")
EARNING = ("ISSUANCE", "RENEWAL", "ENDORSEMENT")  # the transactions that set a term's annual premium


@dataclass(frozen=True)
class PolicyChange:
    """What a policy change did: shown to the clerk, returned by the CLI."""

    policy_id: Any
    locator: str
    status: str
    version: int
    transactions: tuple[str, ...]
    premium_change: Decimal  # positive: charged; negative: refunded; across every term touched
    charges: tuple[str, ...]
    currency: str
    message: str
    changes: frozenset[str] = frozenset({"policies"})


def plus_one_year(day: dt.date) -> dt.date:
    """The same date a year on (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def term_end(start: dt.date) -> dt.date:
    return plus_one_year(start) - dt.timedelta(days=1)


def days(first: dt.date, last: dt.date) -> int:
    """Days from ``first`` to ``last``, both included (0 when last is before first)."""
    return max(0, (last - first).days + 1)


def annual(monthly: Decimal) -> Decimal:
    return money(monthly * 12)


def earned(segments: list[tuple[dt.date, Decimal]], term_from: dt.date, term_to: dt.date, until: dt.date) -> Decimal:
    """Premium earned from ``term_from`` to ``until`` (inclusive), the annual premium changing at each segment's date.

    Unrounded: the caller rounds once, so an endorsement's pennies never pile up.
    """
    total_days = days(term_from, term_to)
    total = Decimal(0)
    ordered = sorted(segments, key=lambda s: s[0])
    for i, (start, annual_premium) in enumerate(ordered):
        end = ordered[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(ordered) else term_to
        total += annual_premium * days(max(start, term_from), min(end, until)) / total_days
    return total


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)", where=where) from None


def _today(conn) -> dt.date:  # noqa: ANN001
    return conn.execute(text("SELECT current_date")).scalar_one()


def _not_too_early(day: dt.date, today: dt.date, where: str) -> None:
    if day < today - dt.timedelta(days=BACKDATE_DAYS):
        raise ValidationError(f"{day.isoformat()} is more than {BACKDATE_DAYS} days ago; a change may be backdated at most that far", where=where)


def _effective(conn, value: Any) -> dt.date:  # noqa: ANN001
    """A change's effective date: a date, and not backdated too far."""
    day = _date(value, "effective date")
    _not_too_early(day, _today(conn), "effective date")
    return day


def _policy(conn, locator: str, expected_version: int | None) -> Any:  # noqa: ANN001
    row = conn.execute(
        text(
            "SELECT p.id, p.locator, p.status, p.version, p.updated_by, p.updated_at, p.account_id, p.product_version_id, "
            "p.policyholder_party_id, p.inception_date, p.document, a.currency AS account_currency "
            "FROM enrollment.policies p JOIN policy_admin.accounts a ON a.id = p.account_id WHERE p.locator = :l FOR UPDATE OF p"
        ),
        {"l": str(locator).strip().upper()},
    ).first()
    if row is None:
        raise NotFound(f"There is no policy {locator!r}.")
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(f"Policy {row.locator}", row.updated_by, row.updated_at)
    if row.status not in LIVE:
        raise ValidationError(f"policy {row.locator} is {row.status}; only an issued or active policy can be changed", where="policy")
    return row


def _terms(conn, policy_id: Any) -> list[Any]:  # noqa: ANN001
    return conn.execute(
        text(
            "SELECT id, locator, term_number, effective_from, effective_to, status FROM enrollment.policy_terms "
            "WHERE policy_id = :p ORDER BY term_number FOR UPDATE"
        ),
        {"p": policy_id},
    ).all()


def _segments(conn, term_id: Any) -> list[tuple[dt.date, Decimal]]:  # noqa: ANN001
    """(effective date, annual premium) of each applied change that set the term's premium, in the order applied."""
    rows = conn.execute(
        text(
            "SELECT effective_date, document ->> 'annual_premium' AS annual FROM enrollment.policy_transactions "
            "WHERE term_id = :t AND status = 'APPLIED' AND category = ANY(:c) ORDER BY effective_date, created_at, locator"
        ),
        {"t": term_id, "c": list(EARNING)},
    ).all()
    return [(r.effective_date, money(r.annual)) for r in rows]


def _charged(conn, term_id: Any) -> Decimal:  # noqa: ANN001
    """Premium charged for the term so far, less what was refunded."""
    value = conn.execute(
        text(
            "SELECT coalesce(sum(CASE category WHEN 'PREMIUM' THEN amount ELSE -amount END), 0) FROM billing.charges "
            "WHERE term_id = :t AND category IN ('PREMIUM', 'REFUND') AND status <> 'CANCELLED'"
        ),
        {"t": term_id},
    ).scalar_one()
    return money(value)


def _version(conn, version_id: Any) -> Any:  # noqa: ANN001
    return conn.execute(
        text(
            "SELECT pv.id, pv.product_id, pv.version, pv.effective_from, pv.effective_to, pv.document, p.code, p.name, p.status "
            "FROM policy_admin.product_versions pv JOIN policy_admin.products p ON p.id = pv.product_id WHERE pv.id = :v"
        ),
        {"v": version_id},
    ).one()


class ProductTerms(NamedTuple):
    """What a product version's document says a term is issued on."""

    code: str
    coverage_terms: dict[str, Any]
    balances: list[dict[str, Any]]
    base: Decimal  # monthly premium before the answers' loadings
    currency: str | None


def _product_terms(version: Any) -> ProductTerms:
    """Coverage terms, balances, base monthly premium and currency from a product version's document."""
    doc = version.document or {}
    where = f"product {version.code} version {version.version}"
    if not isinstance(doc.get("coverage_terms"), dict):
        raise ValidationError("defines no coverage terms; it cannot be issued", where=where)
    balances = doc.get("accumulators")
    if not isinstance(balances, list):
        raise ValidationError("defines no balances (accumulators); it cannot be issued until it does", where=where)
    for b in balances:
        if not isinstance(b, dict) or not {"type", "key", "limit"} <= set(b):
            raise ValidationError(f"has a balance without type, key and limit: {b!r}", where=where)
    premium = doc.get("premium") or {}
    return ProductTerms(version.code, doc["coverage_terms"], balances, money(premium.get("amount", "0")), premium.get("currency"))


def _add_term(conn, policy: Any, number: int, start: dt.date, product: ProductTerms, party_id: Any, currency: str) -> Any:  # noqa: ANN001
    """A term with its coverage element, the member's coverage and fresh balances."""
    coverage_terms, balances = product.coverage_terms, product.balances
    end = term_end(start)
    term = conn.execute(
        text(
            "INSERT INTO enrollment.policy_terms (locator, policy_id, term_number, effective_from, effective_to, status) "
            "VALUES (:l, :p, :n, :f, :t, 'ACTIVE') RETURNING id, locator, term_number, effective_from, effective_to, status"
        ),
        {"l": next_locator(conn, "term"), "p": policy.id, "n": number, "f": start, "t": end},
    ).one()
    # The element keeps its static id across terms, so a renewal is recognisably the same cover.
    static = conn.execute(
        text("SELECT static_id FROM enrollment.policy_elements WHERE policy_id = :p AND element_type = 'MEDICAL' ORDER BY created_at LIMIT 1"),
        {"p": policy.id},
    ).scalar()
    element = conn.execute(
        text(
            "INSERT INTO enrollment.policy_elements (static_id, policy_id, term_id, element_type, document) "
            "VALUES (coalesce(CAST(:s AS uuid), gen_random_uuid()), :p, :t, 'MEDICAL', CAST(:d AS jsonb)) RETURNING id, static_id"
        ),
        {"s": static, "p": policy.id, "t": term.id, "d": json.dumps({"name": "Medical", "coverage_terms": coverage_terms})},
    ).one()
    conn.execute(
        text(
            "INSERT INTO eligibility.member_coverage (party_id, policy_id, policy_element_id, element_static_id, term_id, product_code, "
            "element_type, coverage_terms, status, effective_from, effective_to) "
            "VALUES (:party, :p, :e, :s, :t, :code, 'MEDICAL', CAST(:terms AS jsonb), 'ACTIVE', :f, :to)"
        ),
        {"party": party_id, "p": policy.id, "e": element.id, "s": element.static_id, "t": term.id, "code": product.code,
         "terms": json.dumps(coverage_terms), "f": start, "to": end},
    )
    if balances:
        conn.execute(
            text(
                "INSERT INTO eligibility.coverage_accumulators (party_id, term_id, accumulator_type, coverage_term_key, limit_amount, currency) "
                "VALUES (:party, :t, :type, :key, :limit, :cur)"
            ),
            [{"party": party_id, "t": term.id, "type": b["type"], "key": b["key"], "limit": money(b["limit"]), "cur": currency} for b in balances],
        )
    return term


def _record(conn, policy: Any, term: Any, category: str, effective: dt.date, document: dict[str, Any]) -> Any:  # noqa: ANN001
    return conn.execute(
        text(
            "INSERT INTO enrollment.policy_transactions (locator, policy_id, term_id, category, status, effective_date, document) "
            "VALUES (:l, :p, :t, :c, 'APPLIED', :e, CAST(:d AS jsonb)) RETURNING id, locator"
        ),
        {"l": next_locator(conn, "transaction"), "p": policy.id, "t": term.id, "c": category, "e": effective,
         "d": json.dumps(document, default=str)},
    ).one()


def _charge(conn, transaction: Any, change: Decimal) -> str | None:  # noqa: ANN001
    """Charge (positive) or refund (negative) ``change`` for the transaction; nothing for zero."""
    if change == 0:
        return None
    category = "PREMIUM" if change > 0 else "REFUND"
    return conn.execute(
        text("SELECT billing.post_premium(:t, :c, :a)"), {"t": transaction.id, "c": category, "a": abs(change)}
    ).scalar_one()


def _announce(conn, topic: str, locator: str, payload: dict[str, Any]) -> None:  # noqa: ANN001
    conn.execute(
        text("INSERT INTO enrollment.outbox (topic, key, payload) VALUES (:topic, :key, CAST(:p AS jsonb))"),
        {"topic": topic, "key": locator, "p": json.dumps({"policy_locator": locator, **payload}, default=str)},
    )


def _save_policy(conn, policy: Any, status: str, document: dict[str, Any], **columns: Any) -> int:  # noqa: ANN001
    sets = "".join(f", {name} = :{name}" for name in columns)
    return conn.execute(
        text(
            f"UPDATE enrollment.policies SET status = :s, document = CAST(:d AS jsonb), version = version + 1, "
            f"updated_at = now(), updated_by = session_user{sets} WHERE id = :id RETURNING version"
        ),
        {"s": status, "d": json.dumps(document, default=str), "id": policy.id, **columns},
    ).scalar_one()


def _save_answers(conn, table: str, owner: str, owner_id: Any, fields: Mapping[str, Any], values: Mapping[str, str | None]) -> None:  # noqa: ANN001
    rows = [{"o": owner_id, "f": fields[k].id, "v": v} for k, v in values.items()]
    if rows:
        conn.execute(
            text(
                f"INSERT INTO enrollment.{table} ({owner}, field_def_id, value) VALUES (:o, :f, :v) "
                f"ON CONFLICT ({owner}, field_def_id) DO UPDATE SET value = EXCLUDED.value"
            ),
            rows,
        )


def _annual_in_document(document: Mapping[str, Any]) -> Decimal:
    """The annual premium a policy's document states (a policy issued elsewhere may state only the monthly one)."""
    if document.get("annual_premium") is not None:
        return money(document["annual_premium"])
    return annual(money((document.get("premium") or {}).get("amount", "0")))


def _premium_doc(monthly: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": f"{monthly:.2f}", "frequency": "MONTHLY", "currency": currency}


def _money_text(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


# ---------------------------------------------------------------- issue


def issue_policy(sessions, quote_locator: str, member_locator: str, inception: Any = None) -> PolicyChange:  # noqa: ANN001
    """Issue the policy a quote describes, covering one member, from ``inception`` (default: the quote's start date)."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        today = _today(conn)
        quote = conn.execute(
            text("SELECT id, locator, account_id, product_version_id, status, document, expires_at, expires_at < now() AS expired "
                 "FROM enrollment.quotes WHERE locator = :l FOR UPDATE"),
            {"l": str(quote_locator).strip().upper()},
        ).first()
        if quote is None:
            raise NotFound(f"There is no quote {quote_locator!r}.")
        if quote.status == "ACCEPTED":
            issued = conn.execute(text("SELECT locator FROM enrollment.policies WHERE quote_id = :q"), {"q": quote.id}).scalar()
            raise ValidationError(f"quote {quote.locator} has already been issued as {issued}", where="quote")
        if quote.status != "QUOTED" or quote.expired:
            when = f" on {quote.expires_at:%Y-%m-%d}" if quote.expired else ""
            raise ValidationError(f"quote {quote.locator} is {'EXPIRED' if quote.expired else quote.status}{when}; quote again", where="quote")
        answers = dict((quote.document or {}).get("answers") or {})
        start = _date(inception if inception not in (None, "") else answers.get("start_date"), "inception date")
        _not_too_early(start, today, "inception date")
        if start > today + dt.timedelta(days=ISSUE_AHEAD_DAYS):
            raise ValidationError(f"{start.isoformat()} is more than {ISSUE_AHEAD_DAYS} days ahead; quote nearer the start", where="inception date")
        member = conn.execute(
            text("SELECT id, locator, type, address FROM policy_admin.parties WHERE locator = :l"), {"l": str(member_locator).strip().upper()}
        ).first()
        if member is None:
            raise ValidationError(f"there is no member {member_locator!r}", where="member")
        if member.type != "INDIVIDUAL":
            raise ValidationError(f"{member.locator} is an {member.type.lower()}, not a person", where="member")
        end = term_end(start)
        overlap = conn.execute(
            text(
                "SELECT p.locator, mc.effective_from, mc.effective_to FROM eligibility.member_coverage mc "
                "JOIN enrollment.policies p ON p.id = mc.policy_id WHERE mc.party_id = :m AND mc.status = 'ACTIVE' "
                "AND mc.element_type = 'MEDICAL' AND mc.effective_from <= :end AND coalesce(mc.effective_to, 'infinity') >= :start "
                "ORDER BY mc.effective_from LIMIT 1"
            ),
            {"m": member.id, "start": start, "end": end},
        ).first()
        if overlap is not None:
            until = overlap.effective_to.isoformat() if overlap.effective_to else "open-ended"
            raise ValidationError(
                f"{member.locator} is already covered by {overlap.locator} from {overlap.effective_from.isoformat()} to {until}; "
                "cancel that cover first or start after it", where="member")
        version = _version(conn, quote.product_version_id)
        if version.effective_from > start or (version.effective_to is not None and version.effective_to < start):
            raise ValidationError(f"product {version.code} version {version.version} is not on sale on {start.isoformat()}", where="inception date")
        product = _product_terms(version)
        account = conn.execute(text("SELECT id, currency, market_code FROM policy_admin.accounts WHERE id = :a"), {"a": quote.account_id}).one()
        currency = product.currency or account.currency
        monthly = money((quote.document or {}).get("premium", {}).get("amount", "0"))
        annual_premium = annual(monthly)
        address = member.address or {}
        locator = next_locator(conn, "policy")
        policy = conn.execute(
            text(
                "INSERT INTO enrollment.policies (locator, account_id, quote_id, product_version_id, policyholder_party_id, status, "
                "inception_date, jurisdiction, region, market_code, document) "
                "VALUES (:l, :a, :q, :v, :m, :s, :i, :j, :r, :mk, CAST(:d AS jsonb)) RETURNING id, locator, status, version"
            ),
            {"l": locator, "a": account.id, "q": quote.id, "v": version.id, "m": member.id, "s": "ACTIVE" if start <= today else "ISSUED",
             "i": start, "j": account.market_code, "r": (address.get("region") or address.get("city") or "")[:40] or None, "mk": account.market_code,
             "d": json.dumps({"premium": _premium_doc(monthly, currency), "annual_premium": f"{annual_premium:.2f}",
                              "product_code": version.code, "answers": answers})},
        ).one()
        fields = load_fields(conn, version.id)
        _save_answers(conn, "policy_field_values", "policy_id", policy.id, fields, {k: v for k, v in answers.items() if k in fields and v is not None})
        term = _add_term(conn, policy, 1, start, product, member.id, currency)
        txn = _record(conn, policy, term, "ISSUANCE", start, {
            "quote_locator": quote.locator, "member_locator": member.locator, "annual_premium": f"{annual_premium:.2f}",
            "monthly_premium": f"{monthly:.2f}", "premium_change": f"{annual_premium:.2f}", "currency": currency,
        })
        charge = _charge(conn, txn, annual_premium)
        conn.execute(
            text("UPDATE enrollment.quotes SET status = 'ACCEPTED', version = version + 1, updated_at = now(), updated_by = session_user WHERE id = :q"),
            {"q": quote.id},
        )
        _announce(conn, "enrollment.policy.issued", policy.locator, {
            "transaction_locator": txn.locator, "quote_locator": quote.locator, "inception_date": start, "term_end": end,
            "annual_premium": f"{annual_premium:.2f}", "currency": currency,
        })
        uow.commit()
    return PolicyChange(
        policy.id, policy.locator, policy.status, policy.version, (txn.locator,), annual_premium, tuple(c for c in (charge,) if c), currency,
        f"{policy.locator} issued from {quote.locator} for {member.locator}, {start.isoformat()} to {end.isoformat()}; "
        f"premium {_money_text(annual_premium, currency)} a year ({charge})",
    )


# ---------------------------------------------------------------- endorse


def endorse_policy(sessions, policy_locator: str, effective: Any, changes: Mapping[str, Any], *,  # noqa: ANN001
                   reason: str = "", expected_version: int | None = None) -> PolicyChange:
    """Change the policy's rated answers from ``effective`` to the end of its term; the premium moves for the days left."""
    if not changes:
        raise ValidationError("name at least one field to change", where="endorsement")
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        policy = _policy(conn, policy_locator, expected_version)
        day = _effective(conn, effective)
        terms = _terms(conn, policy.id)
        term = next((t for t in terms if t.status == "ACTIVE" and t.effective_from <= day <= t.effective_to), None)
        if term is None:
            raise ValidationError(f"{day.isoformat()} is in none of {policy.locator}'s terms", where="effective date")
        later = [t for t in terms if t.term_number > term.term_number and t.status == "ACTIVE"]
        if later:
            raise ValidationError(
                f"{policy.locator} has already been renewed into term {later[0].term_number} from {later[0].effective_from.isoformat()}; "
                "endorse from that date instead, or cancel the renewal", where="effective date")
        segments = _segments(conn, term.id)
        last = max((s[0] for s in segments), default=term.effective_from)
        if day < last:
            raise ValidationError(f"the policy last changed from {last.isoformat()}; an endorsement cannot go in before it", where="effective date")
        version = _version(conn, policy.product_version_id)
        base = _product_terms(version).base
        fields = load_fields(conn, version.id)
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise ValidationError(f"this product has no field {unknown[0]!r}", where="endorsement")
        document = dict(policy.document or {})
        before = dict(document.get("answers") or {})
        after = {**before, **{k: check_value(fields[k], v) for k, v in changes.items()}}
        changed = {k: [before.get(k), after[k]] for k in changes if before.get(k) != after[k]}
        if not changed:
            raise ValidationError("the new answers are the ones the policy already has", where="endorsement")
        currency = document.get("premium", {}).get("currency") or policy.account_currency
        monthly = rate(base, after)
        old_annual = segments[-1][1] if segments else _annual_in_document(document)
        new_annual = annual(monthly)
        left = days(day, term.effective_to)
        term_days = days(term.effective_from, term.effective_to)
        change = money((new_annual - old_annual) * left / term_days)
        txn = _record(conn, policy, term, "ENDORSEMENT", day, {
            "changes": changed, "reason": reason.strip(), "annual_premium": f"{new_annual:.2f}", "previous_annual_premium": f"{old_annual:.2f}",
            "monthly_premium": f"{monthly:.2f}", "days_left": left, "term_days": term_days, "premium_change": f"{change:.2f}", "currency": currency,
        })
        conn.execute(
            text("INSERT INTO enrollment.transaction_field_values (transaction_id, field_def_id, value) VALUES (:t, :f, :v)"),
            [{"t": txn.id, "f": fields[k].id, "v": new} for k, (_old, new) in changed.items()],
        )
        _save_answers(conn, "policy_field_values", "policy_id", policy.id, fields, {k: after[k] for k in changed})
        charge = _charge(conn, txn, change)
        document.update(answers=after, premium=_premium_doc(monthly, currency), annual_premium=f"{new_annual:.2f}")
        new_version = _save_policy(conn, policy, policy.status, document)
        _announce(conn, "enrollment.policy.endorsed", policy.locator, {
            "transaction_locator": txn.locator, "effective_date": day, "changes": changed, "premium_change": f"{change:.2f}", "currency": currency,
        })
        uow.commit()
    what = ", ".join(f"{k} {old} → {new}" for k, (old, new) in changed.items())
    moved = "no premium change" if change == 0 else f"{'charged' if change > 0 else 'refunded'} {_money_text(abs(change), currency)} for {left} days"
    return PolicyChange(policy.id, policy.locator, policy.status, new_version, (txn.locator,), change, tuple(c for c in (charge,) if c), currency,
                        f"{policy.locator} endorsed from {day.isoformat()}: {what}; {moved}")


# ---------------------------------------------------------------- renew


def renew_policy(sessions, policy_locator: str, *, expected_version: int | None = None) -> PolicyChange:  # noqa: ANN001
    """A new term from the day after the last one ends, rated on the product's current version, with fresh balances."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        policy = _policy(conn, policy_locator, expected_version)
        today = _today(conn)
        terms = _terms(conn, policy.id)
        current = terms[-1]
        start = current.effective_to + dt.timedelta(days=1)
        opens = current.effective_to - dt.timedelta(days=RENEWAL_OPENS_DAYS)
        if today < opens:
            raise ValidationError(f"term {current.term_number} ends on {current.effective_to.isoformat()}; renewal opens on {opens.isoformat()}", where="renewal")
        if today > current.effective_to + dt.timedelta(days=RENEWAL_GRACE_DAYS):
            raise ValidationError(
                f"term {current.term_number} ended on {current.effective_to.isoformat()}, more than {RENEWAL_GRACE_DAYS} days ago; "
                "issue a new policy from a quote", where="renewal")
        product = _version(conn, policy.product_version_id)
        version_id = conn.execute(
            text(
                "SELECT id FROM policy_admin.product_versions WHERE product_id = :p AND effective_from <= :d "
                "AND (effective_to IS NULL OR effective_to >= :d) ORDER BY version DESC LIMIT 1"
            ),
            {"p": product.product_id, "d": start},
        ).scalar()
        if version_id is None or product.status != "ACTIVE":
            raise ValidationError(f"product {product.code} is not on sale on {start.isoformat()}; the policy cannot be renewed", where="renewal")
        version = _version(conn, version_id)
        product = _product_terms(version)
        document = dict(policy.document or {})
        fields = load_fields(conn, version.id)
        # The answers are asked again by the version in force: a new required question stops the renewal, by name.
        asked = {k: v for k, v in (document.get("answers") or {}).items() if k in fields}
        if "start_date" in fields:
            asked["start_date"] = start.isoformat()
        answers = check_answers(fields, asked, where="renewal")
        currency = product.currency or document.get("premium", {}).get("currency") or policy.account_currency
        monthly = rate(product.base, answers)
        annual_premium = annual(monthly)
        term = _add_term(conn, policy, current.term_number + 1, start, product, policy.policyholder_party_id, currency)
        _save_answers(conn, "policy_field_values", "policy_id", policy.id, fields, {k: v for k, v in answers.items() if v is not None})
        txn = _record(conn, policy, term, "RENEWAL", start, {
            "previous_term": current.locator, "product_version": version.version, "annual_premium": f"{annual_premium:.2f}",
            "monthly_premium": f"{monthly:.2f}", "premium_change": f"{annual_premium:.2f}", "currency": currency,
        })
        charge = _charge(conn, txn, annual_premium)
        document.update(answers=answers, premium=_premium_doc(monthly, currency), annual_premium=f"{annual_premium:.2f}")
        new_version = _save_policy(conn, policy, policy.status, document, product_version_id=version.id)
        _announce(conn, "enrollment.policy.renewed", policy.locator, {
            "transaction_locator": txn.locator, "term_locator": term.locator, "effective_from": term.effective_from,
            "effective_to": term.effective_to, "annual_premium": f"{annual_premium:.2f}", "currency": currency,
        })
        uow.commit()
    return PolicyChange(
        policy.id, policy.locator, policy.status, new_version, (txn.locator,), annual_premium, tuple(c for c in (charge,) if c), currency,
        f"{policy.locator} renewed: term {term.term_number} from {term.effective_from.isoformat()} to {term.effective_to.isoformat()}; "
        f"premium {_money_text(annual_premium, currency)} a year ({charge})",
    )


# ---------------------------------------------------------------- cancel


def cancel_policy(sessions, policy_locator: str, effective: Any, reason: str, *,  # noqa: ANN001
                  expected_version: int | None = None) -> PolicyChange:
    """End cover before ``effective`` (the first day without it) and refund the premium not earned."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("say why the policy is cancelled", where="reason")
    if len(reason) > 500:
        raise ValidationError("must be at most 500 characters", where="reason")
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        policy = _policy(conn, policy_locator, expected_version)
        day = _effective(conn, effective)
        terms = [t for t in _terms(conn, policy.id) if t.status == "ACTIVE"]
        if day < policy.inception_date:
            raise ValidationError(f"{policy.locator} starts on {policy.inception_date.isoformat()}; cancel from then at the earliest", where="effective date")
        if not terms or day > terms[-1].effective_to:
            raise ValidationError(f"{policy.locator}'s cover ends on {terms[-1].effective_to.isoformat() if terms else 'no date'}; there is nothing after {day.isoformat()} to cancel",
                                  where="effective date")
        paid = conn.execute(
            text("SELECT locator, incident_date FROM enrollment.approved_claims_from(:p, :d) LIMIT 4"), {"p": policy.id, "d": day}
        ).all()
        if paid:
            names = ", ".join(f"{c.locator} ({c.incident_date.isoformat()})" for c in paid[:3]) + (" and more" if len(paid) > 3 else "")
            raise ValidationError(
                f"claims for care on or after {day.isoformat()} are approved or paid: {names}; reopen or void them before cancelling from that date",
                where="effective date")
        currency = (policy.document or {}).get("premium", {}).get("currency") or policy.account_currency
        total = Decimal("0.00")
        transactions, charges = [], []
        for term in (t for t in terms if t.effective_to >= day):
            segments = _segments(conn, term.id)
            charged = _charged(conn, term.id)
            kept = money(earned(segments, term.effective_from, term.effective_to, day - dt.timedelta(days=1)))
            # A term issued elsewhere has no premium history here: its cover ends, and billing settles its premium.
            change = kept - charged if segments else Decimal("0.00")
            if term.effective_from >= day:  # a term that has not started goes entirely; its cover never applies
                conn.execute(text("UPDATE enrollment.policy_terms SET status = 'CANCELLED', updated_at = now() WHERE id = :t"), {"t": term.id})
                conn.execute(
                    text("UPDATE eligibility.member_coverage SET status = 'TERMINATED', updated_at = now() WHERE term_id = :t AND policy_id = :p"),
                    {"t": term.id, "p": policy.id},
                )
            else:
                conn.execute(
                    text("UPDATE enrollment.policy_terms SET status = 'CANCELLED', effective_to = :last, updated_at = now() WHERE id = :t"),
                    {"t": term.id, "last": day - dt.timedelta(days=1)},
                )
                conn.execute(
                    text(
                        "UPDATE eligibility.member_coverage SET effective_to = least(coalesce(effective_to, :last), :last), updated_at = now() "
                        "WHERE term_id = :t AND policy_id = :p AND status = 'ACTIVE'"
                    ),
                    {"t": term.id, "p": policy.id, "last": day - dt.timedelta(days=1)},
                )
            txn = _record(conn, policy, term, "CANCELLATION", max(day, term.effective_from), {
                "reason": reason, "first_day_without_cover": day, "term_effective_to_before": term.effective_to,
                "charged": f"{charged:.2f}", "earned": f"{kept:.2f}" if segments else None, "premium_change": f"{change:.2f}",
                "currency": currency, **({} if segments else {"premium_history": "none in ClaimDesk; billing settles this term's premium"}),
            })
            charge = _charge(conn, txn, change)
            transactions.append(txn.locator)
            charges += [charge] if charge else []
            total += change
        document = dict(policy.document or {})
        document["cancellation"] = {"effective_date": day.isoformat(), "reason": reason, "transactions": transactions}
        new_version = _save_policy(conn, policy, "CANCELLED", document)
        _announce(conn, "enrollment.policy.cancelled", policy.locator, {
            "transactions": transactions, "effective_date": day, "reason": reason, "premium_change": f"{total:.2f}", "currency": currency,
        })
        uow.commit()
    moved = "no refund" if total == 0 else f"{'refunded' if total < 0 else 'charged'} {_money_text(abs(total), currency)}"
    return PolicyChange(policy.id, policy.locator, "CANCELLED", new_version, tuple(transactions), total, tuple(charges), currency,
                        f"{policy.locator} cancelled: no cover from {day.isoformat()}; {moved}")


# ---------------------------------------------------------------- read


def policy_detail(sessions, policy_locator: str) -> dict[str, Any]:  # noqa: ANN001
    """The policy, its terms, its history and its premium charges, as plain values."""
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        policy = conn.execute(
            text(
                "SELECT p.id, p.locator, p.status, p.version, p.inception_date, p.document, p.updated_by, p.updated_at, "
                "m.locator AS member, concat_ws(' ', m.first_name, m.last_name) AS member_name, a.locator AS account, "
                "pr.code AS product, pr.name AS product_name, pv.version AS product_version "
                "FROM enrollment.policies p JOIN policy_admin.accounts a ON a.id = p.account_id "
                "LEFT JOIN policy_admin.parties m ON m.id = p.policyholder_party_id "
                "JOIN policy_admin.product_versions pv ON pv.id = p.product_version_id JOIN policy_admin.products pr ON pr.id = pv.product_id "
                "WHERE p.locator = :l"
            ),
            {"l": str(policy_locator).strip().upper()},
        ).mappings().first()
        if policy is None:
            raise NotFound(f"There is no policy {policy_locator!r}.")
        terms = conn.execute(
            text("SELECT locator, term_number, effective_from, effective_to, status FROM enrollment.policy_terms WHERE policy_id = :p ORDER BY term_number"),
            {"p": policy["id"]},
        ).mappings().all()
        history = conn.execute(
            text(
                "SELECT x.locator, x.category, x.status, x.effective_date, x.created_at, x.document, t.term_number "
                "FROM enrollment.policy_transactions x LEFT JOIN enrollment.policy_terms t ON t.id = x.term_id "
                "WHERE x.policy_id = :p ORDER BY x.created_at, x.locator"
            ),
            {"p": policy["id"]},
        ).mappings().all()
        charges = conn.execute(
            text(
                "SELECT c.locator, c.category, c.amount, c.currency, c.status, c.charge_date, t.term_number FROM billing.charges c "
                "LEFT JOIN enrollment.policy_terms t ON t.id = c.term_id "
                "WHERE c.policy_id = :p AND c.category IN ('PREMIUM', 'REFUND') ORDER BY c.created_at, c.locator"
            ),
            {"p": policy["id"]},
        ).mappings().all()
    return {
        "policy": {k: v for k, v in policy.items() if k != "id"},
        "terms": [dict(t) for t in terms],
        "history": [dict(h) for h in history],
        "charges": [dict(c) for c in charges],
    }
