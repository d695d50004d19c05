"""EOBs and policy schedules from PostgreSQL: what the page says equals what the adjudication says."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from pypdf import PdfReader
from sqlalchemy import text

from claimdesk.db import connect
from claimdesk.services.claims import service as claims_service
from claimdesk.services.claims import simulator
from claimdesk.services.documents import service as documents
from claimdesk.services.documents.model import mask_id
from claimdesk.services.documents.reason_codes import describe
from claimdesk.services.documents.templates import DEFAULT_TEMPLATES, MarketTemplate
from claimdesk.services.errors import NotFound, ValidationError
from claimdesk.services.money import fmt_grouped
from claimdesk.settings import Settings
from tests.conftest import SCENARIOS
from tests.factories import make_scenario, scenario_data

US_EOB = DEFAULT_TEMPLATES[("US", "EOB")]
AMOUNTS = ("amount_claimed", "amount_allowed", "deductible", "copay", "coinsurance", "amount_paid", "member_responsibility")


def flat(pdf: bytes) -> str:
    """All text with whitespace collapsed, so wrapped sentences compare as written."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def one(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).first()


def scalars(db, sql: str, **params) -> list:
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


def policy_locator(db, policy_id) -> str:
    return one(db, "SELECT locator FROM enrollment.policies WHERE id = :id", id=policy_id).locator


def claim_id(db, locator: str):
    return one(db, "SELECT id FROM claims.claims WHERE locator = :l", l=locator).id


def set_premium(db, policy_id, premium: dict | None, *, on: str = "policy") -> None:
    with db.engine.begin() as conn:
        if on == "policy":
            sql = "UPDATE enrollment.policies SET document = document || jsonb_build_object('premium', CAST(:p AS jsonb)) WHERE id = :id"
        else:
            sql = (
                "UPDATE policy_admin.product_versions pv SET document = pv.document || jsonb_build_object('premium', CAST(:p AS jsonb)) "
                "FROM enrollment.policies pol WHERE pol.product_version_id = pv.id AND pol.id = :id"
            )
        conn.execute(text(sql), {"p": json.dumps(premium), "id": policy_id})


# ----------------------------------------------------------- every scenario


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_eob_shows_the_adjudication_to_the_cent(db, path):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(path))
    stored = documents.render_and_store_eob(db.sessions, result["claim_locator"])
    page = flat(stored.content)
    date = one(db, "SELECT incident_date FROM claims.claims WHERE locator = :l", l=result["claim_locator"]).incident_date
    codes = {ln["line_number"]: ln for ln in json.loads(path.read_text())["claim"]["lines"]}

    for line in result["lines"]:
        amounts = " ".join(fmt_grouped(Decimal(line[k])) for k in AMOUNTS)
        code = codes[line["line_number"]]["procedure_code"]
        # Line number, date, procedure (a denied line adds its status word), then the seven amounts in order.
        row = rf"{line['line_number']} {US_EOB.date(date)} {code}(?: [A-Za-z][^0-9]*?)? {re.escape(amounts)} "
        assert re.search(row, page), f"line {line['line_number']} ({amounts}) is not on the page"

    totals = {k: sum((Decimal(ln[k]) for ln in result["lines"]), Decimal("0.00")) for k in AMOUNTS}
    totals_row = "Total " + " ".join(US_EOB.money(totals[k]) for k in AMOUNTS)
    assert totals_row in page
    for k in ("amount_claimed", "amount_allowed", "amount_paid", "member_responsibility"):
        assert page.count(US_EOB.money(totals[k])) >= 2, k  # the summary strip and the totals row

    for code in {c for ln in result["lines"] for c in ln["reason_codes"]}:
        plain = US_EOB.labels.get(f"carc.{code}", describe(code)[1])
        assert plain in page, code

    for acc in result["accumulators"]:
        assert f"used {US_EOB.money(Decimal(acc['consumed']))} of {US_EOB.money(Decimal(acc['limit']))}" in page

    assert documents.rerender(db.sessions, stored.locator) == stored.content


