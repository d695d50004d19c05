import json
from sqlalchemy import text
from claimdesk.services.claims import simulator
from claimdesk.services.documents import service as documents
from tests.conftest import SCENARIOS

def test_look(db):
    path = next(p for p in SCENARIOS if p.stem.startswith("04"))
    sc = simulator.load_scenario(path)
    res = simulator.run_scenario(db.sessions, sc)
    with db.engine.begin() as conn:
        c = conn.execute(text("SELECT claimant_party_id, policy_id FROM claims.claims WHERE locator=:l"), {"l": res["claim_locator"]}).one()
        conn.execute(text("UPDATE policy_admin.parties SET address = CAST(:a AS jsonb) WHERE id = :id"),
                     {"a": json.dumps({"line1": "418 Maple Avenue", "line2": "Apt 2B", "city": "Springfield", "state": "IL", "postal_code": "62704", "country": "US"}), "id": c.claimant_party_id})
        conn.execute(text("UPDATE enrollment.policies SET document = document || '{\"premium\": {\"amount\": \"142.50\", \"frequency\": \"MONTHLY\", \"currency\": \"USD\"}}'::jsonb WHERE id = :id"), {"id": c.policy_id})
        pol = conn.execute(text("SELECT locator FROM enrollment.policies WHERE id=:id"), {"id": c.policy_id}).scalar()
    eob = documents.render_and_store_eob(db.sessions, res["claim_locator"])
    policy = documents.render_and_store_policy(db.sessions, pol)
    open("/tmp/docs/eob_04.pdf", "wb").write(eob.content)
    open("/tmp/docs/policy_04.pdf", "wb").write(policy.content)
