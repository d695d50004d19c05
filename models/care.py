"""care: episodes, provider slots, appointments, prescriptions and diagnostic referrals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "care"


class Episode(IdMixin, TimestampMixin, Base):
    __tablename__ = "episodes"
    __table_args__ = (CheckConstraint(one_of("status", ("OPEN", "CLOSED", "CANCELLED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    party_locator: Mapped[str] = mapped_column(String(40), index=True)
    triage_session_locator: Mapped[str | None] = mapped_column(String(40))
    care_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="OPEN")
    summary: Mapped[str | None]


class ProviderSlot(IdMixin, TimestampMixin, Base):
    __tablename__ = "provider_slots"
    __table_args__ = (
        CheckConstraint(one_of("status", ("OPEN", "HELD", "BOOKED", "CANCELLED")), name="status"),
        CheckConstraint("end_time > start_time", name="times"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    provider_locator: Mapped[str] = mapped_column(String(40), index=True)
    start_time: Mapped[dt.datetime]
    end_time: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20), server_default="OPEN")
    appointment_locator: Mapped[str | None] = mapped_column(String(40))


class Appointment(IdMixin, TimestampMixin, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(one_of("status", ("SCHEDULED", "COMPLETED", "CANCELLED", "NO_SHOW")), name="status"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    episode_locator: Mapped[str] = mapped_column(String(40), index=True)
    provider_locator: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="SCHEDULED")
    slot_locator: Mapped[str | None] = mapped_column(String(40))
    link_out_url: Mapped[str | None]
    scheduled_at: Mapped[dt.datetime]
    notes: Mapped[str | None]


class Prescription(IdMixin, TimestampMixin, Base):
    __tablename__ = "prescriptions"
    __table_args__ = (CheckConstraint(one_of("status", ("ISSUED", "DISPENSED", "CANCELLED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    episode_locator: Mapped[str] = mapped_column(String(40), index=True)
    provider_locator: Mapped[str] = mapped_column(String(40))
    medication: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), server_default="ISSUED")
    issued_at: Mapped[dt.datetime]


class DiagnosticsReferral(IdMixin, TimestampMixin, Base):
    __tablename__ = "diagnostics_referrals"
    __table_args__ = (
        CheckConstraint(one_of("status", ("REQUESTED", "BOOKED", "COMPLETED", "CANCELLED")), name="status"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    episode_locator: Mapped[str] = mapped_column(String(40), index=True)
    referral_type: Mapped[str] = mapped_column(String(40))
    clinic_locator: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="REQUESTED")
    appointment_locator: Mapped[str | None] = mapped_column(String(40))
