from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import format_date
from odoo.tools.misc import format_amount

from ..tools import guard
from .client_values_mixin import check_client_values
from .guarded_mixin import client_method
from .rebate_agreement import PAYOUT_METHODS

REVIEW_ACTIVITY = "mail.mail_activity_data_todo"


class RebateSettlement(models.Model):
    """The rebate an ended period has earned, trued up in the books and paid out: by credit
    note, by payment to the customer company's own bank account, or as a balance for
    later orders. One per agreement period, and a supplementary one when a document dated
    in the settled period changes what it earned; cancelling reverses everything it posted.

    Settlements are created by the settlement code only (`_create_for_periods`); their
    amounts, state and control fields change only through the actions, which lock the row
    and re-check what the database holds. The payout method and bank account are edited
    while the settlement is a draft."""

    _name = "rebate.settlement"
    _description = "Customer Rebate Settlement"
    _inherit = [
        "rebate.guarded.mixin",
        "rebate.approval.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "period_date_to desc, id desc"
    _check_company_auto = True
    _guarded_fields = (
        "name",
        "agreement_id",
        "period_id",
        "period_date_to",
        "partner_id",
        "company_id",
        "currency_id",
        "amount_earned",
        "amount_accrued",
        "amount_difference",
        "volume",
        "state",
        "confirmed_by_id",
        "approved_by_id",
        "posted_date",
        "move_ids",
        "credit_note_id",
        "payment_id",
        "entry_ids",
        "balance_line_ids",
        "supplementary_of_id",
    )
    # Chosen by finance while the settlement is a draft, checked again at confirm and post.
    _draft_fields = ("payout_method", "partner_bank_id")

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
        PAYOUT_METHODS,
        required=True,
        tracking=True,
    )
    partner_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Customer Bank Account",
        tracking=True,
        domain="[('partner_id', '=', partner_id), ('allow_out_payment', '=', True)]",
        help="Payments go only to a bank account of the customer company itself, held in its "
        "name and trusted for outgoing payments.",
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

    supplementary_of_id = fields.Many2one(
        "rebate.settlement",
        string="Supplements",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The posted settlement of the same period that this one completes: documents "
        "dated in the period were posted, reset or cancelled after it.",
    )
    late_invoice_ids = fields.Many2many(
        "account.move",
        string="Late Documents",
        compute="_compute_late_invoices",
        help="The invoices and credit notes dated in the settled period and posted, reset or "
        "cancelled after its settlement: what this supplementary settlement settles.",
    )

    # One settlement in progress per period; a supplementary one comes after the posted.
    _period_open_uniq = models.UniqueIndex(
        "(period_id) WHERE state IN ('draft', 'confirmed', 'approved')"
    )

    @api.depends("amount_earned", "amount_accrued")
    def _compute_amount_difference(self):
        for settlement in self:
            settlement.amount_difference = settlement.currency_id.round(
                settlement.amount_earned - settlement.amount_accrued
            )

    @api.depends("supplementary_of_id", "period_id")
    def _compute_late_invoices(self):
        """The documents of the period's rows written after the last row of the settlement
        supplemented (ledger ids only grow): one read of the rows for all settlements."""
        self.late_invoice_ids = False
        supplementary = self.filtered("supplementary_of_id")
        if not supplementary:
            return
        Entry = self.env["rebate.entry"].sudo()
        last = dict(
            Entry._read_group(
                [("settlement_id", "in", supplementary.supplementary_of_id.ids)],
                ["settlement_id"],
                ["id:max"],
            )
        )
        rows = Entry._read_group(
            [
                ("period_id", "in", supplementary.period_id.ids),
                ("invoice_id", "!=", False),
                ("settlement_id", "=", False),
            ],
            ["period_id", "invoice_id"],
            ["id:max"],
        )
        for settlement in supplementary:
            after = last.get(settlement.supplementary_of_id, 0)
            settlement.late_invoice_ids = [
                invoice.id
                for period, invoice, written in rows
                if period == settlement.period_id and written > after
            ]

    @api.depends("amount_earned", "company_id.rebate_settlement_approval_limit")
    def _compute_needs_approval(self):
        for settlement in self:
            limit = settlement.company_id.rebate_settlement_approval_limit
            amount = self.env["rebate.booking"]._to_company_currency(
                settlement.agreement_id,
                abs(settlement.amount_earned),
                settlement.period_id.date_to or fields.Date.context_today(settlement),
            )
            settlement.needs_approval = bool(limit) and amount > limit

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        self._guard_check_create(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("rebate.settlement") or "/"
        with guard.internal_writes(self._name):
            return super().create(vals_list)

    def write(self, vals):
        check_client_values(self, [vals])
        if set(self._draft_fields) & set(vals) and not self._guard_is_open():
            self._check_payout_values(vals)
            locked = self.filtered(lambda settlement: settlement.state != "draft")
            if locked:
                raise UserError(
                    self.env._(
                        "Settlement %s is no longer a draft: its payout method and bank account "
                        "cannot change. Cancel it and settle the period again to pay otherwise.",
                        locked[0].name,
                    )
                )
        return super().write(vals)

    def _check_payout_values(self, vals):
        """Refuse a payout method or bank account of the wrong kind with a clear message."""
        methods = dict(self._fields["payout_method"]._description_selection(self.env))
        if "payout_method" in vals and vals["payout_method"] not in methods:
            raise UserError(
                self.env._("Choose the payout method among: %s.", ", ".join(methods.values()))
            )
        bank = vals.get("partner_bank_id")
        if "partner_bank_id" in vals and not (
            bank is False or (isinstance(bank, int) and not isinstance(bank, bool) and bank > 0)
        ):
            raise UserError(
                self.env._("Choose the customer's bank account from the list (or none).")
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(settlement.state not in ("draft", "cancelled") for settlement in self):
            raise UserError(self.env._("Only draft or cancelled settlements can be deleted."))
        posted = self.sudo().filtered(
            lambda settlement: settlement.entry_ids or settlement.move_ids
        )
        if posted:
            raise UserError(
                self.env._(
                    "Settlement %s was posted once: it stays on record, cancelled, with the "
                    "entries that reversed it.",
                    posted[0].name,
                )
            )

    # ------------------------------------------------------------------ computation

    def _compute_amounts(self):
        """Earned on the final volume (from the posted invoices, with manual adjustments)
        against what the ledger holds, both less what posted settlements of the period
        already paid (a supplementary settlement settles only the difference).

        The baseline of an open growth period is read again from the documents first: it
        follows them until the period is settled."""
        self.period_id.filtered(lambda period: period.state == "open")._refresh_baselines()
        report = {row["period_id"]: row for row in self.period_id._recompute_accruals()}
        on_top = dict(
            self.env["rebate.entry"]
            .sudo()
            ._read_group(
                [
                    ("period_id", "in", self.period_id.ids),
                    ("entry_type", "in", ("adjustment", "settlement")),
                ],
                ["period_id"],
                ["amount:sum"],
            )
        )
        for settlement in self:
            row = report[settlement.period_id.id]
            adjusted_and_paid = on_top.get(settlement.period_id, 0.0)
            settlement._guarded_write(
                {
                    "amount_earned": row["amount"] + adjusted_and_paid,
                    "amount_accrued": row["held_amount"] + adjusted_and_paid,
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

    @api.model
    def _create_for_periods(self, periods):
        """Create the settlement of every ended, open period of an approved (or expired)
        agreement that has none in progress, computed on the period's final volume; and a
        supplementary settlement of every settled period that a document dated in it (a late
        invoice, a backdated credit note) left with a rebate owed or overpaid. The one door
        through which settlements come into being: the Settle button (finance) and the daily
        job (the system) call it; whatever runs twice creates nothing more."""
        today = fields.Date.context_today(self)
        periods = periods.sudo().filtered(
            lambda period: (
                period.date_to < today and period.agreement_id.state in ("approved", "expired")
            )
        )
        if not periods:
            return self.browse()
        in_progress = (
            self.sudo()
            .search(
                [
                    ("period_id", "in", periods.ids),
                    ("state", "in", ("draft", "confirmed", "approved")),
                ]
            )
            .period_id
        )
        periods = (periods - in_progress).filtered(
            lambda period: period.state == "open"
        ) | self._periods_left_unsettled(periods - in_progress)
        supplemented = self._last_posted(periods.filtered(lambda period: period.state == "closed"))
        settlements = self._guarded_create(
            [
                {
                    "agreement_id": period.agreement_id.id,
                    "period_id": period.id,
                    "payout_method": period.agreement_id.payout_method,
                    "supplementary_of_id": supplemented.get(period.id, False),
                }
                for period in periods.sorted(
                    lambda period: (period.agreement_id.id, period.date_from)
                )
            ]
        )
        settlements._compute_amounts()
        settlements.filtered("supplementary_of_id")._explain_supplementary()
        settlements._schedule_review()
        return self.browse(settlements.ids)

    @api.model
    def _last_posted(self, periods):
        """{period id: id of its last posted settlement}."""
        if not periods:
            return {}
        posted = self.sudo().search(
            [("period_id", "in", periods.ids), ("state", "=", "posted")], order="id"
        )
        return {settlement.period_id.id: settlement.id for settlement in posted}

    def _explain_supplementary(self):
        """Tell finance, in the settlement's chatter and in the company's language (the
        daily job makes most of them), why a settled period is settled again and which
        documents did it."""
        for settlement in self:
            env = self.env["rebate.booking"]._company_env(settlement.company_id)
            settlement.message_post(
                body=env._(
                    "Supplementary settlement of %(period)s, already settled by %(first)s on "
                    "%(date)s: documents dated in the period were posted, reset or cancelled "
                    "after it (%(documents)s). This settlement settles the difference, "
                    "%(amount)s.",
                    period=settlement.period_id.display_name,
                    first=settlement.supplementary_of_id.name,
                    date=format_date(env, settlement.supplementary_of_id.posted_date),
                    documents=", ".join(settlement.late_invoice_ids.mapped("name")) or "-",
                    amount=format_amount(env, settlement.amount_earned, settlement.currency_id),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _periods_left_unsettled(self, periods):
        """The settled periods whose ledger no longer nets to zero: a document dated in them
        was posted, reset or cancelled after their settlement."""
        closed = periods.filtered(lambda period: period.state == "closed")
        if not closed:
            return closed
        totals = (
            self.env["rebate.entry"]
            .sudo()
            ._read_group([("period_id", "in", closed.ids)], ["period_id"], ["amount:sum"])
        )
        return closed.browse(
            [period.id for period, amount in totals if not period.currency_id.is_zero(amount)]
        )

    def _settle_result(self):
        """What Settle Ended Periods answers: the settlements it made, or a notification
        that nothing was due."""
        if self:
            return self
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Nothing to settle"),
                "message": self.env._(
                    "Nothing was due: no ended period of these agreements is waiting for a "
                    "settlement."
                ),
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------ activities

    def _finance_users(self):
        """Who may confirm, approve and post the settlement: the rebate accountants and
        managers of its company."""
        return self._staff_of(
            "customer_rebate.group_rebate_accountant", "customer_rebate.group_rebate_manager"
        )

    # The approval capability (rebate.approval.mixin): the confirmer asks, a rebate
    # manager other than the confirmer approves (required above the company's limit).

    def _approval_requester(self):
        return self.confirmed_by_id

    def _approval_given(self):
        return (
            self.approved_by_id if self.state in ("approved", "posted") else self.env["res.users"]
        )

    def _approval_waiting(self):
        return self.state == "confirmed"

    def _approval_own_request_refusal(self):
        return self.env._(
            "You confirmed settlement %s, so you cannot approve it: another rebate manager must.",
            self.name,
        )

    def _approval_levels(self):
        return 1

    def _approval_groups(self):
        manager = self.env._("rebate manager")
        return {1: ("customer_rebate.group_rebate_manager", manager)}

    def _schedule_review(self):
        """Finance gets an activity for each settlement with something to book; it is done
        once the settlement is posted or cancelled."""
        for settlement in self:
            currency = settlement.currency_id
            if currency.is_zero(settlement.amount_earned) and currency.is_zero(
                settlement.amount_accrued
            ):
                continue
            summary = self.env._("Settlement %s is ready for review.", settlement.name)
            for user in settlement._finance_users():
                settlement.activity_schedule(REVIEW_ACTIVITY, summary=summary, user_id=user.id)

    def _close_activities(self, users=None):
        """Mark the settlement's activities done (of these users only, when given)."""
        activities = self.sudo().activity_ids.filtered(
            lambda activity: users is None or activity.user_id in users
        )
        if activities:
            activities.action_feedback()

    def _lock_for_action(self):
        """Lock the settlement rows, then read them again from the database.

        Touching the rows (in id order, against deadlocks) makes a second transaction acting
        on the same settlement wait for the first; as Odoo runs in REPEATABLE READ, it then
        fails with a serialization error and Odoo runs the request again, on what the first
        committed: a settlement posted twice is refused the second time.

        Returns the settlements, each once (a client may send an id twice)."""
        settlements = self.browse(list(dict.fromkeys(self._ids)))
        if not settlements:
            return settlements
        settlements.check_access("write")
        if settlements._lock_rows() != len(settlements):
            raise MissingError(
                self.env._("A settlement you chose no longer exists. Reload the page.")
            )
        return settlements

    @client_method()
    def action_confirm(self):
        self._check_finance()
        settlements = self._lock_for_action()
        for settlement in settlements:
            if settlement.state != "draft":
                raise UserError(self.env._("Settlement %s is not a draft.", settlement.name))
        for settlement in settlements:
            settlement._compute_amounts()
            settlement._check_payout_target()
            settlement._guarded_write({"state": "confirmed", "confirmed_by_id": self.env.uid})
            if settlement.needs_approval:
                settlement._schedule_approval()
        return True

    @client_method()
    def action_approve(self):
        if not self.env.user.has_group("customer_rebate.group_rebate_manager"):
            raise AccessError(self.env._("Only a rebate manager approves settlements."))
        settlements = self._lock_for_action()
        for settlement in settlements:
            refusal = settlement._approval_refusal()
            if refusal:
                raise UserError(refusal)
        for settlement in settlements:
            # The approval is given: the approvers' activities are done; finance's review
            # stays open until the settlement is posted.
            settlement._close_activities(settlement._approvers())
            settlement._guarded_write({"state": "approved", "approved_by_id": self.env.uid})
        return True

    @client_method()
    def action_post(self):
        self._check_finance()
        settlements = self._lock_for_action()
        settlements._check_postable()
        for settlement in settlements:
            # Checked again right before each posting, on what the previous ones wrote.
            settlement._check_postable()
            # The settlement's own entries: the books' guard lets the engine through.
            with guard.internal_writes("account.move"):
                settlement.sudo()._post()
        return True

    def _check_postable(self):
        for settlement in self:
            if settlement.state == "posted":
                raise UserError(self.env._("Settlement %s is already posted.", settlement.name))
            if settlement.state not in ("confirmed", "approved"):
                raise UserError(
                    self.env._("Confirm settlement %s before posting it.", settlement.name)
                )
            settlement._check_approval()

    def _check_approval(self):
        """A settlement above the company's approval limit (on the amounts stored in the
        database) is posted only once a rebate manager other than its confirmer approved it."""
        manager_group = "customer_rebate.group_rebate_manager"
        for settlement in self:
            if not settlement.needs_approval:
                continue
            approver = settlement.approved_by_id
            if (
                settlement.state != "approved"
                or not approver
                or approver == settlement.confirmed_by_id
                or not approver.has_group(manager_group)
            ):
                raise UserError(
                    self.env._(
                        "Settlement %s exceeds the company's approval limit: a rebate manager "
                        "other than the person who confirmed it must approve it first.",
                        settlement.name,
                    )
                )

    def _check_payout_target(self):
        """Pay only into a bank account of the customer company itself, held in its name
        and trusted for outgoing payments."""
        for settlement in self:
            if settlement.payout_method != "payment":
                continue
            bank = settlement.sudo().partner_bank_id
            customer = settlement.sudo().partner_id
            if not bank:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s pays by bank transfer: choose a bank account of "
                        "%(customer)s.",
                        name=settlement.name,
                        customer=customer.name,
                    )
                )
            if bank.partner_id != customer:
                raise UserError(
                    self.env._(
                        "The bank account %(account)s belongs to %(holder)s, not to the customer "
                        "company %(customer)s. Rebates are paid only to the customer company's "
                        "own account; paying anyone else is a kickback.",
                        account=bank.display_name,
                        holder=bank.partner_id.display_name,
                        customer=customer.name,
                    )
                )
            holder = (bank.acc_holder_name or "").strip()
            if holder and holder.casefold() != (customer.name or "").strip().casefold():
                raise UserError(
                    self.env._(
                        "The bank account %(account)s is held in the name of %(holder)s, not "
                        "%(customer)s. Rebates are paid only to an account held in the "
                        "customer company's own name: correct the account holder or choose "
                        "another account.",
                        account=bank.display_name,
                        holder=holder,
                        customer=customer.name,
                    )
                )
            if not bank.active or not bank.allow_out_payment:
                raise UserError(
                    self.env._(
                        "The bank account %(account)s of %(customer)s is not trusted for "
                        "outgoing payments. Have someone allowed to validate bank accounts "
                        "verify it with the customer and switch on 'Send Money' on the "
                        "account, then try again.",
                        account=bank.display_name,
                        customer=customer.name,
                    )
                )

    def _post(self):
        self.ensure_one()
        self._check_payout_target()
        # Accruals still waiting for the background booking job are booked first, so that
        # the settlement clears a liability the books already hold.
        waiting = self.env["rebate.booking"]._book_pending_for(self.agreement_id)[:1]
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
        self.agreement_id._lock_ledger()
        confirmed_amount = self.amount_earned
        self._compute_amounts()
        if self.currency_id.compare_amounts(self.amount_earned, confirmed_amount):
            # A document dated in the period changed what it earns after finance confirmed
            # (and a manager perhaps approved) another amount: nobody signed off this one.
            raise UserError(
                self.env._(
                    "Settlement %(name)s was confirmed for %(confirmed)s, but the period now "
                    "earns %(earned)s (an invoice or credit note of the period changed since). "
                    "Nothing was posted: cancel this settlement and settle the period again, "
                    "so that the new amount is confirmed and approved.",
                    name=self.name,
                    confirmed=self.currency_id.format(confirmed_amount),
                    earned=self.currency_id.format(self.amount_earned),
                )
            )
        today = fields.Date.context_today(self)
        booking = self.env["rebate.booking"]
        Entry = self.env["rebate.entry"]
        moves = self.env["account.move"]
        if self.amount_difference:
            true_up = Entry._insert_rows(
                [
                    Entry._row(
                        self.period_id,
                        "true_up",
                        today,
                        self.amount_difference,
                        settlement_id=self.id,
                        note=self.env._(
                            "Settlement %s: accrual trued up to the earned rebate", self.name
                        ),
                    )
                ]
            )
            moves |= booking._book_entries(
                true_up,
                ref=booking._company_env(self.company_id)._(
                    "Rebate settlement true-up: %s", self.name
                ),
            )
        payout = self.env["account.move"]
        if self.amount_earned > 0:
            payout = getattr(self, f"_pay_by_{self.payout_method}")()
        elif self.amount_earned < 0:
            payout = self._recover_by_invoice()
        moves |= payout
        if self.amount_earned:
            Entry._insert_rows(
                [
                    Entry._row(
                        self.period_id,
                        "settlement",
                        today,
                        -self.amount_earned,
                        amount_company=self._payout_amount_company(payout),
                        settlement_id=self.id,
                        move_id=payout.id,
                        note=self._payout_note(),
                    )
                ]
            )
        self._reconcile_liability()
        self._guarded_write(
            {
                "state": "posted",
                "posted_date": today,
                "move_ids": [fields.Command.link(move.id) for move in moves],
            }
        )
        self.period_id._mark_closed()
        self._close_activities()
        self.agreement_id.message_post(
            body=self.env._(
                "Settlement %(name)s posted: %(amount)s for %(start)s - %(end)s.",
                name=self.name,
                amount=format_amount(self.env, self.amount_earned, self.currency_id),
                start=format_date(self.env, self.period_id.date_from),
                end=format_date(self.env, self.period_id.date_to),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _payout_note(self):
        if self.amount_earned < 0:
            return self.env._("Overpaid rebate invoiced to the customer")
        return dict(self._fields["payout_method"]._description_selection(self.env))[
            self.payout_method
        ]

    def _payout_amount_company(self, payout):
        """The payout's settlement row in company currency: what the payout's entry booked
        on the accrued liability (at the rate of its date), so that the ledger and the books
        agree to the cent."""
        liability = self.env["rebate.booking"]._accounts(self.company_id)["liability"]
        items = payout.line_ids.filtered(
            lambda line: line.account_id == liability and line.partner_id == self.partner_id
        )
        if not items:
            return -self.env["rebate.booking"]._to_company_currency(
                self.agreement_id, self.amount_earned, fields.Date.context_today(self)
            )
        return -sum(items.mapped("balance"))

    def _period_liability_items_matched(self):
        """The liability items of the settlement's own entries, and all they are matched
        with."""
        liability = self.env["rebate.booking"]._accounts(self.company_id)["liability"]
        items = self.move_ids.line_ids.filtered(
            lambda line: line.account_id == liability and line.partner_id == self.partner_id
        )
        return items._all_reconciled_lines().filtered(lambda line: line.account_id == liability)

    def _period_liability_items(self):
        """The period's open items on the accrued liability account: its accruals, true-ups,
        adjustments and payouts."""
        liability = self.env["rebate.booking"]._accounts(self.company_id)["liability"]
        entries = (
            self.env["rebate.entry"]
            .sudo()
            .search([("period_id", "=", self.period_id.id), ("move_id", "!=", False)])
        )
        return self.env["rebate.booking"]._booked_items(entries, liability)

    def _reconcile_liability(self):
        """An agreement in a foreign currency: match the period's items on the accrued
        liability account, which the settlement has just brought to zero in that currency.
        Each item was booked at the rate of its date: Odoo books what is left in company
        currency as an exchange difference (IAS 21), and the ledger records it on the
        settlement, so that the liability, in the books as in the ledger, ends at zero. (In
        the company's currency the items already net to zero.)"""
        if self.currency_id == self.company_id.currency_id:
            return
        items = self._period_liability_items()
        if not items.account_id.reconcile or not (
            items.filtered(lambda item: item.amount_residual_currency > 0)
            and items.filtered(lambda item: item.amount_residual_currency < 0)
        ):
            return
        partials = items.matched_debit_ids | items.matched_credit_ids
        earlier = partials.exchange_move_id
        items.reconcile()
        partials = items.matched_debit_ids | items.matched_credit_ids
        exchange_moves = partials.exchange_move_id - earlier
        liability = items.account_id
        rows = []
        for move in exchange_moves:
            booked = sum(
                move.line_ids.filtered(lambda line: line.account_id == liability).mapped("balance")
            )
            if self.company_id.currency_id.is_zero(booked):
                continue
            rows.append(
                self.env["rebate.entry"]._row(
                    self.period_id,
                    "settlement",
                    move.date,
                    0.0,
                    amount_company=-booked,
                    settlement_id=self.id,
                    move_id=move.id,
                    note=self.env._(
                        "Settlement %s: exchange difference on the accrued rebate", self.name
                    ),
                )
            )
        self.env["rebate.entry"]._insert_rows(rows)

    def _payout_label(self):
        return self.env._(
            "Rebate %(agreement)s, %(start)s - %(end)s",
            agreement=self.agreement_id.name,
            start=format_date(self.env, self.period_id.date_from),
            end=format_date(self.env, self.period_id.date_to),
        )

    def _pay_by_credit_note(self):
        """A customer credit note whose rebate line clears the accrued liability (revenue was
        already reduced by the accruals), ready to reconcile with open invoices."""
        credit_note = self.env["rebate.booking"]._customer_document(
            self.company_id,
            "out_refund",
            partner=self.partner_id,
            currency=self.currency_id,
            amount=self.amount_earned,
            label=self._payout_label(),
            ref=self.name,
            origin=self.agreement_id.name,
        )
        self._guarded_write({"credit_note_id": credit_note.id})
        return credit_note

    def _pay_by_payment(self):
        """An outbound payment to the customer company's own bank account, against the
        accrued liability."""
        payment = self.env["rebate.booking"]._outbound_payment(
            self.company_id,
            partner=self.partner_id,
            bank_account=self.partner_bank_id,
            currency=self.currency_id,
            amount=self.amount_earned,
            label=self._payout_label(),
        )
        self._guarded_write({"payment_id": payment.id})
        return payment.move_id

    def _recover_by_invoice(self):
        """A customer invoice for a rebate paid in excess: a document dated in the settled
        period (a late credit note) lowered what it earned below what was paid. Its line
        restores the accrued liability that the overpayment took away, whatever the payout
        method (a payment cannot take money back, nor a spent balance)."""
        return self.env["rebate.booking"]._customer_document(
            self.company_id,
            "out_invoice",
            partner=self.partner_id,
            currency=self.currency_id,
            amount=-self.amount_earned,
            label=self.env._("Rebate paid in excess: %s", self._payout_label()),
            ref=self.name,
            origin=self.agreement_id.name,
        )

    def _pay_by_balance(self):
        """Move the amount from the accrued liability to the customer's rebate balance,
        usable on later orders."""
        return self.env["rebate.balance.line"]._credit_from_settlement(self)

    @client_method()
    def action_cancel(self):
        self._check_finance()
        for settlement in self._lock_for_action():
            if settlement.state == "cancelled":
                continue
            if settlement.state == "posted":
                with guard.internal_writes("account.move"):
                    settlement.sudo()._unpost()
            settlement._close_activities()
            settlement._guarded_write({"state": "cancelled"})
        return True

    def _unpost(self):
        """Reverse everything the settlement posted: ledger rows, journal entries, the
        credit note, the payment and the balance credit."""
        self.ensure_one()
        if self.balance_line_ids:
            # A quotation spending this credit right now goes first, or waits.
            self.env["rebate.balance.line"]._lock_credits(
                self.partner_id, self.company_id, self.currency_id
            )
            self.balance_line_ids.invalidate_recordset()
        if self.balance_line_ids.use_line_ids:
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
        recovery = self.move_ids.filtered(lambda move: move.move_type == "out_invoice")
        if any(invoice.payment_state != "not_paid" for invoice in recovery):
            raise UserError(
                self.env._(
                    "The customer has paid (part of) the invoice of settlement %s: "
                    "unreconcile the payment first.",
                    self.name,
                )
            )
        today = fields.Date.context_today(self)
        self.agreement_id._lock_ledger()
        # The period's items are matched with one another: unmatched first, their exchange
        # differences reversed with them, so that the ledger rows reversed below (those
        # differences included) keep the ledger equal to the books.
        matched = self._period_liability_items_matched()
        matched.remove_move_reconcile()
        if self.payment_id:
            # Cancelled, not deleted: the payment's entry keeps its number and the ledger's
            # settlement row keeps pointing at it (Odoo deletes a cancelled payment's draft).
            self.payment_id.move_id.button_cancel()
        self.env["rebate.booking"]._reverse(
            self.company_id, self.move_ids - self.payment_id.move_id, today
        )
        credits = self.balance_line_ids
        credits.unlink()
        if credits:
            # The customer's other balance items may have been matched with this credit.
            self.env["rebate.balance.line"]._reconcile_balance_items(
                self.partner_id, self.company_id, self.currency_id
            )
        entries = self.entry_ids.filtered(
            lambda entry: entry.amount or entry.amount_company or entry.volume
        )
        Entry = self.env["rebate.entry"]
        Entry._insert_rows(
            [
                Entry._row(
                    entry.period_id,
                    entry.entry_type,
                    today,
                    -entry.amount,
                    amount_company=-entry.amount_company,
                    settlement_id=self.id,
                    note=self.env._("Settlement %s cancelled", self.name),
                )
                for entry in entries
            ]
        )
        self.period_id._mark_open()

    def _schedule_approval(self):
        """The rebate managers other than the confirmer are asked to approve: their review
        activity becomes the approval (one activity per person and settlement)."""
        self._schedule_approvers(
            REVIEW_ACTIVITY,
            lambda env, settlement: env._("Approve rebate settlement %s", settlement.name),
        )
