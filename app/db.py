"""Connecting to PostgreSQL: the embedded server or a configured cluster.

A configured URL is a standard ``postgresql://`` URL handed to libpq as is, so
everything ``psql`` accepts works here (``?host=/path`` for a Unix socket
included). The password comes from the OS keyring, never from a file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import keyring
import keyring.errors
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.services.errors import ConnectionLost, DatabaseRevisionMismatch

from .settings import KEYRING_SERVICE, Settings

log = logging.getLogger(__name__)


class SignInError(ConnectionLost):
    """A sign-in failed for a reason the person can act on (said in one sentence)."""


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    conninfo: dict[str, Any]
    embedded: bool
    _worker: WorkerConnection | None = field(default=None, repr=False)

    @property
    def user(self) -> str:
        return str(self.conninfo.get("user") or "postgres")

    @property
    def display(self) -> str:
        """Where we are connected, without any secret: ``user@host:port/db``."""
        info = self.conninfo
        host = info.get("host") or "localhost"
        if str(host).startswith("/"):
            host = "local socket"
        port = info.get("port") or 5432
        return f"{self.user}@{host}:{port}/{info.get('dbname') or ''}"

    def dispose(self) -> None:
        self.engine.dispose()

    def worker_connection(self) -> WorkerConnection:
        """What a worker process needs to open its own connection to this database."""
        if self._worker is None:
            raise RuntimeError("this Database was not opened with connect(); it cannot start worker processes")
        return self._worker


class WorkerConnection:
    """How a worker process (``claimdesk adjudicate --workers``) connects: picklable, never shown.

    It travels to the worker over the process pipe; it is not written to a
    file, an argument list or the environment, and its repr hides the password.
    """

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo

    def __repr__(self) -> str:
        return "WorkerConnection(<hidden>)"

    def sessions(self) -> sessionmaker[Session]:
        """A session factory on one fresh connection, with the same session defaults as the app's.

        The connection is tried first, so a worker that cannot reach the
        server says why in one sentence, as the sign-in does.
        """
        engine = _engine(self._conninfo, pool_size=1)
        _prove(engine, {k: v for k, v in conninfo_to_dict(self._conninfo).items() if k != "password"})
        return sessionmaker(engine, expire_on_commit=False)


def keyring_account(conninfo: dict[str, Any]) -> str:
    host = conninfo.get("host") or "localhost"
    return f"{conninfo.get('user') or ''}@{host}:{conninfo.get('port') or 5432}/{conninfo.get('dbname') or ''}"


def remember_password(url: str, password: str) -> None:
    keyring.set_password(KEYRING_SERVICE, keyring_account(_parse(url)), password)


def stored_password(conninfo: dict[str, Any]) -> str | None:
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_account(conninfo))
    except keyring.errors.KeyringError:
        return None


def _parse(url: str) -> dict[str, Any]:
    try:
        return conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise SignInError(f"The database address is not a valid PostgreSQL URL: {_first_line(exc)}") from None


def connect(
    settings: Settings,
    *,
    url: str | None = None,
    password: str | None = None,
    pool_size: int = 4,
    check_connection: bool = True,
) -> Database:
    """Build the engine for the configured cluster (or ``url``) and prove it answers."""
    url = url or settings.database_url
    if not url:
        raise ValueError("connect() needs a URL; use open_database() for the embedded default")
    info = _parse(url)
    if password is None and not info.get("password"):
        password = stored_password(info)
    if password:
        info["password"] = password
    if settings.sslmode and "sslmode" not in info:
        info["sslmode"] = settings.sslmode
    if settings.sslrootcert and "sslrootcert" not in info:
        info["sslrootcert"] = settings.sslrootcert
    # A dead network must be noticed in seconds, not after the kernel's two hours.
    info.setdefault("connect_timeout", settings.connect_timeout)
    info.setdefault("keepalives", 1)
    info.setdefault("keepalives_idle", 10)
    info.setdefault("keepalives_interval", 5)
    info.setdefault("keepalives_count", 3)
    info.setdefault("application_name", "claimdesk")
    conninfo = make_conninfo(**info)
    engine = _engine(conninfo, pool_size=pool_size)
    public_info = {k: v for k, v in info.items() if k != "password"}
    db = Database(
        engine, sessionmaker(engine, expire_on_commit=False), public_info, embedded=settings.embedded, _worker=WorkerConnection(conninfo)
    )
    if check_connection:
        _prove(engine, public_info)
    return db


def _prove(engine: Engine, public_info: dict[str, Any]) -> None:
    """One round trip, so a wrong address or password is said now, in one sentence, not at first use."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - translated into one sentence below
        engine.dispose()
        raise explain_connect_error(exc, public_info) from None


def _engine(conninfo: str, *, pool_size: int) -> Engine:
    def creator() -> psycopg.Connection:
        return psycopg.connect(conninfo)

    engine = create_engine(
        "postgresql+psycopg://",
        creator=creator,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        pool_recycle=1800,
    )
    _install_session_defaults(engine)
    return engine


def _install_session_defaults(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # A runaway statement or a forgotten open transaction must not hold
        # locks that stop other adjudicators; these are per-session ceilings.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET idle_in_transaction_session_timeout = '5min'")
            cur.execute("SET lock_timeout = '15s'")
        dbapi_conn.commit()


def explain_connect_error(exc: BaseException, info: dict[str, Any]) -> SignInError:
    """One sentence a person can act on; never the password, never a traceback."""
    orig = getattr(exc, "orig", None) or exc
    text = _first_line(orig).lower()
    where = f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}"
    if "password authentication failed" in text or "no password supplied" in text:
        return SignInError(f"The server at {where} refused the password for user {info.get('user')!s}; check it and try again.")
    if "does not exist" in text and "database" in text:
        return SignInError(f"The server at {where} has no database named {info.get('dbname')!s}.")
    if "role" in text and "does not exist" in text:
        return SignInError(f"The server at {where} has no user named {info.get('user')!s}.")
    if "ssl" in text or "certificate" in text or "tls" in text:
        return SignInError(f"The secure (TLS) connection to {where} was refused: {_first_line(orig)}")
    if "timeout" in text or "could not connect" in text or "connection refused" in text or "no such file" in text or "could not translate host" in text:
        return SignInError(f"The database server at {where} cannot be reached; check the address and the network, then try again.")
    return SignInError(f"Could not connect to {where}: {_first_line(orig)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_revision(db: Database) -> None:
    """Refuse to work on a cluster whose schema is not the one this build expects."""
    from .migrate import current_revision, head_revision, is_known_revision

    current = current_revision(db.engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseRevisionMismatch(
            f"The database {db.display} has no ClaimDesk schema yet; an administrator must run `claimdesk db upgrade` first."
        )
    if is_known_revision(current):
        raise DatabaseRevisionMismatch(
            f"The database {db.display} is at schema revision {current}, behind this ClaimDesk ({head}); "
            "an administrator must run `claimdesk db upgrade`."
        )
    raise DatabaseRevisionMismatch(
        f"The database {db.display} is at schema revision {current}, which this ClaimDesk does not know "
        f"(it expects {head}); install the newer ClaimDesk."
    )


def open_database(settings: Settings, *, password: str | None = None, migrate_embedded: bool = True) -> Database:
    """The composition root's one way in: embedded by default, the configured cluster otherwise."""
    if settings.embedded:
        from .embedded import start_embedded
        from .migrate import upgrade

        url = start_embedded(settings.data_dir)
        db = connect(settings, url=url)
        db.embedded = True
        if migrate_embedded:
            upgrade(db.engine, "head")
        return db
    db = connect(settings, password=password)
    check_revision(db)
    return db
