"""enrollment: quotes, policies, terms, transactions, elements and their field values."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, OutboxMixin, TimestampMixin, VersionMixin, one_of

SCHEMA = "enrollment"
QUOTE_STATUSES = ("DRAFT", "QUOTED", "ACCEPTED", "EXPIRED", "DECLINED")
POLICY_STATUSES = ("PENDING", "ISSUED", "ACTIVE", "LAPSED", "CANCELLED", "EXPIRED")
TERM_STATUSES = ("PENDING", "ACTIVE", "EXPIRED", "CANCELLED")
TRANSACTION_CATEGORIES = ("ISSUANCE", "ENDORSEMENT", "RENEWAL", "CANCELLATION", "REINSTATEMENT")
TRANSACTION_STATUSES = ("DRAFT", "APPLIED", "REVERSED")


class Quote(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "quotes"
    __table_args__ = (CheckConstraint(one_of("status", QUOTE_STATUSES), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"), index=True)
    product_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.product_versions.id"))
    status: Mapped[str] = mapped_column(String(20), server_default="DRAFT")
    document: Mapped[dict[str, Any]]
    expires_at: Mapped[dt.datetime | None]


class Policy(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint(one_of("status", POLICY_STATUSES), name="status"),
        # The Enrollment screen's first list: the latest changed policies (read backwards).
        Index("ix_policies_latest_changed", "updated_at", "locator"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"), index=True)
    quote_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.quotes.id"))
    product_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.product_versions.id"))
    policyholder_party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("policy_admin.parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="PENDING")
    inception_date: Mapped[dt.date]
    jurisdiction: Mapped[str] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(40))
    market_code: Mapped[str] = mapped_column(String(8), server_default="US")
    document: Mapped[dict[str, Any]]


class PolicyTerm(IdMixin, TimestampMixin, Base):
    __tablename__ = "policy_terms"
    __table_args__ = (
        CheckConstraint(one_of("status", TERM_STATUSES), name="status"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="dates"),
        UniqueConstraint("policy_id", "term_number"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policies.id"))
    term_number: Mapped[int]
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(20), server_default="ACTIVE")


class PolicyTransaction(IdMixin, TimestampMixin, Base):
    __tablename__ = "policy_transactions"
    __table_args__ = (
        CheckConstraint(one_of("category", TRANSACTION_CATEGORIES), name="category"),
        CheckConstraint(one_of("status", TRANSACTION_STATUSES), name="status"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policies.id"), index=True)
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.policy_terms.id"))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="APPLIED")
    effective_date: Mapped[dt.date]
    document: Mapped[dict[str, Any]]


class PolicyElement(IdMixin, TimestampMixin, Base):
    __tablename__ = "policy_elements"
    __table_args__ = {"schema": SCHEMA}
    static_id: Mapped[uuid.UUID] = mapped_column(index=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policies.id"), index=True)
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.policy_terms.id"))
    element_type: Mapped[str] = mapped_column(String(40))
    document: Mapped[dict[str, Any]]


class UnderwritingFlag(IdMixin, Base):
    __tablename__ = "underwriting_flags"
    __table_args__ = {"schema": SCHEMA}
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policies.id"), index=True)
    flag_type: Mapped[str] = mapped_column(String(60))
    value: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class QuoteFieldValue(IdMixin, Base):
    __tablename__ = "quote_field_values"
    __table_args__ = (UniqueConstraint("quote_id", "field_def_id"), {"schema": SCHEMA})
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.quotes.id"))
    field_def_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.field_definitions.id"))
    value: Mapped[str | None]


class PolicyFieldValue(IdMixin, Base):
    __tablename__ = "policy_field_values"
    __table_args__ = (UniqueConstraint("policy_id", "field_def_id"), {"schema": SCHEMA})
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policies.id"))
    field_def_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.field_definitions.id"))
    value: Mapped[str | None]


class TransactionFieldValue(IdMixin, Base):
    __tablename__ = "transaction_field_values"
    __table_args__ = (UniqueConstraint("transaction_id", "field_def_id"), {"schema": SCHEMA})
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.policy_transactions.id"))
    field_def_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.field_definitions.id"))
    value: Mapped[str | None]


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_enrollment_outbox_unpublished", "created_at", postgresql_where="published_at IS NULL"), {"schema": SCHEMA})
