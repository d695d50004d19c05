"""Seed schema: the thirteen domains of seed 000, one PostgreSQL schema each.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

SCHEMAS = (
    "policy_admin", "enrollment", "eligibility", "provider", "claims", "billing", "notifications",
    "consent", "documents", "triage", "care", "group_scheme", "broker_api",
)

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.create_table('outbox',
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='billing'
    )
    op.create_index('ix_billing_outbox_unpublished', 'outbox', ['created_at'], unique=False, schema='billing', postgresql_where='published_at IS NULL')
    op.create_table('projection_checkpoints',
    sa.Column('consumer_group', sa.String(length=120), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consumer_group', 'topic', 'partition', name=op.f('pk_projection_checkpoints')),
    schema='billing'
    )
    op.create_table('broker_configs',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('broker_id', sa.String(length=40), nullable=False),
    sa.Column('delegated_authority_limit', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('delegated_authority_limit >= 0', name=op.f('ck_broker_configs_limit_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_configs')),
    sa.UniqueConstraint('broker_id', name=op.f('uq_broker_configs_broker_id')),
    sa.UniqueConstraint('locator', name=op.f('uq_broker_configs_locator')),
    schema='broker_api'
    )
    op.create_table('commissions',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('broker_id', sa.String(length=40), nullable=False),
    sa.Column('policy_locator', sa.String(length=40), nullable=False),
    sa.Column('rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='PENDING', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('PENDING', 'PAID')", name=op.f('ck_commissions_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_commissions_amount_nonnegative')),
    sa.CheckConstraint('rate >= 0 AND rate <= 1', name=op.f('ck_commissions_rate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissions')),
    sa.UniqueConstraint('locator', name=op.f('uq_commissions_locator')),
    schema='broker_api'
    )
    op.create_index(op.f('ix_commissions_broker_id'), 'commissions', ['broker_id'], unique=False, schema='broker_api')
    op.create_table('appointments',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('episode_locator', sa.String(length=40), nullable=False),
    sa.Column('provider_locator', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='SCHEDULED', nullable=False),
    sa.Column('slot_locator', sa.String(length=40), nullable=True),
    sa.Column('link_out_url', sa.Text(), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('SCHEDULED', 'COMPLETED', 'CANCELLED', 'NO_SHOW')", name=op.f('ck_appointments_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('locator', name=op.f('uq_appointments_locator')),
    schema='care'
    )
    op.create_index(op.f('ix_appointments_episode_locator'), 'appointments', ['episode_locator'], unique=False, schema='care')
    op.create_table('diagnostics_referrals',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('episode_locator', sa.String(length=40), nullable=False),
    sa.Column('referral_type', sa.String(length=40), nullable=False),
    sa.Column('clinic_locator', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='REQUESTED', nullable=False),
    sa.Column('appointment_locator', sa.String(length=40), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('REQUESTED', 'BOOKED', 'COMPLETED', 'CANCELLED')", name=op.f('ck_diagnostics_referrals_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnostics_referrals')),
    sa.UniqueConstraint('locator', name=op.f('uq_diagnostics_referrals_locator')),
    schema='care'
    )
    op.create_index(op.f('ix_diagnostics_referrals_episode_locator'), 'diagnostics_referrals', ['episode_locator'], unique=False, schema='care')
    op.create_table('episodes',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('triage_session_locator', sa.String(length=40), nullable=True),
    sa.Column('care_type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='OPEN', nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('OPEN', 'CLOSED', 'CANCELLED')", name=op.f('ck_episodes_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_episodes')),
    sa.UniqueConstraint('locator', name=op.f('uq_episodes_locator')),
    schema='care'
    )
    op.create_index(op.f('ix_episodes_party_locator'), 'episodes', ['party_locator'], unique=False, schema='care')
    op.create_table('prescriptions',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('episode_locator', sa.String(length=40), nullable=False),
    sa.Column('provider_locator', sa.String(length=40), nullable=False),
    sa.Column('medication', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='ISSUED', nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('ISSUED', 'DISPENSED', 'CANCELLED')", name=op.f('ck_prescriptions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescriptions')),
    sa.UniqueConstraint('locator', name=op.f('uq_prescriptions_locator')),
    schema='care'
    )
    op.create_index(op.f('ix_prescriptions_episode_locator'), 'prescriptions', ['episode_locator'], unique=False, schema='care')
    op.create_table('provider_slots',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('provider_locator', sa.String(length=40), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='OPEN', nullable=False),
    sa.Column('appointment_locator', sa.String(length=40), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('OPEN', 'HELD', 'BOOKED', 'CANCELLED')", name=op.f('ck_provider_slots_status')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_provider_slots_times')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_slots')),
    sa.UniqueConstraint('locator', name=op.f('uq_provider_slots_locator')),
    schema='care'
    )
    op.create_index(op.f('ix_provider_slots_provider_locator'), 'provider_slots', ['provider_locator'], unique=False, schema='care')
    op.create_table('outbox',
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='claims'
    )
    op.create_index('ix_claims_outbox_unpublished', 'outbox', ['created_at'], unique=False, schema='claims', postgresql_where='published_at IS NULL')
    op.create_table('consent_audit',
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('consent_type', sa.String(length=60), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=63), server_default=sa.text('session_user'), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_audit')),
    schema='consent'
    )
    op.create_index(op.f('ix_consent_audit_party_locator'), 'consent_audit', ['party_locator'], unique=False, schema='consent')
    op.create_table('consent_records',
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('consent_type', sa.String(length=60), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records')),
    sa.UniqueConstraint('party_locator', 'consent_type', name=op.f('uq_consent_records_party_locator_consent_type')),
    schema='consent'
    )
    op.create_table('deletion_requests',
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('delete_type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='REQUESTED', nullable=False),
    sa.Column('requested_by_type', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("delete_type IN ('ERASURE', 'ANONYMISATION')", name=op.f('ck_deletion_requests_delete_type')),
    sa.CheckConstraint("status IN ('REQUESTED', 'IN_PROGRESS', 'COMPLETED', 'REJECTED', 'FAILED')", name=op.f('ck_deletion_requests_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_requests')),
    schema='consent'
    )
    op.create_index(op.f('ix_deletion_requests_party_locator'), 'deletion_requests', ['party_locator'], unique=False, schema='consent')
    op.create_table('documents',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('party_locator', sa.String(length=40), nullable=True),
    sa.Column('template_type', sa.String(length=20), nullable=False),
    sa.Column('market_code', sa.String(length=8), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=60), server_default='application/pdf', nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.UUID(), nullable=False),
    sa.Column('subject_locator', sa.String(length=40), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('printed_by', sa.String(length=63), nullable=True),
    sa.Column('created_by', sa.String(length=63), server_default=sa.text('session_user'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("template_type IN ('EOB', 'POLICY', 'LETTER')", name=op.f('ck_documents_template_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('locator', name=op.f('uq_documents_locator')),
    schema='documents'
    )
    op.create_index(op.f('ix_documents_party_locator'), 'documents', ['party_locator'], unique=False, schema='documents')
    op.create_index('ix_documents_subject', 'documents', ['subject_type', 'subject_id'], unique=False, schema='documents')
    op.create_table('outbox',
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='documents'
    )
    op.create_table('templates',
    sa.Column('market_code', sa.String(length=8), nullable=False),
    sa.Column('template_type', sa.String(length=20), nullable=False),
    sa.Column('content_html', sa.Text(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("template_type IN ('EOB', 'POLICY', 'LETTER')", name=op.f('ck_templates_template_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_templates')),
    sa.UniqueConstraint('market_code', 'template_type', name=op.f('uq_templates_market_code_template_type')),
    schema='documents'
    )
    op.create_table('projection_checkpoints',
    sa.Column('consumer_group', sa.String(length=120), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consumer_group', 'topic', 'partition', name=op.f('pk_projection_checkpoints')),
    schema='eligibility'
    )
    op.create_table('outbox',
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    schema='enrollment'
    )
    op.create_index('ix_enrollment_outbox_unpublished', 'outbox', ['created_at'], unique=False, schema='enrollment', postgresql_where='published_at IS NULL')
    op.create_table('schemes',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('employer_party_locator', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='ACTIVE', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'SUSPENDED', 'CLOSED')", name=op.f('ck_schemes_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schemes')),
    sa.UniqueConstraint('code', name=op.f('uq_schemes_code')),
    sa.UniqueConstraint('locator', name=op.f('uq_schemes_locator')),
    schema='group_scheme'
    )
    op.create_table('projection_checkpoints',
    sa.Column('consumer_group', sa.String(length=120), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('consumer_group', 'topic', 'partition', name=op.f('pk_projection_checkpoints')),
    schema='notifications'
    )
    op.create_table('accounts',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('billing_level', sa.String(length=10), server_default='ACCOUNT', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('display_number', sa.String(length=40), nullable=False),
    sa.Column('market_code', sa.String(length=8), server_default='US', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("billing_level IN ('ACCOUNT', 'POLICY')", name=op.f('ck_accounts_billing_level')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('display_number', name=op.f('uq_accounts_display_number')),
    sa.UniqueConstraint('locator', name=op.f('uq_accounts_locator')),
    schema='policy_admin'
    )
    op.create_table('market_profiles',
    sa.Column('market_code', sa.String(length=8), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_profiles')),
    sa.UniqueConstraint('market_code', name=op.f('uq_market_profiles_market_code')),
    schema='policy_admin'
    )
    op.create_table('parties',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=True),
    sa.Column('last_name', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("type IN ('INDIVIDUAL', 'ORGANISATION', 'PROVIDER')", name=op.f('ck_parties_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties')),
    sa.UniqueConstraint('locator', name=op.f('uq_parties_locator')),
    schema='policy_admin'
    )
    op.create_index('ix_parties_name_search', 'parties', ['last_name', 'first_name'], unique=False, schema='policy_admin')
    op.create_table('products',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('lob', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='ACTIVE', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'RETIRED')", name=op.f('ck_products_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('code', name=op.f('uq_products_code')),
    sa.UniqueConstraint('locator', name=op.f('uq_products_locator')),
    schema='policy_admin'
    )
    op.create_table('sessions',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='OPEN', nullable=False),
    sa.Column('chief_complaint', sa.Text(), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=True),
    sa.Column('recommendation', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('consent_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('OPEN', 'COMPLETED', 'ABANDONED', 'ESCALATED')", name=op.f('ck_sessions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('locator', name=op.f('uq_sessions_locator')),
    schema='triage'
    )
    op.create_index(op.f('ix_sessions_party_locator'), 'sessions', ['party_locator'], unique=False, schema='triage')
    op.create_table('turns',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('session_locator', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('question_type', sa.String(length=40), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('MEMBER', 'ASSISTANT', 'CLINICIAN', 'SYSTEM')", name=op.f('ck_turns_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_turns')),
    sa.UniqueConstraint('locator', name=op.f('uq_turns_locator')),
    schema='triage'
    )
    op.create_index(op.f('ix_turns_session_locator'), 'turns', ['session_locator'], unique=False, schema='triage')
    op.create_table('invoices',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='DRAFT', nullable=False),
    sa.Column('total_amount', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('DRAFT', 'FINALISED', 'PAID', 'VOID')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('total_amount >= 0', name=op.f('ck_invoices_total_nonnegative')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_invoices_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('locator', name=op.f('uq_invoices_locator')),
    schema='billing'
    )
    op.create_index(op.f('ix_invoices_account_id'), 'invoices', ['account_id'], unique=False, schema='billing')
    op.create_table('bulk_enrollment_jobs',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('scheme_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='QUEUED', nullable=False),
    sa.Column('total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('processed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')", name=op.f('ck_bulk_enrollment_jobs_status')),
    sa.CheckConstraint('processed <= total AND failed_count <= processed', name=op.f('ck_bulk_enrollment_jobs_counts')),
    sa.ForeignKeyConstraint(['scheme_id'], ['group_scheme.schemes.id'], name=op.f('fk_bulk_enrollment_jobs_scheme_id_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_enrollment_jobs')),
    sa.UniqueConstraint('locator', name=op.f('uq_bulk_enrollment_jobs_locator')),
    schema='group_scheme'
    )
    op.create_index(op.f('ix_bulk_enrollment_jobs_scheme_id'), 'bulk_enrollment_jobs', ['scheme_id'], unique=False, schema='group_scheme')
    op.create_table('scheme_members',
    sa.Column('scheme_id', sa.UUID(), nullable=False),
    sa.Column('member_party_locator', sa.String(length=40), nullable=False),
    sa.Column('policy_locator', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='ACTIVE', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('ACTIVE', 'LEFT', 'SUSPENDED')", name=op.f('ck_scheme_members_status')),
    sa.ForeignKeyConstraint(['scheme_id'], ['group_scheme.schemes.id'], name=op.f('fk_scheme_members_scheme_id_schemes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheme_members')),
    sa.UniqueConstraint('scheme_id', 'member_party_locator', name=op.f('uq_scheme_members_scheme_id_member_party_locator')),
    schema='group_scheme'
    )
    op.create_table('notification_log',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('party_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='QUEUED', nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('attempt_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('EMAIL', 'SMS', 'POST', 'PUSH')", name=op.f('ck_notification_log_channel')),
    sa.CheckConstraint("status IN ('QUEUED', 'SENT', 'FAILED', 'SKIPPED')", name=op.f('ck_notification_log_status')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_notification_log_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_log')),
    sa.UniqueConstraint('locator', name=op.f('uq_notification_log_locator')),
    schema='notifications'
    )
    op.create_index(op.f('ix_notification_log_party_id'), 'notification_log', ['party_id'], unique=False, schema='notifications')
    op.create_table('notification_preferences',
    sa.Column('party_id', sa.UUID(), nullable=False),
    sa.Column('party_locator', sa.String(length=40), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('preferred_channel', sa.String(length=10), server_default='EMAIL', nullable=False),
    sa.Column('opted_out_events', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("preferred_channel IN ('EMAIL', 'SMS', 'POST', 'PUSH')", name=op.f('ck_notification_preferences_preferred_channel')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_notification_preferences_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('party_id', name=op.f('uq_notification_preferences_party_id')),
    schema='notifications'
    )
    op.create_table('party_roles',
    sa.Column('party_id', sa.UUID(), nullable=False),
    sa.Column('role_type', sa.String(length=40), nullable=False),
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=True),
    sa.Column('policy_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_party_roles_account_id_accounts')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_party_roles_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_roles')),
    sa.UniqueConstraint('locator', name=op.f('uq_party_roles_locator')),
    schema='policy_admin'
    )
    op.create_index(op.f('ix_party_roles_party_id'), 'party_roles', ['party_id'], unique=False, schema='policy_admin')
    op.create_table('product_versions',
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['policy_admin.products.id'], name=op.f('fk_product_versions_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_versions')),
    sa.UniqueConstraint('product_id', 'version', name=op.f('uq_product_versions_product_id_version')),
    schema='policy_admin'
    )
    op.create_table('providers',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('party_id', sa.UUID(), nullable=True),
    sa.Column('party_locator', sa.String(length=40), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('specialty', sa.String(length=80), nullable=True),
    sa.Column('network_status', sa.String(length=20), nullable=False),
    sa.Column('address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("network_status IN ('IN_NETWORK', 'OUT_OF_NETWORK')", name=op.f('ck_providers_network_status')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_providers_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('locator', name=op.f('uq_providers_locator')),
    sa.UniqueConstraint('npi', name=op.f('uq_providers_npi')),
    schema='provider'
    )
    op.create_index('ix_providers_name', 'providers', ['name'], unique=False, schema='provider')
    op.create_table('adjustments',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.UUID(), nullable=True),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_adjustments_account_id_accounts')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing.invoices.id'], name=op.f('fk_adjustments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments')),
    sa.UniqueConstraint('locator', name=op.f('uq_adjustments_locator')),
    schema='billing'
    )
    op.create_table('installments',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.UUID(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='SCHEDULED', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('SCHEDULED', 'PAID', 'MISSED', 'CANCELLED')", name=op.f('ck_installments_status')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing.invoices.id'], name=op.f('fk_installments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installments')),
    sa.UniqueConstraint('locator', name=op.f('uq_installments_locator')),
    schema='billing'
    )
    op.create_index(op.f('ix_installments_invoice_id'), 'installments', ['invoice_id'], unique=False, schema='billing')
    op.create_table('payments',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.UUID(), nullable=True),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='PENDING', nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('PENDING', 'SETTLED', 'FAILED', 'REFUNDED')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_payments_account_id_accounts')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing.invoices.id'], name=op.f('fk_payments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('locator', name=op.f('uq_payments_locator')),
    schema='billing'
    )
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False, schema='billing')
    op.create_table('quotes',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('product_version_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='DRAFT', nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("status IN ('DRAFT', 'QUOTED', 'ACCEPTED', 'EXPIRED', 'DECLINED')", name=op.f('ck_quotes_status')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_quotes_account_id_accounts')),
    sa.ForeignKeyConstraint(['product_version_id'], ['policy_admin.product_versions.id'], name=op.f('fk_quotes_product_version_id_product_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('locator', name=op.f('uq_quotes_locator')),
    schema='enrollment'
    )
    op.create_index(op.f('ix_quotes_account_id'), 'quotes', ['account_id'], unique=False, schema='enrollment')
    op.create_table('field_definitions',
    sa.Column('product_version_id', sa.UUID(), nullable=False),
    sa.Column('field_key', sa.String(length=80), nullable=False),
    sa.Column('field_type', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_version_id'], ['policy_admin.product_versions.id'], name=op.f('fk_field_definitions_product_version_id_product_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_definitions')),
    sa.UniqueConstraint('product_version_id', 'field_key', name=op.f('uq_field_definitions_product_version_id_field_key')),
    schema='policy_admin'
    )
    op.create_table('rule_sets',
    sa.Column('product_version_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('rule_set_type', sa.String(length=40), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_version_id'], ['policy_admin.product_versions.id'], name=op.f('fk_rule_sets_product_version_id_product_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_sets')),
    schema='policy_admin'
    )
    op.create_index(op.f('ix_rule_sets_product_version_id'), 'rule_sets', ['product_version_id'], unique=False, schema='policy_admin')
    op.create_table('credentialing_requests',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='SUBMITTED', nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_notes', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('SUBMITTED', 'IN_REVIEW', 'APPROVED', 'REJECTED')", name=op.f('ck_credentialing_requests_status')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.providers.id'], name=op.f('fk_credentialing_requests_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentialing_requests')),
    sa.UniqueConstraint('locator', name=op.f('uq_credentialing_requests_locator')),
    schema='provider'
    )
    op.create_index(op.f('ix_credentialing_requests_provider_id'), 'credentialing_requests', ['provider_id'], unique=False, schema='provider')
    op.create_table('policies',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('quote_id', sa.UUID(), nullable=True),
    sa.Column('product_version_id', sa.UUID(), nullable=False),
    sa.Column('policyholder_party_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='PENDING', nullable=False),
    sa.Column('inception_date', sa.Date(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('market_code', sa.String(length=8), server_default='US', nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("status IN ('PENDING', 'ISSUED', 'ACTIVE', 'LAPSED', 'CANCELLED', 'EXPIRED')", name=op.f('ck_policies_status')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_policies_account_id_accounts')),
    sa.ForeignKeyConstraint(['policyholder_party_id'], ['policy_admin.parties.id'], name=op.f('fk_policies_policyholder_party_id_parties')),
    sa.ForeignKeyConstraint(['product_version_id'], ['policy_admin.product_versions.id'], name=op.f('fk_policies_product_version_id_product_versions')),
    sa.ForeignKeyConstraint(['quote_id'], ['enrollment.quotes.id'], name=op.f('fk_policies_quote_id_quotes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('locator', name=op.f('uq_policies_locator')),
    schema='enrollment'
    )
    op.create_index(op.f('ix_policies_account_id'), 'policies', ['account_id'], unique=False, schema='enrollment')
    op.create_index(op.f('ix_policies_policyholder_party_id'), 'policies', ['policyholder_party_id'], unique=False, schema='enrollment')
    op.create_table('quote_field_values',
    sa.Column('quote_id', sa.UUID(), nullable=False),
    sa.Column('field_def_id', sa.UUID(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['field_def_id'], ['policy_admin.field_definitions.id'], name=op.f('fk_quote_field_values_field_def_id_field_definitions')),
    sa.ForeignKeyConstraint(['quote_id'], ['enrollment.quotes.id'], name=op.f('fk_quote_field_values_quote_id_quotes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_field_values')),
    sa.UniqueConstraint('quote_id', 'field_def_id', name=op.f('uq_quote_field_values_quote_id_field_def_id')),
    schema='enrollment'
    )
    op.create_table('rule_evaluations',
    sa.Column('rule_set_id', sa.UUID(), nullable=False),
    sa.Column('entity_id', sa.UUID(), nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['rule_set_id'], ['policy_admin.rule_sets.id'], name=op.f('fk_rule_evaluations_rule_set_id_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_evaluations')),
    schema='policy_admin'
    )
    op.create_index(op.f('ix_rule_evaluations_rule_set_id'), 'rule_evaluations', ['rule_set_id'], unique=False, schema='policy_admin')
    op.create_table('rules',
    sa.Column('rule_set_id', sa.UUID(), nullable=False),
    sa.Column('condition', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), server_default='100', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['rule_set_id'], ['policy_admin.rule_sets.id'], name=op.f('fk_rules_rule_set_id_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules')),
    schema='policy_admin'
    )
    op.create_index(op.f('ix_rules_rule_set_id'), 'rules', ['rule_set_id'], unique=False, schema='policy_admin')
    op.create_table('ledger_entries',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=True),
    sa.Column('entry_type', sa.String(length=40), nullable=False),
    sa.Column('ledger_account', sa.String(length=40), nullable=False),
    sa.Column('reference_id', sa.UUID(), nullable=False),
    sa.Column('reference_type', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name=op.f('ck_ledger_entries_direction')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_ledger_entries_amount_nonnegative')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_ledger_entries_account_id_accounts')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_ledger_entries_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('locator', name=op.f('uq_ledger_entries_locator')),
    schema='billing'
    )
    op.create_index(op.f('ix_ledger_entries_account_id'), 'ledger_entries', ['account_id'], unique=False, schema='billing')
    op.create_index('ix_ledger_entries_reference', 'ledger_entries', ['reference_type', 'reference_id'], unique=False, schema='billing')
    op.create_table('prior_auths',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=True),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('member_party_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('procedure_code', sa.String(length=20), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('REQUESTED', 'APPROVED', 'DENIED', 'EXPIRED', 'CANCELLED')", name=op.f('ck_prior_auths_status')),
    sa.ForeignKeyConstraint(['member_party_id'], ['policy_admin.parties.id'], name=op.f('fk_prior_auths_member_party_id_parties')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_prior_auths_policy_id_policies')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.providers.id'], name=op.f('fk_prior_auths_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_auths')),
    sa.UniqueConstraint('locator', name=op.f('uq_prior_auths_locator')),
    schema='claims'
    )
    op.create_index('ix_prior_auths_member_code', 'prior_auths', ['member_party_id', 'procedure_code'], unique=False, schema='claims')
    op.create_table('policy_field_values',
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('field_def_id', sa.UUID(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['field_def_id'], ['policy_admin.field_definitions.id'], name=op.f('fk_policy_field_values_field_def_id_field_definitions')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_policy_field_values_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_field_values')),
    sa.UniqueConstraint('policy_id', 'field_def_id', name=op.f('uq_policy_field_values_policy_id_field_def_id')),
    schema='enrollment'
    )
    op.create_table('policy_terms',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('term_number', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='ACTIVE', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('PENDING', 'ACTIVE', 'EXPIRED', 'CANCELLED')", name=op.f('ck_policy_terms_status')),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_policy_terms_dates')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_policy_terms_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_terms')),
    sa.UniqueConstraint('locator', name=op.f('uq_policy_terms_locator')),
    sa.UniqueConstraint('policy_id', 'term_number', name=op.f('uq_policy_terms_policy_id_term_number')),
    schema='enrollment'
    )
    op.create_table('underwriting_flags',
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('flag_type', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_underwriting_flags_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_underwriting_flags')),
    schema='enrollment'
    )
    op.create_index(op.f('ix_underwriting_flags_policy_id'), 'underwriting_flags', ['policy_id'], unique=False, schema='enrollment')
    op.create_table('claims',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('term_id', sa.UUID(), nullable=True),
    sa.Column('claimant_party_id', sa.UUID(), nullable=False),
    sa.Column('provider_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='RECEIVED', nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claim_type', sa.String(length=20), server_default='PROFESSIONAL', nullable=False),
    sa.Column('payee', sa.String(length=10), server_default='PROVIDER', nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False),
    sa.Column('amount_claimed', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('amount_allowed', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('member_responsibility', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('pend_reason', sa.String(length=20), nullable=True),
    sa.Column('pend_note', sa.Text(), nullable=True),
    sa.Column('manual_review', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('assignee', sa.String(length=63), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('adjudicated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("payee IN ('PROVIDER', 'MEMBER')", name=op.f('ck_claims_payee')),
    sa.CheckConstraint("pend_reason IS NULL OR pend_reason IN ('DUPLICATE', 'HIGH_AMOUNT', 'MISSING_DATA', 'MANUAL_REVIEW', 'PRICING_ERROR')", name=op.f('ck_claims_pend_reason')),
    sa.CheckConstraint("status IN ('RECEIVED', 'PENDED', 'APPROVED', 'PARTIALLY_APPROVED', 'DENIED', 'FINALIZED', 'REOPENED', 'VOIDED')", name=op.f('ck_claims_status')),
    sa.CheckConstraint('amount_allowed >= 0', name=op.f('ck_claims_amount_allowed_nonnegative')),
    sa.CheckConstraint('amount_claimed >= 0', name=op.f('ck_claims_amount_claimed_nonnegative')),
    sa.CheckConstraint('amount_paid >= 0', name=op.f('ck_claims_amount_paid_nonnegative')),
    sa.CheckConstraint('member_responsibility >= 0', name=op.f('ck_claims_member_responsibility_nonnegative')),
    sa.ForeignKeyConstraint(['claimant_party_id'], ['policy_admin.parties.id'], name=op.f('fk_claims_claimant_party_id_parties')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_claims_policy_id_policies')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.providers.id'], name=op.f('fk_claims_provider_id_providers')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_claims_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('locator', name=op.f('uq_claims_locator')),
    schema='claims'
    )
    op.create_index('ix_claims_assignee', 'claims', ['assignee', 'status'], unique=False, schema='claims')
    op.create_index('ix_claims_member_incident', 'claims', ['claimant_party_id', 'incident_date'], unique=False, schema='claims')
    op.create_index(op.f('ix_claims_policy_id'), 'claims', ['policy_id'], unique=False, schema='claims')
    op.create_index('ix_claims_provider', 'claims', ['provider_id'], unique=False, schema='claims')
    op.create_index('ix_claims_queue', 'claims', ['status', 'received_at', 'id'], unique=False, schema='claims')
    op.create_table('coverage_accumulators',
    sa.Column('party_id', sa.UUID(), nullable=False),
    sa.Column('term_id', sa.UUID(), nullable=False),
    sa.Column('accumulator_type', sa.String(length=20), nullable=False),
    sa.Column('coverage_term_key', sa.String(length=60), nullable=False),
    sa.Column('limit_amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('consumed_amount', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('last_claim_locator', sa.String(length=40), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("accumulator_type IN ('DEDUCTIBLE', 'OUT_OF_POCKET', 'BENEFIT_LIMIT', 'VISIT_LIMIT')", name=op.f('ck_coverage_accumulators_accumulator_type')),
    sa.CheckConstraint('consumed_amount >= 0', name=op.f('ck_coverage_accumulators_consumed_nonnegative')),
    sa.CheckConstraint('limit_amount >= 0', name=op.f('ck_coverage_accumulators_limit_nonnegative')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_coverage_accumulators_party_id_parties')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_coverage_accumulators_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_accumulators')),
    sa.UniqueConstraint('party_id', 'term_id', 'accumulator_type', 'coverage_term_key', name=op.f('uq_coverage_accumulators_party_id_term_id_accumulator_type_coverage_term_key')),
    schema='eligibility'
    )
    op.create_index(op.f('ix_coverage_accumulators_term_id'), 'coverage_accumulators', ['term_id'], unique=False, schema='eligibility')
    op.create_table('policy_elements',
    sa.Column('static_id', sa.UUID(), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('term_id', sa.UUID(), nullable=True),
    sa.Column('element_type', sa.String(length=40), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_policy_elements_policy_id_policies')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_policy_elements_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_elements')),
    schema='enrollment'
    )
    op.create_index(op.f('ix_policy_elements_policy_id'), 'policy_elements', ['policy_id'], unique=False, schema='enrollment')
    op.create_index(op.f('ix_policy_elements_static_id'), 'policy_elements', ['static_id'], unique=False, schema='enrollment')
    op.create_table('policy_transactions',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('term_id', sa.UUID(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='APPLIED', nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('ISSUANCE', 'ENDORSEMENT', 'RENEWAL', 'CANCELLATION', 'REINSTATEMENT')", name=op.f('ck_policy_transactions_category')),
    sa.CheckConstraint("status IN ('DRAFT', 'APPLIED', 'REVERSED')", name=op.f('ck_policy_transactions_status')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_policy_transactions_policy_id_policies')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_policy_transactions_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_transactions')),
    sa.UniqueConstraint('locator', name=op.f('uq_policy_transactions_locator')),
    schema='enrollment'
    )
    op.create_index(op.f('ix_policy_transactions_policy_id'), 'policy_transactions', ['policy_id'], unique=False, schema='enrollment')
    op.create_table('charges',
    sa.Column('locator', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=True),
    sa.Column('term_id', sa.UUID(), nullable=True),
    sa.Column('claim_id', sa.UUID(), nullable=True),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('payee', sa.String(length=10), server_default='PAYER', nullable=False),
    sa.Column('payee_provider_id', sa.UUID(), nullable=True),
    sa.Column('payee_party_id', sa.UUID(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='PENDING', nullable=False),
    sa.Column('charge_date', sa.Date(), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('PREMIUM', 'CLAIM_PAYMENT', 'REFUND', 'FEE')", name=op.f('ck_charges_category')),
    sa.CheckConstraint("payee IN ('PROVIDER', 'MEMBER', 'PAYER')", name=op.f('ck_charges_payee')),
    sa.CheckConstraint("status IN ('PENDING', 'INVOICED', 'PAID', 'CANCELLED')", name=op.f('ck_charges_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_charges_amount_nonnegative')),
    sa.ForeignKeyConstraint(['account_id'], ['policy_admin.accounts.id'], name=op.f('fk_charges_account_id_accounts')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.claims.id'], name=op.f('fk_charges_claim_id_claims')),
    sa.ForeignKeyConstraint(['payee_party_id'], ['policy_admin.parties.id'], name=op.f('fk_charges_payee_party_id_parties')),
    sa.ForeignKeyConstraint(['payee_provider_id'], ['provider.providers.id'], name=op.f('fk_charges_payee_provider_id_providers')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_charges_policy_id_policies')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_charges_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charges')),
    sa.UniqueConstraint('locator', name=op.f('uq_charges_locator')),
    schema='billing'
    )
    op.create_index(op.f('ix_charges_account_id'), 'charges', ['account_id'], unique=False, schema='billing')
    op.create_index(op.f('ix_charges_claim_id'), 'charges', ['claim_id'], unique=False, schema='billing')
    op.create_index(op.f('ix_charges_policy_id'), 'charges', ['policy_id'], unique=False, schema='billing')
    op.create_table('claim_documents',
    sa.Column('claim_id', sa.UUID(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('uploaded_by', sa.String(length=63), server_default=sa.text('session_user'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint('url IS NOT NULL OR content IS NOT NULL', name=op.f('ck_claim_documents_has_content')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.claims.id'], name=op.f('fk_claim_documents_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_documents')),
    schema='claims'
    )
    op.create_index(op.f('ix_claim_documents_claim_id'), 'claim_documents', ['claim_id'], unique=False, schema='claims')
    op.create_table('claim_events',
    sa.Column('claim_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('actor', sa.String(length=63), server_default=sa.text('session_user'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.claims.id'], name=op.f('fk_claim_events_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_events')),
    schema='claims'
    )
    op.create_index('ix_claim_events_claim', 'claim_events', ['claim_id', 'created_at'], unique=False, schema='claims')
    op.create_table('claim_lines',
    sa.Column('claim_id', sa.UUID(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.UUID(), nullable=True),
    sa.Column('coverage_term_key', sa.String(length=60), nullable=False),
    sa.Column('procedure_code', sa.String(length=20), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='PENDING', nullable=False),
    sa.Column('amount_claimed', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('amount_allowed', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('deductible', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('copay', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('coinsurance', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('member_responsibility', sa.Numeric(precision=15, scale=2), server_default='0', nullable=False),
    sa.Column('reason_code', sa.String(length=10), nullable=True),
    sa.Column('reason_codes', postgresql.ARRAY(sa.String(length=10)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('override_allowed', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('override_deny_carc', sa.String(length=10), nullable=True),
    sa.Column('override_note', sa.Text(), nullable=True),
    sa.Column('overridden_by', sa.String(length=63), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.Text(), server_default=sa.text('session_user'), nullable=True),
    sa.CheckConstraint("status IN ('PENDING', 'APPROVED', 'DENIED')", name=op.f('ck_claim_lines_status')),
    sa.CheckConstraint('amount_allowed <= amount_claimed', name=op.f('ck_claim_lines_allowed_within_claimed')),
    sa.CheckConstraint('amount_allowed >= 0', name=op.f('ck_claim_lines_amount_allowed_nonnegative')),
    sa.CheckConstraint('amount_claimed >= 0', name=op.f('ck_claim_lines_amount_claimed_nonnegative')),
    sa.CheckConstraint('amount_paid >= 0', name=op.f('ck_claim_lines_amount_paid_nonnegative')),
    sa.CheckConstraint('coinsurance >= 0', name=op.f('ck_claim_lines_coinsurance_nonnegative')),
    sa.CheckConstraint('copay >= 0', name=op.f('ck_claim_lines_copay_nonnegative')),
    sa.CheckConstraint('deductible >= 0', name=op.f('ck_claim_lines_deductible_nonnegative')),
    sa.CheckConstraint('line_number > 0', name=op.f('ck_claim_lines_line_number_positive')),
    sa.CheckConstraint('member_responsibility >= 0', name=op.f('ck_claim_lines_member_responsibility_nonnegative')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.claims.id'], name=op.f('fk_claim_lines_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['element_id'], ['enrollment.policy_elements.id'], name=op.f('fk_claim_lines_element_id_policy_elements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_lines')),
    sa.UniqueConstraint('claim_id', 'line_number', name=op.f('uq_claim_lines_claim_id_line_number')),
    schema='claims'
    )
    op.create_table('member_coverage',
    sa.Column('party_id', sa.UUID(), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('policy_element_id', sa.UUID(), nullable=True),
    sa.Column('element_static_id', sa.UUID(), nullable=True),
    sa.Column('term_id', sa.UUID(), nullable=True),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('element_type', sa.String(length=40), nullable=False),
    sa.Column('coverage_terms', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='ACTIVE', nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED', 'PENDING')", name=op.f('ck_member_coverage_status')),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_member_coverage_dates')),
    sa.ForeignKeyConstraint(['party_id'], ['policy_admin.parties.id'], name=op.f('fk_member_coverage_party_id_parties')),
    sa.ForeignKeyConstraint(['policy_element_id'], ['enrollment.policy_elements.id'], name=op.f('fk_member_coverage_policy_element_id_policy_elements')),
    sa.ForeignKeyConstraint(['policy_id'], ['enrollment.policies.id'], name=op.f('fk_member_coverage_policy_id_policies')),
    sa.ForeignKeyConstraint(['term_id'], ['enrollment.policy_terms.id'], name=op.f('fk_member_coverage_term_id_policy_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_coverage')),
    schema='eligibility'
    )
    op.create_index('ix_member_coverage_party_dates', 'member_coverage', ['party_id', 'effective_from'], unique=False, schema='eligibility')
    op.create_index(op.f('ix_member_coverage_policy_id'), 'member_coverage', ['policy_id'], unique=False, schema='eligibility')
    op.create_table('transaction_field_values',
    sa.Column('transaction_id', sa.UUID(), nullable=False),
    sa.Column('field_def_id', sa.UUID(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['field_def_id'], ['policy_admin.field_definitions.id'], name=op.f('fk_transaction_field_values_field_def_id_field_definitions')),
    sa.ForeignKeyConstraint(['transaction_id'], ['enrollment.policy_transactions.id'], name=op.f('fk_transaction_field_values_transaction_id_policy_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_field_values')),
    sa.UniqueConstraint('transaction_id', 'field_def_id', name=op.f('uq_transaction_field_values_transaction_id_field_def_id')),
    schema='enrollment'
    )
    op.create_table('invoice_line_items',
    sa.Column('invoice_id', sa.UUID(), nullable=False),
    sa.Column('charge_id', sa.UUID(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['billing.charges.id'], name=op.f('fk_invoice_line_items_charge_id_charges')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing.invoices.id'], name=op.f('fk_invoice_line_items_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line_items')),
    sa.UniqueConstraint('charge_id', name=op.f('uq_invoice_line_items_charge_id')),
    schema='billing'
    )
    op.create_index(op.f('ix_invoice_line_items_invoice_id'), 'invoice_line_items', ['invoice_id'], unique=False, schema='billing')


def downgrade() -> None:
    op.drop_index(op.f('ix_invoice_line_items_invoice_id'), table_name='invoice_line_items', schema='billing')
    op.drop_table('invoice_line_items', schema='billing')
    op.drop_table('transaction_field_values', schema='enrollment')
    op.drop_index(op.f('ix_member_coverage_policy_id'), table_name='member_coverage', schema='eligibility')
    op.drop_index('ix_member_coverage_party_dates', table_name='member_coverage', schema='eligibility')
    op.drop_table('member_coverage', schema='eligibility')
    op.drop_table('claim_lines', schema='claims')
    op.drop_index('ix_claim_events_claim', table_name='claim_events', schema='claims')
    op.drop_table('claim_events', schema='claims')
    op.drop_index(op.f('ix_claim_documents_claim_id'), table_name='claim_documents', schema='claims')
    op.drop_table('claim_documents', schema='claims')
    op.drop_index(op.f('ix_charges_policy_id'), table_name='charges', schema='billing')
    op.drop_index(op.f('ix_charges_claim_id'), table_name='charges', schema='billing')
    op.drop_index(op.f('ix_charges_account_id'), table_name='charges', schema='billing')
    op.drop_table('charges', schema='billing')
    op.drop_index(op.f('ix_policy_transactions_policy_id'), table_name='policy_transactions', schema='enrollment')
    op.drop_table('policy_transactions', schema='enrollment')
    op.drop_index(op.f('ix_policy_elements_static_id'), table_name='policy_elements', schema='enrollment')
    op.drop_index(op.f('ix_policy_elements_policy_id'), table_name='policy_elements', schema='enrollment')
    op.drop_table('policy_elements', schema='enrollment')
    op.drop_index(op.f('ix_coverage_accumulators_term_id'), table_name='coverage_accumulators', schema='eligibility')
    op.drop_table('coverage_accumulators', schema='eligibility')
    op.drop_index('ix_claims_queue', table_name='claims', schema='claims')
    op.drop_index('ix_claims_provider', table_name='claims', schema='claims')
    op.drop_index(op.f('ix_claims_policy_id'), table_name='claims', schema='claims')
    op.drop_index('ix_claims_member_incident', table_name='claims', schema='claims')
    op.drop_index('ix_claims_assignee', table_name='claims', schema='claims')
    op.drop_table('claims', schema='claims')
    op.drop_index(op.f('ix_underwriting_flags_policy_id'), table_name='underwriting_flags', schema='enrollment')
    op.drop_table('underwriting_flags', schema='enrollment')
    op.drop_table('policy_terms', schema='enrollment')
    op.drop_table('policy_field_values', schema='enrollment')
    op.drop_index('ix_prior_auths_member_code', table_name='prior_auths', schema='claims')
    op.drop_table('prior_auths', schema='claims')
    op.drop_index('ix_ledger_entries_reference', table_name='ledger_entries', schema='billing')
    op.drop_index(op.f('ix_ledger_entries_account_id'), table_name='ledger_entries', schema='billing')
    op.drop_table('ledger_entries', schema='billing')
    op.drop_index(op.f('ix_rules_rule_set_id'), table_name='rules', schema='policy_admin')
    op.drop_table('rules', schema='policy_admin')
    op.drop_index(op.f('ix_rule_evaluations_rule_set_id'), table_name='rule_evaluations', schema='policy_admin')
    op.drop_table('rule_evaluations', schema='policy_admin')
    op.drop_table('quote_field_values', schema='enrollment')
    op.drop_index(op.f('ix_policies_policyholder_party_id'), table_name='policies', schema='enrollment')
    op.drop_index(op.f('ix_policies_account_id'), table_name='policies', schema='enrollment')
    op.drop_table('policies', schema='enrollment')
    op.drop_index(op.f('ix_credentialing_requests_provider_id'), table_name='credentialing_requests', schema='provider')
    op.drop_table('credentialing_requests', schema='provider')
    op.drop_index(op.f('ix_rule_sets_product_version_id'), table_name='rule_sets', schema='policy_admin')
    op.drop_table('rule_sets', schema='policy_admin')
    op.drop_table('field_definitions', schema='policy_admin')
    op.drop_index(op.f('ix_quotes_account_id'), table_name='quotes', schema='enrollment')
    op.drop_table('quotes', schema='enrollment')
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments', schema='billing')
    op.drop_table('payments', schema='billing')
    op.drop_index(op.f('ix_installments_invoice_id'), table_name='installments', schema='billing')
    op.drop_table('installments', schema='billing')
    op.drop_table('adjustments', schema='billing')
    op.drop_index('ix_providers_name', table_name='providers', schema='provider')
    op.drop_table('providers', schema='provider')
    op.drop_table('product_versions', schema='policy_admin')
    op.drop_index(op.f('ix_party_roles_party_id'), table_name='party_roles', schema='policy_admin')
    op.drop_table('party_roles', schema='policy_admin')
    op.drop_table('notification_preferences', schema='notifications')
    op.drop_index(op.f('ix_notification_log_party_id'), table_name='notification_log', schema='notifications')
    op.drop_table('notification_log', schema='notifications')
    op.drop_table('scheme_members', schema='group_scheme')
    op.drop_index(op.f('ix_bulk_enrollment_jobs_scheme_id'), table_name='bulk_enrollment_jobs', schema='group_scheme')
    op.drop_table('bulk_enrollment_jobs', schema='group_scheme')
    op.drop_index(op.f('ix_invoices_account_id'), table_name='invoices', schema='billing')
    op.drop_table('invoices', schema='billing')
    op.drop_index(op.f('ix_turns_session_locator'), table_name='turns', schema='triage')
    op.drop_table('turns', schema='triage')
    op.drop_index(op.f('ix_sessions_party_locator'), table_name='sessions', schema='triage')
    op.drop_table('sessions', schema='triage')
    op.drop_table('products', schema='policy_admin')
    op.drop_index('ix_parties_name_search', table_name='parties', schema='policy_admin')
    op.drop_table('parties', schema='policy_admin')
    op.drop_table('market_profiles', schema='policy_admin')
    op.drop_table('accounts', schema='policy_admin')
    op.drop_table('projection_checkpoints', schema='notifications')
    op.drop_table('schemes', schema='group_scheme')
    op.drop_index('ix_enrollment_outbox_unpublished', table_name='outbox', schema='enrollment', postgresql_where='published_at IS NULL')
    op.drop_table('outbox', schema='enrollment')
    op.drop_table('projection_checkpoints', schema='eligibility')
    op.drop_table('templates', schema='documents')
    op.drop_table('outbox', schema='documents')
    op.drop_index('ix_documents_subject', table_name='documents', schema='documents')
    op.drop_index(op.f('ix_documents_party_locator'), table_name='documents', schema='documents')
    op.drop_table('documents', schema='documents')
    op.drop_index(op.f('ix_deletion_requests_party_locator'), table_name='deletion_requests', schema='consent')
    op.drop_table('deletion_requests', schema='consent')
    op.drop_table('consent_records', schema='consent')
    op.drop_index(op.f('ix_consent_audit_party_locator'), table_name='consent_audit', schema='consent')
    op.drop_table('consent_audit', schema='consent')
    op.drop_index('ix_claims_outbox_unpublished', table_name='outbox', schema='claims', postgresql_where='published_at IS NULL')
    op.drop_table('outbox', schema='claims')
    op.drop_index(op.f('ix_provider_slots_provider_locator'), table_name='provider_slots', schema='care')
    op.drop_table('provider_slots', schema='care')
    op.drop_index(op.f('ix_prescriptions_episode_locator'), table_name='prescriptions', schema='care')
    op.drop_table('prescriptions', schema='care')
    op.drop_index(op.f('ix_episodes_party_locator'), table_name='episodes', schema='care')
    op.drop_table('episodes', schema='care')
    op.drop_index(op.f('ix_diagnostics_referrals_episode_locator'), table_name='diagnostics_referrals', schema='care')
    op.drop_table('diagnostics_referrals', schema='care')
    op.drop_index(op.f('ix_appointments_episode_locator'), table_name='appointments', schema='care')
    op.drop_table('appointments', schema='care')
    op.drop_index(op.f('ix_commissions_broker_id'), table_name='commissions', schema='broker_api')
    op.drop_table('commissions', schema='broker_api')
    op.drop_table('broker_configs', schema='broker_api')
    op.drop_table('projection_checkpoints', schema='billing')
    op.drop_index('ix_billing_outbox_unpublished', table_name='outbox', schema='billing', postgresql_where='published_at IS NULL')
    op.drop_table('outbox', schema='billing')
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema}")

