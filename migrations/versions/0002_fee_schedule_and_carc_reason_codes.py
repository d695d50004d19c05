"""Fee schedule (provider schema) and the CARC reason-code reference the spec uses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Claim Adjustment Reason Codes (X12 external code list): official description,
# then the sentence a member reads on an EOB. Frozen here: a later wording
# change is a new migration.
CARC = [
    ("1", "PR", "Deductible Amount",
     "This amount counts toward your deductible: the part of covered care you pay before the plan starts paying."),
    ("2", "PR", "Coinsurance Amount",
     "This is your coinsurance: your percentage share of the allowed amount."),
    ("3", "PR", "Co-payment Amount",
     "This is your copay: the fixed amount you pay for this kind of visit."),
    ("16", "CO", "Claim/service lacks information or has submission/billing error(s).",
     "The claim was missing information we need; your provider can correct and resubmit it."),
    ("18", "CO", "Exact duplicate claim/service",
     "We already received a claim for this same service."),
    ("26", "CO", "Expenses incurred prior to coverage.",
     "The service was received before your coverage started."),
    ("27", "CO", "Expenses incurred after coverage terminated.",
     "The service was received when your coverage was not in force."),
    ("45", "CO", "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement.",
     "The charge is more than the amount agreed for this service; you do not owe the difference to a network provider."),
    ("50", "CO", "These are non-covered services because this is not deemed a 'medical necessity' by the payer.",
     "The plan does not consider this service medically necessary."),
    ("96", "CO", "Non-covered charge(s).",
     "Your plan does not cover this service."),
    ("119", "CO", "Benefit maximum for this time period or occurrence has been reached.",
     "You have reached the plan's limit for this benefit in this period."),
    ("197", "CO", "Precertification/authorization/notification/pre-treatment absent.",
     "This service needed approval from the plan before it was given, and none was on file."),
    ("204", "CO", "This service/equipment/drug is not covered under the patient's current benefit plan",
     "This service is not covered under your current plan."),
    ("242", "CO", "Services not provided by network/primary care providers.",
     "Your plan does not cover care from providers outside its network."),
]


def upgrade() -> None:
    reason_codes = op.create_table(
        "reason_codes",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("member_text", sa.Text(), nullable=False),
        sa.Column("group_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_reason_codes")),
        schema="claims",
    )
    op.bulk_insert(
        reason_codes,
        [{"code": c, "group_code": g, "description": d, "member_text": m} for c, g, d, m in CARC],
    )
    op.create_table(
        "fee_schedule",
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("allowed_amount", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("provider_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("updated_by", sa.Text(), server_default=sa.text("session_user"), nullable=True),
        sa.CheckConstraint("allowed_amount >= 0", name=op.f("ck_fee_schedule_allowed_nonnegative")),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name=op.f("ck_fee_schedule_dates")),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.providers.id"], name=op.f("fk_fee_schedule_provider_id_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule")),
        schema="provider",
    )
    op.create_index(
        "ix_fee_schedule_lookup", "fee_schedule", ["procedure_code", "provider_id", "effective_from"], unique=False, schema="provider"
    )


def downgrade() -> None:
    op.drop_index("ix_fee_schedule_lookup", table_name="fee_schedule", schema="provider")
    op.drop_table("fee_schedule", schema="provider")
    op.drop_table("reason_codes", schema="claims")
