"""The claim simulator: every shared scenario gives its expected result, through PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from claimdesk.services.claims import simulator
from claimdesk.services.errors import ValidationError
from tests.conftest import SCENARIOS


def _normalise(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k != "claim_locator"}
    for line in out["lines"]:
        line["reason_codes"] = sorted(line["reason_codes"])
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_gives_its_expected_result(db, path):
    scenario = simulator.load_scenario(path)
    result = simulator.run_scenario(db.sessions, scenario)
    expected = json.loads(path.read_text())["expected"]
    assert result["claim_locator"].startswith("CLM-")
    assert _normalise(result) == _normalise(expected)


def test_the_result_is_stored_on_the_claim_with_its_steps(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[1]))
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, amount_paid, document FROM claims.claims WHERE locator = :l"), {"l": result["claim_locator"]}
        ).one()
        lines = conn.execute(
            text(
                "SELECT cl.amount_allowed, cl.deductible, cl.coinsurance, cl.reason_codes FROM claims.claim_lines cl "
                "JOIN claims.claims c ON c.id = cl.claim_id WHERE c.locator = :l"
            ),
            {"l": result["claim_locator"]},
        ).all()
        events = conn.execute(
            text("SELECT e.event_type FROM claims.claim_events e JOIN claims.claims c ON c.id = e.claim_id WHERE c.locator = :l ORDER BY e.created_at"),
            {"l": result["claim_locator"]},
        ).scalars().all()
    assert row.status == "APPROVED"
    assert str(row.amount_paid) == "560.00"
    assert [str(x) for x in lines[0][:3]] == ["900.00", "200.00", "140.00"]
    steps = row.document["pricing"]["lines"][0]["steps"]
    deductible = next(s for s in steps if s["rule"] == "balance" and s["balance"] == "DEDUCTIBLE/plan")
    assert (deductible["before"], deductible["after"]) == ("300.00", "500.00")
    assert events == ["RECEIVED", "SIMULATED"]


def _run_cli(*args: str, env_url: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "CLAIMDESK_DATABASE_URL": env_url}
    return subprocess.run([sys.executable, "-m", "claimdesk", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_prints_the_spec_json(database_url):
    proc = _run_cli("scenario", "run", str(SCENARIOS[0]), env_url=database_url)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "APPROVED"
    assert out["lines"][0]["amount_paid"] == "95.00"


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d["claim"]["lines"][0].update(amount_claimed="12,00"), "claim.lines[0].amount_claimed"),
        (lambda d: d["claim"]["lines"][0].update(amount_claimed="-5"), "claim.lines[0].amount_claimed"),
        (lambda d: d["claim"].update(incident_date="2026-02-30"), "claim.incident_date"),
        (lambda d: d["coverage"]["terms"]["benefits"]["imaging"].update(coinsurance="1.5"), "coinsurance"),
        (lambda d: d["provider"].update(network_status="MAYBE"), "provider.network_status"),
        (lambda d: d.pop("claim"), "claim"),
        (lambda d: d["accumulators"][0].update(type="WALLET"), "accumulators[0].type"),
    ],
)
def test_malformed_file_gives_one_line_error_and_writes_nothing(tmp_path, database_url, db, mutate, where):
    data = json.loads(SCENARIOS[0].read_text())
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match=where.replace("[", r"\[").replace("]", r"\]")):
        simulator.load_scenario(bad)
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM claims.claims")).scalar()
    proc = _run_cli("scenario", "run", str(bad), env_url=database_url)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and where.split(".")[0] in proc.stderr
    assert "Traceback" not in proc.stderr
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims.claims")).scalar() == before


def test_not_json_at_all(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not valid JSON"):
        simulator.load_scenario(bad)
