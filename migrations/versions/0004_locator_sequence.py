"""One sequence for human-readable locators (CLM-00000001, POL-…, MBR-…).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE public.claimdesk_locator_seq START 1000 CACHE 1")


def downgrade() -> None:
    op.execute("DROP SEQUENCE IF EXISTS public.claimdesk_locator_seq")
