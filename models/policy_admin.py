"""policy_admin: parties, products, accounts, markets, rules and dynamic fields."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TimestampMixin, VersionMixin, one_of

SCHEMA = "policy_admin"
PARTY_TYPES = ("INDIVIDUAL", "ORGANISATION", "PROVIDER")


class Party(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint(one_of("type", PARTY_TYPES), name="type"),
        Index("ix_parties_name_search", "last_name", "first_name"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str | None]
    last_name: Mapped[str | None]
    name: Mapped[str | None]
    email: Mapped[str | None]
    phone: Mapped[str | None]
    address: Mapped[dict[str, Any] | None]
    date_of_birth: Mapped[dt.date | None]


class PartyRole(IdMixin, TimestampMixin, Base):
    __tablename__ = "party_roles"
    __table_args__ = {"schema": SCHEMA}
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.parties.id"), index=True)
    role_type: Mapped[str] = mapped_column(String(40))
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(f"{SCHEMA}.accounts.id"))
    policy_id: Mapped[uuid.UUID | None]


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint(one_of("status", ("DRAFT", "ACTIVE", "RETIRED")), name="status"), {"schema": SCHEMA})
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str]
    lob: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), server_default="ACTIVE")


class ProductVersion(IdMixin, TimestampMixin, Base):
    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"), {"schema": SCHEMA})
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.products.id"))
    version: Mapped[int]
    effective_from: Mapped[dt.date]
    effective_to: Mapped[dt.date | None]
    document: Mapped[dict[str, Any]]


class RuleSet(IdMixin, TimestampMixin, Base):
    __tablename__ = "rule_sets"
    __table_args__ = {"schema": SCHEMA}
    product_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.product_versions.id"), index=True)
    name: Mapped[str]
    rule_set_type: Mapped[str] = mapped_column(String(40))


class Rule(IdMixin, TimestampMixin, Base):
    __tablename__ = "rules"
    __table_args__ = {"schema": SCHEMA}
    rule_set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.rule_sets.id"), index=True)
    condition: Mapped[str]
    action: Mapped[str]
    priority: Mapped[int] = mapped_column(server_default="100")


class RuleEvaluation(IdMixin, Base):
    __tablename__ = "rule_evaluations"
    __table_args__ = {"schema": SCHEMA}
    rule_set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.rule_sets.id"), index=True)
    entity_id: Mapped[uuid.UUID]
    result: Mapped[dict[str, Any]]
    evaluated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(one_of("billing_level", ("ACCOUNT", "POLICY")), name="billing_level"),
        {"schema": SCHEMA},
    )
    locator: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str]
    billing_level: Mapped[str] = mapped_column(String(10), server_default="ACCOUNT")
    currency: Mapped[str] = mapped_column(String(3))
    display_number: Mapped[str] = mapped_column(String(40), unique=True)
    market_code: Mapped[str] = mapped_column(String(8), server_default="US")


class MarketProfile(IdMixin, TimestampMixin, Base):
    __tablename__ = "market_profiles"
    __table_args__ = {"schema": SCHEMA}
    market_code: Mapped[str] = mapped_column(String(8), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    jurisdiction: Mapped[str] = mapped_column(String(40))
    document: Mapped[dict[str, Any]]


class FieldDefinition(IdMixin, TimestampMixin, Base):
    __tablename__ = "field_definitions"
    __table_args__ = (UniqueConstraint("product_version_id", "field_key"), {"schema": SCHEMA})
    product_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(f"{SCHEMA}.product_versions.id"))
    field_key: Mapped[str] = mapped_column(String(80))
    field_type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(server_default="false")
    options: Mapped[dict[str, Any] | None]
