# Each part of the audit addon registers its models here.
# Policy acknowledgement and customer due diligence:
from . import (
    rebate_agreement_policy,
    rebate_partner_due_diligence,
    rebate_policy,
    rebate_policy_acknowledgement,
    rebate_policy_acknowledgement_status,
    res_company_due_diligence,
    res_partner_due_diligence,
)
