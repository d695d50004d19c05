"""Premium and refund charges for policy changes, through the database.

An enrollment clerk issues, endorses, renews and cancels policies; each of
those changes moves premium. The clerk's role may not write billing tables
(0007), so the charge goes through ``billing.post_premium(transaction,
category, amount)``, which the database runs as its owner after checking:

* the category is PREMIUM or REFUND (never a claim payment or a fee);
* the amount is positive and in cents;
* the policy transaction has had no charge yet; the charge's locator is
  written into the transaction's document, so a second call is refused.

``enrollment.approved_claims_from(policy, day)`` names the claims approved
or paid for care on or after a day, so a cancellation cannot reach back past
them; the clerk's role cannot read claims, and learns only which and when.
It locks the covered members' balances first, as pricing does before reading
their coverage, so a cancellation and a pricing of the same member take turns.

The charge, its balanced pair of ledger entries and its billing outbox message
are written together, in the clerk's transaction. The clerk's role may read
charges, so a policy's premium history can be shown.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

POST_PREMIUM = """
CREATE FUNCTION billing.post_premium(p_transaction uuid, p_category text, p_amount numeric)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE t record; v_charge uuid; v_locator text;
BEGIN
    IF p_category NOT IN ('PREMIUM', 'REFUND') THEN
        RAISE EXCEPTION 'a policy change charges PREMIUM or REFUND, not %', p_category USING ERRCODE = 'check_violation';
    END IF;
    IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
        RAISE EXCEPTION 'a premium charge is a positive amount in cents, not %', p_amount USING ERRCODE = 'check_violation';
    END IF;
    SELECT x.id, x.locator, x.policy_id, x.term_id, x.document, p.locator AS policy_locator, p.account_id,
           p.policyholder_party_id, coalesce(p.document #>> '{premium,currency}', a.currency) AS currency
      INTO t
      FROM enrollment.policy_transactions x
      JOIN enrollment.policies p ON p.id = x.policy_id
      JOIN policy_admin.accounts a ON a.id = p.account_id
     WHERE x.id = p_transaction
       FOR UPDATE OF x;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no policy transaction %', p_transaction USING ERRCODE = 'no_data_found';
    END IF;
    IF t.document ? 'charge' THEN
        RAISE EXCEPTION 'policy transaction % has already been charged (%)', t.locator, t.document ->> 'charge'
            USING ERRCODE = 'unique_violation';
    END IF;
    v_locator := 'CHG-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0');
    INSERT INTO billing.charges (locator, policy_id, term_id, account_id, category, payee, payee_party_id,
                                 amount, currency, status, charge_date)
    VALUES (v_locator, t.policy_id, t.term_id, t.account_id, p_category,
            CASE WHEN p_category = 'REFUND' THEN 'MEMBER' ELSE 'PAYER' END,
            CASE WHEN p_category = 'REFUND' THEN t.policyholder_party_id END,
            p_amount, t.currency, 'PENDING', current_date)
    RETURNING id INTO v_charge;
    -- A balanced pair: premium owed is income; a refund takes income back and is owed to the member.
    INSERT INTO billing.ledger_entries (locator, account_id, policy_id, entry_type, ledger_account, reference_id,
                                        reference_type, direction, amount, currency)
    SELECT 'LED-' || lpad(nextval('public.claimdesk_locator_seq')::text, 8, '0'), t.account_id, t.policy_id,
           p_category, side.ledger_account, v_charge, 'CHARGE', side.direction, p_amount, t.currency
      FROM (VALUES (1, 'DEBIT', CASE WHEN p_category = 'PREMIUM' THEN 'PREMIUM_RECEIVABLE' ELSE 'PREMIUM_INCOME' END),
                   (2, 'CREDIT', CASE WHEN p_category = 'PREMIUM' THEN 'PREMIUM_INCOME' ELSE 'REFUNDS_PAYABLE' END))
           AS side(n, direction, ledger_account)
     ORDER BY side.n;
    INSERT INTO billing.outbox (topic, key, payload)
    VALUES ('billing.charge.' || lower(p_category), t.policy_locator,
            jsonb_build_object('policy_locator', t.policy_locator, 'transaction_locator', t.locator,
                               'charge_locator', v_locator, 'amount', p_amount::text, 'currency', t.currency,
                               'actor', session_user));
    UPDATE enrollment.policy_transactions SET document = document || jsonb_build_object('charge', v_locator)
     WHERE id = t.id;
    RETURN v_locator;
END $$;
ALTER FUNCTION billing.post_premium(uuid, text, numeric) OWNER TO claimdesk_owner;
REVOKE ALL ON FUNCTION billing.post_premium(uuid, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.post_premium(uuid, text, numeric) TO claimdesk_enrollment, claimdesk_admin;
GRANT SELECT ON billing.charges TO claimdesk_enrollment;

-- Claims approved or paid for care on or after a day: a cancellation must not reach back past them.
-- Enrollment cannot read claims; this says only which, and when. It first locks the covered members'
-- balances, as pricing does before it reads their coverage, so a cancellation and a pricing of the same
-- member's claim take turns: whichever is second sees what the first committed.
CREATE FUNCTION enrollment.approved_claims_from(p_policy uuid, p_day date)
RETURNS TABLE (locator text, incident_date date) LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM 1 FROM eligibility.coverage_accumulators a
     WHERE a.party_id IN (SELECT mc.party_id FROM eligibility.member_coverage mc WHERE mc.policy_id = p_policy)
     ORDER BY a.id FOR UPDATE;
    RETURN QUERY
    SELECT c.locator::text, c.incident_date FROM claims.claims c
     WHERE c.policy_id = p_policy AND c.incident_date >= p_day
       AND c.status IN ('APPROVED', 'PARTIALLY_APPROVED', 'FINALIZED')
     ORDER BY c.incident_date, c.locator;
END $$;
ALTER FUNCTION enrollment.approved_claims_from(uuid, date) OWNER TO claimdesk_owner;
REVOKE ALL ON FUNCTION enrollment.approved_claims_from(uuid, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION enrollment.approved_claims_from(uuid, date) TO claimdesk_enrollment, claimdesk_admin, claimdesk_supervisor;
"""


def upgrade() -> None:
    op.execute(POST_PREMIUM)


def downgrade() -> None:
    op.execute("REVOKE SELECT ON billing.charges FROM claimdesk_enrollment")
    op.execute("DROP FUNCTION enrollment.approved_claims_from(uuid, date)")
    op.execute("DROP FUNCTION billing.post_premium(uuid, text, numeric)")
