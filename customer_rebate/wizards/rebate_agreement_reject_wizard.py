from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.guarded_mixin import client_method


class RebateAgreementRejectWizard(models.TransientModel):
    _name = "rebate.agreement.reject.wizard"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Reject Rebate Agreements"

    agreement_ids = fields.Many2many("rebate.agreement", required=True)
    reason = fields.Text(required=True, help="Shown in the agreement's chatter and history.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            reason = vals.get("reason")
            if reason not in (None, False) and not isinstance(reason, str):
                raise UserError(
                    self.env._("The reason for the rejection must be text. Nothing was saved.")
                )
            if not isinstance(vals.get("agreement_ids", []), list | tuple):
                raise UserError(
                    self.env._("Choose the agreements to reject from the list. Nothing was saved.")
                )
        return super().create(vals_list)

    @client_method(single=True)
    def action_reject(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Say why the agreement is rejected."))
        # The agreement re-checks who may reject, on its own rows.
        self.agreement_ids.action_reject(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
