# The audit addon's models: controls, findings and audit campaigns (rebate_control,
# rebate_audit_*); policy acknowledgement and customer due diligence (rebate_policy*,
# *due_diligence, rebate_agreement_policy).
from . import (
    rebate_agreement_policy,
    rebate_audit_campaign,
    rebate_audit_dashboard,
    rebate_audit_finding,
    rebate_control,
    rebate_control_due_diligence,
    rebate_partner_due_diligence,
    rebate_policy,
    rebate_policy_acknowledgement,
    rebate_policy_acknowledgement_status,
    res_company_due_diligence,
    res_partner_due_diligence,
)
