"""A cheaper change log and payments posted for a whole batch at once.

Three changes, all about auto-adjudication speed (bench/adjudicate.py):

* The change log's UPDATE path: ``audit.log_statement()`` turned both row
  versions into JSON, a claim's pricing document included, once per column
  of every row (the planner inlined the subquery into the join filter), and
  copied the document twice more on the way into the log. Now the ordinary
  columns are compared one by one (only those that changed, old and new, as
  before), and each JSONB column that changed goes on a change-log row of
  its own, ``column_name`` set, its old and new values stored as they are.
  A document's change is the row whose ``column_name`` is ``document``.
* ``claim_lines`` is audited on UPDATE when a statement sets a column a
  person or an intake enters (codes, amounts claimed, overrides), not when
  pricing writes its results. Those results are a copy of the claim's
  ``document -> 'pricing'``, written in the same transaction, and the
  claim's UPDATE is logged with the document's old and new values; logging
  every priced line again doubled the audit for no new fact. A column list
  rules out transition tables, so these few updates are logged row by row
  with ``audit.log_change()``.
* ``billing.post_claim_payments(uuid[])`` pays a batch of claims in three
  set-based INSERTs (charges, balanced ledger pairs, outbox).
  ``billing.post_claim_payment(uuid)`` keeps its signature and grants and
  now calls it for one claim, so there is one implementation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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

OLD_LOG_STATEMENT = """
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
"""

# The columns of a claim line that someone enters; the rest are pricing's results.
ENTERED_LINE_COLUMNS = (
    "claim_id, line_number, element_id, coverage_term_key, procedure_code, service_date, amount_claimed, "
    "override_allowed, override_deny_carc, override_note, overridden_by"
)

POST_CLAIM_PAYMENTS = """
CREATE FUNCTION billing.post_claim_payments(p_claims uuid[])
RETURNS TABLE (claim_id uuid, charge_locator text) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE bad record;
BEGIN
    PERFORM 1 FROM claims.claims c WHERE c.id = ANY(p_claims) ORDER BY c.id FOR UPDATE;
    SELECT u.id, c.locator, c.status INTO bad
      FROM unnest(p_claims) AS u(id) LEFT JOIN claims.claims c ON c.id = u.id
     WHERE c.id IS NULL OR c.status NOT IN ('APPROVED', 'PARTIALLY_APPROVED', 'FINALIZED')
     LIMIT 1;
    IF FOUND THEN
        IF bad.locator IS NULL THEN RAISE EXCEPTION 'no claim %', bad.id USING ERRCODE = 'no_data_found'; END IF;
        RAISE EXCEPTION 'claim % is %: only an approved claim is paid', bad.locator, bad.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN QUERY
    WITH due AS (
        -- Paid once: a claim's live payment is reversed (reopen, void) before it can be paid again.
        SELECT c.id, c.locator, c.policy_id, c.term_id, c.provider_id, c.claimant_party_id, c.payee, c.currency,
               c.amount_paid, p.account_id
          FROM claims.claims c JOIN enrollment.policies p ON p.id = c.policy_id
         WHERE c.id = ANY(p_claims) AND c.amount_paid > 0
           AND NOT EXISTS (SELECT 1 FROM billing.charges ch
                            WHERE ch.claim_id = c.id AND ch.category = 'CLAIM_PAYMENT' AND ch.status <> 'CANCELLED')
         ORDER BY c.id
    ), charged AS (
        INSERT INTO billing.charges (locator, policy_id, term_id, claim_id, account_id, category, payee,
                                     payee_provider_id, payee_party_id, amount, currency, status, charge_date)
        SELECT 'CHG-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0'), d.policy_id, d.term_id, d.id,
               d.account_id, 'CLAIM_PAYMENT', d.payee,
               CASE WHEN d.payee = 'PROVIDER' THEN d.provider_id END,
               CASE WHEN d.payee = 'MEMBER' THEN d.claimant_party_id END,
               d.amount_paid, d.currency, 'PENDING', current_date
          FROM due d
        RETURNING billing.charges.id, billing.charges.claim_id, billing.charges.locator, billing.charges.account_id,
                  billing.charges.policy_id, billing.charges.amount, billing.charges.currency
    ), ledger AS (
        -- A balanced pair per charge: one debit, one credit, same amount.
        INSERT INTO billing.ledger_entries (locator, account_id, policy_id, entry_type, ledger_account, reference_id,
                                            reference_type, direction, amount, currency)
        SELECT 'LED-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0'), ch.account_id, ch.policy_id,
               'CLAIM_PAYMENT', side.ledger_account, ch.id, 'CHARGE', side.direction, ch.amount, ch.currency
          FROM charged ch
         CROSS JOIN (VALUES (1, 'DEBIT', 'CLAIMS_EXPENSE'), (2, 'CREDIT', 'CLAIMS_PAYABLE')) AS side(n, direction, ledger_account)
         ORDER BY ch.locator, side.n
    ), announced AS (
        INSERT INTO billing.outbox (topic, key, payload)
        SELECT 'billing.charge.claim_payment', d.locator,
               jsonb_build_object('claim_locator', d.locator, 'amount', ch.amount::text, 'currency', ch.currency,
                                  'actor', session_user)
          FROM charged ch JOIN due d ON d.id = ch.claim_id
    )
    SELECT ch.claim_id, ch.locator::text FROM charged ch;
