"""triage: member-initiated triage sessions and their turns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "triage"


class Session(IdMixin, TimestampMixin, Base):
    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint(one_of("status", ("OPEN", "COMPLETED", "ABANDONED", "ESCALATED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    party_locator: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="OPEN")
    chief_complaint: Mapped[str | None]
    severity: Mapped[str | None] = mapped_column(String(20))
    recommendation: Mapped[dict[str, Any] | None]
    consent_verified_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]


class Turn(IdMixin, TimestampMixin, Base):
    __tablename__ = "turns"
    __table_args__ = (CheckConstraint(one_of("role", ("MEMBER", "ASSISTANT", "CLINICIAN", "SYSTEM")), name="role"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    session_locator: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    question_type: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[str]
