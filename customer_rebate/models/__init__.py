from . import (
    rebate_agreement,
    rebate_agreement_approval,
    rebate_agreement_period,
    rebate_agreement_revision,
    rebate_agreement_rule,
    rebate_agreement_tier,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
)
