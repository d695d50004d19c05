"""A policy's life: issue, endorse, renew, cancel, signed in as an enrollment clerk, down to the rows and the money."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import text

from claimdesk.db import connect
from claimdesk.migrate import upgrade
from claimdesk.services import demo
from claimdesk.services.claims import batch, intake, service
from claimdesk.services.documents import service as documents
from claimdesk.services.enrollment import group_load, policies, quotes
from claimdesk.services.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from claimdesk.services.money import money
from claimdesk.settings import Settings
from tests.conftest import _as_url, _fresh_database

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def world(pg_admin_url):
    url = _as_url(_fresh_database(pg_admin_url, "cdpolicy"))
    db = connect(Settings(database_url=url), url=url, pool_size=2)
    upgrade(db.engine, "head")
    demo.seed(db.engine, members=12, claims=0, seed=11, work=0)
    logins = {}
    for group in ("enrollment", "adjudicator", "supervisor"):
        name = f"t_pol_{group}_{uuid.uuid4().hex[:6]}"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN IN ROLE claimdesk_{group}')
        logins[group] = connect(Settings(database_url=url), url=url.replace("postgres@", f"{name}@", 1), pool_size=2)
    with db.engine.connect() as conn:
        account = conn.execute(text("SELECT locator FROM policy_admin.accounts WHERE currency = 'USD' ORDER BY locator LIMIT 1")).scalar()
        product = conn.execute(text("SELECT code FROM policy_admin.products WHERE code LIKE 'HP-SILVER-PPO-%'")).scalar()
        scheme = conn.execute(text("SELECT code FROM group_scheme.schemes LIMIT 1")).scalar()
        today = conn.execute(text("SELECT current_date")).scalar()
    yield {"db": db, "url": url, "clerk": logins["enrollment"], "adjudicator": logins["adjudicator"], "supervisor": logins["supervisor"],
           "account": account, "product": product, "scheme": scheme, "today": today}
    for login in logins.values():
        login.dispose()
    db.dispose()


def _rows(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _one(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _member(world) -> str:
    """A new person, joined through the group-scheme load an enrollment clerk uses."""
    last = f"Tester{uuid.uuid4().hex[:10]}"
    group_load.load_members_text(world["clerk"].sessions, world["scheme"], f"first_name,last_name,date_of_birth\nAlex,{last},1984-05-06\n")
    return _one(world["db"], "SELECT locator FROM policy_admin.parties WHERE last_name = :l", l=last)


def _quote(world, start: dt.date, smoker: str = "no", dependants: int = 0) -> quotes.QuoteResult:
    return quotes.create_quote(world["clerk"].sessions, world["account"], world["product"],
                               {"start_date": start.isoformat(), "smoker": smoker, "dependants": str(dependants)})


def _issued(world, start: dt.date | None = None, **answers) -> tuple[policies.PolicyChange, str]:
    start = start or world["today"]
    member = _member(world)
    return policies.issue_policy(world["clerk"].sessions, _quote(world, start, **answers).locator, member), member


def _visit(world, member: str, day: dt.date):  # noqa: ANN001, ANN201
    """An office visit on ``day`` at an in-network provider, received for ``member``."""
    provider = _one(world["db"], "SELECT locator FROM provider.providers WHERE network_status = 'IN_NETWORK' ORDER BY locator LIMIT 1")
    return intake.submit_claim(world["supervisor"].sessions, intake.ClaimEntry(member, provider, day.isoformat(),
                                                                               [intake.LineEntry("office_visit", "99213", "150.00")]))


def _snapshot(db) -> dict[str, int]:
    """Row counts of every table a policy change writes: a refused change leaves them all as they were."""
    tables = ("enrollment.policies", "enrollment.policy_terms", "enrollment.policy_transactions", "enrollment.policy_elements",
              "enrollment.outbox", "eligibility.member_coverage", "eligibility.coverage_accumulators", "billing.charges",
              "billing.ledger_entries", "billing.outbox", "audit.change_log")
    with db.engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        counts["versions"] = conn.execute(text("SELECT sum(version) FROM enrollment.policies")).scalar()
    return counts


def _net_premium(db, policy_id) -> Decimal:
    return _one(db, "SELECT coalesce(sum(CASE category WHEN 'PREMIUM' THEN amount ELSE -amount END), 0) FROM billing.charges "
                    "WHERE policy_id = :p AND category IN ('PREMIUM', 'REFUND')", p=policy_id)


# ---------------------------------------------------------------- issue


def test_issue_writes_the_policy_its_cover_balances_history_and_premium(world):
    db, start = world["db"], world["today"]
    quote = _quote(world, start, smoker="yes", dependants=2)
    member = _member(world)
    change = policies.issue_policy(world["clerk"].sessions, quote.locator, member)
    end = policies.term_end(start)
    yearly = money(quote.premium * 12)
    assert change.status == "ACTIVE" and change.premium_change == yearly
    assert f"{start.isoformat()} to {end.isoformat()}" in change.message
    policy = _rows(db, "SELECT p.status, p.inception_date, p.quote_id, m.locator, p.document ->> 'annual_premium' FROM enrollment.policies p "
                       "JOIN policy_admin.parties m ON m.id = p.policyholder_party_id WHERE p.id = :p", p=change.policy_id)[0]
    assert policy == ("ACTIVE", start, quote.quote_id, member, f"{yearly:.2f}")
    assert _one(db, "SELECT status FROM enrollment.quotes WHERE id = :q", q=quote.quote_id) == "ACCEPTED"
    # Cover for the member, for exactly the term, on the product's terms, with the product's balances at zero.
    terms = _rows(db, "SELECT term_number, effective_from, effective_to, status FROM enrollment.policy_terms WHERE policy_id = :p", p=change.policy_id)
    assert terms == [(1, start, end, "ACTIVE")]
    cover = _rows(db, "SELECT mc.status, mc.effective_from, mc.effective_to, mc.coverage_terms = pv.document -> 'coverage_terms' "
                      "FROM eligibility.member_coverage mc JOIN enrollment.policies p ON p.id = mc.policy_id "
                      "JOIN policy_admin.product_versions pv ON pv.id = p.product_version_id WHERE mc.policy_id = :p", p=change.policy_id)
    assert cover == [("ACTIVE", start, end, True)]
    balances = _rows(db, "SELECT a.accumulator_type, a.coverage_term_key, a.limit_amount, a.consumed_amount FROM eligibility.coverage_accumulators a "
                         "JOIN enrollment.policy_terms t ON t.id = a.term_id WHERE t.policy_id = :p ORDER BY 1, 2", p=change.policy_id)
    assert balances == [("BENEFIT_LIMIT", "physiotherapy", Decimal("1500.00"), Decimal("0.00")), ("DEDUCTIBLE", "plan", Decimal("500.00"), Decimal("0.00")),
                        ("OUT_OF_POCKET", "plan", Decimal("2000.00"), Decimal("0.00")), ("VISIT_LIMIT", "physiotherapy", Decimal("20.00"), Decimal("0.00"))]
    answers = dict(_rows(db, "SELECT f.field_key, v.value FROM enrollment.policy_field_values v JOIN policy_admin.field_definitions f "
                             "ON f.id = v.field_def_id WHERE v.policy_id = :p", p=change.policy_id))
    assert answers == {"start_date": start.isoformat(), "smoker": "true", "dependants": "2"}
    # Its history, its premium (a balanced ledger pair), and the messages for the rest of the platform.
    history = _rows(db, "SELECT locator, category, effective_date, document ->> 'charge' FROM enrollment.policy_transactions WHERE policy_id = :p", p=change.policy_id)
    assert history == [(change.transactions[0], "ISSUANCE", start, change.charges[0])]
    charge = _rows(db, "SELECT c.category, c.amount, c.currency, c.payee, "
                       "(SELECT array_agg(l.direction || ' ' || l.ledger_account || ' ' || l.amount ORDER BY l.direction DESC) "
                       "   FROM billing.ledger_entries l WHERE l.reference_id = c.id) "
                       "FROM billing.charges c WHERE c.locator = :c", c=change.charges[0])[0]
    assert charge == ("PREMIUM", yearly, "USD", "PAYER", [f"DEBIT PREMIUM_RECEIVABLE {yearly}", f"CREDIT PREMIUM_INCOME {yearly}"])
    announced = _one(db, "SELECT payload FROM billing.outbox WHERE key = :k AND topic = 'billing.charge.premium'", k=change.locator)
    assert announced["actor"] == world["clerk"].user and announced["amount"] == f"{yearly:.2f}"
    assert _one(db, "SELECT count(*) FROM enrollment.outbox WHERE topic = 'enrollment.policy.issued' AND key = :k", k=change.locator) == 1
    assert _rows(db, "SELECT operation, actor FROM audit.change_log WHERE table_name = 'enrollment.policies' AND row_id = :p",
                 p=change.policy_id) == [("INSERT", world["clerk"].user)]


def test_a_policy_that_starts_later_is_issued_not_yet_active(world):
    change, _member_ = _issued(world, world["today"] + 20 * DAY)
    assert change.status == "ISSUED"


@pytest.mark.parametrize("case", ["issued twice", "member covered", "no member", "organisation", "too early", "too late", "no quote"])
def test_issue_refusals_say_why_and_write_nothing(world, case):
    db, today = world["db"], world["today"]
    quote = _quote(world, today)
    member = _member(world)
    if case == "issued twice":
        policies.issue_policy(world["clerk"].sessions, quote.locator, member)
        quote_locator, member, inception, message = quote.locator, _member(world), None, "has already been issued as POL-"
    elif case == "member covered":
        policies.issue_policy(world["clerk"].sessions, _quote(world, today + 100 * DAY - 30 * DAY).locator, member)
        quote_locator, inception, message = quote.locator, None, f"{member} is already covered by POL-"
    elif case == "no member":
        quote_locator, member, inception, message = quote.locator, "MBR-99999999", None, "there is no member 'MBR-99999999'"
    elif case == "organisation":
        member = _one(db, "SELECT locator FROM policy_admin.parties WHERE type = 'ORGANISATION' LIMIT 1")
        quote_locator, inception, message = quote.locator, None, "is an organisation, not a person"
    elif case == "too early":
        quote_locator, inception, message = quote.locator, today - 31 * DAY, "more than 30 days ago"
    elif case == "too late":
        quote_locator, inception, message = quote.locator, today + 91 * DAY, "more than 90 days ahead"
    else:
        quote_locator, inception, message = "QTE-99999999", None, "no quote"
    before = _snapshot(db)
    with pytest.raises((ValidationError, NotFound), match=message):
        policies.issue_policy(world["clerk"].sessions, quote_locator, member, inception)
    assert _snapshot(db) == before


def test_an_expired_quote_is_not_issued(world):
    quote = _quote(world, world["today"])
    with world["db"].engine.begin() as conn:  # thirty days pass
        conn.execute(text("UPDATE enrollment.quotes SET expires_at = now() - interval '1 day' WHERE id = :q"), {"q": quote.quote_id})
    with pytest.raises(ValidationError, match=f"quote {quote.locator} is EXPIRED on"):
        policies.issue_policy(world["clerk"].sessions, quote.locator, _member(world))


# ---------------------------------------------------------------- endorse


def test_endorsement_charges_the_difference_for_the_days_left(world):
    db, start = world["db"], world["today"]
    issued, _m = _issued(world, start)
    end = policies.term_end(start)
    effective = start + 100 * DAY
    change = policies.endorse_policy(world["clerk"].sessions, issued.locator, effective, {"smoker": "yes"}, reason="smokes since spring",
                                     expected_version=issued.version)
    old, new = issued.premium_change, money(money(quotes.rate(money(issued.premium_change / 12), {"smoker": "true"})) * 12)
    left, total = (end - effective).days + 1, (end - start).days + 1
    assert change.premium_change == money((new - old) * left / total) > 0
    assert change.version == issued.version + 1
    assert f"smoker false → true; charged {change.premium_change:,.2f} USD for {left} days" in change.message
    row = _rows(db, "SELECT category, effective_date, document -> 'changes', document ->> 'reason' FROM enrollment.policy_transactions "
                    "WHERE locator = :l", l=change.transactions[0])[0]
    assert row == ("ENDORSEMENT", effective, {"smoker": ["false", "true"]}, "smokes since spring")
    assert _one(db, "SELECT v.value FROM enrollment.transaction_field_values v JOIN enrollment.policy_transactions t ON t.id = v.transaction_id "
                    "WHERE t.locator = :l", l=change.transactions[0]) == "true"
    # Taking it back later refunds the same rate for the (fewer) days then left.
    back = policies.endorse_policy(world["clerk"].sessions, issued.locator, effective + 50 * DAY, {"smoker": "no"})
    assert back.premium_change == money((old - new) * (left - 50) / total) < 0
    assert _one(db, "SELECT category FROM billing.charges WHERE locator = :c", c=back.charges[0]) == "REFUND"


@pytest.mark.parametrize(
    ("changes", "effective_days", "message"),
    [
        ({"smoker": "no"}, 10, "the new answers are the ones the policy already has"),
        ({"pets": "3"}, 10, "this product has no field 'pets'"),
        ({"dependants": "eleven"}, 10, "field dependants: 'eleven' is not a whole number"),
        ({"dependants": "1"}, 400, "is in none of"),
        ({}, 10, "name at least one field to change"),
    ],
)
def test_endorsement_refusals_write_nothing(world, changes, effective_days, message):
    issued, _m = _issued(world)
    before = _snapshot(world["db"])
    with pytest.raises(ValidationError, match=message):
        policies.endorse_policy(world["clerk"].sessions, issued.locator, world["today"] + effective_days * DAY, changes)
    assert _snapshot(world["db"]) == before


def test_endorsements_go_in_date_order_and_a_stale_screen_is_told_who_saved(world):
    issued, _m = _issued(world)
    later = policies.endorse_policy(world["clerk"].sessions, issued.locator, world["today"] + 60 * DAY, {"dependants": "1"})
    before = _snapshot(world["db"])
    with pytest.raises(ValidationError, match="an endorsement cannot go in before it"):
        policies.endorse_policy(world["clerk"].sessions, issued.locator, world["today"] + 30 * DAY, {"dependants": "2"})
    with pytest.raises(ConflictError, match=f"Policy {issued.locator} was changed by {world['clerk'].user}"):
        policies.endorse_policy(world["clerk"].sessions, issued.locator, world["today"] + 90 * DAY, {"dependants": "2"},
                                expected_version=issued.version)
    assert _snapshot(world["db"]) == before
    assert later.version == issued.version + 1


# ---------------------------------------------------------------- renew


def test_renewal_opens_ninety_days_before_the_term_ends(world):
    issued, _m = _issued(world)
    before = _snapshot(world["db"])
    opens = policies.term_end(world["today"]) - 90 * DAY
    with pytest.raises(ValidationError, match=f"renewal opens on {opens.isoformat()}"):
        policies.renew_policy(world["clerk"].sessions, issued.locator)
    assert _snapshot(world["db"]) == before


def test_renewal_adds_the_next_term_with_fresh_balances_and_its_premium(world, monkeypatch):
    db = world["db"]
    issued, member = _issued(world, dependants=1)
    monkeypatch.setattr(policies, "RENEWAL_OPENS_DAYS", 400)  # the year has passed
    renewed = policies.renew_policy(world["clerk"].sessions, issued.locator)
    first_end = policies.term_end(world["today"])
    second = (first_end + DAY, policies.term_end(first_end + DAY))
    assert renewed.premium_change == issued.premium_change  # same product version, same answers
    terms = _rows(db, "SELECT term_number, effective_from, effective_to, status FROM enrollment.policy_terms WHERE policy_id = :p ORDER BY 1",
                  p=issued.policy_id)
    assert terms == [(1, world["today"], first_end, "ACTIVE"), (2, *second, "ACTIVE")]
    cover = _rows(db, "SELECT effective_from, effective_to, element_static_id FROM eligibility.member_coverage WHERE policy_id = :p ORDER BY 1",
                  p=issued.policy_id)
    assert [c[:2] for c in cover] == [(world["today"], first_end), second]
    assert cover[0][2] == cover[1][2]  # the same cover, renewed
    consumed = _rows(db, "SELECT t.term_number, count(*), sum(a.consumed_amount) FROM eligibility.coverage_accumulators a "
                         "JOIN enrollment.policy_terms t ON t.id = a.term_id WHERE t.policy_id = :p GROUP BY 1 ORDER BY 1", p=issued.policy_id)
    assert consumed == [(1, 4, Decimal("0.00")), (2, 4, Decimal("0.00"))]
    assert _net_premium(db, issued.policy_id) == 2 * issued.premium_change
    assert _one(db, "SELECT document ->> 'start_date' FROM enrollment.policy_transactions WHERE locator = :l", l=renewed.transactions[0]) is None
    assert _one(db, "SELECT document -> 'answers' ->> 'start_date' FROM enrollment.policies WHERE id = :p", p=issued.policy_id) == second[0].isoformat()
    # Endorsing the first term now would leave the renewal on the old answers: refused, with where to go instead.
    with pytest.raises(ValidationError, match="has already been renewed into term 2"):
        policies.endorse_policy(world["clerk"].sessions, issued.locator, world["today"] + 10 * DAY, {"smoker": "yes"})


# ---------------------------------------------------------------- cancel


def test_cancellation_refunds_exactly_the_premium_not_earned(world):
    db, start = world["db"], world["today"]
    issued, _m = _issued(world)
    endorsed = policies.endorse_policy(world["clerk"].sessions, issued.locator, start + 40 * DAY, {"dependants": "3"})
    stop = start + 200 * DAY
    cancelled = policies.cancel_policy(world["clerk"].sessions, issued.locator, stop, "moved abroad", expected_version=endorsed.version)
    end = policies.term_end(start)
    total = (end - start).days + 1
    old = issued.premium_change
    new = money(quotes.rate(money(old / 12), {"smoker": "false", "dependants": "3"}) * 12)
    earned = money(old * 40 / total + new * 160 / total)
    # What the member paid in the end is what was earned, to the cent.
    assert _net_premium(db, issued.policy_id) == earned
    assert cancelled.premium_change == earned - old - endorsed.premium_change < 0
    assert cancelled.status == "CANCELLED" and f"no cover from {stop.isoformat()}" in cancelled.message
    assert _rows(db, "SELECT effective_to, status FROM enrollment.policy_terms WHERE policy_id = :p", p=issued.policy_id) == [(stop - DAY, "CANCELLED")]
    assert _rows(db, "SELECT effective_to, status FROM eligibility.member_coverage WHERE policy_id = :p", p=issued.policy_id) == [(stop - DAY, "ACTIVE")]
    refund = _rows(db, "SELECT c.payee, m.locator FROM billing.charges c JOIN policy_admin.parties m ON m.id = c.payee_party_id WHERE c.locator = :c",
                   c=cancelled.charges[0])
    assert refund == [("MEMBER", _m)]
    assert _one(db, "SELECT count(*) FROM enrollment.outbox WHERE topic = 'enrollment.policy.cancelled' AND key = :k", k=issued.locator) == 1
    # Its schedule says so, in the market's date format.
    pdf, _doc = documents.policy_pdf_for_policy(world["clerk"].sessions, issued.locator)
    printed = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert f"Cancelled: no cover from {stop:%m/%d/%Y}" in printed and f"{(stop - DAY):%m/%d/%Y}" in printed
    # A cancelled policy takes no more changes.
    with pytest.raises(ValidationError, match="is CANCELLED; only an issued or active policy can be changed"):
        policies.endorse_policy(world["clerk"].sessions, issued.locator, stop - 10 * DAY, {"smoker": "yes"})


def test_cancelling_from_inception_refunds_everything_and_a_renewed_term_goes_whole(world, monkeypatch):
    db = world["db"]
    issued, _m = _issued(world, world["today"] + 10 * DAY)
    monkeypatch.setattr(policies, "RENEWAL_OPENS_DAYS", 400)
    policies.renew_policy(world["clerk"].sessions, issued.locator)
    cancelled = policies.cancel_policy(world["clerk"].sessions, issued.locator, world["today"] + 10 * DAY, "never started")
    assert len(cancelled.transactions) == 2 and cancelled.premium_change == -2 * issued.premium_change
    assert _net_premium(db, issued.policy_id) == 0
    assert _rows(db, "SELECT DISTINCT status FROM eligibility.member_coverage WHERE policy_id = :p", p=issued.policy_id) == [("TERMINATED",)]


def test_care_after_cancellation_is_denied_by_the_engine_and_paid_care_blocks_backdating(world):
    db = world["db"]
    today = world["today"] - 20 * DAY  # backdated, so the care below is in the past
    issued, member = _issued(world, today)
    # A visit on day 5, paid.
    paid = _visit(world, member, today + 5 * DAY)
    batch.adjudicate_received(world["supervisor"], workers=1)
    assert _one(db, "SELECT status FROM claims.claims WHERE locator = :l", l=paid.locator) == "FINALIZED"
    before = _snapshot(db)
    with pytest.raises(ValidationError, match=f"approved or paid: {paid.locator}"):
        policies.cancel_policy(world["clerk"].sessions, issued.locator, today + 3 * DAY, "backdated")
    assert _snapshot(db) == before
    policies.cancel_policy(world["clerk"].sessions, issued.locator, today + 10 * DAY, "left the country")
    # A visit on day 12, after cover ended: the engine denies it as outside coverage.
    late = _visit(world, member, today + 12 * DAY)
    batch.adjudicate_received(world["supervisor"], workers=1)
    assert _rows(db, "SELECT c.status, l.reason_code FROM claims.claims c JOIN claims.claim_lines l ON l.claim_id = c.id WHERE c.locator = :l",
                 l=late.locator) == [("DENIED", "27")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    steps=st.lists(st.tuples(st.integers(1, 60), st.sampled_from(["smoker", "dependants"]), st.integers(0, 4)), max_size=4),
    stop_after=st.integers(0, 120),
)
def test_whatever_the_changes_the_member_pays_exactly_the_premium_earned(world, steps, stop_after):
    """Endorsements on any days, then a cancellation: net premium == the day-by-day earned premium rounded once."""
    start = world["today"]
    issued, _m = _issued(world)
    segments, day, answers = [(start, issued.premium_change)], start, {"smoker": "false", "dependants": "0"}
    base = money(issued.premium_change / 12)
    for gap, key, value in steps:
        day += gap * DAY
        new = "true" if (key == "smoker" and value % 2) else ("false" if key == "smoker" else str(value))
        if answers[key] == new:
            continue
        answers[key] = new
        policies.endorse_policy(world["clerk"].sessions, issued.locator, day, {key: new})
        segments.append((day, money(quotes.rate(base, answers) * 12)))
    end = policies.term_end(start)

    def by_day(until: dt.date) -> Decimal:
        """Independently: each day's share of the annual premium in force that day, unrounded."""
        total, d = Decimal(0), start
        while d < until:
            total += [p for s, p in segments if s <= d][-1] / ((end - start).days + 1)
            d += DAY
        return total

    # Before the cancellation, the charges cover the whole term at the rates in force, each change rounded once.
    assert abs(_net_premium(world["db"], issued.policy_id) - by_day(end + DAY)) <= Decimal("0.005") * (len(segments) - 1) + Decimal("1e-15")
    stop = day + stop_after * DAY
    policies.cancel_policy(world["clerk"].sessions, issued.locator, stop, "property test")
    assert _net_premium(world["db"], issued.policy_id) == money(by_day(stop))


