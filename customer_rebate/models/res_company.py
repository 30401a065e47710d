from odoo import fields, models
from odoo.exceptions import UserError


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

    def _rebate_staff(self, *groups):
        """The company's active internal users in these groups (xml ids), by id, whatever
        companies the caller may read (as the system)."""
        self.ensure_one()
        root = self.env.ref("base.user_root")
        users = self.env["res.users"].sudo()
        for group in groups:
            users |= self.env.ref(group).sudo().all_user_ids
        return users.filtered(
            lambda user: (
                user.active and not user.share and user != root and self in user.company_ids
            )
        ).sorted("id")

    def _rebate_accounting(self):
        """The journal and accounts rebates are booked with (see rebate.booking)."""
        return self.env["rebate.booking"]._accounts(self)

    def _rebate_free_journal_code(self):
        self.ensure_one()
        Journal = self.env["account.journal"]
        for code in ("RBT", "RBT2", "RBT3", "RBT4", "RBT5"):
            if not Journal.search_count(
                [("code", "=", code), ("company_id", "=", self.id)], limit=1
            ):
                return code
        raise UserError(self.env._("No free journal code for the rebate accrual journal."))
