"""Unit of work: one transaction per service call, translated errors, nothing half-written.

``with UnitOfWork(sessions) as uow: ...; uow.commit()`` — leaving the block
without ``commit()`` rolls back (cosmicpython's pattern).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

import psycopg
import psycopg.errors as pgerr
from sqlalchemy import exc as saexc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .errors import ClaimDeskError, ConflictError, ConnectionLost, PermissionDenied, ValidationError


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session] | Callable[[], Session]):
        self._sessions = sessions
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.session.begin()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        except Exception:  # noqa: BLE001 - a dead connection cannot roll back; the server already did
            pass
        finally:
            self.session.close()
        if exc is not None and not isinstance(exc, ClaimDeskError):
            translated = translate_db_error(exc)
            if translated is not None:
                raise translated from exc

    def commit(self) -> None:
        self.session.commit()

    @property
    def connection(self):  # noqa: ANN201 - a SQLAlchemy Connection bound to this transaction
        return self.session.connection()


def translate_db_error(exc: BaseException) -> ClaimDeskError | None:
    """Map driver errors to what they mean for a person; None when it is a bug."""
    if isinstance(exc, StaleDataError):
        return ConflictError("This record", None, None)
    orig = getattr(exc, "orig", exc)
    if isinstance(exc, saexc.DBAPIError) and exc.connection_invalidated:
        return ConnectionLost("The connection to the database was lost; nothing was saved. Your work is kept: try again.")
    if isinstance(orig, (pgerr.AdminShutdown, pgerr.OperationalError)) and not isinstance(orig, pgerr.QueryCanceled):
        if isinstance(orig, pgerr.LockNotAvailable):
            return ConflictError("This record is being saved by someone else right now and", None, None)
        return ConnectionLost("The connection to the database was lost; nothing was saved. Your work is kept: try again.")
    if isinstance(orig, pgerr.InsufficientPrivilege):
        return PermissionDenied(f"The database refused this for your role: {_first_line(orig)}")
    if isinstance(orig, pgerr.CheckViolation):
        return ValidationError(f"a value breaks a rule of the database ({_diag(orig, 'constraint_name')})")
    if isinstance(orig, pgerr.UniqueViolation):
        return ValidationError(f"this would duplicate an existing record ({_diag(orig, 'constraint_name')})")
    if isinstance(orig, pgerr.ForeignKeyViolation):
        return ValidationError(f"this refers to a record that does not exist ({_diag(orig, 'constraint_name')})")
    if isinstance(orig, psycopg.DataError):
        return ValidationError(f"a value cannot be stored: {_first_line(orig)}")
    if isinstance(orig, (pgerr.SerializationFailure, pgerr.DeadlockDetected)):
        return ConflictError("This record", None, None)
    if isinstance(orig, pgerr.QueryCanceled):
        return ConnectionLost("The database took too long to answer; nothing was saved. Try again.")
    if isinstance(orig, psycopg.OperationalError):
        return ConnectionLost("The connection to the database was lost; nothing was saved. Your work is kept: try again.")
    return None


def _diag(err: BaseException, field: str) -> str:
    diag = getattr(err, "diag", None)
    return str(getattr(diag, field, None) or "")


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__
