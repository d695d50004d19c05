"""The offline print spool: encrypted at rest, checked on read, printed status synced back once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import keyring
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from claimdesk.services.claims import simulator
from claimdesk.services.documents import service as documents
from claimdesk.services.documents.spool import KEYRING_SERVICE, KEYRING_USERNAME, Spool, SpoolCorrupt
from claimdesk.services.errors import ValidationError
from tests.conftest import SCENARIOS


@pytest.fixture
def stored_eob(db):
    result = simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[0]))
    return documents.render_and_store_eob(db.sessions, result["claim_locator"])


@pytest.fixture
def spool(tmp_path) -> Spool:
    return Spool(tmp_path / "spool")


def spooled(spool: Spool, stored) -> object:
    return spool.add(stored.locator, stored.subject_locator, stored.template_type, stored.content)


def printed_row(db, locator: str):
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT printed_at, printed_by FROM documents.documents WHERE locator = :l"), {"l": locator}
        ).one()


def test_round_trip_and_sidecar(spool, stored_eob):
    entry = spooled(spool, stored_eob)
    (listed,) = spool.list()
    assert listed == entry
    assert spool.read(listed) == stored_eob.content
    side = json.loads(entry.sidecar.read_text())
    assert side["document_locator"] == stored_eob.locator and side["subject_locator"] == stored_eob.subject_locator
    assert side["kind"] == "EOB" and side["sha256"] == hashlib.sha256(stored_eob.content).hexdigest()
    assert dt.datetime.fromisoformat(side["created_at"]).tzinfo is not None


def test_nothing_in_the_spool_folder_is_plaintext(spool, stored_eob):
    spooled(spool, stored_eob)
    files = [p for p in spool.directory.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".fernet", ".json"}
    for path in files:
        body = path.read_bytes()
        assert b"%PDF" not in body and stored_eob.content[:200] not in body, path


def test_key_is_created_in_the_keyring_on_first_use_and_reused(tmp_path, memory_keyring, stored_eob):
    memory_keyring.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
    first = Spool(tmp_path / "a")
    entry = spooled(first, stored_eob)
    key = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    assert key and Fernet(key.encode())  # a real Fernet key, now in the OS keyring
    # Another Spool (say, after a restart) reads with the same key.
    assert Spool(tmp_path / "a").read(entry) == stored_eob.content


def test_injected_keyring_functions(tmp_path, stored_eob):
    store: dict[tuple[str, str], str] = {}
    spool = Spool(tmp_path / "s", keyring_get=lambda s, u: store.get((s, u)), keyring_set=lambda s, u, k: store.update({(s, u): k}))
    entry = spooled(spool, stored_eob)
    assert list(store) == [(KEYRING_SERVICE, KEYRING_USERNAME)]
    assert spool.read(entry) == stored_eob.content


def test_tampered_file_is_refused_naming_the_file(spool, stored_eob):
    entry = spooled(spool, stored_eob)
    body = bytearray(entry.path.read_bytes())
    body[len(body) // 2] ^= 0x01
    entry.path.write_bytes(bytes(body))
    with pytest.raises(SpoolCorrupt, match=entry.path.name) as info:
        spool.read(entry)
    assert isinstance(info.value, ValidationError) and "cannot be decrypted" in str(info.value)


def test_wrong_checksum_is_refused(spool, stored_eob):
    """A file encrypted with the right key but not matching its sidecar (e.g. swapped files) is refused."""
    entry = spooled(spool, stored_eob)
    other = spool.add("DOC-00000001", "CLM-00000001", "EOB", b"%PDF-1.4 some other document")
    entry.path.write_bytes(other.path.read_bytes())
    with pytest.raises(SpoolCorrupt, match=rf"{entry.path.name}.*does not match the checksum"):
        spool.read(entry)


def test_missing_file_and_damaged_sidecar(spool, stored_eob):
    entry = spooled(spool, stored_eob)
    entry.path.unlink()
    with pytest.raises(SpoolCorrupt, match="is missing"):
        spool.read(entry)
    entry.sidecar.write_text("{not json")
    (damaged,) = spool.list()
    assert damaged.problem and damaged.document_locator == stored_eob.locator
    with pytest.raises(SpoolCorrupt, match=entry.sidecar.name):
        spool.read(damaged)


def test_a_key_from_another_workstation_cannot_read(tmp_path, stored_eob):
    keys = iter([Fernet.generate_key().decode(), Fernet.generate_key().decode()])
    mine = Spool(tmp_path / "s", keyring_get=lambda s, u: None, keyring_set=lambda s, u, k: None)
    entry = spooled(mine, stored_eob)
    theirs = Spool(tmp_path / "s", keyring_get=lambda s, u: next(keys), keyring_set=lambda s, u, k: None)
    with pytest.raises(SpoolCorrupt, match="cannot be decrypted"):
        theirs.read(entry)


def test_bad_locator_is_refused(spool):
    with pytest.raises(ValidationError, match="not a document locator"):
        spool.add("../../etc/passwd", "CLM-1", "EOB", b"%PDF")


def test_mark_printed_moves_the_entry_and_sync_writes_back_once(db, spool, stored_eob):
    entry = spooled(spool, stored_eob)
    at = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)
    printed = spool.mark_printed(entry, printed_by="clerk7", printed_at=at)
    assert spool.list() == [] and printed.path.parent.name == "printed" and printed.path.exists()
    assert not entry.path.exists() and spool.read(printed) == stored_eob.content
    assert spool.pending_printed_status() == [spool.printed()[0]]
    assert printed_row(db, stored_eob.locator).printed_at is None  # offline: nothing written yet

    assert spool.sync_printed(db.sessions) == 1
    row = printed_row(db, stored_eob.locator)
    assert row.printed_at == at and row.printed_by == "clerk7"
    assert spool.pending_printed_status() == []

    assert spool.sync_printed(db.sessions) == 0  # idempotent
    assert printed_row(db, stored_eob.locator) == row


def test_sync_keeps_the_first_print_and_reports_unknown_documents(db, spool, stored_eob):
    first = spool.mark_printed(spooled(spool, stored_eob), printed_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc))
    spool.mark_printed(spooled(spool, stored_eob), printed_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc))
    unknown = spool.mark_printed(spool.add("DOC-99999997", "CLM-1", "EOB", b"%PDF-1.4 x"))
    assert len(spool.printed()) == 3  # two prints of one document, both kept
    assert spool.sync_printed(db.sessions) == 2
    row = printed_row(db, stored_eob.locator)
    assert row.printed_at == first.printed_at
    with db.engine.connect() as conn:
        assert row.printed_by == conn.execute(text("SELECT session_user")).scalar()  # nobody named: the syncing user
    (pending,) = spool.pending_printed_status()
    assert pending.document_locator == unknown.document_locator and "no such document" in pending.sync_error


def test_sync_waits_quietly_while_the_database_is_unreachable(tmp_path, spool, stored_eob):
    from claimdesk.db import connect
    from claimdesk.settings import Settings

    spool.mark_printed(spooled(spool, stored_eob))
    url = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=1"
    offline = connect(Settings(database_url=url, connect_timeout=1), url=url, check_connection=False)
    try:
        assert spool.sync_printed(offline.sessions) == 0
    finally:
        offline.dispose()
    assert len(spool.pending_printed_status()) == 1
