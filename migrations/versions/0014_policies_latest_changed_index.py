"""The Enrollment screen's first list, the latest changed policies, read from an index.

``find_policies`` with an empty search orders every policy by ``updated_at``
and keeps 200. Without an index that is a sort of the whole table: 81 ms
median at 100,000 policies (bench/lookups.py). Read backwards from this index
it is a walk of 200 entries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_policies_latest_changed", "policies", ["updated_at", "locator"], schema="enrollment")


def downgrade() -> None:
    op.drop_index("ix_policies_latest_changed", table_name="policies", schema="enrollment")
