# Each part of the audit addon registers its models here.
# The audit trail:
from . import (
    account_journal,
    rebate_audit_chain,
    rebate_audit_chain_check,
    rebate_audit_log,
    rebate_audit_trail_mixin,
    rebate_audited_models,
    rebate_entry,
    rebate_settlement,
    res_company,
)