def test_stored_document_event_and_outbox_are_written_together(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[3]))
    stored = documents.render_and_store_eob(db.sessions, result["claim_locator"])
    assert stored.locator.startswith("DOC-") and "claim" in stored.changes

    row = one(db, "SELECT * FROM documents.documents WHERE locator = :l", l=stored.locator)
    content = bytes(row.content)
    assert content == stored.content and content.startswith(b"%PDF")
    assert row.sha256 == hashlib.sha256(content).hexdigest() == stored.sha256
    assert (row.subject_type, row.subject_locator, row.template_type, row.market_code) == (
        "CLAIM", result["claim_locator"], "EOB", "US"
    )
    assert row.subject_id == claim_id(db, result["claim_locator"])
    assert row.party_locator.startswith("MBR-") and row.printed_at is None

    event = one(
        db,
        "SELECT e.note, e.detail, e.actor FROM claims.claim_events e JOIN claims.claims c ON c.id = e.claim_id "
        "WHERE c.locator = :l AND e.event_type = 'EOB_ISSUED'",
        l=result["claim_locator"],
    )
    assert event.detail["document_locator"] == stored.locator and event.detail["sha256"] == stored.sha256
    assert event.actor  # stamped by the database, not chosen by the client
    outbox = one(
        db, "SELECT payload FROM documents.outbox WHERE event_type = 'DOCUMENT_ISSUED' AND payload->>'document_locator' = :l",
        l=stored.locator,
    )
    assert outbox.payload["subject_locator"] == result["claim_locator"] and outbox.payload["sha256"] == stored.sha256

    assert documents.rerender(db.sessions, stored.locator) == content
    assert documents.document_pdf(db.sessions, stored.locator) == content


def test_rerender_reproduces_the_stored_bytes_after_the_database_moved_on(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[1]))
    stored = documents.render_and_store_eob(db.sessions, result["claim_locator"])
    # A later claim uses up more of the deductible: the member's balances change, the issued EOB does not.
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE eligibility.coverage_accumulators a SET consumed_amount = a.limit_amount "
                "FROM claims.claims c WHERE c.locator = :l AND a.party_id = c.claimant_party_id AND a.term_id = c.term_id"
            ),
            {"l": result["claim_locator"]},
        )
        now = documents.eob_data_for_claim(conn, result["claim_locator"], document_locator=stored.locator, issue_date=stored.issue_date)
    assert all(b.remaining == 0 for b in now.balances)
    assert documents.rerender(db.sessions, stored.locator) == stored.content


def test_eob_for_a_received_claim_is_refused_and_writes_nothing(db):
    created = make_scenario(db)
    locator = one(db, "SELECT locator FROM claims.claims WHERE id = :id", id=created.claim_id).locator
    before = one(db, "SELECT (SELECT count(*) FROM documents.documents) AS d, (SELECT count(*) FROM documents.outbox) AS o")
    with pytest.raises(ValidationError, match=rf"claim {locator} is RECEIVED; an EOB can only be issued .* adjudicated"):
        documents.render_and_store_eob(db.sessions, locator)
    with pytest.raises(ValidationError, match="RECEIVED"):
        documents.eob_pdf_for_claim(db.sessions, locator)
    after = one(db, "SELECT (SELECT count(*) FROM documents.documents) AS d, (SELECT count(*) FROM documents.outbox) AS o")
    assert after == before
    assert scalars(db, "SELECT event_type FROM claims.claim_events WHERE claim_id = :id", id=created.claim_id) == ["RECEIVED"]


def test_unknown_locators_are_not_found(db):
    with pytest.raises(NotFound, match="no claim CLM-99999999"):
        documents.render_and_store_eob(db.sessions, "CLM-99999999")
    with pytest.raises(NotFound, match="no policy POL-99999999"):
        documents.render_and_store_policy(db.sessions, "POL-99999999")
    with pytest.raises(NotFound, match="no document DOC-99999999"):
        documents.rerender(db.sessions, "DOC-99999999")


def test_printing_twice_gives_the_same_document_until_the_claim_changes(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[0]))
    first, loc1 = documents.eob_pdf_for_claim(db.sessions, result["claim_locator"])
    again, loc2 = documents.eob_pdf_for_claim(db.sessions, result["claim_locator"])
    assert (again, loc2) == (first, loc1)
    claims_service.approve(db.sessions, claim_id(db, result["claim_locator"]), None)  # now FINALIZED
    final, loc3 = documents.eob_pdf_for_claim(db.sessions, result["claim_locator"])
    assert loc3 != loc1 and "Finalized" in flat(final)


