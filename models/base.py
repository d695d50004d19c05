"""Declarative base, naming convention and column mixins shared by every schema."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names, so a migration written today can drop the same
# constraint a model declares tomorrow (Alembic's naming.rst).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SCHEMAS = (
    "policy_admin",
    "enrollment",
    "eligibility",
    "provider",
    "claims",
    "billing",
    "notifications",
    "consent",
    "documents",
    "triage",
    "care",
    "group_scheme",
    "broker_api",
    "audit",
)

Money = Numeric(15, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        Decimal: Money,
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
        str: Text,
        int: Integer,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class VersionMixin:
    """Optimistic locking for rows that people edit: every save checks and bumps ``version``."""

    version: Mapped[int] = mapped_column(server_default=text("1"))
    updated_by: Mapped[str | None] = mapped_column(server_default=text("session_user"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class OutboxMixin(IdMixin):
    """Transactional outbox: written in the same transaction as the change it announces."""

    topic: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[dt.datetime | None]


class CheckpointMixin:
    consumer_group: Mapped[str] = mapped_column(String(120), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def one_of(column: str, values: tuple[str, ...] | list[str]) -> str:
    """CHECK text for a status-like column limited to ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