# ---------------------------------------------------------------- the database decides


def test_premium_goes_through_the_database_once_and_only_as_premium(world):
    issued, _m = _issued(world)
    txn = _one(world["db"], "SELECT id FROM enrollment.policy_transactions WHERE locator = :l", l=issued.transactions[0])
    for category, amount, why in (("PREMIUM", "10.00", "already been charged"), ("CLAIM_PAYMENT", "10.00", "PREMIUM or REFUND, not CLAIM_PAYMENT"),
                                  ("REFUND", "0.001", "positive amount in cents")):
        with pytest.raises(Exception, match=why):
            with world["clerk"].engine.begin() as conn:
                conn.execute(text("SELECT billing.post_premium(:t, :c, :a)"), {"t": txn, "c": category, "a": Decimal(amount)})
    with pytest.raises(Exception) as refused:
        with world["adjudicator"].engine.begin() as conn:
            conn.execute(text("SELECT billing.post_premium(:t, 'REFUND', 1)"), {"t": txn})
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)


def test_an_adjudicator_cannot_issue_a_policy(world):
    quote = _quote(world, world["today"])
    member = _member(world)
    before = _snapshot(world["db"])
    with pytest.raises(PermissionDenied):
        policies.issue_policy(world["adjudicator"].sessions, quote.locator, member)
    assert _snapshot(world["db"]) == before


