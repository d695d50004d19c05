"""broker_api: broker configuration and commissions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, one_of

SCHEMA = "broker_api"


class BrokerConfig(IdMixin, TimestampMixin, Base):
    __tablename__ = "broker_configs"
    __table_args__ = (CheckConstraint("delegated_authority_limit >= 0", name="limit_nonnegative"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    broker_id: Mapped[str] = mapped_column(String(40), unique=True)
    delegated_authority_limit: Mapped[Decimal]


class Commission(IdMixin, TimestampMixin, Base):
    __tablename__ = "commissions"
    __table_args__ = (
        CheckConstraint(one_of("status", ("PENDING", "PAID")), name="status"),
        CheckConstraint("rate >= 0 AND rate <= 1", name="rate"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    broker_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_locator: Mapped[str] = mapped_column(String(40))
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(10), server_default="PENDING")
