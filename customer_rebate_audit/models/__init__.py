# The audit addon's models: the audit trail (rebate_audit_log, its chain and checks, the
# trail mixin and the models it audits); controls, findings and audit campaigns
# (rebate_control*, rebate_audit_*); policy acknowledgement and customer due diligence
# (rebate_policy*, *due_diligence, rebate_agreement_policy).
from . import (
    account_journal,
    rebate_agreement_policy,
    rebate_audit_campaign,
    rebate_audit_chain,
    rebate_audit_chain_check,
    rebate_audit_dashboard,
    rebate_audit_finding,
    rebate_audit_log,
    rebate_audit_trail_mixin,
    rebate_audited_models,
    rebate_control,
    rebate_control_due_diligence,
    rebate_entry,
    rebate_partner_due_diligence,
    rebate_policy,
    rebate_policy_acknowledgement,
    rebate_policy_acknowledgement_status,
    rebate_settlement,
    res_company,
    res_partner_due_diligence,
)
