"""The change log keeps a changed JSONB column (a claim's document) whole, on a row of its own.

Before, every audited UPDATE turned both row versions into JSON, a claim's
pricing document included, split them into columns and put the changed ones
back together: three deep copies of a document of several kilobytes per
claim priced, about a quarter of the batch's database time.

Now an UPDATE writes one change-log row for the ordinary columns (as before:
only those that changed, old and new), and one more row for each JSONB
column that changed, with ``column_name`` set and the column's old and new
values stored as they are. Reading a claim's trail is the same query; a
document's change is the row whose ``column_name`` is ``document``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LOG_STATEMENT = r"""
CREATE OR REPLACE FUNCTION audit.log_statement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    tbl text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    pairs text;
    documents text[];
    doc text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit.change_log (table_name, row_id, operation, new_values)
        SELECT tbl, n.id, 'INSERT', to_jsonb(n) FROM new_rows n;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit.change_log (table_name, row_id, operation, old_values)
        SELECT tbl, o.id, 'DELETE', to_jsonb(o) FROM old_rows o;
        RETURN NULL;
    END IF;

    SELECT string_agg(format('(%L, to_jsonb(o.%I), to_jsonb(n.%I))', attname, attname, attname), ', ' ORDER BY attnum)
               FILTER (WHERE atttypid <> 'jsonb'::regtype),
           array_agg(attname::text ORDER BY attnum) FILTER (WHERE atttypid = 'jsonb'::regtype)
      INTO pairs, documents
      FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped;

    IF documents IS NULL THEN
        -- No JSONB column: each row becomes JSON once.
        INSERT INTO audit.change_log (table_name, row_id, operation, old_values, new_values)
        WITH p AS MATERIALIZED (
            SELECT n.id, to_jsonb(o) AS oj, to_jsonb(n) AS nj FROM old_rows o JOIN new_rows n ON o.id = n.id
        )
        SELECT tbl, p.id, 'UPDATE', d.ov, d.nv
        FROM p, LATERAL (SELECT jsonb_object_agg(e.key, p.oj -> e.key) AS ov, jsonb_object_agg(e.key, e.value) AS nv
                         FROM jsonb_each(p.nj) e WHERE e.value IS DISTINCT FROM p.oj -> e.key) d
        WHERE d.nv IS NOT NULL;
        RETURN NULL;
    END IF;

    -- The ordinary columns: only those that changed, both sides.
    EXECUTE format(
        'INSERT INTO audit.change_log (table_name, row_id, operation, old_values, new_values)
         SELECT $1, n.id, ''UPDATE'', d.ov, d.nv
         FROM old_rows o JOIN new_rows n ON o.id = n.id,
              LATERAL (SELECT jsonb_object_agg(c.k, c.ov) AS ov, jsonb_object_agg(c.k, c.nv) AS nv
                       FROM (VALUES %s) AS c(k, ov, nv) WHERE c.ov IS DISTINCT FROM c.nv) d
         WHERE d.nv IS NOT NULL', pairs) USING tbl;
    -- Each JSONB column that changed: its old and new values whole, on a row of its own.
    FOREACH doc IN ARRAY documents LOOP
        EXECUTE format(
            'INSERT INTO audit.change_log (table_name, row_id, operation, column_name, old_values, new_values)
             SELECT $1, n.id, ''UPDATE'', %L, o.%I, n.%I FROM old_rows o JOIN new_rows n ON o.id = n.id
             WHERE o.%I IS DISTINCT FROM n.%I', doc, doc, doc, doc, doc) USING tbl;
    END LOOP;
    RETURN NULL;
END $$;
"""

PREVIOUS_LOG_STATEMENT = """
CREATE OR REPLACE FUNCTION audit.log_statement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
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
        INSERT INTO audit.change_log (table_name, row_id, operation, old_values, new_values)
        WITH p AS MATERIALIZED (
            SELECT n.id, to_jsonb(o) AS oj, to_jsonb(n) AS nj FROM old_rows o JOIN new_rows n ON o.id = n.id
        )
        SELECT tbl, p.id, 'UPDATE', d.ov, d.nv
        FROM p, LATERAL (SELECT jsonb_object_agg(e.key, p.oj -> e.key) AS ov, jsonb_object_agg(e.key, e.value) AS nv
                         FROM jsonb_each(p.nj) e WHERE e.value IS DISTINCT FROM p.oj -> e.key) d
        WHERE d.nv IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.add_column(
        "change_log",
        sa.Column("column_name", sa.String(length=63), nullable=True),
        schema="audit",
    )
    op.execute(LOG_STATEMENT)


def downgrade() -> None:
    op.execute(PREVIOUS_LOG_STATEMENT)
    op.drop_column("change_log", "column_name", schema="audit")
