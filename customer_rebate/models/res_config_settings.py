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
    rebate_journal_id = fields.Many2one(related="company_id.rebate_journal_id", readonly=False)
    rebate_liability_account_id = fields.Many2one(
        related="company_id.rebate_liability_account_id", readonly=False
    )
    rebate_revenue_account_id = fields.Many2one(
        related="company_id.rebate_revenue_account_id", readonly=False
    )
    rebate_expense_account_id = fields.Many2one(
        related="company_id.rebate_expense_account_id", readonly=False
    )
    rebate_balance_account_id = fields.Many2one(
        related="company_id.rebate_balance_account_id", readonly=False
    )
    rebate_settlement_approval_limit = fields.Monetary(
        related="company_id.rebate_settlement_approval_limit",
        readonly=False,
        currency_field="currency_id",
    )
    rebate_statement_frequency = fields.Selection(
        related="company_id.rebate_statement_frequency", readonly=False
    )
    rebate_accrual_mode = fields.Selection(related="company_id.rebate_accrual_mode", readonly=False)
