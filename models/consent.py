"""consent: per-party consent state, its immutable audit trail, and erasure requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "consent"


class ConsentRecord(IdMixin, TimestampMixin, Base):
    __tablename__ = "consent_records"
    __table_args__ = (UniqueConstraint("party_locator", "consent_type"), {"schema": SCHEMA})
    party_locator: Mapped[str] = mapped_column(String(40))
    consent_type: Mapped[str] = mapped_column(String(60))
    granted: Mapped[bool]


class ConsentAudit(IdMixin, Base):
    """Append-only, like claims.claim_events."""

    __tablename__ = "consent_audit"
    __table_args__ = {"schema": SCHEMA}
    party_locator: Mapped[str] = mapped_column(String(40), index=True)
    consent_type: Mapped[str] = mapped_column(String(60))
    granted: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    changed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class DeletionRequest(IdMixin, TimestampMixin, Base):
    __tablename__ = "deletion_requests"
    __table_args__ = (
        CheckConstraint(one_of("status", ("REQUESTED", "IN_PROGRESS", "COMPLETED", "REJECTED", "FAILED")), name="status"),
        CheckConstraint(one_of("delete_type", ("ERASURE", "ANONYMISATION")), name="delete_type"),
        {"schema": SCHEMA},
    )
    party_locator: Mapped[str] = mapped_column(String(40), index=True)
    delete_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="REQUESTED")
    requested_by_type: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None]
    requested_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[dt.datetime | None]
    attempt_count: Mapped[int] = mapped_column(server_default="0")
