from odoo import fields, models


class RebateAgreementRejectWizard(models.TransientModel):
    _name = "rebate.agreement.reject.wizard"
    _description = "Reject Rebate Agreements"

    agreement_ids = fields.Many2many("rebate.agreement", required=True)
    reason = fields.Text(required=True, help="Shown in the agreement's chatter and history.")

    def action_reject(self):
        self.agreement_ids.action_reject(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
