"""Append-only audit trails: claim_events and consent_audit refuse UPDATE, DELETE, TRUNCATE.

The actor of a claim event and the author of a consent change are taken from
``session_user`` by a trigger, so a client cannot write someone else's name.
Triggers fire for every role, owners and superusers included.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRAILS = (("claims", "claim_events", "actor"), ("consent", "consent_audit", "changed_by"))


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION public.claimdesk_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    op.execute(
        """
        CREATE FUNCTION public.claimdesk_stamp_session_user() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], session_user));
            RETURN NEW;
        END $$;
        """
    )
    for schema, table, who in TRAILS:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION public.claimdesk_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {schema}.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.claimdesk_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_stamp_actor BEFORE INSERT ON {schema}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION public.claimdesk_stamp_session_user('{who}')"
        )


def downgrade() -> None:
    for schema, table, _who in TRAILS:
        for trigger in ("append_only", "no_truncate", "stamp_actor"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {schema}.{table}")
    op.execute("DROP FUNCTION IF EXISTS public.claimdesk_stamp_session_user()")
    op.execute("DROP FUNCTION IF EXISTS public.claimdesk_refuse_change()")
