from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Off until a company switches it on (Settings > Rebates): installing the audit addon
    # into a running company must not stop every submission before its customers have
    # been reviewed.
    rebate_require_due_diligence = fields.Boolean(
        string="Require Customer Due Diligence",
        help="Agreements are submitted and approved only for customers whose due diligence "
        "is approved and not expired.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_require_due_diligence = fields.Boolean(
        related="company_id.rebate_require_due_diligence", readonly=False
    )
