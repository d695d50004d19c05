"""Where the database is: each failure is one clear sentence, never a traceback or a secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from claimdesk.db import SignInError, connect, keyring_account, remember_password
from claimdesk.logs import MaskingFilter, mask
from claimdesk.settings import KEYRING_SERVICE, Settings, load_settings
from claimdesk.services.errors import ValidationError


def _cli(*args: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    return subprocess.run([sys.executable, "-m", "claimdesk", *args], capture_output=True, text=True, env={**base, **env}, timeout=timeout)


@pytest.fixture
def password_role(db, pg_admin_url):
    """A role that must give a password (scram), on the same real server."""
    name = f"pw_{uuid.uuid4().hex[:8]}"
    password = f"S3cret-{uuid.uuid4().hex}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(psycopg.sql.Identifier(name), psycopg.sql.Literal(password)))
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        original = hba.read_text()
        hba.write_text(f"local all {name} scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    yield name, password
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        hba.write_text(original)
        conn.execute("SELECT pg_reload_conf()")


def _url_for(database_url: str, user: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    return f"postgresql://{user}@/{info['dbname']}?host={info['host']}"


def test_wrong_password_is_one_sentence_without_the_password(password_role, database_url):
    user, password = password_role
    url = _url_for(database_url, user)
    with pytest.raises(SignInError) as err:
        connect(Settings(database_url=url), url=url, password="not-" + password)
    message = str(err.value)
    assert "refused the password" in message and "\n" not in message
    assert password not in message
    db = connect(Settings(database_url=url), url=url, password=password)
    db.dispose()


def test_password_comes_from_the_keyring(password_role, database_url, memory_keyring):
    user, password = password_role
    url = _url_for(database_url, user)
    remember_password(url, password)
    assert memory_keyring.get_password(KEYRING_SERVICE, keyring_account(psycopg.conninfo.conninfo_to_dict(url))) == password
    db = connect(Settings(database_url=url), url=url)  # no password given: the keyring has it
    assert "password" not in db.conninfo
    db.dispose()


def test_unreachable_server_and_missing_database(tmp_path, database_url):
    with pytest.raises(SignInError, match="cannot be reached"):
        connect(Settings(database_url="postgresql://pat@127.0.0.1:9/claims", connect_timeout=2))
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    url = f"postgresql://postgres@/no_such_db?host={info['host']}"
    with pytest.raises(SignInError, match="no database named no_such_db"):
        connect(Settings(database_url=url), url=url)


def test_cli_reports_bad_urls_in_one_line(tmp_path):
    proc = _cli("db", "current", env={"CLAIMDESK_DATABASE_URL": "postgresql://pat:hunter2@127.0.0.1:9/claims", "CLAIMDESK_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "cannot be reached" in proc.stderr
    assert "hunter2" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr


def test_corrupt_embedded_data_directory(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "base").mkdir()
    (pgdata / "junk").write_text("not a database")
    proc = _cli("db", "current", env={"CLAIMDESK_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert "is damaged" in proc.stderr and "Move that folder aside" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_settings_file_must_not_hold_a_password(tmp_path, monkeypatch):
    cfg = tmp_path / "claimdesk.toml"
    cfg.write_text('[database]\nurl = "postgresql://pat@db/claims"\npassword = "x"\n')
    monkeypatch.setenv("CLAIMDESK_CONFIG", str(cfg))
    monkeypatch.delenv("CLAIMDESK_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="OS keyring"):
        load_settings()
    cfg.write_text('[database]\nurl = "postgresql://pat@db/claims"\n[claims]\nlease_minutes = 45\n')
    settings = load_settings()
    assert (settings.database_url, settings.lease_minutes) == ("postgresql://pat@db/claims", 45)
    monkeypatch.setenv("CLAIMDESK_DATABASE_URL", "postgresql://other@db2/claims")
    assert load_settings().database_url == "postgresql://other@db2/claims"


@pytest.mark.slow
def test_two_processes_share_the_embedded_server_and_the_last_stops_it():
    # Run as root, the server runs as its own system user: the folder must be traversable.
    tmp_path = Path(tempfile.mkdtemp(prefix="claimdesk-share-"))
    os.chmod(tmp_path, 0o755)
    env = {"CLAIMDESK_DATA_DIR": str(tmp_path)}
    script = (
        "import sys, time; from claimdesk.settings import load_settings; from claimdesk.db import open_database; "
        "from sqlalchemy import text; db = open_database(load_settings()); "
        "print(db.engine.connect().execute(text('SELECT pg_postmaster_start_time()')).scalar(), flush=True); time.sleep(float(sys.argv[1]))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    first = subprocess.Popen([sys.executable, "-c", script, "6"], stdout=subprocess.PIPE, text=True, env={**base, **env})
    started_first = first.stdout.readline().strip()
    second = subprocess.run([sys.executable, "-c", script, "0"], capture_output=True, text=True, env={**base, **env}, timeout=120)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == started_first, "the second process started its own server"
    assert first.wait(timeout=120) == 0
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists(), "the last process left the server running"


def test_logs_mask_member_identifiers_and_secrets(caplog):
    assert mask("member MBR-00012345 claim CLM-1") == "member MBR-***2345 claim CLM-1"
    assert "s3cret" not in mask("postgresql://pat:s3cret@db/claims") and "password=***" in mask("password=s3cret")
    logger = logging.getLogger("claimdesk.test")
    handler = logging.Handler()
    records = []
    handler.emit = records.append
    handler.addFilter(MaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("priced claim for %s", "MBR-00098765")
    finally:
        logger.removeHandler(handler)
    assert records[0].getMessage() == "priced claim for MBR-***8765"
