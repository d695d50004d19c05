"""The work queue's name searches read the claims' indexes, not the claims.

A name search (``Rod``) with an amount range on open work took 140 ms at
1,000,000 claims (bench/queue.py): PostgreSQL walked open work in received
order and fetched every claim from the table to test its amount and look its
member up, some 36,000 of them for a 200-row page. The queue now turns the
name into its members first and finds the page's keys from these two indexes
alone, reading the table only for the 200 rows it shows:

* open work in received order (``ixr_claims_received_unassigned``) also
  carries the amount and the member, for the ordered walk;
* claims by member (``ix_claims_member_incident``) also carries the status,
  the amount, the received time and the id, for searches sorted otherwise.

Both are rebuilt with the same keys and conditions; only INCLUDE columns are new.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN_WORK = "status IN ('RECEIVED', 'PENDED', 'REOPENED')"


def _rebuild(name: str, definition: str) -> None:
    op.execute(f"DROP INDEX IF EXISTS claims.{name}")
    op.execute(f"CREATE INDEX {name} ON claims.claims {definition}")


def upgrade() -> None:
    _rebuild("ixr_claims_received_unassigned", f"(received_at, id) INCLUDE (amount_claimed, claimant_party_id) WHERE {OPEN_WORK}")
    _rebuild("ix_claims_member_incident", "(claimant_party_id, incident_date) INCLUDE (status, amount_claimed, received_at, id)")


def downgrade() -> None:
    _rebuild("ix_claims_member_incident", "(claimant_party_id, incident_date)")
    _rebuild("ixr_claims_received_unassigned", f"(received_at, id) WHERE {OPEN_WORK}")
