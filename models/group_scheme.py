"""group_scheme: employer schemes, their members, and bulk enrolment jobs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "group_scheme"


class Scheme(IdMixin, TimestampMixin, Base):
    __tablename__ = "schemes"
    __table_args__ = (CheckConstraint(one_of("status", ("DRAFT", "ACTIVE", "SUSPENDED", "CLOSED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str]
    employer_party_locator: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="ACTIVE")


class SchemeMember(IdMixin, TimestampMixin, Base):
    __tablename__ = "scheme_members"
    __table_args__ = (
        UniqueConstraint("scheme_id", "member_party_locator"),
        CheckConstraint(one_of("status", ("ACTIVE", "LEFT", "SUSPENDED")), name="status"),
        {"schema": SCHEMA},
    )
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.schemes.id"))
    member_party_locator: Mapped[str] = mapped_column(String(40))
    policy_locator: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="ACTIVE")


class BulkEnrollmentJob(IdMixin, TimestampMixin, Base):
    __tablename__ = "bulk_enrollment_jobs"
    __table_args__ = (
        CheckConstraint(one_of("status", ("QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")), name="status"),
        CheckConstraint("processed <= total AND failed_count <= processed", name="counts"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.schemes.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="QUEUED")
    total: Mapped[int] = mapped_column(server_default="0")
    processed: Mapped[int] = mapped_column(server_default="0")
    failed_count: Mapped[int] = mapped_column(server_default="0")
    errors: Mapped[list[Any]] = mapped_column(server_default="[]")