# ---------------------------------------------------------------- the command


def _cli(world, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLAIMDESK_DATABASE_URL": world["url"]}
    return subprocess.run([sys.executable, "-m", "claimdesk", "policy", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_policy_command_quotes_issues_endorses_and_cancels(world):
    start = world["today"]
    member = _member(world)
    quoted = _cli(world, "quote", "--account", world["account"], "--product", world["product"],
                  "--answer", f"start_date={start.isoformat()}", "--answer", "smoker=no", "--answer", "dependants=0")
    assert quoted.returncode == 0, quoted.stderr
    quote = quoted.stdout.split()[0]
    issued = _cli(world, "issue", quote, "--member", member)
    assert issued.returncode == 0, issued.stderr
    policy = issued.stdout.split()[0]
    assert _cli(world, "endorse", policy, "--effective", (start + 30 * DAY).isoformat(), "--answer", "smoker=yes").returncode == 0
    bad = _cli(world, "endorse", policy, "--effective", "2026-02-30", "--answer", "smoker=no")
    assert bad.returncode == 2 and "'2026-02-30' is not a date (YYYY-MM-DD)" in bad.stderr
    refused = _cli(world, "cancel", policy, "--effective", (start + 60 * DAY).isoformat(), "--reason", " ")
    assert refused.returncode == 2 and refused.stderr.strip() == "claimdesk: reason: say why the policy is cancelled"
    cancelled = _cli(world, "cancel", policy, "--effective", (start + 60 * DAY).isoformat(), "--reason", "moved")
    assert cancelled.returncode == 0 and "refunded" in cancelled.stdout
    shown = json.loads(_cli(world, "show", policy).stdout)
    assert shown["policy"]["status"] == "CANCELLED" and shown["policy"]["member"] == member
    assert [h["category"] for h in shown["history"]] == ["ISSUANCE", "ENDORSEMENT", "CANCELLATION"]
    assert [c["category"] for c in shown["charges"]] == ["PREMIUM", "PREMIUM", "REFUND"]


def _wait_for_a_lock_wait(db, timeout_s: float = 30.0) -> None:
    """Until another session of this database is waiting for a row lock."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _one(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"):
            return
        time.sleep(0.02)
    raise AssertionError("nobody waited for the lock")


def _in_thread(call):  # noqa: ANN001, ANN202
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = call()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_cancellation_waits_for_a_pricing_under_way_and_then_refuses_its_approval(world):
    db, start = world["db"], world["today"] - 20 * DAY
    issued, member = _issued(world, start)
    claim = _visit(world, member, start + 12 * DAY)
    with db.engine.connect() as pricing:
        # A pricing under way: the member's balances locked first, as pricing does; the claim comes out approved, not yet committed.
        tx = pricing.begin()
        pricing.execute(text("SELECT 1 FROM eligibility.coverage_accumulators a JOIN policy_admin.parties p ON p.id = a.party_id "
                             "WHERE p.locator = :m ORDER BY a.id FOR UPDATE"), {"m": member})
        pricing.execute(text("UPDATE claims.claims SET status = 'APPROVED' WHERE locator = :l"), {"l": claim.locator})
        thread, box = _in_thread(lambda: policies.cancel_policy(world["clerk"].sessions, issued.locator, start + 5 * DAY, "backdated"))
        _wait_for_a_lock_wait(db)  # the cancellation takes its turn after the pricing
        tx.commit()
    thread.join(60)
    assert isinstance(box.get("error"), ValidationError) and claim.locator in str(box["error"]), box
    assert _one(db, "SELECT status FROM enrollment.policies WHERE id = :p", p=issued.policy_id) == "ACTIVE"


def test_a_pricing_waits_for_a_cancellation_under_way_and_then_denies_the_care_after_it(world):
    db, start = world["db"], world["today"] - 20 * DAY
    issued, member = _issued(world, start)
    claim = _visit(world, member, start + 12 * DAY)
    claim_id = _one(db, "SELECT id FROM claims.claims WHERE locator = :l", l=claim.locator)
    with world["clerk"].engine.connect() as cancelling:
        # A cancellation under way, as the service makes it: the check (which locks the balances), then cover cut short.
        tx = cancelling.begin()
        assert cancelling.execute(text("SELECT * FROM enrollment.approved_claims_from(:p, :d)"),
                                  {"p": issued.policy_id, "d": start + 5 * DAY}).all() == []
        cancelling.execute(text("UPDATE eligibility.member_coverage SET effective_to = :last WHERE policy_id = :p"),
                           {"p": issued.policy_id, "last": start + 4 * DAY})
        thread, box = _in_thread(lambda: service.price(world["supervisor"].sessions, claim_id))
        _wait_for_a_lock_wait(db)  # the pricing takes its turn after the cancellation
        tx.commit()
    thread.join(60)
    assert "error" not in box, box
    assert _rows(db, "SELECT c.status, l.reason_code FROM claims.claims c JOIN claims.claim_lines l ON l.claim_id = c.id WHERE c.id = :c",
                 c=claim_id) == [("DENIED", "27")]
