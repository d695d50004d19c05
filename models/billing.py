"""billing: charges, invoices, payments, adjustments, a double-entry ledger, instalments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CheckpointMixin, IdMixin, OutboxMixin, TimestampMixin, one_of

SCHEMA = "billing"
CHARGE_CATEGORIES = ("PREMIUM", "CLAIM_PAYMENT", "REFUND", "FEE")


class Charge(IdMixin, TimestampMixin, Base):
    __tablename__ = "charges"
    __table_args__ = (
        CheckConstraint(one_of("category", CHARGE_CATEGORIES), name="category"),
        CheckConstraint(one_of("status", ("PENDING", "INVOICED", "PAID", "CANCELLED")), name="status"),
        CheckConstraint(one_of("payee", ("PROVIDER", "MEMBER", "PAYER")), name="payee"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policies.id"), index=True)
    term_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policy_terms.id"))
    claim_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("claims.claims.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    payee: Mapped[str] = mapped_column(String(10), server_default="PAYER")
    payee_provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("provider.providers.id"))
    payee_party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("policy_admin.parties.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), server_default="PENDING")
    charge_date: Mapped[dt.date]


class Invoice(IdMixin, TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(one_of("status", ("DRAFT", "FINALISED", "PAID", "VOID")), name="status"),
        CheckConstraint("total_amount >= 0", name="total_nonnegative"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="DRAFT")
    total_amount: Mapped[Decimal] = mapped_column(server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[dt.date]
    finalised_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]


class InvoiceLineItem(IdMixin, Base):
    __tablename__ = "invoice_line_items"
    __table_args__ = {"schema": SCHEMA}
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.invoices.id"), index=True)
    charge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.charges.id"), unique=True)
    description: Mapped[str]
    amount: Mapped[Decimal]


class Payment(IdMixin, TimestampMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(one_of("status", ("PENDING", "SETTLED", "FAILED", "REFUNDED")), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.invoices.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), server_default="PENDING")
    settled_at: Mapped[dt.datetime | None]


class Adjustment(IdMixin, TimestampMixin, Base):
    __tablename__ = "adjustments"
    __table_args__ = {"schema": SCHEMA}
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.invoices.id"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"))
    reason: Mapped[str]
    # Signed: a credit is negative, a debit positive.
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))


class LedgerEntry(IdMixin, Base):
    """One side of a balanced pair; entries are never edited, only reversed by new entries."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(one_of("direction", ("DEBIT", "CREDIT")), name="direction"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        Index("ix_ledger_entries_reference", "reference_type", "reference_id"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_admin.accounts.id"), index=True)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollment.policies.id"))
    entry_type: Mapped[str] = mapped_column(String(40))
    ledger_account: Mapped[str] = mapped_column(String(40))
    reference_id: Mapped[uuid.UUID]
    reference_type: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Installment(IdMixin, TimestampMixin, Base):
    __tablename__ = "installments"
    __table_args__ = (CheckConstraint(one_of("status", ("SCHEDULED", "PAID", "MISSED", "CANCELLED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.invoices.id"), index=True)
    due_date: Mapped[dt.date]
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20), server_default="SCHEDULED")


class ProjectionCheckpoint(CheckpointMixin, Base):
    __tablename__ = "projection_checkpoints"
    __table_args__ = {"schema": SCHEMA}


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_billing_outbox_unpublished", "created_at", postgresql_where="published_at IS NULL"), {"schema": SCHEMA})
