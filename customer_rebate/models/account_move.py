from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import guard

# Technical fields of the rebate engine on journal entries: only the engine sets them.
REBATE_FIELDS = (
    "rebate_accrued",
    "rebate_accrual_pending",
    "rebate_source_invoice_id",
    "rebate_entry_ids",
)


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

    def _check_rebate_fields(self, vals_list):
        if guard.is_open(self._name) or not self.pool.ready:
            return
        if any(vals.get(name) for vals in vals_list for name in REBATE_FIELDS):
            raise UserError(
                self.env._(
                    "Whether an invoice is held by the rebate ledger, and which invoice a "
                    "rebate accrual entry comes from, is recorded by the rebate engine only. "
                    "Nothing was saved."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rebate_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if not guard.is_open(self._name) and set(REBATE_FIELDS).intersection(vals):
            self._check_rebate_fields([dict.fromkeys(REBATE_FIELDS, True)])
        return super().write(vals)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["rebate.accrual"]._on_invoices_changed(posted)
        return posted

    def button_draft(self):
        result = super().button_draft()
        self.env["rebate.accrual"]._on_invoices_changed(self)
        return result
