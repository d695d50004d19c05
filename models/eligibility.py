"""eligibility: member coverage per policy element and its accumulator balances."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CheckpointMixin, IdMixin, TimestampMixin, one_of

SCHEMA = "eligibility"
COVERAGE_STATUSES = ("ACTIVE", "SUSPENDED", "TERMINATED", "PENDING")
ACCUMULATOR_TYPES = ("DEDUCTIBLE", "OUT_OF_POCKET", "BENEFIT_LIMIT", "VISIT_LIMIT")


class MemberCoverage(IdMixin, TimestampMixin, Base):
    __tablename__ = "member_coverage"
    __table_args__ = (
        CheckConstraint(one_of("status", COVERAGE_STATUSES), name="status"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="dates"),
        Index("ix_member_coverage_party_dates", "party_id", "effective_from"),
        {"schema": SCHEMA},
    )
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"))
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.policies.id"), index=True)
    policy_element_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policy_elements.id"))
    element_static_id: Mapped[uuid.UUID | None]
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policy_terms.id"))
    product_code: Mapped[str] = mapped_column(String(40))
    element_type: Mapped[str] = mapped_column(String(40))
    coverage_terms: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), server_default="ACTIVE")
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]


class CoverageAccumulator(IdMixin, TimestampMixin, Base):
    __tablename__ = "coverage_accumulators"
    __table_args__ = (
        CheckConstraint(one_of("accumulator_type", ACCUMULATOR_TYPES), name="accumulator_type"),
        CheckConstraint("limit_amount >= 0", name="limit_nonnegative"),
        CheckConstraint("consumed_amount >= 0", name="consumed_nonnegative"),
        UniqueConstraint("party_id", "term_id", "accumulator_type", "coverage_term_key"),
        {"schema": SCHEMA},
    )
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.parties.id"))
    term_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.policy_terms.id"), index=True)
    accumulator_type: Mapped[str] = mapped_column(String(20))
    coverage_term_key: Mapped[str] = mapped_column(String(60))
    limit_amount: Mapped[Decimal]
    consumed_amount: Mapped[Decimal] = mapped_column(server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    last_claim_locator: Mapped[str | None] = mapped_column(String(40))


class ProjectionCheckpoint(CheckpointMixin, Base):
    __tablename__ = "projection_checkpoints"
    __table_args__ = {"schema": SCHEMA}
