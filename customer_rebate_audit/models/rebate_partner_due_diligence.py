from odoo import fields, models
from odoo.exceptions import UserError

DUE_DILIGENCE_STATES = [("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected")]


class RebatePartnerDueDiligence(models.Model):
    """One due diligence decision (客户审查) on a customer company: who decided what, when,
    with which review date, expiry and notes. Written only by the customer's Approve,
    Reject and Reset to Pending actions; never edited or deleted."""

    _name = "rebate.partner.due.diligence"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Customer Due Diligence Decision"
    _order = "decided_on desc, id desc"
    _guarded_fields = (
        "partner_id",
        "company_id",
        "user_id",
        "decided_on",
        "state",
        "previous_state",
        "review_date",
        "expiry_date",
        "note",
    )
    _guarded_records = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="restrict", index=True
    )
    # The customer's company (none for a customer shared by all companies).
    company_id = fields.Many2one("res.company", index=True)
    user_id = fields.Many2one("res.users", string="Decided By", required=True)
    decided_on = fields.Datetime(required=True, default=fields.Datetime.now)
    state = fields.Selection(DUE_DILIGENCE_STATES, string="Decision", required=True)
    previous_state = fields.Selection(DUE_DILIGENCE_STATES, string="Previous Status")
    review_date = fields.Date()
    expiry_date = fields.Date()
    note = fields.Text(string="Notes")

    def write(self, vals):
        if not self._guard_is_open():
            self.check_access("write")
            self._guard_refuse_records()
        return super().write(vals)

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "The due diligence history is written by the customer's Approve, Reject and "
                "Reset to Pending buttons and is never edited or deleted. Nothing was saved."
            )
        )
