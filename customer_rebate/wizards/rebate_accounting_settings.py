from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.guarded_mixin import client_method

# Company settings finance keeps itself (Rebates > Configuration > Accounting). The approval
# limits are not among them: whoever is held by a limit does not set it (Settings, admins).
ACCOUNTING_FIELDS = (
    "rebate_journal_id",
    "rebate_liability_account_id",
    "rebate_revenue_account_id",
    "rebate_expense_account_id",
    "rebate_balance_account_id",
    "rebate_statement_frequency",
    "rebate_accrual_mode",
)


def _company_selection(name):
    def selection(self):
        return self.env["res.company"]._fields[name]._description_selection(self.env)

    return selection


class RebateAccountingSettings(models.TransientModel):
    """The rebate accounting of the current company, for finance: journal, accounts,
    statement frequency and accrual timing, without the administrator's Settings."""

    _name = "rebate.accounting.settings"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Rebate Accounting Settings"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    rebate_journal_id = fields.Many2one(
        "account.journal",
        string="Rebate Accrual Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    rebate_liability_account_id = fields.Many2one(
        "account.account", string="Accrued Rebate Liability Account", check_company=True
    )
    rebate_revenue_account_id = fields.Many2one(
        "account.account", string="Rebate Revenue Reduction Account", check_company=True
    )
    rebate_expense_account_id = fields.Many2one(
        "account.account", string="Rebate Selling Expense Account", check_company=True
    )
    rebate_balance_account_id = fields.Many2one(
        "account.account", string="Customer Rebate Balance Account", check_company=True
    )
    rebate_statement_frequency = fields.Selection(
        _company_selection("rebate_statement_frequency"), string="Rebate Statements"
    )
    rebate_accrual_mode = fields.Selection(
        _company_selection("rebate_accrual_mode"), string="Rebate Accruals"
    )
    # Shown, set by administrators in Settings.
    rebate_approval_rate_limit = fields.Float(related="company_id.rebate_approval_rate_limit")
    rebate_approval_amount_limit = fields.Monetary(
        related="company_id.rebate_approval_amount_limit", currency_field="currency_id"
    )
    rebate_settlement_approval_limit = fields.Monetary(
        related="company_id.rebate_settlement_approval_limit", currency_field="currency_id"
    )

    @api.depends("company_id")
    def _compute_display_name(self):
        for settings in self:
            settings.display_name = self.env._("Rebate Accounting")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env.company
        for name in ACCOUNTING_FIELDS:
            if name in fields_list:
                value = company[name]
                values[name] = value.id if isinstance(value, models.BaseModel) else value
        return values

    @client_method(single=True)
    def action_save(self):
        if not self.env.user.has_group("customer_rebate.group_rebate_accountant"):
            raise AccessError(
                self.env._("Only finance (rebate accountants) may change the rebate accounting.")
            )
        # The current company only: one of the user's own (Odoo checks allowed companies).
        company = self.env.company
        values = {}
        for name in ACCOUNTING_FIELDS:
            value = self[name]
            values[name] = value.id if isinstance(value, models.BaseModel) else value
        # sudo: finance sets these company fields without the right to edit the company
        # record itself (its name, address, users...).
        company.sudo().write({name: value for name, value in values.items() if value})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Rebate accounting of %s saved.", company.name),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
