from . import rebate_due_diligence_wizard
