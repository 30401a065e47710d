from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rebate_approval_rate_limit = fields.Float(
        string="Finance Approval Above Rate (%)",
        default=10.0,
        help="Agreements whose highest percentage exceeds this also need a finance approver.",
    )
    rebate_approval_amount_limit = fields.Monetary(
        string="Finance Approval Above Yearly Rebate",
        default=100000.0,
        currency_field="currency_id",
        help="Agreements whose estimated yearly rebate (company currency) exceeds this also "
        "need a finance approver.",
    )
