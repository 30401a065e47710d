from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    rebate_accrued = fields.Boolean(
        copy=False,
        readonly=True,
        help="The rebate ledger holds this invoice's accruals.",
    )
    rebate_accrual_pending = fields.Boolean(
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Waiting for the daily rebate accrual job (batch mode).",
    )
    rebate_source_invoice_id = fields.Many2one(
        "account.move",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The customer invoice whose posting produced this rebate accrual entry.",
    )
    rebate_entry_ids = fields.One2many(
        "rebate.entry", "invoice_id", string="Rebate Ledger Entries", readonly=True
    )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["rebate.accrual"]._on_invoices_changed(posted)
        return posted

    def button_draft(self):
        result = super().button_draft()
        self.env["rebate.accrual"]._on_invoices_changed(self)
        return result