def test_templates_come_from_the_table_and_match_the_frozen_wording(db):
    with db.engine.connect() as conn:
        for key, template in DEFAULT_TEMPLATES.items():
            assert documents.load_template(conn, *key) == template
        html = conn.execute(text("SELECT content_html FROM documents.templates WHERE market_code = 'UK' AND template_type = 'EOB'")).scalar()
        assert "Claim Settlement Statement" in html
        profiles = dict(conn.execute(text("SELECT market_code, currency FROM policy_admin.market_profiles")).all())
        assert profiles["US"] == "USD" and profiles["UK"] == "GBP"
        with pytest.raises(ValidationError, match="no LETTER template for market FR"):
            documents.load_template(conn, "FR", "LETTER")


def test_uk_policy_claim_gets_the_uk_statement(db):
    data = scenario_data("04")
    data["coverage"]["terms"]["currency"] = "GBP"
    created = make_scenario(db, data)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE enrollment.policies SET market_code = 'UK' WHERE id = :id"), {"id": created.policy_id})
    claims_service.price(db.sessions, created.claim_id)
    locator = one(db, "SELECT locator FROM claims.claims WHERE id = :id", id=created.claim_id).locator
    stored = documents.render_and_store_eob(db.sessions, locator)
    page = flat(stored.content)
    assert stored.market_code == "UK"
    assert "Claim Settlement Statement" in page and "\u00a325.00" in page and "$" not in page
    assert DEFAULT_TEMPLATES[("UK", "EOB")].labels.get("carc.96", describe("96")[1]) in page
    assert documents.rerender(db.sessions, stored.locator) == stored.content


@pytest.fixture
def as_role(db, database_url):
    """Sign in as a fresh login role in a ClaimDesk group, so grants and row-level security apply."""
    opened = []

    def make(group: str):
        name = f"t_doc_{group}_{uuid.uuid4().hex[:8]}"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
            conn.exec_driver_sql(f'GRANT claimdesk_{group} TO "{name}"')
        info = psycopg.conninfo.conninfo_to_dict(database_url)
        info["user"] = name
        url = psycopg.conninfo.make_conninfo(**info)
        database = connect(Settings(database_url=url), url=url, pool_size=2)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.dispose()


def test_an_adjudicator_issues_documents_for_a_claim_leased_to_someone_else(db, as_role):
    """Issuing reads a snapshot and takes no row lock, so neither the lease (row-level security)
    nor the lack of UPDATE rights on enrollment stops a read-and-print."""
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[3]))
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE claims.claims SET assignee = 'someone_else', lease_expires_at = now() + interval '30 minutes' WHERE locator = :l"),
            {"l": result["claim_locator"]},
        )
        policy_id = conn.execute(text("SELECT policy_id FROM claims.claims WHERE locator = :l"), {"l": result["claim_locator"]}).scalar()
    set_premium(db, policy_id, {"amount": "142.50", "frequency": "MONTHLY"})
    adjudicator = as_role("adjudicator")
    stored = documents.render_and_store_eob(adjudicator.sessions, result["claim_locator"])
    assert documents.rerender(adjudicator.sessions, stored.locator) == stored.content
    schedule = documents.render_and_store_policy(adjudicator.sessions, policy_locator(db, policy_id))
    assert documents.mark_printed(adjudicator.sessions, [stored.locator, schedule.locator]).marked == tuple(
        sorted([stored.locator, schedule.locator])
    )
    row = one(db, "SELECT created_by, printed_by FROM documents.documents WHERE locator = :l", l=stored.locator)
    assert row.created_by == row.printed_by == adjudicator.user


# ------------------------------------------------------------------- policy


