from odoo import models
from odoo.exceptions import UserError

# What a settlement's payout is: who is paid, how much, to which account, from where.
LOCKED_PAYMENT_FIELDS = frozenset(
    {
        "amount",
        "currency_id",
        "partner_id",
        "partner_bank_id",
        "partner_type",
        "payment_type",
        "journal_id",
        "company_id",
        "destination_account_id",
        "date",
        "move_id",
        "payment_method_line_id",
    }
)
# The bank may still pay (paid) or refuse (rejected) a payout; nobody else takes it back.
LOCKED_PAYMENT_STATES = frozenset({"draft", "canceled"})


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def _rebate_locked(self):
        """The payments among these that pay out a rebate settlement (empty while the
        settlement itself works on them)."""
        if self.env["account.move"]._rebate_books_open():
            return self.browse()
        ids = [payment_id for payment_id in self._origin.ids if payment_id]
        if not ids:
            return self.browse()
        settlements = self.env["rebate.settlement"].sudo().search([("payment_id", "in", ids)])
        return self.browse(ids) & settlements.payment_id.with_env(self.env)

    def _refuse_rebate_change(self):
        if not self:
            return
        raise UserError(
            self.env._(
                "%(payments)s pays out a rebate settlement: its amount, payee and bank account "
                "were approved with the settlement. It cannot be reset to draft, edited, "
                "cancelled or deleted here; cancel the settlement (Rebates > Accounting > "
                "Settlements), which cancels its payment. Nothing was changed.",
                payments=", ".join(self.sudo().mapped("display_name")),
            )
        )

    def write(self, vals):
        if isinstance(vals, dict) and (
            LOCKED_PAYMENT_FIELDS.intersection(vals) or vals.get("state") in LOCKED_PAYMENT_STATES
        ):
            self._rebate_locked()._refuse_rebate_change()
        return super().write(vals)

    def action_draft(self):
        self._rebate_locked()._refuse_rebate_change()
        return super().action_draft()

    def action_cancel(self):
        self._rebate_locked()._refuse_rebate_change()
        return super().action_cancel()

    def unlink(self):
        self._rebate_locked()._refuse_rebate_change()
        return super().unlink()
