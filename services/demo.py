"""Deterministic demo data: same seed, same rows. Bulk tables are loaded with COPY.

Every claim is written RECEIVED; a slice of them is then worked through the
real services (auto-adjudication, pricing, pend, reopen, void), so every
status appears with true amounts, events and balances — nothing is faked.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from .errors import ValidationError
from .locators import format_locator

Progress = Callable[..., None]

FIRST = ("Olivia Liam Emma Noah Amelia Oliver Ava Elijah Sophia James Isabella William Mia Benjamin Charlotte Lucas "
         "Harper Henry Evelyn Theodore Aisha Mateo Priya Arjun Mei Hiroshi Fatima Omar Chloe Daniel Grace Samuel "
         "Zoe Leo Nora Ethan Lily Jacob Hannah Ryan Sofia Adam Maya Isaac Leah Caleb Ruby Aaron Clara Felix").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
        "Rivera Campbell Mitchell Carter Roberts Patel Khan Okafor Novak Kowalski Schmidt Rossi Dubois").split()
STREETS = "Oak Maple Cedar Pine Elm Birch Willow Lake Hill Park River Church Mill High Station".split()
US_CITIES = (("Springfield", "IL", "62704"), ("Madison", "WI", "53703"), ("Columbus", "OH", "43215"),
             ("Richmond", "VA", "23219"), ("Boise", "ID", "83702"), ("Albany", "NY", "12207"))
UK_CITIES = (("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("York", "YO1 7HH"), ("Norwich", "NR2 1RQ"))
SPECIALTIES = ("Family medicine", "Internal medicine", "Radiology", "Orthopaedics", "Physiotherapy", "Dermatology", "Cardiology")

# procedure code -> (benefit key, description, fee schedule price, typical charge range)
PROCEDURES: dict[str, tuple[str, str, str, tuple[int, int]]] = {
    "99213": ("office_visit", "Office visit, established patient", "120.00", (140, 200)),
    "99214": ("office_visit", "Office visit, moderate complexity", "165.00", (180, 260)),
    "99244": ("specialist", "Specialist consultation", "250.00", (280, 420)),
    "80053": ("lab", "Comprehensive metabolic panel", "45.00", (50, 95)),
    "70553": ("imaging", "MRI brain with and without contrast", "900.00", (1000, 1600)),
    "73721": ("imaging", "MRI lower extremity joint", "600.00", (700, 1100)),
    "97110": ("physiotherapy", "Therapeutic exercise", "80.00", (85, 130)),
    "29881": ("surgery", "Knee arthroscopy with meniscectomy", "4500.00", (5000, 7500)),
    "27447": ("surgery", "Total knee arthroplasty", "15000.00", (17000, 26000)),
    "15780": ("cosmetic", "Dermabrasion", "3000.00", (3000, 4200)),
}
# How often each code appears on a line (surgery is rare, office visits common).
CODE_WEIGHTS = {"99213": 30, "99214": 14, "99244": 10, "80053": 14, "70553": 4, "73721": 4, "97110": 16, "29881": 2, "27447": 1, "15780": 2}


def _plan(copay_office: str, copay_spec: str, coins: str, oon: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "currency": currency,
        "benefits": {
            "office_visit": {"covered": True, "copay": copay_office, "coinsurance": "0", "deductible_applies": False},
            "specialist": {"covered": True, "copay": copay_spec, "coinsurance": "0", "deductible_applies": False},
            "lab": {"covered": True, "copay": "0", "coinsurance": coins, "deductible_applies": True},
            "imaging": {"covered": True, "copay": "0", "coinsurance": coins, "deductible_applies": True, "requires_prior_auth": True},
            "physiotherapy": {"covered": True, "coinsurance": coins, "deductible_applies": True},
            "surgery": {"covered": True, "coinsurance": "0.10", "deductible_applies": True, "requires_prior_auth": False},
            "cosmetic": {"covered": False},
        },
    }
    if oon is not None:
        terms["out_of_network"] = oon
    return terms


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    market: str
    currency: str
    terms: dict[str, Any]
    deductible: str
    out_of_pocket: str
    premium: str

    @property
    def balances(self) -> list[dict[str, str]]:
        """The balances each member's term starts with: the product version's ``accumulators``."""
        return [
            {"type": "DEDUCTIBLE", "key": "plan", "limit": self.deductible},
            {"type": "OUT_OF_POCKET", "key": "plan", "limit": self.out_of_pocket},
            {"type": "BENEFIT_LIMIT", "key": "physiotherapy", "limit": "1500.00"},
            {"type": "VISIT_LIMIT", "key": "physiotherapy", "limit": "20.00"},
        ]


PRODUCTS = (
    Product("HP-SILVER-PPO", "Harbor Point Silver PPO", "US", "USD",
            _plan("25.00", "50.00", "0.20", {"covered": True, "copay": "0", "coinsurance": "0.40", "deductible_applies": True}, "USD"),
            "500.00", "2000.00", "412.00"),
    Product("HP-GOLD-PPO", "Harbor Point Gold PPO", "US", "USD",
            _plan("15.00", "35.00", "0.10", {"covered": True, "copay": "0", "coinsurance": "0.30", "deductible_applies": True}, "USD"),
            "250.00", "1500.00", "538.00"),
    Product("HP-BRONZE-HMO", "Harbor Point Bronze HMO", "US", "USD", _plan("40.00", "80.00", "0.30", None, "USD"), "2500.00", "6000.00", "289.00"),
    Product("TB-HEALTH-PLUS", "Thamesbridge Health Plus", "UK", "GBP",
            _plan("10.00", "20.00", "0.10", {"covered": True, "copay": "0", "coinsurance": "0.25", "deductible_applies": True}, "GBP"),
            "100.00", "1000.00", "96.00"),
)
PRODUCT_WEIGHTS = (45, 25, 20, 10)
# The questions a quote asks, per product version (policy_admin.field_definitions).
QUOTE_FIELDS = (
    ("start_date", "DATE", True, {}),
    ("smoker", "BOOLEAN", True, {}),
    ("dependants", "INTEGER", True, {"min": 0, "max": 10}),
    ("region", "CHOICE", False, {"choices": ["NORTH", "SOUTH", "EAST", "WEST"]}),
    ("occupation", "TEXT", False, {"max_length": 80}),
)
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)


class _Copy:
    """Text-format COPY buffer for one table."""

    def __init__(self, table: str, columns: tuple[str, ...]):
        self.table = table
        self.columns = columns
        self.buf = io.StringIO()
        self.rows = 0

    def add(self, *values: Any) -> None:
        self.buf.write("\t".join("\\N" if v is None else str(v) for v in values))
        self.buf.write("\n")
        self.rows += 1

    def row(self, line: str) -> None:
        """A pre-formatted row (tab-separated, newline-terminated) for the hot loops."""
        self.buf.write(line)
        self.rows += 1

    def flush(self, cur) -> int:  # noqa: ANN001
        if not self.rows:
            return 0
        with cur.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as cp:
            cp.write(self.buf.getvalue())
        n, self.rows = self.rows, 0
        self.buf = io.StringIO()
        return n


def seed(engine: Engine, *, members: int = 200, claims: int = 2000, seed: int = 7, work: int | None = None,
         lines_per_claim: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Load demo data; returns row counts. Refuses a second load of the same seed.

    ``work`` claims (default 400) are then worked through the services; 0 leaves
    every claim RECEIVED. ``lines_per_claim`` fixes the line count (benchmarks).
    """
    if lines_per_claim is not None and not 1 <= lines_per_claim <= 50:
        raise ValidationError("must be from 1 to 50", where="lines per claim")
    if members < 1:
        raise ValidationError("must be at least 1", where="--members")
    if claims < 0:
        raise ValidationError("must not be negative", where="--claims")
    rng = random.Random(seed)
    started = time.perf_counter()
    tag = f"DEMO{seed}"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT 1 FROM policy_admin.products WHERE code = %s", (f"{PRODUCTS[0].code}-{tag}",))
        if cur.fetchone():
            raise ValidationError(f"demo data for seed {seed} is already loaded; use another --seed", where="demo seed")
        # Bulk load without per-row foreign-key triggers where the role may do so
        # (the generator writes consistent keys by construction).
        cur.execute("SAVEPOINT repl")
        try:
            cur.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: keep the checks, just slower
            cur.execute("ROLLBACK TO SAVEPOINT repl")
        counts = _generate(cur, rng, tag, members, claims, progress, lines_per_claim)
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE claims.claims; ANALYZE claims.claim_lines; ANALYZE policy_admin.parties"))
    load_seconds = time.perf_counter() - started
    worked = _work_some(engine, rng, min(claims, work if work is not None else 400), tag, progress)
    counts.update(worked)
    counts["load_seconds"] = round(load_seconds, 2)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID as text: formatting uuid.UUID objects was a third of the load time."""
    h = f"{rng.getrandbits(128) & _UUID_CLEAR | _UUID_V4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_V4 = (0x4000 << 64) | (0x8000 << 48)


def _locators(cur, kind: str, n: int) -> list[str]:  # noqa: ANN001
    cur.execute("SELECT nextval('public.claimdesk_locator_seq') FROM generate_series(1, %s)", (n,))
    return [format_locator(kind, r[0]) for r in cur.fetchall()]


def _generate(cur, rng: random.Random, tag: str, n_members: int, n_claims: int, progress: Progress | None, lines_per_claim: int | None = None) -> dict[str, Any]:  # noqa: ANN001, PLR0915
    counts: dict[str, Any] = {}
    # ---- products
    product_rows = []
    for p in PRODUCTS:
        pid, pvid = _uuid(rng), _uuid(rng)
        cur.execute(
            "INSERT INTO policy_admin.products (id, locator, code, name, lob, status) VALUES (%s, %s, %s, %s, 'HEALTH', 'ACTIVE')",
            (pid, _locators(cur, "product", 1)[0], f"{p.code}-{tag}", p.name),
        )
        cur.execute(
            "INSERT INTO policy_admin.product_versions (id, product_id, version, effective_from, document) VALUES (%s, %s, 1, %s, %s)",
            (pvid, pid, YEAR_START, json.dumps({"coverage_terms": p.terms, "accumulators": p.balances,
                                          "premium": {"amount": p.premium, "frequency": "MONTHLY", "currency": p.currency}})),
        )
        for key, ftype, required, options in QUOTE_FIELDS:
            cur.execute(
                "INSERT INTO policy_admin.field_definitions (product_version_id, field_key, field_type, required, options) VALUES (%s, %s, %s, %s, %s)",
                (pvid, key, ftype, required, json.dumps(options)),
            )
        product_rows.append((p, pvid))
    employer = _uuid(rng)
    employer_loc = _locators(cur, "party", 1)[0]
    cur.execute(
        "INSERT INTO policy_admin.parties (id, locator, type, name, email) VALUES (%s, %s, 'ORGANISATION', 'Acme Fabrication Ltd', 'hr@acme.example')",
        (employer, employer_loc),
    )
    cur.execute(
        "INSERT INTO group_scheme.schemes (id, locator, code, name, employer_party_locator, status) VALUES (%s, %s, %s, %s, %s, 'ACTIVE')",
        (_uuid(rng), _locators(cur, "product", 1)[0], f"ACME-{tag}", "Acme Fabrication staff health scheme", employer_loc),
    )
    # ---- providers (one in five out of network), fee schedule
    n_providers = max(5, min(400, n_members // 20))
    providers = []
    prov_copy = _Copy("provider.providers", ("id", "locator", "npi", "name", "specialty", "network_status", "address", "phone", "activated_at"))
    prov_locs = _locators(cur, "provider", n_providers)
    # NPIs are unique across the whole table: a second demo load (another seed) continues after the first.
    cur.execute("SELECT coalesce(max(npi::bigint) + 1, 1000000000) FROM provider.providers WHERE npi ~ '^[0-9]{10}$'")
    first_npi = cur.fetchone()[0]
    for i in range(n_providers):
        pid = _uuid(rng)
        city, state, zipc = rng.choice(US_CITIES)
        last = rng.choice(LAST)
        name = rng.choice((f"{last} Family Medicine", f"{city} Imaging Center", f"{last} Orthopaedic Group", f"{last} Physical Therapy", f"{city} Medical Associates"))
        network = "OUT_OF_NETWORK" if i % 5 == 4 else "IN_NETWORK"
        providers.append((pid, network))
        prov_copy.add(pid, prov_locs[i], f"{first_npi + i:010d}", name, rng.choice(SPECIALTIES), network,
                      json.dumps({"line1": f"{rng.randint(10, 999)} {rng.choice(STREETS)} Street", "city": city, "region": state, "postcode": zipc}),
                      f"555-01{i % 100:02d}", "2024-01-15 09:00:00+00")
    fee_copy = _Copy("provider.fee_schedule", ("id", "procedure_code", "description", "allowed_amount", "currency", "effective_from", "provider_id"))
    for code, (_benefit, desc, price, _range) in PROCEDURES.items():
        for currency in ("USD", "GBP"):
            fee_copy.add(_uuid(rng), code, desc, price if currency == "USD" else str((Decimal(price) * Decimal("0.8")).quantize(Decimal("0.01"))), currency, "2025-01-01", None)
    # ---- members: party, account, policy, term, element, coverage, accumulators
    party_copy = _Copy("policy_admin.parties", ("id", "locator", "type", "first_name", "last_name", "email", "phone", "address", "date_of_birth"))
    acct_copy = _Copy("policy_admin.accounts", ("id", "locator", "name", "billing_level", "currency", "display_number", "market_code"))
    pol_copy = _Copy("enrollment.policies", ("id", "locator", "account_id", "product_version_id", "policyholder_party_id", "status", "inception_date", "jurisdiction", "region", "market_code", "document"))
    term_copy = _Copy("enrollment.policy_terms", ("id", "locator", "policy_id", "term_number", "effective_from", "effective_to", "status"))
    elem_copy = _Copy("enrollment.policy_elements", ("id", "static_id", "policy_id", "term_id", "element_type", "document"))
    cov_copy = _Copy("eligibility.member_coverage", ("id", "party_id", "policy_id", "policy_element_id", "element_static_id", "term_id", "product_code", "element_type", "coverage_terms", "status", "effective_from", "effective_to"))
    acc_copy = _Copy("eligibility.coverage_accumulators", ("id", "party_id", "term_id", "accumulator_type", "coverage_term_key", "limit_amount", "consumed_amount", "currency"))
    auth_copy = _Copy("claims.prior_auths", ("id", "locator", "provider_id", "policy_id", "member_party_id", "status", "procedure_code", "document"))
    member_locs = _locators(cur, "member", n_members)
    acct_locs = _locators(cur, "account", n_members)
    pol_locs = _locators(cur, "policy", n_members)
    term_locs = _locators(cur, "term", n_members)
    auth_locs = _locators(cur, "prior_auth", n_members)
    # Each policy's history starts with its issue and the year's premium charged (a balanced ledger pair), as
    # ClaimDesk's own issue writes them; ids derive from the policy's, so the random stream is unchanged.
    txn_copy = _Copy("enrollment.policy_transactions", ("id", "locator", "policy_id", "term_id", "category", "status", "effective_date", "document"))
    charge_copy = _Copy("billing.charges", ("id", "locator", "policy_id", "term_id", "account_id", "category", "payee", "amount", "currency", "status", "charge_date"))
    ledger_copy = _Copy("billing.ledger_entries", ("locator", "account_id", "policy_id", "entry_type", "ledger_account", "reference_id", "reference_type", "direction", "amount", "currency"))
    txn_locs = _locators(cur, "transaction", n_members)
    charge_locs = _locators(cur, "charge", n_members)
    ledger_locs = _locators(cur, "ledger", 2 * n_members)
    members = []
    for i in range(n_members):
        product, pvid = rng.choices(product_rows, weights=PRODUCT_WEIGHTS)[0]
        party, account, policy, term, element, static = (_uuid(rng) for _ in range(6))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if product.market == "UK":
            city, postcode = rng.choice(UK_CITIES)
            address = {"line1": f"{rng.randint(1, 220)} {rng.choice(STREETS)} Road", "city": city, "postcode": postcode, "country": "GB"}
        else:
            city, state, zipc = rng.choice(US_CITIES)
            address = {"line1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)} Avenue", "city": city, "region": state, "postcode": zipc, "country": "US"}
        dob = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 55))
        party_copy.add(party, member_locs[i], "INDIVIDUAL", first, last, f"{first}.{last}{i}@example.com".lower(), f"555-{rng.randint(1000, 9999)}", json.dumps(address), dob)
        acct_copy.add(account, acct_locs[i], f"{first} {last}", "POLICY", product.currency, acct_locs[i], product.market)
        pol_copy.add(policy, pol_locs[i], account, pvid, party, "ACTIVE", YEAR_START, product.market, address.get("region") or address["city"], product.market,
                     json.dumps({"premium": {"amount": product.premium, "frequency": "MONTHLY", "currency": product.currency},
                                 "annual_premium": f"{Decimal(product.premium) * 12:.2f}", "product_code": product.code,
                                 "answers": {"start_date": YEAR_START.isoformat(), "smoker": "false", "dependants": "0"}}))
        # One member in twenty left the plan at the end of June (claims after that deny with CARC 27).
        ends = dt.date(2026, 6, 30) if i % 20 == 19 else YEAR_END
        term_copy.add(term, term_locs[i], policy, 1, YEAR_START, YEAR_END, "ACTIVE")
        elem_copy.add(element, static, policy, term, "MEDICAL", json.dumps({"name": "Medical", "coverage_terms": product.terms}))
        cov_copy.add(_uuid(rng), party, policy, element, static, term, product.code, "MEDICAL", json.dumps(product.terms), "ACTIVE", YEAR_START, ends)
        for balance in product.balances:
            acc_copy.add(_uuid(rng), party, term, balance["type"], balance["key"], balance["limit"], "0.00", product.currency)
        provider, _network = providers[rng.randrange(n_providers)]
        if rng.random() < 0.6:
            code = rng.choice(("70553", "73721"))
            auth_copy.add(_uuid(rng), auth_locs[i], provider, policy, party, "APPROVED", code,
                          json.dumps({"valid_from": "2026-01-01", "valid_to": "2026-12-31"}))
        yearly = f"{Decimal(product.premium) * 12:.2f}"
        charge = uuid.uuid5(uuid.UUID(policy), "premium-charge-1")
        txn_copy.add(uuid.uuid5(uuid.UUID(policy), "issuance"), txn_locs[i], policy, term, "ISSUANCE", "APPLIED", YEAR_START,
                     json.dumps({"annual_premium": yearly, "monthly_premium": product.premium, "premium_change": yearly,
                                 "currency": product.currency, "charge": charge_locs[i]}))
        charge_copy.add(charge, charge_locs[i], policy, term, account, "PREMIUM", "PAYER", yearly, product.currency, "PAID", YEAR_START)
        for side, (direction, ledger_account) in enumerate((("DEBIT", "PREMIUM_RECEIVABLE"), ("CREDIT", "PREMIUM_INCOME"))):
            ledger_copy.add(ledger_locs[2 * i + side], account, policy, "PREMIUM", ledger_account, charge, "CHARGE", direction, yearly, product.currency)
        members.append((party, policy, term, product, element, ends))
    total = 0
    for c in (party_copy, acct_copy, prov_copy, fee_copy, pol_copy, term_copy, elem_copy, cov_copy, acc_copy, auth_copy,
              txn_copy, charge_copy, ledger_copy):
        table = c.table
        counts[table] = c.rows
        total += c.flush(cur)
    if progress:
        progress(total, None, "reference rows")
    # ---- claims and lines, streamed in chunks
    codes = list(CODE_WEIGHTS)
    cum_weights = list(itertools.accumulate(CODE_WEIGHTS.values()))
    line_counts, line_cum = (1, 2, 3, 4, 5), list(itertools.accumulate((15, 20, 30, 20, 15)))
    claim_copy = _Copy("claims.claims", ("id", "locator", "policy_id", "term_id", "claimant_party_id", "provider_id", "status", "incident_date",
                                         "received_at", "claim_type", "payee", "currency", "amount_claimed", "document"))
    line_copy = _Copy("claims.claim_lines", ("id", "claim_id", "line_number", "element_id", "coverage_term_key", "procedure_code", "service_date", "amount_claimed"))
    n_lines = 0
    chunk = 50_000
    days = (dt.date(2026, 11, 14) - YEAR_START).days
    for start in range(0, n_claims, chunk):
        size = min(chunk, n_claims - start)
        locs = _locators(cur, "claim", size)
        for j in range(size):
            party, policy, term, product, element, _ends = members[rng.randrange(n_members)]
            provider, network = providers[rng.randrange(n_providers)]
            incident = YEAR_START + dt.timedelta(days=rng.randrange(days))
            received = dt.datetime.combine(incident + dt.timedelta(days=rng.randint(1, 6)), dt.time(rng.randint(7, 18), rng.randrange(60)), dt.UTC)
            claim_id = _uuid(rng)
            amount = Decimal("0.00")
            n = lines_per_claim or rng.choices(line_counts, cum_weights=line_cum)[0]
            for line_no in range(1, n + 1):
                code = rng.choices(codes, cum_weights=cum_weights)[0]
                benefit, _desc, _price, (lo, hi) = PROCEDURES[code]
                charge = Decimal(rng.randint(lo * 100, hi * 100)) / 100
                if product.currency == "GBP":
                    charge = (charge * Decimal("0.8")).quantize(Decimal("0.01"))
                amount += charge
                line_copy.row(f"{_uuid(rng)}\t{claim_id}\t{line_no}\t{element}\t{benefit}\t{code}\t{incident}\t{charge}\n")
            n_lines += n
            payee = "MEMBER" if network == "OUT_OF_NETWORK" else "PROVIDER"
            claim_copy.add(claim_id, locs[j], policy, term, party, provider, "RECEIVED", incident, received.isoformat(), "PROFESSIONAL",
                           payee, product.currency, amount, "{}")
        claim_copy.flush(cur)
        line_copy.flush(cur)
        if progress:
            progress(start + size, n_claims, "claims")
    counts["claims.claims"] = n_claims
    counts["claims.claim_lines"] = n_lines
    return counts


def _work_some(engine: Engine, rng: random.Random, n: int, tag: str, progress: Progress | None) -> dict[str, int]:
    """Work a slice of the new claims through the real services so every status appears."""
    if n <= 0:
        return {}
    from .claims import service

    sessions = sessionmaker(engine, expire_on_commit=False)
    with engine.connect() as conn:
        ids = conn.execute(
            text(
                "SELECT c.id FROM claims.claims c JOIN enrollment.policies pol ON pol.id = c.policy_id "
                "JOIN policy_admin.product_versions pv ON pv.id = pol.product_version_id "
                "JOIN policy_admin.products p ON p.id = pv.product_id "
                "WHERE p.code LIKE :t AND c.status = 'RECEIVED' ORDER BY c.received_at, c.id LIMIT :n"
            ),
            {"t": f"%-{tag}", "n": n},
        ).scalars().all()
    if not ids:
        return {}
    # The oldest 60%: the batch's auto-adjudication (finalised, denied, pended).
    cut = int(len(ids) * 0.6)
    result = service.BatchResult()
    for i in range(0, cut, 200):
        result += service.auto_adjudicate(sessions, ids[i : min(i + 200, cut)])
    rest = ids[cut:]
    worked = {"auto_finalized": result.finalized, "auto_denied": result.denied, "auto_pended": result.pended}
    # Then a few decisions by people: priced-but-not-finalised, pended, reopened, voided.
    with engine.connect() as conn:
        finalized = conn.execute(text("SELECT id FROM claims.claims WHERE id = ANY(:ids) AND status = 'FINALIZED' ORDER BY id"), {"ids": ids[:cut]}).scalars().all()
    for claim_id in rest[: len(rest) // 2]:
        service.price(sessions, claim_id)
    for claim_id in rest[len(rest) // 2 : len(rest) // 2 + 10]:
        service.pend(sessions, claim_id, None, "MANUAL_REVIEW", "Provider sent operative notes; clinical review requested.")
    for claim_id in finalized[:5]:
        service.reopen(sessions, claim_id, None, "Provider submitted a corrected charge; reprocessing.")
    for claim_id in finalized[5:8]:
        service.void(sessions, claim_id, None, "Claim submitted in error by the provider.")
    if progress:
        progress(len(ids), len(ids), "worked")
    return worked
