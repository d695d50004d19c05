"""Who may do what, enforced by PostgreSQL.

- Group roles for each job; people log in as their own role, a member of one
  or more groups (``claimdesk admin user add``). Tables belong to
  ``claimdesk_owner``, which nobody logs in as.
- Grants follow the job: an adjudicator reads widely but writes only claims
  (and the balances column pricing moves); payments reach billing only through
  SECURITY DEFINER functions; a clerk cannot adjudicate; an auditor changes nothing.
- Row-level security: only the assignee of a leased claim (or a supervisor)
  may change it or its lines, while the lease runs.
- An allowed-amount override above ``claims.settings.supervisor_override_threshold``
  needs a supervisor, checked by a trigger.
- ``audit.change_log``: every change to a claim, claim line, policy, party,
  provider or price, with who, when, and the old and new values; append-only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMAS = (
    "policy_admin", "enrollment", "eligibility", "provider", "claims", "billing", "notifications",
    "consent", "documents", "triage", "care", "group_scheme", "broker_api", "audit",
)
GROUPS = (
    "claimdesk_adjudicator", "claimdesk_supervisor", "claimdesk_enrollment",
    "claimdesk_billing", "claimdesk_auditor", "claimdesk_admin",
)
OWNER = "claimdesk_owner"
AUDITED = (
    ("claims", "claims"), ("claims", "claim_lines"), ("enrollment", "policies"),
    ("policy_admin", "parties"), ("provider", "providers"), ("provider", "fee_schedule"),
)
# Schemas each job reads. Clinical (care, triage) and consent data only where needed.
READS = {
    "claimdesk_adjudicator": ("policy_admin", "enrollment", "eligibility", "provider", "claims", "billing", "documents"),
    "claimdesk_supervisor": ("policy_admin", "enrollment", "eligibility", "provider", "claims", "billing", "documents", "audit"),
    "claimdesk_enrollment": ("policy_admin", "enrollment", "eligibility", "provider", "documents", "group_scheme", "broker_api", "consent", "notifications"),
    "claimdesk_billing": ("policy_admin", "enrollment", "claims", "billing", "documents"),
    "claimdesk_auditor": SCHEMAS,
    "claimdesk_admin": SCHEMAS,
}
CLAIM_WRITES = [
    "GRANT INSERT, UPDATE ON claims.claims, claims.claim_lines TO {r}",
    "GRANT INSERT ON claims.claim_events, claims.outbox, claims.claim_documents TO {r}",
    "GRANT UPDATE (consumed_amount, last_claim_locator, updated_at) ON eligibility.coverage_accumulators TO {r}",
    "GRANT INSERT ON documents.documents, documents.outbox TO {r}",
    "GRANT UPDATE (printed_at, printed_by) ON documents.documents TO {r}",
    "GRANT EXECUTE ON FUNCTION billing.post_claim_payment(uuid), billing.reverse_claim_payment(uuid) TO {r}",
]


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS audit")
    op.create_table(
        "change_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("actor", sa.String(length=63), server_default=sa.text("session_user"), nullable=False),
        sa.Column("table_name", sa.String(length=80), nullable=False),
        sa.Column("row_id", sa.UUID(), nullable=True),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("old_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
        schema="audit",
    )
    op.create_index("ix_change_log_row", "change_log", ["table_name", "row_id", "changed_at"], schema="audit")
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
        schema="claims",
    )
    op.execute(
        "INSERT INTO claims.settings (key, value) VALUES "
        "('supervisor_override_threshold', '5000.00'), ('pend_threshold', '10000.00'), ('lease_minutes', '30')"
    )

    # ---- roles (cluster-wide: created once, shared by every database of the cluster)
    for role in (OWNER, *GROUPS):
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
    op.execute("GRANT claimdesk_adjudicator TO claimdesk_supervisor")

    # ---- functions
    op.execute(
        """
        CREATE FUNCTION claims.is_supervisor() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT pg_has_role(session_user, 'claimdesk_supervisor', 'MEMBER')
                OR pg_has_role(session_user, 'claimdesk_admin', 'MEMBER')
                OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        $$;
        CREATE FUNCTION claims.may_work(p_assignee text, p_until timestamptz) RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT p_assignee IS NULL OR p_assignee = session_user OR p_until IS NULL OR p_until < now()
                OR claims.is_supervisor()
        $$;
        CREATE FUNCTION claims.check_override_authority() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE limit_amount numeric;
        BEGIN
            IF NEW.override_allowed IS NOT NULL AND NEW.override_allowed IS DISTINCT FROM OLD.override_allowed THEN
                SELECT value::numeric INTO limit_amount FROM claims.settings WHERE key = 'supervisor_override_threshold';
                IF limit_amount IS NOT NULL AND NEW.override_allowed > limit_amount AND NOT claims.is_supervisor() THEN
                    RAISE EXCEPTION 'an allowed amount above % needs a supervisor''s override', limit_amount
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER claim_lines_override_authority BEFORE UPDATE OF override_allowed ON claims.claim_lines
            FOR EACH ROW EXECUTE FUNCTION claims.check_override_authority();

        CREATE FUNCTION audit.log_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, public AS $$
        DECLARE o jsonb; n jsonb;
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                -- Only what changed, both sides.
                SELECT jsonb_object_agg(key, value) INTO o FROM jsonb_each(to_jsonb(OLD)) e
                    WHERE e.value IS DISTINCT FROM to_jsonb(NEW) -> e.key;
                SELECT jsonb_object_agg(key, value) INTO n FROM jsonb_each(to_jsonb(NEW)) e
                    WHERE e.value IS DISTINCT FROM to_jsonb(OLD) -> e.key;
                IF o IS NULL AND n IS NULL THEN RETURN NULL; END IF;
            ELSIF TG_OP = 'INSERT' THEN
                n := to_jsonb(NEW);
            ELSE
                o := to_jsonb(OLD);
            END IF;
            INSERT INTO audit.change_log (table_name, row_id, operation, old_values, new_values)
            VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
                    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_OP, o, n);
            RETURN NULL;
        END $$;

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
            -- Paid once: a claim's live payment is reversed (reopen, void) before it can be paid again.
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

        CREATE FUNCTION billing.reverse_claim_payment(p_claim uuid) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, public AS $$
        DECLARE ch record; n integer := 0; v_locator text;
        BEGIN
            SELECT locator INTO v_locator FROM claims.claims WHERE id = p_claim;
            FOR ch IN SELECT id, account_id, policy_id, amount, currency FROM billing.charges
                      WHERE claim_id = p_claim AND category = 'CLAIM_PAYMENT' AND status <> 'CANCELLED' ORDER BY id FOR UPDATE
            LOOP
                UPDATE billing.charges SET status = 'CANCELLED', updated_at = now() WHERE id = ch.id;
                PERFORM billing.post_pair(ch.account_id, ch.policy_id, ch.id, ch.amount, ch.currency,
                                          'CLAIM_PAYMENT_REVERSAL', 'CLAIMS_PAYABLE', 'CLAIMS_EXPENSE', v_locator);
                n := n + 1;
            END LOOP;
            RETURN n;
        END $$;

        CREATE FUNCTION billing.post_pair(p_account uuid, p_policy uuid, p_ref uuid, p_amount numeric, p_currency text,
                                          p_type text, p_debit text, p_credit text, p_claim_locator text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        BEGIN
            -- A balanced pair: one debit, one credit, same amount.
            INSERT INTO billing.ledger_entries (locator, account_id, policy_id, entry_type, ledger_account, reference_id,
                                                reference_type, direction, amount, currency)
            VALUES ('LED-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0'), p_account, p_policy, p_type, p_debit,
                    p_ref, 'CHARGE', 'DEBIT', p_amount, p_currency),
                   ('LED-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0'), p_account, p_policy, p_type, p_credit,
                    p_ref, 'CHARGE', 'CREDIT', p_amount, p_currency);
            INSERT INTO billing.outbox (topic, key, payload)
            VALUES ('billing.charge.' || lower(p_type), p_claim_locator,
                    jsonb_build_object('claim_locator', p_claim_locator, 'amount', p_amount::text, 'currency', p_currency,
                                       'actor', session_user));
        END $$;
        REVOKE ALL ON FUNCTION billing.post_claim_payment(uuid), billing.reverse_claim_payment(uuid),
            billing.post_pair(uuid, uuid, uuid, numeric, text, text, text, text, text) FROM PUBLIC;
        """
    )
    for schema, table in AUDITED:
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION audit.log_change()"
        )
    op.execute(
        "CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON audit.change_log "
        "FOR EACH ROW EXECUTE FUNCTION public.claimdesk_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON audit.change_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION public.claimdesk_refuse_change()"
    )

    # ---- row-level security on leased claims
    op.execute(
        """
        ALTER TABLE claims.claims ENABLE ROW LEVEL SECURITY;
        CREATE POLICY claims_read ON claims.claims FOR SELECT USING (true);
        CREATE POLICY claims_insert ON claims.claims FOR INSERT WITH CHECK (true);
        CREATE POLICY claims_work_own_lease ON claims.claims FOR UPDATE
            USING (claims.may_work(assignee, lease_expires_at)) WITH CHECK (true);
        ALTER TABLE claims.claim_lines ENABLE ROW LEVEL SECURITY;
        CREATE POLICY claim_lines_read ON claims.claim_lines FOR SELECT USING (true);
        CREATE POLICY claim_lines_insert ON claims.claim_lines FOR INSERT WITH CHECK (true);
        CREATE POLICY claim_lines_work_own_lease ON claims.claim_lines FOR UPDATE
            USING (EXISTS (SELECT 1 FROM claims.claims c WHERE c.id = claim_id AND claims.may_work(c.assignee, c.lease_expires_at)))
            WITH CHECK (true);
        """
    )

    # ---- ownership: nobody logs in as the owner
    op.execute(
        f"""
        DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(ARRAY{list(SCHEMAS)}) LOOP
                EXECUTE format('ALTER TABLE %I.%I OWNER TO {OWNER}', r.schemaname, r.tablename);
            END LOOP;
            FOR r IN SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args
                     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname IN ('billing', 'audit', 'claims') LOOP
                EXECUTE format('ALTER FUNCTION %I.%I(%s) OWNER TO {OWNER}', r.nspname, r.proname, r.args);
            END LOOP;
        END $$;
        ALTER SEQUENCE public.claimdesk_locator_seq OWNER TO {OWNER};
        """
    )
    for schema in SCHEMAS:
        op.execute(f"ALTER SCHEMA {schema} OWNER TO {OWNER}")

    # ---- grants
    for role, schemas in READS.items():
        for schema in schemas:
            op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    op.execute(f"GRANT USAGE ON SCHEMA billing TO {', '.join(GROUPS)}")
    op.execute(f"GRANT USAGE ON SEQUENCE public.claimdesk_locator_seq TO {', '.join(GROUPS)}")
    op.execute(f"GRANT SELECT ON public.alembic_version TO {', '.join(GROUPS)}")
    for role in ("claimdesk_adjudicator", "claimdesk_supervisor", "claimdesk_admin"):
        for stmt in CLAIM_WRITES:
            op.execute(stmt.format(r=role))
    op.execute("GRANT INSERT, UPDATE ON claims.prior_auths TO claimdesk_supervisor")
    op.execute(
        """
        GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA enrollment, group_scheme TO claimdesk_enrollment;
        GRANT INSERT, UPDATE ON policy_admin.parties, policy_admin.accounts, policy_admin.party_roles TO claimdesk_enrollment;
        GRANT INSERT, UPDATE ON eligibility.member_coverage TO claimdesk_enrollment;
        GRANT INSERT ON eligibility.coverage_accumulators TO claimdesk_enrollment;
        GRANT INSERT, UPDATE ON consent.consent_records, consent.deletion_requests TO claimdesk_enrollment;
        GRANT INSERT ON consent.consent_audit TO claimdesk_enrollment;
        GRANT INSERT ON documents.documents, documents.outbox TO claimdesk_enrollment;
        GRANT UPDATE (printed_at, printed_by) ON documents.documents TO claimdesk_enrollment;
        GRANT INSERT, UPDATE ON billing.charges, billing.invoices, billing.invoice_line_items, billing.payments,
            billing.adjustments, billing.installments, billing.outbox TO claimdesk_billing;
        GRANT INSERT ON billing.ledger_entries TO claimdesk_billing;
        """
    )
    admin_schemas = ", ".join(s for s in SCHEMAS if s != "audit")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {admin_schemas} TO claimdesk_admin")
    op.execute("GRANT UPDATE (value, updated_at) ON claims.settings TO claimdesk_admin")


def downgrade() -> None:
    op.execute(
        """
        DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT schemaname, tablename FROM pg_tables
                     WHERE schemaname IN ('policy_admin','enrollment','eligibility','provider','claims','billing','notifications',
                                          'consent','documents','triage','care','group_scheme','broker_api','audit') LOOP
                EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', r.schemaname, r.tablename, session_user);
            END LOOP;
        END $$;
        """
    )
    for schema in SCHEMAS:
        op.execute(f"ALTER SCHEMA {schema} OWNER TO {'CURRENT_USER'}")
    op.execute("ALTER SEQUENCE public.claimdesk_locator_seq OWNER TO CURRENT_USER")
    op.execute(
        """
        DROP POLICY IF EXISTS claims_read ON claims.claims;
        DROP POLICY IF EXISTS claims_insert ON claims.claims;
        DROP POLICY IF EXISTS claims_work_own_lease ON claims.claims;
        ALTER TABLE claims.claims DISABLE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS claim_lines_read ON claims.claim_lines;
        DROP POLICY IF EXISTS claim_lines_insert ON claims.claim_lines;
        DROP POLICY IF EXISTS claim_lines_work_own_lease ON claims.claim_lines;
        ALTER TABLE claims.claim_lines DISABLE ROW LEVEL SECURITY;
        DROP TRIGGER IF EXISTS claim_lines_override_authority ON claims.claim_lines;
        """
    )
    for schema, table in AUDITED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_audit ON {schema}.{table}")
    op.execute(
        """
        DROP FUNCTION IF EXISTS billing.post_claim_payment(uuid);
        DROP FUNCTION IF EXISTS billing.reverse_claim_payment(uuid);
        DROP FUNCTION IF EXISTS billing.post_pair(uuid, uuid, uuid, numeric, text, text, text, text, text);
        DROP FUNCTION IF EXISTS claims.check_override_authority();
        DROP FUNCTION IF EXISTS claims.may_work(text, timestamptz);
        DROP FUNCTION IF EXISTS claims.is_supervisor();
        """
    )
    # Privileges granted in this database only; the roles stay while another database still uses them.
    op.execute(f"DROP OWNED BY {', '.join(GROUPS)}")
    op.execute(f"REASSIGN OWNED BY {OWNER} TO CURRENT_USER")
    op.execute(f"DROP OWNED BY {OWNER}")
    op.drop_table("settings", schema="claims")
    op.drop_index("ix_change_log_row", table_name="change_log", schema="audit")
    op.execute("DROP TRIGGER IF EXISTS change_log_append_only ON audit.change_log")
    op.execute("DROP TRIGGER IF EXISTS change_log_no_truncate ON audit.change_log")
    op.drop_table("change_log", schema="audit")
    op.execute("DROP FUNCTION IF EXISTS audit.log_change()")
    op.execute("DROP SCHEMA IF EXISTS audit")
    for role in (*GROUPS, OWNER):
        op.execute(
            f"DO $$ BEGIN DROP ROLE IF EXISTS {role}; "
            "EXCEPTION WHEN dependent_objects_still_exist OR object_in_use THEN NULL; END $$"
        )
