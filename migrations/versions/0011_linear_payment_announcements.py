"""Payments for a batch announce themselves in linear time.

``billing.post_claim_payments(uuid[])`` (0010) wrote each charge's outbox
message by joining two of its own CTEs; the planner takes a CTE for one row,
chose a nested loop, and so compared every charge with every due claim: 17 ms
of a 500-claim batch's 55 (bench/adjudicate.py). The message now takes the
claim's locator from ``claims.claims`` by primary key. Same rows, same
messages; only the join changed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# 0010's function (a migration is a snapshot); downgrade puts it back.
OLD_POST_CLAIM_PAYMENTS = """
CREATE OR REPLACE FUNCTION billing.post_claim_payments(p_claims uuid[])
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
"""

ANNOUNCED_BY_DUE_CLAIMS = """    ), announced AS (
        INSERT INTO billing.outbox (topic, key, payload)
        SELECT 'billing.charge.claim_payment', d.locator,
               jsonb_build_object('claim_locator', d.locator, 'amount', ch.amount::text, 'currency', ch.currency,
                                  'actor', session_user)
          FROM charged ch JOIN due d ON d.id = ch.claim_id
    )"""

ANNOUNCED_BY_CLAIM_KEY = """    ), announced AS (
        -- The claim's locator by its primary key: joining the two CTEs (which the planner
        -- takes for one row each) was a nested loop, quadratic in the batch.
        INSERT INTO billing.outbox (topic, key, payload)
        SELECT 'billing.charge.claim_payment', c.locator,
               jsonb_build_object('claim_locator', c.locator, 'amount', ch.amount::text, 'currency', ch.currency,
                                  'actor', session_user)
          FROM charged ch JOIN claims.claims c ON c.id = ch.claim_id
    )"""

POST_CLAIM_PAYMENTS = OLD_POST_CLAIM_PAYMENTS.replace(ANNOUNCED_BY_DUE_CLAIMS, ANNOUNCED_BY_CLAIM_KEY)
if POST_CLAIM_PAYMENTS == OLD_POST_CLAIM_PAYMENTS:  # the snapshot above no longer matches 0010
    raise RuntimeError("0011: the announcement clause to replace was not found")


def upgrade() -> None:
    op.execute(POST_CLAIM_PAYMENTS)


def downgrade() -> None:
    op.execute(OLD_POST_CLAIM_PAYMENTS)
