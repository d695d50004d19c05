"""Document templates: the US and UK wording of EOBs and policy schedules, the two market profiles,
and two indexes the document service reads by.

The wording is frozen here as JSON, exactly as ``MarketTemplate.to_document()``
gave it when this revision was written: a migration must not import app code
that may change later. A later change of wording is a new revision (or an edit
of the row by an administrator), never an edit of this file.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Market profiles this revision adds when a market has none; the marker lets
# the downgrade remove only the rows it added.
SEEDED_BY = "0006_document_templates"
MARKETS = (
    ("US", "USD", "US", {"name": "United States", "locale": "en-US", "page_size": "LETTER", "date_format": "MM/DD/YYYY"}),
    ("UK", "GBP", "UK", {"name": "United Kingdom", "locale": "en-GB", "page_size": "A4", "date_format": "DD/MM/YYYY"}),
)

# Raw-SQL indexes (``ixr_*``, left alone by autogenerate, see 0005): the document
# list pages newest first by (created_at, id); re-rendering finds a document's
# stored inputs in its DOCUMENT_ISSUED outbox message.
INDEXES = (
    ("documents", "ixr_documents_created_at_id", "documents.documents (created_at DESC, id DESC)"),
    (
        "documents",
        "ixr_documents_outbox_document_locator",
        "documents.outbox ((payload->>'document_locator')) WHERE event_type = 'DOCUMENT_ISSUED'",
    ),
)

US_EOB_DOCUMENT = r'''
{
    "schema": 1,
    "market_code": "US",
    "template_type": "EOB",
    "payer_name": "Harbor Point Health Plan, Inc.",
    "payer_address": [
        "P.O. Box 4410",
        "Hartford, CT 06101-4410"
    ],
    "payer_contact": [
        "Member Services 1-800-555-0142 (TTY 711)",
        "www.harborpointhealth.example"
    ],
    "title": "Explanation of Benefits",
    "currency_code": "USD",
    "currency_symbol": "$",
    "date_format": "MM/DD/YYYY",
    "long_date_format": "MMMM D, YYYY",
    "page_size": "LETTER",
    "rights_heading": "Your right to appeal",
    "rights_text": [
        "If you disagree with this decision, you or someone you authorize may appeal within 180 days of the date you receive this notice. Write to us at the address above, quote your claim number, and send anything that supports your appeal, such as medical records or a letter from your provider.",
        "You may ask for copies of all documents, records and other information relevant to your claim, including any plan rule or medical criteria we used, free of charge. If waiting could seriously harm your health, ask for an expedited (urgent) appeal.",
        "If your plan is governed by the Employee Retirement Income Security Act (ERISA), you have the right to bring a civil action under section 502(a) of ERISA after a final decision on appeal. You may also be entitled to an independent external review."
    ],
    "footer_text": "This is not a bill.",
    "labels": {}
}
'''

US_EOB_HTML = (
    "<article lang=\"en-US\" data-market=\"US\" data-type=\"EOB\"><header><h1>Explanation of Benefits</h1><p>"
    "<strong>Harbor Point Health Plan, Inc.</strong><br>P.O. Box 4410<br>Hartford, CT 06101-4410<br>"
    "Member Services 1-800-555-0142 (TTY 711)<br>www.harborpointhealth.example</p></header><table><thead>"
    "<tr><th>Line</th><th>Service date</th><th>Procedure</th><th>Billed</th><th>Allowed</th><th>"
    "Deductible</th><th>Copay</th><th>Coinsurance</th><th>Plan paid</th><th>You owe</th><th>Codes</th>"
    "</tr></thead></table><section><h2>Your right to appeal</h2><p>"
    "If you disagree with this decision, you or someone you authorize may appeal within 180 days of the "
    "date you receive this notice. Write to us at the address above, quote your claim number, and send "
    "anything that supports your appeal, such as medical records or a letter from your provider.</p><p>"
    "You may ask for copies of all documents, records and other information relevant to your claim, "
    "including any plan rule or medical criteria we used, free of charge. If waiting could seriously "
    "harm your health, ask for an expedited (urgent) appeal.</p><p>"
    "If your plan is governed by the Employee Retirement Income Security Act (ERISA), you have the right "
    "to bring a civil action under section 502(a) of ERISA after a final decision on appeal. You may "
    "also be entitled to an independent external review.</p></section><footer>"
    "This is not a bill.</footer></article>"
)

UK_EOB_DOCUMENT = r'''
{
    "schema": 1,
    "market_code": "UK",
    "template_type": "EOB",
    "payer_name": "Thamesbridge Health Insurance Ltd",
    "payer_address": [
        "Claims Department, PO Box 2208",
        "Reading RG1 9ZZ"
    ],
    "payer_contact": [
        "Claims 0808 157 0192",
        "www.thamesbridgehealth.example"
    ],
    "title": "Claim Settlement Statement",
    "currency_code": "GBP",
    "currency_symbol": "£",
    "date_format": "DD/MM/YYYY",
    "long_date_format": "D MMMM YYYY",
    "page_size": "A4",
    "rights_heading": "If you are unhappy with our decision",
    "rights_text": [
        "If you disagree with how we have settled this claim, please contact us first, quoting your claim reference. We will review our decision and send you our final response within eight weeks.",
        "If you remain unhappy with our final response, or we have not sent one within eight weeks, you can ask the Financial Ombudsman Service to look at your complaint, free of charge. You must contact them within six months of the date of our final response. Financial Ombudsman Service, Exchange Tower, London E14 9SR; telephone 0800 023 4567; www.financial-ombudsman.org.uk.",
        "Using our complaints procedure or the Financial Ombudsman Service does not affect your right to take legal action."
    ],
    "footer_text": "This statement is for your records. Amounts due from you are payable to the provider.",
    "labels": {
        "balances_heading": "Your cover used this year",
        "carc.1": "This amount was applied to your excess: the part of a claim you pay before your cover pays.",
        "carc.197": "This treatment needed pre-authorisation from us before it took place, and we have no authorisation on file.",
        "carc.2": "This is your co-insurance: your percentage share of the eligible amount.",
        "carc.242": "The provider is outside your cover's network, and your cover does not include treatment outside the network.",
        "carc.3": "This is your co-payment: the fixed amount your cover asks you to pay for this treatment.",
        "carc.45": "The provider charged more than the amount your cover allows for this treatment, so we used the eligible amount.",
        "claim": "Claim reference",
        "codes_heading": "What the codes mean",
        "col.allowed": "Eligible",
        "col.billed": "Charged",
        "col.coinsurance": "Co-insurance",
        "col.copay": "Co-payment",
        "col.deductible": "Excess",
        "col.member_share": "Amount due from you",
        "col.paid": "Insurer paid",
        "col.service_date": "Treatment date",
        "lines_heading": "Treatment on this claim",
        "member": "Member",
        "member_id": "Membership number",
        "network.IN_NETWORK": "In network",
        "network.OUT_OF_NETWORK": "Outside network",
        "npi": "Provider number",
        "policy": "Policy number",
        "product": "Cover",
        "service_dates": "Treatment date",
        "status.DENIED": "Declined",
        "summary": "Settlement summary",
        "summary.allowed": "Eligible amount",
        "summary.billed": "Amount charged",
        "summary.member_share": "Amount due from you",
        "summary.paid": "We paid the provider"
    }
}
'''

UK_EOB_HTML = (
    "<article lang=\"en-GB\" data-market=\"UK\" data-type=\"EOB\"><header><h1>Claim Settlement Statement</h1>"
    "<p><strong>Thamesbridge Health Insurance Ltd</strong><br>Claims Department, PO Box 2208<br>"
    "Reading RG1 9ZZ<br>Claims 0808 157 0192<br>www.thamesbridgehealth.example</p></header><table><thead>"
    "<tr><th>Line</th><th>Treatment date</th><th>Procedure</th><th>Charged</th><th>Eligible</th><th>"
    "Excess</th><th>Co-payment</th><th>Co-insurance</th><th>Insurer paid</th><th>Amount due from you</th>"
    "<th>Codes</th></tr></thead></table><section><h2>If you are unhappy with our decision</h2><p>"
    "If you disagree with how we have settled this claim, please contact us first, quoting your claim "
    "reference. We will review our decision and send you our final response within eight weeks.</p><p>"
    "If you remain unhappy with our final response, or we have not sent one within eight weeks, you can "
    "ask the Financial Ombudsman Service to look at your complaint, free of charge. You must contact "
    "them within six months of the date of our final response. Financial Ombudsman Service, Exchange "
    "Tower, London E14 9SR; telephone 0800 023 4567; www.financial-ombudsman.org.uk.</p><p>"
    "Using our complaints procedure or the Financial Ombudsman Service does not affect your right to "
    "take legal action.</p></section><footer>"
    "This statement is for your records. Amounts due from you are payable to the provider.</footer>"
    "</article>"
)

US_POLICY_DOCUMENT = r'''
{
    "schema": 1,
    "market_code": "US",
    "template_type": "POLICY",
    "payer_name": "Harbor Point Health Plan, Inc.",
    "payer_address": [
        "P.O. Box 4410",
        "Hartford, CT 06101-4410"
    ],
    "payer_contact": [
        "Member Services 1-800-555-0142 (TTY 711)",
        "www.harborpointhealth.example"
    ],
    "title": "Schedule of Benefits",
    "currency_code": "USD",
    "currency_symbol": "$",
    "date_format": "MM/DD/YYYY",
    "long_date_format": "MMMM D, YYYY",
    "page_size": "LETTER",
    "rights_heading": "About this schedule",
    "rights_text": [
        "This schedule summarizes your coverage. Your certificate of coverage describes your benefits in full and governs if there is any difference between the two.",
        "Each Explanation of Benefits we send you explains how a claim was paid and how to appeal. Call Member Services at the number above with any question about your coverage."
    ],
    "footer_text": "Keep this schedule with your plan documents.",
    "labels": {}
}
'''

US_POLICY_HTML = (
    "<article lang=\"en-US\" data-market=\"US\" data-type=\"POLICY\"><header><h1>Schedule of Benefits</h1><p>"
    "<strong>Harbor Point Health Plan, Inc.</strong><br>P.O. Box 4410<br>Hartford, CT 06101-4410<br>"
    "Member Services 1-800-555-0142 (TTY 711)<br>www.harborpointhealth.example</p></header><table><thead>"
    "<tr><th>Relationship</th><th>Date of birth</th><th>Benefit</th><th>Covered</th><th>Copay</th><th>"
    "Coinsurance</th><th>Deductible applies</th><th>Prior authorization</th><th>Limit per period</th>"
    "</tr></thead></table><section><h2>About this schedule</h2><p>"
    "This schedule summarizes your coverage. Your certificate of coverage describes your benefits in "
    "full and governs if there is any difference between the two.</p><p>"
    "Each Explanation of Benefits we send you explains how a claim was paid and how to appeal. Call "
    "Member Services at the number above with any question about your coverage.</p></section><footer>"
    "Keep this schedule with your plan documents.</footer></article>"
)

UK_POLICY_DOCUMENT = r'''
{
    "schema": 1,
    "market_code": "UK",
    "template_type": "POLICY",
    "payer_name": "Thamesbridge Health Insurance Ltd",
    "payer_address": [
        "Claims Department, PO Box 2208",
        "Reading RG1 9ZZ"
    ],
    "payer_contact": [
        "Claims 0808 157 0192",
        "www.thamesbridgehealth.example"
    ],
    "title": "Policy Schedule",
    "currency_code": "GBP",
    "currency_symbol": "£",
    "date_format": "DD/MM/YYYY",
    "long_date_format": "D MMMM YYYY",
    "page_size": "A4",
    "rights_heading": "Your right to cancel, and complaints",
    "rights_text": [
        "You may cancel this policy within 14 days of receiving this schedule or of the start date, whichever is later. We will refund any premium you have paid, provided no claim has been made.",
        "If you are unhappy with our service, please contact us first. If we cannot resolve your complaint within eight weeks, or you are unhappy with our final response, you can refer it to the Financial Ombudsman Service within six months of that response: Exchange Tower, London E14 9SR; telephone 0800 023 4567; www.financial-ombudsman.org.uk."
    ],
    "footer_text": "This schedule forms part of your policy. Please keep it with your policy terms.",
    "labels": {
        "col.coinsurance": "Co-insurance",
        "col.copay": "Co-payment",
        "col.deductible_applies": "Excess applies",
        "col.member_id": "Membership number",
        "col.prior_auth": "Pre-authorisation",
        "deductible": "Excess",
        "exclusions.none": "No benefit of this cover is excluded.",
        "exclusions_heading": "What is not covered",
        "members_heading": "People covered",
        "out_of_network": "Treatment outside the network",
        "out_of_network.note": "Outside the network, the co-payment, co-insurance and excess above are replaced by these terms; limits and pre-authorisation still follow the benefit.",
        "out_of_pocket": "Out-of-pocket limit",
        "per_term": "per period of cover",
        "prior_auth.intro": "Contact us for authorisation before this treatment takes place. Without an authorisation valid on the date of treatment, the claim will be declined.",
        "prior_auth.none": "No treatment under this cover needs pre-authorisation.",
        "prior_auth_heading": "Treatment that needs pre-authorisation",
        "product": "Cover",
        "relationship.DEPENDENT": "Dependant",
        "relationship.SPOUSE": "Spouse or partner",
        "schedule_heading": "Policy schedule",
        "term": "Period of cover"
    }
}
'''

UK_POLICY_HTML = (
    "<article lang=\"en-GB\" data-market=\"UK\" data-type=\"POLICY\"><header><h1>Policy Schedule</h1><p>"
    "<strong>Thamesbridge Health Insurance Ltd</strong><br>Claims Department, PO Box 2208<br>"
    "Reading RG1 9ZZ<br>Claims 0808 157 0192<br>www.thamesbridgehealth.example</p></header><table><thead>"
    "<tr><th>Relationship</th><th>Date of birth</th><th>Benefit</th><th>Covered</th><th>Co-payment</th>"
    "<th>Co-insurance</th><th>Excess applies</th><th>Pre-authorisation</th><th>Limit per period</th></tr>"
    "</thead></table><section><h2>Your right to cancel, and complaints</h2><p>"
    "You may cancel this policy within 14 days of receiving this schedule or of the start date, "
    "whichever is later. We will refund any premium you have paid, provided no claim has been made.</p>"
    "<p>"
    "If you are unhappy with our service, please contact us first. If we cannot resolve your complaint "
    "within eight weeks, or you are unhappy with our final response, you can refer it to the Financial "
    "Ombudsman Service within six months of that response: Exchange Tower, London E14 9SR; telephone "
    "0800 023 4567; www.financial-ombudsman.org.uk.</p></section><footer>"
    "This schedule forms part of your policy. Please keep it with your policy terms.</footer></article>"
)

TEMPLATES = (
    ("US", "EOB", US_EOB_DOCUMENT, US_EOB_HTML),
    ("UK", "EOB", UK_EOB_DOCUMENT, UK_EOB_HTML),
    ("US", "POLICY", US_POLICY_DOCUMENT, US_POLICY_HTML),
    ("UK", "POLICY", UK_POLICY_DOCUMENT, UK_POLICY_HTML),
)


def upgrade() -> None:
    conn = op.get_bind()
    for market, template_type, document, html in TEMPLATES:
        # Parsed and dumped again so a typo in the literal fails here, not when a document prints.
        conn.execute(
            sa.text(
                "INSERT INTO documents.templates (market_code, template_type, content_html, document) "
                "VALUES (:m, :t, :h, CAST(:d AS jsonb)) ON CONFLICT (market_code, template_type) DO NOTHING"
            ),
            {"m": market, "t": template_type, "h": html, "d": json.dumps(json.loads(document), ensure_ascii=False)},
        )
    for market, currency, jurisdiction, document in MARKETS:
        conn.execute(
            sa.text(
                "INSERT INTO policy_admin.market_profiles (market_code, currency, jurisdiction, document) "
                "VALUES (:m, :c, :j, CAST(:d AS jsonb)) ON CONFLICT (market_code) DO NOTHING"
            ),
            {"m": market, "c": currency, "j": jurisdiction, "d": json.dumps({**document, "seeded_by": SEEDED_BY})},
        )
    for _schema, name, target in INDEXES:
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for schema, name, _target in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {schema}.{name}")
    conn = op.get_bind()
    for market, template_type, _document, _html in TEMPLATES:
        conn.execute(
            sa.text("DELETE FROM documents.templates WHERE market_code = :m AND template_type = :t"),
            {"m": market, "t": template_type},
        )
    conn.execute(
        sa.text("DELETE FROM policy_admin.market_profiles WHERE document->>'seeded_by' = :s"), {"s": SEEDED_BY}
    )
