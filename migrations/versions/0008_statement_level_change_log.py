"""The change log, written per statement from transition tables instead of per row.

Every audited table has an ``id`` primary key, so old and new rows pair on it.
Same rows in ``audit.change_log`` (who, when, what changed: old and new
values of the changed columns only), but one INSERT per statement: a batch
that prices five hundred claims writes its audit in one pass.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AUDITED = (
    ("claims", "claims"), ("claims", "claim_lines"), ("enrollment", "policies"),
    ("policy_admin", "parties"), ("provider", "providers"), ("provider", "fee_schedule"),
)


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION audit.log_statement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, public AS $$
        DECLARE tbl text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO audit.change_log (table_name, row_id, operation, new_values)
                SELECT tbl, n.id, 'INSERT', to_jsonb(n) FROM new_rows n;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO audit.change_log (table_name, row_id, operation, old_values)
                SELECT tbl, o.id, 'DELETE', to_jsonb(o) FROM old_rows o;
            ELSE
                -- One pass over each new row's keys: only the columns that changed, both sides.
                INSERT INTO audit.change_log (table_name, row_id, operation, old_values, new_values)
                SELECT tbl, d.id, 'UPDATE', jsonb_object_agg(d.k, d.ov), jsonb_object_agg(d.k, d.nv)
                FROM (SELECT p.id, e.key AS k, p.oj -> e.key AS ov, e.value AS nv
                      FROM (SELECT n.id, to_jsonb(o) AS oj, to_jsonb(n) AS nj
                            FROM old_rows o JOIN new_rows n ON o.id = n.id) p,
                           jsonb_each(p.nj) e
                      WHERE e.value IS DISTINCT FROM p.oj -> e.key) d
                GROUP BY d.id;
            END IF;
            RETURN NULL;
        END $$;
        ALTER FUNCTION audit.log_statement() OWNER TO claimdesk_owner;
        """
    )
    for schema, table in AUDITED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_audit ON {schema}.{table}")
        op.execute(
            f"CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {schema}.{table} REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit.log_statement()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit_update AFTER UPDATE ON {schema}.{table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_statement()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit_delete AFTER DELETE ON {schema}.{table} REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit.log_statement()"
        )


def downgrade() -> None:
    for schema, table in AUDITED:
        for kind in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_audit_{kind} ON {schema}.{table}")
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION audit.log_change()"
        )
    op.execute("DROP FUNCTION IF EXISTS audit.log_statement()")
