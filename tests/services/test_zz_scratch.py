from claimdesk.services.claims import simulator
from claimdesk.services.documents import service as documents
from tests.conftest import SCENARIOS
from pypdf import PdfReader
import io

def test_scratch(db):
    for path in SCENARIOS:
        res = simulator.run_scenario(db.sessions, simulator.load_scenario(path))
        stored = documents.render_and_store_eob(db.sessions, res["claim_locator"])
        open(f"/tmp/scratch/{path.stem}.pdf", "wb").write(stored.content)
        print(path.stem, [p.extract_text() for p in PdfReader(io.BytesIO(stored.content)).pages][0][:3000])
        assert documents.rerender(db.sessions, stored.locator) == stored.content