END $$;
ALTER FUNCTION billing.post_claim_payments(uuid[]) OWNER TO claimdesk_owner;
REVOKE ALL ON FUNCTION billing.post_claim_payments(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.post_claim_payments(uuid[]) TO claimdesk_adjudicator, claimdesk_supervisor, claimdesk_admin;

CREATE OR REPLACE FUNCTION billing.post_claim_payment(p_claim uuid) RETURNS text LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
    SELECT charge_locator FROM billing.post_claim_payments(ARRAY[p_claim])
$$;
"""

OLD_POST_CLAIM_PAYMENT = """
DROP FUNCTION billing.post_claim_payment(uuid);
CREATE FUNCTION billing.post_claim_payment(p_claim uuid) RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE c record; v_account uuid; v_charge uuid; v_loc text;
BEGIN
    SELECT id, locator, policy_id, term_id, provider_id, claimant_party_id, payee, currency, amount_paid, status
      INTO c FROM claims.claims WHERE id = p_claim FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'no claim %', p_claim USING ERRCODE = 'no_data_found'; END IF;
    IF c.status NOT IN ('APPROVED', 'PARTIALLY_APPROVED', 'FINALIZED') THEN
        RAISE EXCEPTION 'claim % is %: only an approved claim is paid', c.locator, c.status USING ERRCODE = 'check_violation';
    END IF;
    IF c.amount_paid <= 0 THEN RETURN NULL; END IF;
    IF EXISTS (SELECT 1 FROM billing.charges WHERE claim_id = c.id AND category = 'CLAIM_PAYMENT' AND status <> 'CANCELLED') THEN
        RETURN NULL;
    END IF;
    SELECT account_id INTO v_account FROM enrollment.policies WHERE id = c.policy_id;
    v_loc := 'CHG-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0');
    INSERT INTO billing.charges (locator, policy_id, term_id, claim_id, account_id, category, payee,
                                 payee_provider_id, payee_party_id, amount, currency, status, charge_date)
    VALUES (v_loc, c.policy_id, c.term_id, c.id, v_account, 'CLAIM_PAYMENT', c.payee,
            CASE WHEN c.payee = 'PROVIDER' THEN c.provider_id END,
            CASE WHEN c.payee = 'MEMBER' THEN c.claimant_party_id END,
            c.amount_paid, c.currency, 'PENDING', current_date)
    RETURNING id INTO v_charge;
    PERFORM billing.post_pair(v_account, c.policy_id, v_charge, c.amount_paid, c.currency,
                              'CLAIM_PAYMENT', 'CLAIMS_EXPENSE', 'CLAIMS_PAYABLE', c.locator);
    RETURN v_loc;
END $$;
ALTER FUNCTION billing.post_claim_payment(uuid) OWNER TO claimdesk_owner;
REVOKE ALL ON FUNCTION billing.post_claim_payment(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.post_claim_payment(uuid) TO claimdesk_adjudicator, claimdesk_supervisor, claimdesk_admin;
DROP FUNCTION billing.post_claim_payments(uuid[]);
"""


def upgrade() -> None:
    op.add_column("change_log", sa.Column("column_name", sa.String(length=63), nullable=True), schema="audit")
    op.execute(LOG_STATEMENT)
    op.execute("DROP TRIGGER claim_lines_audit_update ON claims.claim_lines")
    op.execute(
        f"CREATE TRIGGER claim_lines_audit_update AFTER UPDATE OF {ENTERED_LINE_COLUMNS} ON claims.claim_lines "
        "FOR EACH ROW EXECUTE FUNCTION audit.log_change()"
    )
    op.execute(POST_CLAIM_PAYMENTS)


def downgrade() -> None:
    op.execute(OLD_POST_CLAIM_PAYMENT)
    op.execute("DROP TRIGGER claim_lines_audit_update ON claims.claim_lines")
    op.execute(
        "CREATE TRIGGER claim_lines_audit_update AFTER UPDATE ON claims.claim_lines "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_statement()"
    )
    op.execute(OLD_LOG_STATEMENT)
    op.drop_column("change_log", "column_name", schema="audit")
