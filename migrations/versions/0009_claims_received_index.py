"""Index claims by (received_at, id) for every status.

The queue pages by (received_at, id). The partial index of 0005 covers open
work only; unfiltered lists, amount ranges and name searches over all
statuses fell back to a sequential scan of every claim (seen at 1,000,000
claims in bench/queue.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claims_received", "claims", ["received_at", "id"], unique=False, schema="claims")


def downgrade() -> None:
    op.drop_index("ix_claims_received", table_name="claims", schema="claims")
