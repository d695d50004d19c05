"""documents: market templates, generated document blobs, outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "documents"
TEMPLATE_TYPES = ("EOB", "POLICY", "LETTER")


class Template(IdMixin, TimestampMixin, Base):
    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("market_code", "template_type"),
        CheckConstraint(one_of("template_type", TEMPLATE_TYPES), name="template_type"),
        {"schema": SCHEMA},
    )
    market_code: Mapped[str] = mapped_column(String(8))
    template_type: Mapped[str] = mapped_column(String(20))
    content_html: Mapped[str]
    # Wording, currency and date format the renderer reads.
    document: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class Document(IdMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(one_of("template_type", TEMPLATE_TYPES), name="template_type"),
        Index("ix_documents_subject", "subject_type", "subject_id"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    party_locator: Mapped[str | None] = mapped_column(String(40), index=True)
    template_type: Mapped[str] = mapped_column(String(20))
    market_code: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(60), server_default="application/pdf")
    sha256: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(20))  # CLAIM or POLICY
    subject_id: Mapped[uuid.UUID]
    subject_locator: Mapped[str] = mapped_column(String(40))
    printed_at: Mapped[dt.datetime | None]
    printed_by: Mapped[str | None] = mapped_column(String(63))
    created_by: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Outbox(IdMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = {"schema": SCHEMA}
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[dt.datetime | None]
