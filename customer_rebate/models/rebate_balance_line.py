from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount

from ..tools import guard


class RebateBalanceLine(models.Model):
    """The history of a customer's rebate balance: credits from settlements, their use as
    discount lines on later orders, and their expiry. The balance is the sum.

    Written only by the balance flow (settlement, quotation, expiry job); spending locks the
    customer's credits first, so that two quotations never spend the same balance."""

    _name = "rebate.balance.line"
    _description = "Customer Rebate Balance History"
    _inherit = ["rebate.guarded.mixin"]
    _order = "date desc, id desc"
    _guarded_fields = (
        "partner_id",
        "company_id",
        "currency_id",
        "agreement_id",
        "settlement_id",
        "kind",
        "amount",
        "date",
        "expiry_date",
        "credit_id",
        "use_line_ids",
        "sale_line_id",
        "order_id",
        "move_id",
    )

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    agreement_id = fields.Many2one("rebate.agreement", index=True, readonly=True)
    settlement_id = fields.Many2one(
        "rebate.settlement", index="btree_not_null", readonly=True, ondelete="restrict"
    )
    kind = fields.Selection(
        [("credit", "Credit"), ("use", "Used on an order"), ("expiry", "Expired")],
        required=True,
        readonly=True,
    )
    amount = fields.Monetary(
        readonly=True, help="Credits are positive, uses and expiries negative."
    )
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    expiry_date = fields.Date(readonly=True, help="A credit not used by then is released.")
    credit_id = fields.Many2one(
        "rebate.balance.line", string="From Credit", readonly=True, index="btree_not_null"
    )
    use_line_ids = fields.One2many("rebate.balance.line", "credit_id", string="Uses and Expiry")
    remaining = fields.Monetary(compute="_compute_remaining", help="What is left of a credit.")
    sale_line_id = fields.Many2one(
        "sale.order.line", readonly=True, index="btree_not_null", ondelete="cascade"
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", string="Order")
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)

    @api.depends("amount", "kind", "use_line_ids.amount")
    def _compute_remaining(self):
        credits = self.filtered(lambda line: line.kind == "credit")
        spent = dict(
            self.sudo()._read_group(
                [("credit_id", "in", credits.ids)], ["credit_id"], ["amount:sum"]
            )
        )
        for line in self:
            line.remaining = line.amount + spent.get(line, 0.0) if line.kind == "credit" else 0.0

    @api.model
    def _open_credits(self, partner, company, currency, day=None):
        """Credits of customers (one or many) not used up nor expired, soonest expiry first;
        filter the result by company and currency."""
        day = day or fields.Date.context_today(self)
        credits = self.sudo().search(
            [
                ("partner_id", "in", partner.ids),
                ("company_id", "in", company.ids),
                ("currency_id", "in", currency.ids),
                ("kind", "=", "credit"),
                "|",
                ("expiry_date", "=", False),
                ("expiry_date", ">=", day),
            ],
            order="expiry_date, id",
        )
        return credits.filtered(
            lambda credit: credit.currency_id.compare_amounts(credit.remaining, 0.0) > 0
        )

    @api.model
    def _credit_from_settlement(self, settlement):
        """Book the settled amount from the accrued liability to the balance account and
        record the credit."""
        company = settlement.company_id
        booking = self.env["rebate.booking"]
        accounting = booking._accounts(company)
        agreement = settlement.agreement_id
        today = fields.Date.context_today(self)
        amount_company = booking._to_company_currency(agreement, settlement.amount_earned, today)
        move = booking._transfer(
            company,
            debit=accounting["liability"],
            credit=accounting["balance"],
            partner=settlement.partner_id,
            currency=settlement.currency_id,
            amount=settlement.amount_earned,
            amount_company=amount_company,
            label=settlement._payout_label(),
            ref=booking._company_env(company)._("Rebate balance credited: %s", settlement.name),
            day=today,
        )
        validity = agreement.balance_validity_days
        self._guarded_create(
            {
                "partner_id": settlement.partner_id.id,
                "company_id": company.id,
                "currency_id": settlement.currency_id.id,
                "agreement_id": agreement.id,
                "settlement_id": settlement.id,
                "kind": "credit",
                "amount": settlement.amount_earned,
                "date": today,
                "expiry_date": today + timedelta(days=validity) if validity else False,
                "move_id": move.id,
            }
        )
        self._reconcile_balance_items(settlement.partner_id, company, settlement.currency_id)
        return move

    @api.model
    def _lock_credits(self, partner, company, currency):
        """Serialize the transactions that spend or release the credits of a customer.

        Touching the credit rows (in id order, against deadlocks) makes a second spender
        wait for the first; as Odoo runs in REPEATABLE READ, it then fails with a
        serialization error and Odoo runs the request again, on the committed balance."""
        self.env.flush_all()
        self.sudo().search(
            [
                ("kind", "=", "credit"),
                ("partner_id", "in", partner.ids),
                ("company_id", "in", company.ids),
                ("currency_id", "in", currency.ids),
            ]
        )._lock_rows()
        self.invalidate_model(["remaining"])

    @api.model
    def _use_on_order_line(self, line, amount):
        """Spend `amount` of the customer's open credits (soonest expiry first) on an order
        line; refuse to spend more than they hold."""
        order = line.order_id
        partner = order.partner_id.commercial_partner_id
        self._lock_credits(partner, order.company_id, order.currency_id)
        credits = self._open_credits(partner, order.company_id, order.currency_id)
        available = sum(credits.mapped("remaining"))
        if (
            not isinstance(amount, (int, float))
            or order.currency_id.compare_amounts(amount, 0.0) <= 0
            or order.currency_id.compare_amounts(amount, available) > 0
        ):
            raise UserError(
                self.env._(
                    "%(customer)s has %(available)s of rebate balance left: it does not cover "
                    "%(amount)s. Reload the quotation and apply the balance again.",
                    customer=partner.name,
                    available=format_amount(self.env, available, order.currency_id),
                    amount=format_amount(self.env, amount, order.currency_id)
                    if isinstance(amount, (int, float))
                    else amount,
                )
            )
        remaining = amount
        uses = []
        for credit in credits:
            if order.currency_id.compare_amounts(remaining, 0.0) <= 0:
                break
            take = min(credit.remaining, remaining)
            uses.append(
                {
                    "partner_id": credit.partner_id.id,
                    "company_id": credit.company_id.id,
                    "currency_id": credit.currency_id.id,
                    "agreement_id": credit.agreement_id.id,
                    "kind": "use",
                    "amount": -take,
                    "credit_id": credit.id,
                    "sale_line_id": line.id,
                }
            )
            remaining -= take
        return self._guarded_create(uses)

    @api.model
    def _cron_expire_balances(self):
        """Release what is left of expired credits, with an entry that takes the rebate back
        out of the balance account."""
        today = fields.Date.context_today(self)
        credits = self.sudo().search(
            [("kind", "=", "credit"), ("expiry_date", "<", today)], order="expiry_date, id"
        )
        if not credits:
            return True
        # A quotation spending one of these credits right now goes first, or waits.
        self._lock_credits(credits.partner_id, credits.company_id, credits.currency_id)
        for credit in credits:
            left = credit.remaining
            if credit.currency_id.compare_amounts(left, 0.0) <= 0:
                continue
            credit._expire(left, today)
        return True

    def _expire(self, amount, day):
        self.ensure_one()
        company = self.company_id
        booking = self.env["rebate.booking"]
        accounting = booking._accounts(company)
        agreement = self.agreement_id
        # What the expired balance gives back goes where the rebate was charged.
        counterpart = booking._rebate_account(agreement, accounting)
        amount_company = booking._to_company_currency(agreement, amount, day)
        label = booking._company_env(company)._("Expired rebate balance of %s", agreement.name)
        move = booking._transfer(
            company,
            debit=accounting["balance"],
            credit=counterpart,
            partner=self.partner_id,
            currency=self.currency_id,
            amount=amount,
            amount_company=amount_company,
            label=label,
            ref=label,
            day=day,
        )
        expiry = self._guarded_create(
            {
                "partner_id": self.partner_id.id,
                "company_id": company.id,
                "currency_id": self.currency_id.id,
                "agreement_id": agreement.id,
                "kind": "expiry",
                "amount": -amount,
                "date": day,
                "credit_id": self.id,
                "move_id": move.id,
            }
        )
        self._reconcile_balance_items(self.partner_id, company, self.currency_id)
        return expiry

    @api.model
    def _reconcile_used_balances(self, invoices):
        """Posted invoices in a foreign currency that use a rebate balance (their balance
        line debits the balance account): match the customer's balance items."""
        for invoice in invoices.filtered(
            lambda move: move.currency_id != move.company_id.currency_id
        ):
            account = invoice.company_id.rebate_balance_account_id
            if account and account in invoice.line_ids.account_id:
                self._reconcile_balance_items(
                    invoice.commercial_partner_id, invoice.company_id, invoice.currency_id
                )

    @api.model
    def _reconcile_balance_items(self, partner, company, currency):
        """A balance in a foreign currency: match the customer's open items on the balance
        account in that currency, credits from settlements against their uses on invoices
        and their expiry. A customer's balance in a currency is one pool (it is spent
        soonest expiry first, whatever the agreement), so its items are matched together.
        Each item was booked at the rate of its date: once an item is matched in the
        balance's currency, Odoo books what is left in company currency as an exchange
        difference (IAS 21), and a used-up balance leaves nothing on the account."""
        account = company.rebate_balance_account_id
        if currency == company.currency_id or not account.reconcile:
            return
        items = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("account_id", "=", account.id),
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("currency_id", "=", currency.id),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                ]
            )
        )
        if any(item.amount_residual_currency > 0 for item in items) and any(
            item.amount_residual_currency < 0 for item in items
        ):
            # The engine's own matching of its entries (see account.move's books guard).
            with guard.internal_writes("account.move"):
                items.reconcile()
