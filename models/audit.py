"""audit: every change to a claim, claim line, policy, party or price — who, when, old and new values.

Written only by a SECURITY DEFINER trigger; append-only for everyone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

SCHEMA = "audit"


class ChangeLog(Base):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_row", "table_name", "row_id", "changed_at"), {"schema": SCHEMA})
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(server_default=func.clock_timestamp())
    actor: Mapped[str] = mapped_column(String(63), server_default=text("session_user"))
    table_name: Mapped[str] = mapped_column(String(80))
    row_id: Mapped[uuid.UUID | None]
    operation: Mapped[str] = mapped_column(String(10))
    # Set on the row that holds one JSONB column's change (a claim's document):
    # old_values and new_values are then that column's values, whole.
    column_name: Mapped[str | None] = mapped_column(String(63))
    old_values: Mapped[dict[str, Any] | None]
    new_values: Mapped[dict[str, Any] | None]
