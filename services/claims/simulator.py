"""The claim simulator: ``claimdesk scenario run FILE.json`` (format in shared/spec/adjudication.md).

A scenario is validated completely before anything is written; then one
transaction creates its own member, policy, provider and claim, runs the
same pricing the workstation's "Price" runs, and commits.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from ..errors import ValidationError
from ..locators import next_locator
from ..money import fmt, money, rate
from ..uow import UnitOfWork
from . import adjudication as adj
from .pricing import ACCUMULATOR_TYPES

_TOP_LEVEL = ("coverage", "accumulators", "provider", "fee_schedule", "prior_auths", "claim")


@dataclass(frozen=True)
class ScenarioLine:
    line_number: int
    coverage_term_key: str
    procedure_code: str
    amount_claimed: Decimal


@dataclass(frozen=True)
class Scenario:
    name: str
    coverage_status: str
    effective_from: dt.date
    effective_to: dt.date | None
    terms: dict[str, Any]
    accumulators: tuple[tuple[str, str, Decimal, Decimal], ...]
    network_status: str
    fee_schedule: dict[str, Decimal]
    prior_auths: tuple[tuple[str, str, dt.date | None, dt.date | None], ...]
    incident_date: dt.date
    lines: tuple[ScenarioLine, ...]

    @property
    def currency(self) -> str:
        return str(self.terms.get("currency", "USD"))


def load_scenario(path: Path) -> Scenario:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot be read ({exc.__class__.__name__}: {exc})", where=str(path)) from None
    try:
        data = json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", where=str(path)) from None
    return parse_scenario(data, source=str(path))


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    p = _Parser(source)
    obj = p.obj(data, "")
    for key in _TOP_LEVEL:
        if key not in obj:
            raise p.error(key, "is missing")
    cov = p.obj(obj["coverage"], "coverage")
    terms = p.obj(cov.get("terms"), "coverage.terms")
    _check_terms(p, terms)
    accs = []
    seen = set()
    for i, a in enumerate(p.list(obj["accumulators"], "accumulators")):
        where = f"accumulators[{i}]"
        a = p.obj(a, where)
        typ = p.text(a.get("type"), f"{where}.type")
        if typ not in ACCUMULATOR_TYPES:
            raise p.error(f"{where}.type", f"must be one of {', '.join(ACCUMULATOR_TYPES)}, not {typ!r}")
        key = p.text(a.get("key"), f"{where}.key")
        if (typ, key) in seen:
            raise p.error(where, f"repeats {typ}/{key}")
        seen.add((typ, key))
        limit = p.amount(a.get("limit"), f"{where}.limit")
        consumed = p.amount(a.get("consumed", "0"), f"{where}.consumed")
        accs.append((typ, key, limit, consumed))
    provider = p.obj(obj["provider"], "provider")
    network = p.text(provider.get("network_status"), "provider.network_status")
    if network not in ("IN_NETWORK", "OUT_OF_NETWORK"):
        raise p.error("provider.network_status", f"must be IN_NETWORK or OUT_OF_NETWORK, not {network!r}")
    fees = {
        p.text(code, "fee_schedule (code)"): p.amount(v, f"fee_schedule.{code}")
        for code, v in p.obj(obj["fee_schedule"], "fee_schedule").items()
    }
    auths = []
    for i, a in enumerate(p.list(obj["prior_auths"], "prior_auths")):
        where = f"prior_auths[{i}]"
        a = p.obj(a, where)
        auths.append(
            (
                p.text(a.get("procedure_code"), f"{where}.procedure_code"),
                p.text(a.get("status"), f"{where}.status"),
                p.date(a.get("valid_from"), f"{where}.valid_from", optional=True),
                p.date(a.get("valid_to"), f"{where}.valid_to", optional=True),
            )
        )
    claim = p.obj(obj["claim"], "claim")
    lines = []
    numbers = set()
    for i, ln in enumerate(p.list(claim.get("lines"), "claim.lines")):
        where = f"claim.lines[{i}]"
        ln = p.obj(ln, where)
        number = ln.get("line_number", i + 1)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise p.error(f"{where}.line_number", f"must be a whole number from 1, not {number!r}")
        if number in numbers:
            raise p.error(f"{where}.line_number", f"repeats line {number}")
        numbers.add(number)
        lines.append(
            ScenarioLine(
                number,
                p.text(ln.get("coverage_term_key"), f"{where}.coverage_term_key"),
                p.text(ln.get("procedure_code"), f"{where}.procedure_code"),
                p.amount(ln.get("amount_claimed"), f"{where}.amount_claimed"),
            )
        )
    if not lines:
        raise p.error("claim.lines", "must hold at least one line")
    effective_from = p.date(cov.get("effective_from"), "coverage.effective_from")
    effective_to = p.date(cov.get("effective_to"), "coverage.effective_to", optional=True)
    if effective_to is not None and effective_to < effective_from:
        raise p.error("coverage.effective_to", "is before effective_from")
    status = p.text(cov.get("status"), "coverage.status")
    if status not in ("ACTIVE", "SUSPENDED", "TERMINATED", "PENDING"):
        raise p.error("coverage.status", f"must be ACTIVE, SUSPENDED, TERMINATED or PENDING, not {status!r}")
    return Scenario(
        name=str(obj.get("name", "")),
        coverage_status=status,
        effective_from=effective_from,
        effective_to=effective_to,
        terms=json.loads(json.dumps(terms, default=str)),
        accumulators=tuple(accs),
        network_status=network,
        fee_schedule=fees,
        prior_auths=tuple(auths),
        incident_date=p.date(claim.get("incident_date"), "claim.incident_date"),
        lines=tuple(sorted(lines, key=lambda ln: ln.line_number)),
    )


def _check_terms(p: _Parser, terms: dict[str, Any]) -> None:
    benefits = p.obj(terms.get("benefits"), "coverage.terms.benefits")
    sections = [(f"coverage.terms.benefits.{k}", v) for k, v in benefits.items()]
    if "out_of_network" in terms:
        sections.append(("coverage.terms.out_of_network", terms["out_of_network"]))
    for where, section in sections:
        section = p.obj(section, where)
        for flag in ("covered", "deductible_applies", "requires_prior_auth"):
            if flag in section and not isinstance(section[flag], bool):
                raise p.error(f"{where}.{flag}", f"must be true or false, not {section[flag]!r}")
        if "copay" in section:
            p.amount(section["copay"], f"{where}.copay")
        if "coinsurance" in section:
            try:
                rate(_no_float(section["coinsurance"]))
            except (ValueError, TypeError):
                raise p.error(f"{where}.coinsurance", f"must be a rate from 0 to 1, not {section['coinsurance']!r}") from None


def _no_float(v: Any) -> Any:
    return str(v) if isinstance(v, (Decimal, int)) and not isinstance(v, bool) else v


class _Parser:
    def __init__(self, source: str):
        self.source = source

    def error(self, where: str, message: str) -> ValidationError:
        return ValidationError(message, where=f"{self.source}: {where}" if where else self.source)

    def obj(self, v: Any, where: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.error(where, f"must be an object, not {type(v).__name__}")
        return v

    def list(self, v: Any, where: str) -> list[Any]:
        if not isinstance(v, list):
            raise self.error(where, f"must be a list, not {type(v).__name__}")
        return v

    def text(self, v: Any, where: str) -> str:
        if not isinstance(v, str) or not v.strip() or len(v) > 60:
            raise self.error(where, f"must be a non-empty text of at most 60 characters, not {v!r}")
        return v.strip()

    def amount(self, v: Any, where: str) -> Decimal:
        if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
            raise self.error(where, f"must be an amount, not {v!r}")
        try:
            amount = money(v)
        except (ValueError, TypeError):
            raise self.error(where, f"must be an amount, not {v!r}") from None
        if amount < 0:
            raise self.error(where, f"must not be negative ({v})")
        if amount >= Decimal("1e13"):
            raise self.error(where, f"is too large ({v})")
        return amount

    def date(self, v: Any, where: str, *, optional: bool = False) -> dt.date | None:
        if v is None and optional:
            return None
        try:
            return dt.date.fromisoformat(v) if isinstance(v, str) else _raise()
        except (ValueError, TypeError):
            raise self.error(where, f"must be a date YYYY-MM-DD, not {v!r}") from None


def _raise() -> dt.date:
    raise ValueError


# --------------------------------------------------------------------------- loading into the database


@dataclass(frozen=True)
class Created:
    claim_id: uuid.UUID
    claim_locator: str
    party_id: uuid.UUID
    term_id: uuid.UUID
    policy_id: uuid.UUID
    provider_id: uuid.UUID


def create_scenario_rows(conn: Connection, sc: Scenario, *, member_name: tuple[str, str] = ("Simulated", "Member")) -> Created:
    """New rows of its own for one scenario: member, account, product, policy, term, coverage, provider, claim."""
    q = lambda sql, **kw: conn.execute(text(sql), kw)  # noqa: E731
    party_loc = next_locator(conn, "member")
    party_id = q(
        "INSERT INTO policy_admin.parties (locator, type, first_name, last_name, date_of_birth) "
        "VALUES (:l, 'INDIVIDUAL', :f, :n, '1980-05-17') RETURNING id",
        l=party_loc, f=member_name[0], n=member_name[1],
    ).scalar_one()
    acc_loc = next_locator(conn, "account")
    account_id = q(
        "INSERT INTO policy_admin.accounts (locator, name, currency, display_number) VALUES (:l, :n, :c, :l) RETURNING id",
        l=acc_loc, n=f"{member_name[0]} {member_name[1]}", c=sc.currency,
    ).scalar_one()
    product_code = f"SIM-{party_loc}"
    product_id = q(
        "INSERT INTO policy_admin.products (locator, code, name, lob) VALUES (:l, :c, :n, 'HEALTH') RETURNING id",
        l=next_locator(conn, "product"), c=product_code, n=f"Simulator plan {sc.name}"[:200],
    ).scalar_one()
    pv_id = q(
        "INSERT INTO policy_admin.product_versions (product_id, version, effective_from, document) "
        "VALUES (:p, 1, :f, CAST(:d AS jsonb)) RETURNING id",
        p=product_id, f=sc.effective_from, d=json.dumps({"coverage_terms": sc.terms}),
    ).scalar_one()
    policy_loc = next_locator(conn, "policy")
    policy_id = q(
        "INSERT INTO enrollment.policies (locator, account_id, product_version_id, policyholder_party_id, status, "
        "inception_date, jurisdiction, document) VALUES (:l, :a, :pv, :party, 'ACTIVE', :d, 'US', '{}'::jsonb) RETURNING id",
        l=policy_loc, a=account_id, pv=pv_id, party=party_id, d=sc.effective_from,
    ).scalar_one()
    term_id = q(
        "INSERT INTO enrollment.policy_terms (locator, policy_id, term_number, effective_from, effective_to, status) "
        "VALUES (:l, :p, 1, :f, :t, 'ACTIVE') RETURNING id",
        l=next_locator(conn, "term"), p=policy_id, f=sc.effective_from, t=sc.effective_to,
    ).scalar_one()
    element_static = uuid.uuid4()
    element_id = q(
        "INSERT INTO enrollment.policy_elements (static_id, policy_id, term_id, element_type, document) "
        "VALUES (:s, :p, :t, 'MEDICAL', CAST(:d AS jsonb)) RETURNING id",
        s=element_static, p=policy_id, t=term_id, d=json.dumps({"coverage_terms": sc.terms}),
    ).scalar_one()
    q(
        "INSERT INTO eligibility.member_coverage (party_id, policy_id, policy_element_id, element_static_id, term_id, "
        "product_code, element_type, coverage_terms, status, effective_from, effective_to) VALUES "
        "(:party, :p, :e, :s, :t, :code, 'MEDICAL', CAST(:terms AS jsonb), :status, :f, :to)",
        party=party_id, p=policy_id, e=element_id, s=element_static, t=term_id, code=product_code,
        terms=json.dumps(sc.terms), status=sc.coverage_status, f=sc.effective_from, to=sc.effective_to,
    )
    for typ, key, limit, consumed in sc.accumulators:
        q(
            "INSERT INTO eligibility.coverage_accumulators (party_id, term_id, accumulator_type, coverage_term_key, "
            "limit_amount, consumed_amount, currency) VALUES (:party, :t, :typ, :key, :limit, :consumed, :cur)",
            party=party_id, t=term_id, typ=typ, key=key, limit=limit, consumed=consumed, cur=sc.currency,
        )
    provider_id = q(
        "INSERT INTO provider.providers (locator, name, specialty, network_status, activated_at) "
        "VALUES (:l, :n, 'General practice', :ns, now()) RETURNING id",
        l=next_locator(conn, "provider"), n=f"Simulated provider {party_loc}", ns=sc.network_status,
    ).scalar_one()
    if sc.fee_schedule:
        # Scenario prices belong to the scenario's own provider, so runs never change each other's prices.
        conn.execute(
            text(
                "INSERT INTO provider.fee_schedule (procedure_code, allowed_amount, currency, effective_from, provider_id) "
                "VALUES (:code, :amount, :cur, '1900-01-01', :prov)"
            ),
            [{"code": c, "amount": a, "cur": sc.currency, "prov": provider_id} for c, a in sc.fee_schedule.items()],
        )
    for code, status, vf, vt in sc.prior_auths:
        q(
            "INSERT INTO claims.prior_auths (locator, provider_id, policy_id, member_party_id, status, procedure_code, document) "
            "VALUES (:l, :prov, :p, :party, :s, :c, CAST(:d AS jsonb))",
            l=next_locator(conn, "prior_auth"), prov=provider_id, p=policy_id, party=party_id, s=status, c=code,
            d=json.dumps({"valid_from": vf.isoformat() if vf else None, "valid_to": vt.isoformat() if vt else None}),
        )
    claim_loc = next_locator(conn, "claim")
    claim_id = q(
        "INSERT INTO claims.claims (locator, policy_id, term_id, claimant_party_id, provider_id, incident_date, currency, "
        "amount_claimed) VALUES (:l, :p, :t, :party, :prov, :d, :cur, :amt) RETURNING id",
        l=claim_loc, p=policy_id, t=term_id, party=party_id, prov=provider_id, d=sc.incident_date, cur=sc.currency,
        amt=sum((ln.amount_claimed for ln in sc.lines), Decimal("0")),
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO claims.claim_lines (claim_id, line_number, element_id, coverage_term_key, procedure_code, "
            "service_date, amount_claimed) VALUES (:c, :n, :e, :k, :code, :d, :amt)"
        ),
        [
            {"c": claim_id, "n": ln.line_number, "e": element_id, "k": ln.coverage_term_key, "code": ln.procedure_code,
             "d": sc.incident_date, "amt": ln.amount_claimed}
            for ln in sc.lines
        ],
    )
    adj.write_events(conn, [{
        "claim_id": claim_id, "locator": claim_loc, "event_type": "RECEIVED", "from_status": None,
        "to_status": "RECEIVED", "note": f"simulator: {sc.name}"[:2000], "detail": "{}",
    }])
    return Created(claim_id, claim_loc, party_id, term_id, policy_id, provider_id)


def run_scenario(sessions, scenario: Scenario) -> dict[str, Any]:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        created = create_scenario_rows(conn, scenario)
        claims = adj.lock_claims(conn, [created.claim_id])
        (outcome,) = adj.price_locked(conn, claims, event_type="SIMULATED")
        balances = conn.execute(
            text(
                "SELECT accumulator_type, coverage_term_key, limit_amount, consumed_amount FROM eligibility.coverage_accumulators "
                "WHERE party_id = :p AND term_id = :t"
            ),
            {"p": created.party_id, "t": created.term_id},
        ).all()
        uow.commit()
    order = {(t, k): i for i, (t, k, _, _) in enumerate(scenario.accumulators)}
    pricing = outcome.pricing
    assert pricing is not None
    return {
        "claim_locator": created.claim_locator,
        "status": outcome.status,
        "lines": [
            {
                "line_number": ln.line_number,
                "status": ln.status,
                "amount_claimed": fmt(ln.amount_claimed),
                "amount_allowed": fmt(ln.amount_allowed),
                "deductible": fmt(ln.deductible),
                "copay": fmt(ln.copay),
                "coinsurance": fmt(ln.coinsurance),
                "amount_paid": fmt(ln.amount_paid),
                "member_responsibility": fmt(ln.member_responsibility),
                "reason_codes": list(ln.reason_codes),
            }
            for ln in pricing.lines
        ],
        "accumulators": [
            {"type": t, "key": k, "limit": fmt(limit), "consumed": fmt(consumed)}
            for t, k, limit, consumed in sorted(balances, key=lambda r: order.get((r[0], r[1]), 99))
        ],
    }
