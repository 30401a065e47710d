from odoo import fields, models
from odoo.exceptions import UserError

# Account codes the rebate accounts start from, per chart: Chinese accounting standards
# (l10n_cn: 2241 other payables, 6001 main operating revenue, 6601 selling expenses), else
# the generic chart's ranges.
ACCOUNT_CODE_PREFIXES = {
    "cn": {"liability": "2241", "revenue": "6001", "expense": "6601", "balance": "2203"},
    None: {"liability": "2180", "revenue": "4190", "expense": "6190", "balance": "2181"},
}


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
    rebate_journal_id = fields.Many2one(
        "account.journal",
        string="Rebate Accrual Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    rebate_liability_account_id = fields.Many2one(
        "account.account",
        string="Accrued Rebate Liability Account",
        check_company=True,
        help="Credited by accruals, with the customer as partner; cleared by settlements.",
    )
    rebate_revenue_account_id = fields.Many2one(
        "account.account",
        string="Rebate Revenue Reduction Account",
        check_company=True,
        help="Debited by accruals of agreements treated as a reduction of revenue.",
    )
    rebate_expense_account_id = fields.Many2one(
        "account.account",
        string="Rebate Selling Expense Account",
        check_company=True,
        help="Debited by accruals of agreements treated as a selling expense.",
    )
    rebate_balance_account_id = fields.Many2one(
        "account.account",
        string="Customer Rebate Balance Account",
        check_company=True,
        help="Rebates settled as a balance for later orders wait here until used or expired.",
    )
    rebate_settlement_approval_limit = fields.Monetary(
        string="Settlement Approval Above",
        default=50000.0,
        currency_field="currency_id",
        help="Settlements above this amount (company currency) need a rebate manager's "
        "approval, never by the person who confirmed them.",
    )
    rebate_statement_frequency = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly")],
        string="Rebate Statements",
        default="quarterly",
        required=True,
        help="How often customers get a rebate statement to confirm.",
    )
    rebate_accrual_mode = fields.Selection(
        [
            ("background", "Ledger when each invoice posts, journal entry moments later"),
            ("realtime", "Ledger and journal entry when each invoice posts"),
            ("batch", "Ledger and journal entries in a daily batch"),
        ],
        string="Rebate Accruals",
        default="background",
        required=True,
        help="All three give the same ledger and the same journal entries, one per invoice. "
        "By default the ledger is written as the invoice posts and a background job books "
        "the journal entry moments later, which keeps posting fast; settlements and "
        "statements book anything still waiting first. The daily batch suits very high "
        "invoice volumes.",
    )

    def _rebate_accounting(self):
        """The journal and accounts rebate accruals are booked with, created the first time
        they are needed."""
        self.ensure_one()
        if not (
            self.rebate_journal_id
            and self.rebate_liability_account_id
            and self.rebate_revenue_account_id
            and self.rebate_expense_account_id
            and self.rebate_balance_account_id
        ):
            self.sudo()._setup_rebate_accounting()
        return {
            "journal": self.rebate_journal_id,
            "liability": self.rebate_liability_account_id,
            "revenue": self.rebate_revenue_account_id,
            "expense": self.rebate_expense_account_id,
            "balance": self.rebate_balance_account_id,
        }

    def _setup_rebate_accounting(self):
        for company in self:
            if not company.chart_template:
                raise UserError(
                    self.env._(
                        "Company %s has no chart of accounts yet: install one (Accounting "
                        "settings) before rebates are accrued.",
                        company.name,
                    )
                )
            prefixes = ACCOUNT_CODE_PREFIXES.get(
                (company.chart_template or "").split("_")[0], ACCOUNT_CODE_PREFIXES[None]
            )
            Account = self.env["account.account"].with_company(company)
            vals = {}
            if not company.rebate_journal_id:
                vals["rebate_journal_id"] = (
                    self.env["account.journal"]
                    .create(
                        {
                            "name": self.env._("Rebate Accruals"),
                            "code": company._rebate_free_journal_code(),
                            "type": "general",
                            # After Miscellaneous: never the default journal of a manual
                            # entry (it takes the engine's entries only).
                            "sequence": 90,
                            "company_id": company.id,
                        }
                    )
                    .id
                )
            for field, kind, name, account_type in (
                (
                    "rebate_liability_account_id",
                    "liability",
                    self.env._("Accrued Customer Rebates"),
                    "liability_current",
                ),
                (
                    "rebate_revenue_account_id",
                    "revenue",
                    self.env._("Sales Rebates (Revenue Reduction)"),
                    "income",
                ),
                (
                    "rebate_expense_account_id",
                    "expense",
                    self.env._("Customer Rebate Expense"),
                    "expense",
                ),
                (
                    "rebate_balance_account_id",
                    "balance",
                    self.env._("Customer Rebate Balances"),
                    "liability_current",
                ),
            ):
                if company[field]:
                    continue
                vals[field] = Account.create(
                    {
                        "name": name,
                        "code": company._rebate_free_account_code(prefixes[kind]),
                        "account_type": account_type,
                        "reconcile": kind in ("liability", "balance"),
                        "company_ids": [fields.Command.set(company.ids)],
                    }
                ).id
            company.write(vals)

    def _rebate_free_account_code(self, prefix):
        self.ensure_one()
        Account = self.env["account.account"].with_company(self)
        sample = Account.search([("company_ids", "in", self.ids)], limit=1).code or "000000"
        length = max(len(sample), len(prefix) + 2)
        for number in range(99, 0, -1):
            code = f"{prefix}{str(number).zfill(length - len(prefix))}"
            if not Account.search_count(
                [("code", "=", code), ("company_ids", "in", self.ids)], limit=1
            ):
                return code
        raise UserError(self.env._("No free account code starting with %s.", prefix))

    def _rebate_free_journal_code(self):
        self.ensure_one()
        Journal = self.env["account.journal"]
        for code in ("RBT", "RBT2", "RBT3", "RBT4", "RBT5"):
            if not Journal.search_count(
                [("code", "=", code), ("company_id", "=", self.id)], limit=1
            ):
                return code
        raise UserError(self.env._("No free journal code for the rebate accrual journal."))
