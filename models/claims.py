"""claims: claims and their lines, the immutable event trail, attachments, prior auths, outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, OutboxMixin, TimestampMixin, VersionMixin, one_of

SCHEMA = "claims"
CLAIM_STATUSES = (
    "RECEIVED",
    "PENDED",
    "APPROVED",
    "PARTIALLY_APPROVED",
    "DENIED",
    "FINALIZED",
    "REOPENED",
    "VOIDED",
)
LINE_STATUSES = ("PENDING", "APPROVED", "DENIED")
PEND_REASONS = ("DUPLICATE", "HIGH_AMOUNT", "MISSING_DATA", "MANUAL_REVIEW", "PRICING_ERROR")
PRIOR_AUTH_STATUSES = ("REQUESTED", "APPROVED", "DENIED", "EXPIRED", "CANCELLED")

_AMOUNTS = ("amount_claimed", "amount_allowed", "amount_paid", "member_responsibility")


class Claim(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(one_of("status", CLAIM_STATUSES), name="status"),
        CheckConstraint(f"pend_reason IS NULL OR {one_of('pend_reason', PEND_REASONS)}", name="pend_reason"),
        CheckConstraint(one_of("payee", ("PROVIDER", "MEMBER")), name="payee"),
        *(CheckConstraint(f"{c} >= 0", name=f"{c}_nonnegative") for c in _AMOUNTS),
        # The work queue reads by (status, received_at, id); its free-text and
        # duplicate checks by member and date.
        Index("ix_claims_queue", "status", "received_at", "id"),
        # The unfiltered queue, amount and name searches walk claims in received order.
        Index("ix_claims_received", "received_at", "id"),
        Index("ix_claims_assignee", "assignee", "status"),
        # Covers the queue's searches by member (0012): the page's keys come from the index alone.
        Index(
            "ix_claims_member_incident",
            "claimant_party_id",
            "incident_date",
            postgresql_include=["status", "amount_claimed", "received_at", "id"],
        ),
        Index("ix_claims_provider", "provider_id"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.policies.id"), index=True)
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policy_terms.id"))
    claimant_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.providers.id"))
    status: Mapped[str] = mapped_column(String(20), server_default="RECEIVED")
    incident_date: Mapped[dt.date]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    claim_type: Mapped[str] = mapped_column(String(20), server_default="PROFESSIONAL")
    payee: Mapped[str] = mapped_column(String(10), server_default="PROVIDER")
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    amount_claimed: Mapped[Decimal] = mapped_column(server_default="0")
    amount_allowed: Mapped[Decimal] = mapped_column(server_default="0")
    amount_paid: Mapped[Decimal] = mapped_column(server_default="0")
    member_responsibility: Mapped[Decimal] = mapped_column(server_default="0")
    pend_reason: Mapped[str | None] = mapped_column(String(20))
    pend_note: Mapped[str | None]
    manual_review: Mapped[bool] = mapped_column(server_default="false")
    assignee: Mapped[str | None] = mapped_column(String(63))
    lease_expires_at: Mapped[dt.datetime | None]
    adjudicated_at: Mapped[dt.datetime | None]
    finalized_at: Mapped[dt.datetime | None]
    # Flexible adjudication data: the engine's result with every step per line.
    document: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))

    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", order_by="ClaimLine.line_number", cascade="all, delete-orphan"
    )


class ClaimLine(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "claim_lines"
    __table_args__ = (
        UniqueConstraint("claim_id", "line_number"),
        CheckConstraint(one_of("status", LINE_STATUSES), name="status"),
        CheckConstraint("line_number > 0", name="line_number_positive"),
        *(
            CheckConstraint(f"{c} >= 0", name=f"{c}_nonnegative")
            for c in (*_AMOUNTS, "deductible", "copay", "coinsurance")
        ),
        CheckConstraint("amount_allowed <= amount_claimed", name="allowed_within_claimed"),
        {"schema": SCHEMA},
    )
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.claims.id", ondelete="CASCADE"))
    line_number: Mapped[int]
    element_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policy_elements.id"))
    coverage_term_key: Mapped[str] = mapped_column(String(60))
    procedure_code: Mapped[str] = mapped_column(String(20))
    service_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(10), server_default="PENDING")
    amount_claimed: Mapped[Decimal]
    amount_allowed: Mapped[Decimal] = mapped_column(server_default="0")
    deductible: Mapped[Decimal] = mapped_column(server_default="0")
    copay: Mapped[Decimal] = mapped_column(server_default="0")
    coinsurance: Mapped[Decimal] = mapped_column(server_default="0")
    amount_paid: Mapped[Decimal] = mapped_column(server_default="0")
    member_responsibility: Mapped[Decimal] = mapped_column(server_default="0")
    # The denial reason, or the first adjustment code; every code is in reason_codes.
    reason_code: Mapped[str | None] = mapped_column(String(10))
    reason_codes: Mapped[list[str]] = mapped_column(ARRAY(String(10)), server_default=text("'{}'"))
    override_allowed: Mapped[Decimal | None]
    override_deny_carc: Mapped[str | None] = mapped_column(String(10))
    override_note: Mapped[str | None]
    overridden_by: Mapped[str | None] = mapped_column(String(63))

    claim: Mapped[Claim] = relationship(back_populates="lines")


class ClaimEvent(IdMixin, Base):
    """Append-only: the database refuses UPDATE, DELETE and TRUNCATE here."""

    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_claim", "claim_id", "created_at"), {"schema": SCHEMA})
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.claims.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    # Filled by a trigger from session_user: the client cannot choose it.
    actor: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    note: Mapped[str | None]
    detail: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.clock_timestamp())


class ClaimDocument(IdMixin, Base):
    __tablename__ = "claim_documents"
    __table_args__ = (CheckConstraint("url IS NOT NULL OR content IS NOT NULL", name="has_content"), {"schema": SCHEMA})
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.claims.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    url: Mapped[str | None]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class PriorAuth(IdMixin, TimestampMixin, Base):
    __tablename__ = "prior_auths"
    __table_args__ = (
        CheckConstraint(one_of("status", PRIOR_AUTH_STATUSES), name="status"),
        Index("ix_prior_auths_member_code", "member_party_id", "procedure_code"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("provider.providers.id"))
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.policies.id"))
    member_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"))
    status: Mapped[str] = mapped_column(String(20))
    procedure_code: Mapped[str] = mapped_column(String(20))
    # Validity dates live here as {"valid_from": "YYYY-MM-DD", "valid_to": "YYYY-MM-DD"}.
    document: Mapped[dict[str, Any]]


class ReasonCode(Base):
    """CARC reference: the official description and the member-facing sentence."""

    __tablename__ = "reason_codes"
    __table_args__ = {"schema": SCHEMA}
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    description: Mapped[str]
    member_text: Mapped[str]
    group_code: Mapped[str | None] = mapped_column(String(2))


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_claims_outbox_unpublished", "created_at", postgresql_where="published_at IS NULL"), {"schema": SCHEMA})


class Setting(Base):
    """Central knobs every workstation shares (review thresholds); the database trigger reads them too."""

    __tablename__ = "settings"
    __table_args__ = {"schema": SCHEMA}
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