def test_policy_schedule_shows_premium_limits_exclusions_and_prior_auth(db):
    created = make_scenario(db, scenario_data("04"))
    set_premium(db, created.policy_id, {"amount": "142.50", "frequency": "MONTHLY", "currency": "USD"})
    locator = policy_locator(db, created.policy_id)
    stored = documents.render_and_store_policy(db.sessions, locator)
    page = flat(stored.content)

    assert stored.subject_type == "POLICY" and stored.template_type == "POLICY" and stored.subject_locator == locator
    assert "Schedule of Benefits" in page and locator in page
    assert "$142.50 per month" in page
    assert "01/01/2026 \u2013 12/31/2026" in page
    assert "Simulated Member" in page and "Policyholder" in page
    party = one(db, "SELECT locator FROM policy_admin.parties WHERE id = :id", id=created.party_id).locator
    assert party not in page and mask_id(party) in page
    assert "$500.00 per coverage period" in page and "$2,000.00 per coverage period" in page
    assert "40%" in page and "$25.00" in page and "$50.00" in page
    exclusions = page.split("What is not covered", 1)[1].split("Services that need prior authorization", 1)[0]
    assert "Cosmetic" in exclusions and "Imaging" not in exclusions
    prior_auth = page.split("Services that need prior authorization", 1)[1]
    assert "Imaging" in prior_auth and "Office visit" not in prior_auth and "Cosmetic" not in prior_auth

    row = one(db, "SELECT sha256, subject_id FROM documents.documents WHERE locator = :l", l=stored.locator)
    assert row.sha256 == hashlib.sha256(stored.content).hexdigest() and row.subject_id == created.policy_id
    assert documents.rerender(db.sessions, stored.locator) == stored.content


def test_policy_premium_falls_back_to_the_product_version_and_is_never_guessed(db):
    created = make_scenario(db, scenario_data("02"))
    locator = policy_locator(db, created.policy_id)
    with pytest.raises(ValidationError, match=f"policy {locator} has no premium on record"):
        documents.policy_pdf_for_policy(db.sessions, locator)
    assert scalars(db, "SELECT locator FROM documents.documents WHERE subject_locator = :l", l=locator) == []

    set_premium(db, created.policy_id, {"amount": 1200, "frequency": "ANNUAL"}, on="product_version")
    pdf, _ = documents.policy_pdf_for_policy(db.sessions, locator)
    assert "$1,200.00 per year" in flat(pdf)

    set_premium(db, created.policy_id, {"amount": 99.9, "frequency": "QUARTERLY", "currency": "USD"})
    with db.engine.connect() as conn:
        data = documents.policy_data_for_policy(conn, locator)
    assert data.premium.amount == Decimal("99.90") and data.premium.frequency == "QUARTERLY"

    set_premium(db, created.policy_id, {"amount": "10.00", "frequency": "FORTNIGHTLY"})
    with pytest.raises(ValidationError, match="FORTNIGHTLY"):
        documents.policy_pdf_for_policy(db.sessions, locator)


# ------------------------------------------------------------ list and print


def test_list_documents_pages_newest_first_by_key_and_filters(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[0]))
    issued = [documents.render_and_store_eob(db.sessions, result["claim_locator"]).locator for _ in range(3)]

    page1 = documents.list_documents(db.sessions, None, 2, text=result["claim_locator"])
    page2 = documents.list_documents(db.sessions, page1[-1].key, 2, text=result["claim_locator"])
    assert [r.locator for r in page1 + page2] == issued[::-1]
    assert documents.list_documents(db.sessions, page2[-1].key, 2, text=result["claim_locator"]) == []
    row = page1[0]
    assert row.member_name == "Simulated Member" and row.size_bytes > 1000 and row.template_type == "EOB"
    assert [r.locator for r in documents.list_documents(db.sessions, None, 5, text=issued[1].lower())] == [issued[1]]
    assert documents.list_documents(db.sessions, None, 5, text="%_nothing like this_%") == []

    everything = documents.list_documents(db.sessions, None, 1000)
    keys = [r.key for r in everything]
    assert keys == sorted(keys, reverse=True)


def test_mark_printed_records_the_first_print_only(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[0]))
    stored = documents.render_and_store_eob(db.sessions, result["claim_locator"])
    first = documents.mark_printed(db.sessions, [stored.locator, "DOC-99999998"], "clerk1")
    assert first.marked == (stored.locator,) and first.unknown == ("DOC-99999998",) and "documents" in first.changes
    row = one(db, "SELECT printed_at, printed_by FROM documents.documents WHERE locator = :l", l=stored.locator)
    assert row.printed_by == "clerk1" and row.printed_at is not None
    second = documents.mark_printed(db.sessions, [stored.locator], "clerk2")
    assert second.marked == () and second.already_printed == (stored.locator,)
    assert one(db, "SELECT printed_at, printed_by FROM documents.documents WHERE locator = :l", l=stored.locator) == row


