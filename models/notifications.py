"""notifications: channel preferences and the delivery log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CheckpointMixin, IdMixin, TimestampMixin, one_of

SCHEMA = "notifications"
CHANNELS = ("EMAIL", "SMS", "POST", "PUSH")


class NotificationPreference(IdMixin, TimestampMixin, Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(one_of("preferred_channel", CHANNELS), name="preferred_channel"), {"schema": SCHEMA})
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"), unique=True)
    party_locator: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None]
    phone: Mapped[str | None]
    preferred_channel: Mapped[str] = mapped_column(String(10), server_default="EMAIL")
    opted_out_events: Mapped[list[Any]] = mapped_column(server_default="[]")


class NotificationLog(IdMixin, TimestampMixin, Base):
    __tablename__ = "notification_log"
    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("status", ("QUEUED", "SENT", "FAILED", "SKIPPED")), name="status"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    event_id: Mapped[uuid.UUID]
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), server_default="QUEUED")
    subject: Mapped[str | None]
    body: Mapped[str | None]
    failure_reason: Mapped[str | None]
    attempt_count: Mapped[int] = mapped_column(server_default="0")
    sent_at: Mapped[dt.datetime | None]


class ProjectionCheckpoint(CheckpointMixin, Base):
    __tablename__ = "projection_checkpoints"
    __table_args__ = {"schema": SCHEMA}
