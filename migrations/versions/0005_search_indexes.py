"""Indexes for the work queue's free-text search by member name (prefix, case-insensitive).

Expression indexes are kept out of the models (autogenerate cannot compare
them); env.py leaves indexes named ``ixr_*`` alone for that reason.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ixr_parties_last_name_lower ON policy_admin.parties (lower(last_name) text_pattern_ops)")
    op.execute(
        "CREATE INDEX ixr_parties_full_name_lower ON policy_admin.parties "
        "(lower(first_name || ' ' || last_name) text_pattern_ops)"
    )
    op.execute("CREATE INDEX ixr_claims_received_unassigned ON claims.claims (received_at, id) WHERE status IN ('RECEIVED', 'PENDED', 'REOPENED')")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS claims.ixr_claims_received_unassigned")
    op.execute("DROP INDEX IF EXISTS policy_admin.ixr_parties_full_name_lower")
    op.execute("DROP INDEX IF EXISTS policy_admin.ixr_parties_last_name_lower")
