from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.customer_rebate.models.guarded_mixin import client_method

DECISIONS = [("approve", "Approve"), ("reject", "Reject"), ("reset", "Reset to Pending")]


class RebateDueDiligenceWizard(models.TransientModel):
    """The customer form's Approve / Reject / Reset to Pending: the decision's dates and
    notes, then the customer's own action, which re-checks who decides and the values."""

    _name = "rebate.due.diligence.wizard"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Customer Due Diligence Decision"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, domain="[('is_company', '=', True)]"
    )
    decision = fields.Selection(DECISIONS, required=True, default="approve")
    review_date = fields.Date(
        default=fields.Date.context_today, help="When the customer's documents were reviewed."
    )
    expiry_date = fields.Date(
        help="The last day the approval is valid; the reviewer is reminded 30 days before."
    )
    note = fields.Text(
        string="Notes",
        help="What was checked (business licence, ownership, sanctions and conflict of "
        "interest checks) and, for a rejection, why.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "expiry_date" in fields_list and not values.get("expiry_date"):
            values["expiry_date"] = fields.Date.add(fields.Date.context_today(self), years=1)
        return values

    @client_method(single=True)
    def action_confirm(self):
        self.ensure_one()
        partner = self.partner_id
        if self.decision == "approve":
            partner.action_rebate_due_diligence_approve(
                expiry_date=fields.Date.to_string(self.expiry_date) if self.expiry_date else False,
                review_date=fields.Date.to_string(self.review_date) if self.review_date else False,
                note=self.note or False,
            )
        elif self.decision == "reject":
            partner.action_rebate_due_diligence_reject(
                note=self.note or False,
                review_date=fields.Date.to_string(self.review_date) if self.review_date else False,
            )
        elif self.decision == "reset":
            partner.action_rebate_due_diligence_reset(note=self.note or False)
        else:
            raise UserError(self.env._("Choose a decision."))
        return {"type": "ir.actions.act_window_close"}
