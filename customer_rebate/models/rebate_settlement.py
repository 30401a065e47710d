from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class RebateSettlement(models.Model):
    """The rebate an ended period has earned, trued up in the books and paid out: by credit
    note, by payment to the customer company's own bank account, or as a balance for
    later orders. One per agreement period; cancelling reverses everything it posted."""

    _name = "rebate.settlement"
    _description = "Customer Rebate Settlement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "period_date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, readonly=True, index=True, ondelete="restrict"
    )
    period_id = fields.Many2one(
        "rebate.agreement.period", required=True, readonly=True, index=True, ondelete="restrict"
    )
    period_date_to = fields.Date(related="period_id.date_to", store=True, string="Period End")
    partner_id = fields.Many2one(
        related="agreement_id.partner_id", store=True, index=True, string="Customer"
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="agreement_id.currency_id", store=True)
    amount_earned = fields.Monetary(
        readonly=True,
        tracking=True,
        help="The rebate the period's final volume earns under the agreement, with manual "
        "adjustments.",
    )
    amount_accrued = fields.Monetary(
        readonly=True, help="What the ledger had accrued for the period when computed."
    )
    amount_difference = fields.Monetary(
        compute="_compute_amount_difference",
        store=True,
        help="Earned minus accrued: trued up in the books when the settlement is posted.",
    )
    volume = fields.Float(digits="Product Unit", readonly=True)
    payout_method = fields.Selection(
        [
            ("credit_note", "Credit note"),
            ("payment", "Payment to the customer's bank account"),
            ("balance", "Balance for future orders"),
        ],
        required=True,
        tracking=True,
    )
    partner_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Customer Bank Account",
        tracking=True,
        domain="[('partner_id', '=', partner_id)]",
        help="Payments go only to a bank account of the customer company itself.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("confirmed", "Confirmed"),
            ("approved", "Approved"),
            ("posted", "Posted"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    needs_approval = fields.Boolean(compute="_compute_needs_approval")
    confirmed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    posted_date = fields.Date(readonly=True, copy=False)
    entry_ids = fields.One2many("rebate.entry", "settlement_id", string="Ledger Entries")
    move_ids = fields.Many2many("account.move", string="Journal Entries", readonly=True, copy=False)
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
    balance_line_ids = fields.One2many(
        "rebate.balance.line", "settlement_id", string="Balance History", readonly=True
    )

    _period_open_uniq = models.UniqueIndex("(period_id) WHERE state != 'cancelled'")

    @api.depends("amount_earned", "amount_accrued")
    def _compute_amount_difference(self):
        for settlement in self:
            settlement.amount_difference = settlement.currency_id.round(
                settlement.amount_earned - settlement.amount_accrued
            )

    @api.depends("amount_earned", "company_id.rebate_settlement_approval_limit")
    def _compute_needs_approval(self):
        for settlement in self:
            limit = settlement.company_id.rebate_settlement_approval_limit
            amount = self.env["rebate.accrual"]._to_company_currency(
                settlement.agreement_id,
                settlement.amount_earned,
                settlement.period_id.date_to or fields.Date.context_today(settlement),
            )
            settlement.needs_approval = bool(limit) and amount > limit

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("rebate.settlement") or "/"
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(settlement.state not in ("draft", "cancelled") for settlement in self):
            raise UserError(self.env._("Only draft or cancelled settlements can be deleted."))

    # ------------------------------------------------------------------ computation

    def _compute_amounts(self):
        """Earned on the final volume (from the posted invoices, with manual adjustments)
        against what the ledger holds."""
        accrual = self.env["rebate.accrual"]
        report = {row["period_id"]: row for row in accrual._recompute_periods(self.period_id)}
        adjustments = dict(
            self.env["rebate.entry"]
            .sudo()
            ._read_group(
                [("period_id", "in", self.period_id.ids), ("entry_type", "=", "adjustment")],
                ["period_id"],
                ["amount:sum"],
            )
        )
        for settlement in self:
            row = report[settlement.period_id.id]
            adjusted = adjustments.get(settlement.period_id, 0.0)
            settlement.write(
                {
                    "amount_earned": row["amount"] + adjusted,
                    "amount_accrued": row["held_amount"] + adjusted,
                    "volume": row["volume"],
                }
            )

    # ------------------------------------------------------------------ workflow

    def _check_finance(self):
        user = self.env.user
        if not (
            user.has_group("customer_rebate.group_rebate_manager")
            or user.has_group("customer_rebate.group_rebate_accountant")
        ):
            raise AccessError(
                self.env._("Only finance or a rebate manager can handle rebate settlements.")
            )

    def action_confirm(self):
        self._check_finance()
        for settlement in self:
            if settlement.state != "draft":
                raise UserError(self.env._("Settlement %s is not a draft.", settlement.name))
            settlement._compute_amounts()
            settlement._check_payout_target()
            settlement.sudo().write({"state": "confirmed", "confirmed_by_id": self.env.uid})
            if settlement.needs_approval:
                settlement._schedule_approval()
        return True

    def action_approve(self):
        if not self.env.user.has_group("customer_rebate.group_rebate_manager"):
            raise AccessError(self.env._("Only a rebate manager approves settlements."))
        for settlement in self:
            if settlement.state != "confirmed":
                raise UserError(
                    self.env._("Settlement %s is not waiting for approval.", settlement.name)
                )
            if settlement.confirmed_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You confirmed settlement %s, so you cannot approve it: another rebate "
                        "manager must.",
                        settlement.name,
                    )
                )
            settlement.activity_feedback(["mail.mail_activity_data_todo"])
            settlement.sudo().write({"state": "approved", "approved_by_id": self.env.uid})
        return True

    def action_post(self):
        self._check_finance()
        for settlement in self:
            if settlement.state not in ("confirmed", "approved"):
                raise UserError(
                    self.env._("Confirm settlement %s before posting it.", settlement.name)
                )
            if settlement.needs_approval and settlement.state != "approved":
                raise UserError(
                    self.env._(
                        "Settlement %s exceeds the company's approval limit: a rebate manager "
                        "other than the person who confirmed it must approve it first.",
                        settlement.name,
                    )
                )
            settlement.sudo()._post()
        return True

    def _check_payout_target(self):
        for settlement in self:
            if settlement.payout_method != "payment":
                continue
            bank = settlement.partner_bank_id
            if not bank:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s pays by bank transfer: choose a bank account of "
                        "%(customer)s.",
                        name=settlement.name,
                        customer=settlement.partner_id.name,
                    )
                )
            if bank.partner_id != settlement.partner_id:
                raise UserError(
                    self.env._(
                        "The bank account %(account)s belongs to %(holder)s, not to the customer "
                        "company %(customer)s. Rebates are paid only to the customer company's "
                        "own account; paying anyone else is a kickback.",
                        account=bank.display_name,
                        holder=bank.partner_id.display_name,
                        customer=settlement.partner_id.name,
                    )
                )

    def _post(self):
        self.ensure_one()
        self._check_payout_target()
        accrual = self.env["rebate.accrual"]
        # Accruals still waiting for the background booking job are booked first, so that
        # the settlement clears a liability the books already hold.
        waiting = accrual._book_pending_for(self.agreement_id)[:1]
        if waiting:
            raise UserError(
                self.env._(
                    "Settlement %(name)s cannot be posted: accruals of %(agreement)s could not "
                    "be booked in the journal (%(reason)s). Fix that first; the rows are in "
                    "the rebate ledger under 'Not Booked Yet'.",
                    name=self.name,
                    agreement=self.agreement_id.name,
                    reason=waiting.note or "",
                )
            )
        accrual._lock_agreements(self.agreement_id)
        self._compute_amounts()
        agreement = self.agreement_id
        today = fields.Date.context_today(self)
        Entry = self.env["rebate.entry"].with_context(rebate_ledger_write=True)
        moves = self.env["account.move"]
        if self.amount_difference:
            true_up = Entry.create(
                {
                    "agreement_id": agreement.id,
                    "period_id": self.period_id.id,
                    "date": today,
                    "entry_type": "true_up",
                    "amount": self.amount_difference,
                    "amount_company": accrual._to_company_currency(
                        agreement, self.amount_difference, today
                    ),
                    "settlement_id": self.id,
                    "note": self.env._(
                        "Settlement %s: accrual trued up to the earned rebate", self.name
                    ),
                }
            )
            moves |= accrual._book_entries(
                true_up, ref=self.env._("Rebate settlement true-up: %s", self.name)
            )
        payout = self.env["account.move"]
        if self.amount_earned > 0:
            payout = getattr(self, f"_pay_by_{self.payout_method}")()
            moves |= payout
        if self.amount_earned:
            Entry.create(
                {
                    "agreement_id": agreement.id,
                    "period_id": self.period_id.id,
                    "date": today,
                    "entry_type": "settlement",
                    "amount": -self.amount_earned,
                    "amount_company": -accrual._to_company_currency(
                        agreement, self.amount_earned, today
                    ),
                    "settlement_id": self.id,
                    "move_id": payout.id,
                    "note": dict(self._fields["payout_method"]._description_selection(self.env))[
                        self.payout_method
                    ],
                }
            )
        self.write(
            {
                "state": "posted",
                "posted_date": today,
                "move_ids": [fields.Command.link(move.id) for move in moves],
            }
        )
        self.period_id.state = "closed"
        self.agreement_id.message_post(
            body=self.env._(
                "Settlement %(name)s posted: %(amount)s %(currency)s for %(start)s - %(end)s.",
                name=self.name,
                amount=self.amount_earned,
                currency=self.currency_id.name,
                start=self.period_id.date_from,
                end=self.period_id.date_to,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _payout_label(self):
        return self.env._(
            "Rebate %(agreement)s, %(start)s - %(end)s",
            agreement=self.agreement_id.name,
            start=self.period_id.date_from,
            end=self.period_id.date_to,
        )

    def _pay_by_credit_note(self):
        """A customer credit note whose rebate line clears the accrued liability (revenue was
        already reduced by the accruals), ready to reconcile with open invoices."""
        accounting = self.company_id._rebate_accounting()
        credit_note = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "ref": self.name,
                    "invoice_origin": self.agreement_id.name,
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": self._payout_label(),
                                "account_id": accounting["liability"].id,
                                "quantity": 1.0,
                                "price_unit": self.amount_earned,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        credit_note.action_post()
        self.credit_note_id = credit_note
        return credit_note

    def _pay_by_payment(self):
        """An outbound payment to the customer company's own bank account, against the
        accrued liability."""
        accounting = self.company_id._rebate_accounting()
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company_id.id)], limit=1
        )
        if not journal:
            raise UserError(
                self.env._("Company %s has no bank journal to pay from.", self.company_id.name)
            )
        payment = (
            self.env["account.payment"]
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": self.partner_id.id,
                    "amount": self.amount_earned,
                    "currency_id": self.currency_id.id,
                    "journal_id": journal.id,
                    "partner_bank_id": self.partner_bank_id.id,
                    "destination_account_id": accounting["liability"].id,
                    "memo": self._payout_label(),
                }
            )
        )
        payment.action_post()
        self.payment_id = payment
        return payment.move_id

    def _pay_by_balance(self):
        """Move the amount from the accrued liability to the customer's rebate balance,
        usable on later orders."""
        return self.env["rebate.balance.line"]._credit_from_settlement(self)

    def action_cancel(self):
        self._check_finance()
        for settlement in self:
            if settlement.state == "cancelled":
                continue
            if settlement.state == "posted":
                settlement.sudo()._unpost()
            settlement.activity_unlink(["mail.mail_activity_data_todo"])
            settlement.sudo().write({"state": "cancelled"})
        return True

    def _unpost(self):
        """Reverse everything the settlement posted: ledger rows, journal entries, the
        credit note, the payment and the balance credit."""
        self.ensure_one()
        if self.balance_line_ids.filtered(lambda line: line.kind != "credit"):
            raise UserError(
                self.env._(
                    "The balance of settlement %s has already been used or expired: reverse "
                    "those first.",
                    self.name,
                )
            )
        if self.credit_note_id.payment_state not in (False, "not_paid"):
            raise UserError(
                self.env._(
                    "The credit note of settlement %s is reconciled: unreconcile it first.",
                    self.name,
                )
            )
        today = fields.Date.context_today(self)
        self.env["rebate.accrual"]._lock_agreements(self.agreement_id)
        if self.payment_id:
            self.payment_id.action_draft()
            self.payment_id.action_cancel()
        to_reverse = self.move_ids - self.payment_id.move_id
        if to_reverse:
            to_reverse._reverse_moves(
                [
                    {"date": today, "ref": self.env._("Reversal of %s", move.name)}
                    for move in to_reverse
                ],
                cancel=True,
            )
        self.balance_line_ids.unlink()
        entries = self.entry_ids.filtered(lambda entry: entry.amount or entry.volume)
        self.env["rebate.entry"].with_context(rebate_ledger_write=True).create(
            [
                {
                    "agreement_id": entry.agreement_id.id,
                    "period_id": entry.period_id.id,
                    "date": today,
                    "entry_type": entry.entry_type,
                    "amount": -entry.amount,
                    "amount_company": -entry.amount_company,
                    "settlement_id": self.id,
                    "note": self.env._("Settlement %s cancelled", self.name),
                }
                for entry in entries
            ]
        )
        self.period_id.state = "open"

    def _schedule_approval(self):
        approvers = self.env.ref("customer_rebate.group_rebate_manager").sudo().all_user_ids
        for user in approvers.filtered(
            lambda user: (
                user != self.confirmed_by_id
                and not user.share
                and self.company_id in user.company_ids
                and user != self.env.ref("base.user_root")
            )
        ):
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve rebate settlement %s", self.name),
                user_id=user.id,
            )
