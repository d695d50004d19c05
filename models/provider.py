"""provider: the directory (network status drives adjudication), credentialing and the fee schedule."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, VersionMixin, one_of

SCHEMA = "provider"
NETWORK_STATUSES = ("IN_NETWORK", "OUT_OF_NETWORK")


class Provider(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "providers"
    __table_args__ = (
        CheckConstraint(one_of("network_status", NETWORK_STATUSES), name="network_status"),
        Index("ix_providers_name", "name"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("policy_admin.parties.id"))
    party_locator: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str]
    specialty: Mapped[str | None] = mapped_column(String(80))
    network_status: Mapped[str] = mapped_column(String(20))
    address: Mapped[dict[str, Any] | None]
    phone: Mapped[str | None]
    email: Mapped[str | None]
    activated_at: Mapped[dt.datetime | None]


class CredentialingRequest(IdMixin, TimestampMixin, Base):
    __tablename__ = "credentialing_requests"
    __table_args__ = (
        CheckConstraint(one_of("status", ("SUBMITTED", "IN_REVIEW", "APPROVED", "REJECTED")), name="status"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.providers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="SUBMITTED")
    submitted_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    reviewed_at: Mapped[dt.datetime | None]
    reviewer_notes: Mapped[str | None]


class FeeSchedule(IdMixin, TimestampMixin, VersionMixin, Base):
    """Contracted prices: one row per procedure code and period, optionally for one provider.

    A provider-specific row wins over the general one for the same code and date.
    """

    __tablename__ = "fee_schedule"
    __table_args__ = (
        CheckConstraint("allowed_amount >= 0", name="allowed_nonnegative"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="dates"),
        Index("ix_fee_schedule_lookup", "procedure_code", "provider_id", "effective_from"),
        {"schema": SCHEMA},
    )
    procedure_code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None]
    allowed_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.providers.id"))
