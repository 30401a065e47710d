from odoo import api, models


class RebateEntry(models.Model):
    _name = "rebate.entry"
    _inherit = ["rebate.entry", "rebate.audit.trail.mixin"]

    @api.model
    def _insert_rows(self, vals_list):
        """The ledger's one SQL writer bypasses create: its rows are logged here, all of
        one call in one batch (one INSERT into the trail per posting)."""
        entries = super()._insert_rows(vals_list)
        if entries:
            self.env["rebate.audit.log"]._log_ledger_rows(entries, vals_list)
        return entries
