from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.guarded_mixin import client_method


class RebateAccrualRecomputeWizard(models.TransientModel):
    """Dry run first: what the ledger holds against what the posted invoices earn, per
    period; then post only the differences."""

    _name = "rebate.accrual.recompute.wizard"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Recompute Rebate Accruals"

    period_ids = fields.Many2many("rebate.agreement.period", string="Periods", required=True)
    line_ids = fields.One2many(
        "rebate.accrual.recompute.wizard.line", "wizard_id", compute="_compute_line_ids"
    )
    difference_count = fields.Integer(compute="_compute_line_ids")

    @api.depends("period_ids")
    def _compute_line_ids(self):
        for wizard in self:
            # The periods the user may read (record rules), as stored records: in the form
            # the wizard is a new record whose periods are new records too.
            periods = wizard.period_ids._origin
            # The report runs as the system: only over periods the user may read.
            periods.check_access("read")
            report = periods._recompute_accruals()
            wizard.line_ids = [fields.Command.create(row) for row in report]
            wizard.difference_count = sum(1 for row in report if row["difference"])

    @client_method(single=True)
    def action_post(self):
        self.ensure_one()
        user = self.env.user
        if not (
            user.has_group("customer_rebate.group_rebate_manager")
            or user.has_group("customer_rebate.group_rebate_accountant")
        ):
            raise UserError(self.env._("Only a rebate manager or finance may post true-ups."))
        periods = self.period_ids._origin
        periods.check_access("read")
        periods._recompute_accruals(post=True)
        return {"type": "ir.actions.act_window_close"}


class RebateAccrualRecomputeWizardLine(models.TransientModel):
    _name = "rebate.accrual.recompute.wizard.line"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Recompute Rebate Accruals: Period"

    wizard_id = fields.Many2one("rebate.accrual.recompute.wizard", ondelete="cascade")
    period_id = fields.Many2one("rebate.agreement.period", readonly=True)
    currency_id = fields.Many2one(related="period_id.currency_id")
    held_volume = fields.Float(string="Volume in Ledger", digits="Product Unit")
    volume = fields.Float(string="Invoiced Volume", digits="Product Unit")
    held_amount = fields.Monetary(string="Accrued in Ledger")
    amount = fields.Monetary(string="Should Be")
    difference = fields.Monetary()
