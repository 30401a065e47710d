from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_approval_rate_limit = fields.Float(
        related="company_id.rebate_approval_rate_limit", readonly=False
    )
    rebate_approval_amount_limit = fields.Monetary(
        related="company_id.rebate_approval_amount_limit",
        readonly=False,
        currency_field="currency_id",
    )