# ------------------------------------------------------------------- export


def _finalized_claims(db, n: int) -> list[str]:
    locators = []
    for _ in range(n):
        result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[0]))
        claims_service.approve(db.sessions, claim_id(db, result["claim_locator"]), None)
        locators.append(result["claim_locator"])
    return locators


def test_export_writes_one_pdf_per_finalized_claim(db, tmp_path):
    ours = _finalized_claims(db, 3)
    today = one(db, "SELECT current_date AS d").d
    locators = documents.documents_for_claims_finalized_between(db.sessions, today, today)
    assert set(ours) <= set(locators)
    seen = []
    result = documents.export_eobs(db.sessions, today, today, tmp_path / "out", lambda d, t: seen.append((d, t)))
    assert not result.cancelled and result.total == len(locators) == len(result.written)
    assert seen[0] == (0, len(locators)) and seen[-1] == (len(locators), len(locators))
    for locator in ours:
        pdf = (tmp_path / "out" / f"EOB-{locator}.pdf").read_bytes()
        assert locator in flat(pdf)
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in result.written)
    with pytest.raises(ValidationError, match="ends"):
        documents.documents_for_claims_finalized_between(db.sessions, today, today.replace(year=today.year - 1))


@pytest.mark.parametrize("cancel_on_call, files_left", [(3, 1), (4, 1), (5, 2)])
def test_export_cancelled_midway_leaves_no_partial_files(db, tmp_path, cancel_on_call, files_left):
    """Cancel is asked before each claim and again before each write; either way no half file remains."""
    _finalized_claims(db, 3)
    today = one(db, "SELECT current_date AS d").d
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= cancel_on_call

    out = tmp_path / "cancel"
    result = documents.export_eobs(db.sessions, today, today, out, lambda d, t: None, cancelled)
    assert result.cancelled and len(result.written) == files_left
    assert sorted(os.listdir(out)) == sorted(p.name for p in result.written)  # hidden .part files included
    for path in result.written:
        assert len(PdfReader(path).pages) >= 1


# ---------------------------------------------------------------------- CLI


def _run_cli(*args: str, env_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CLAIMDESK_DATABASE_URL": env_url,
        "CLAIMDESK_DATA_DIR": str(tmp_path / "data"),
        "CLAIMDESK_CONFIG": str(tmp_path / "none.toml"),
    }
    return subprocess.run([sys.executable, "-m", "claimdesk", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_print_eob_writes_a_pdf(db, database_url, tmp_path):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[3]))
    out = tmp_path / "eob.pdf"
    proc = _run_cli("print", "eob", result["claim_locator"], "--pdf", str(out), env_url=database_url, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    reader = PdfReader(out)
    assert len(reader.pages) >= 1 and result["claim_locator"] in flat(out.read_bytes())
    stored_as = re.search(r"stored as (DOC-\d+)", proc.stdout).group(1)
    assert documents.document_pdf(db.sessions, stored_as) == out.read_bytes()


def test_cli_print_policy_writes_a_pdf(db, database_url, tmp_path):
    created = make_scenario(db, scenario_data("04"))
    set_premium(db, created.policy_id, {"amount": "142.50", "frequency": "MONTHLY"})
    out = tmp_path / "policy.pdf"
    locator = policy_locator(db, created.policy_id)
    proc = _run_cli("print", "policy", locator, "--pdf", str(out), env_url=database_url, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "$142.50 per month" in flat(out.read_bytes())


@pytest.mark.parametrize("kind, locator", [("eob", "CLM-99999999"), ("policy", "POL-99999999")])
def test_cli_unknown_locator_is_one_line_error(database_url, tmp_path, kind, locator):
    out = tmp_path / "x.pdf"
    proc = _run_cli("print", kind, locator, "--pdf", str(out), env_url=database_url, tmp_path=tmp_path)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and locator in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_template_literal_in_migration_round_trips():
    """The migration's frozen JSON is a valid template document (parsed the way load_template parses it)."""
    import importlib

    module = importlib.import_module("claimdesk.migrations.versions.0006_document_templates")
    for market, template_type, document, html in module.TEMPLATES:
        template = MarketTemplate.from_document(json.loads(document))
        assert (template.market_code, template.template_type) == (market, template_type)
        assert template.content_html == html
