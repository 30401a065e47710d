from . import (
    rebate_accounting_settings,
    rebate_accrual_recompute_wizard,
    rebate_agreement_reassign_wizard,
    rebate_agreement_reject_wizard,
)
