import json
import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import guard

_logger = logging.getLogger(__name__)

# The company's rebate accounting: {key in _accounts(): res.company field}.
ACCOUNTING_FIELDS = {
    "journal": "rebate_journal_id",
    "liability": "rebate_liability_account_id",
    "revenue": "rebate_revenue_account_id",
    "expense": "rebate_expense_account_id",
    "balance": "rebate_balance_account_id",
}


class RebateBooking(models.AbstractModel):
    """Every journal entry the product books is built and posted here, with one rule for
    the accounts: accruals, true-ups and manual adjustments (the rebate account against
    the accrued liability), balance credits and expiries (a transfer between two accounts),
    all in the rebate journal, as the engine (see account.move's books guard), in the
    company's language; and the settlement's payouts on the accrued liability (a credit
    note, an outbound payment, an invoice taking back a rebate paid in excess) and their
    reversals."""

    _name = "rebate.booking"
    _description = "Customer Rebate Bookings"

    # ------------------------------------------------------------------ the rules

    @api.model
    def _accounts(self, company):
        """{'journal', 'liability', 'revenue', 'expense', 'balance'}: the company's rebate
        journal and accounts, which its chart of accounts brought (see
        account.chart.template) and finance may change in the rebate accounting
        settings. A branch uses its parent company's."""
        company.ensure_one()
        company = company.sudo()
        accounts = {}
        for key, field in ACCOUNTING_FIELDS.items():
            accounts[key] = company[field] or company.root_id[field]
        if not all(accounts.values()):
            if not company.root_id.chart_template:
                raise UserError(
                    self.env._(
                        "Company %s has no chart of accounts yet: install one (Accounting "
                        "settings) before rebates are accrued.",
                        company.name,
                    )
                )
            raise UserError(
                self.env._(
                    "The rebate journal or accounts of %s are not set: finance sets them "
                    "in the Rebates app, Configuration, Accounting.",
                    company.name,
                )
            )
        # Read as the system: the engine books for users who may not read journals.
        return accounts

    @api.model
    def _rebate_account(self, agreement, accounts=None):
        """The account a rebate is charged to: revenue reduction, or selling expense when the
        agreement is treated so (the accrual's debit, and what an expired balance gives
        back)."""
        accounts = accounts or self._accounts(agreement.company_id)
        if agreement.accounting_treatment == "selling_expense":
            return accounts["expense"]
        return accounts["revenue"]

    @api.model
    def _to_company_currency(self, agreement, amount, date):
        company = agreement.company_id
        if agreement.currency_id == company.currency_id:
            return amount
        return agreement.currency_id._convert(amount, company.currency_id, company, date)

    @api.model
    def _company_env(self, company):
        """The environment in the company's language: texts stored in the books (a
        reference, a label, a note) are the company's, whoever's action booked them."""
        return self.with_context(lang=company.partner_id.lang or self.env.lang).env

    @api.model
    def _open_date(self, company, journal, day):
        """(date, note): the day, or the first open date after a lock date."""
        locks = company._get_violated_lock_dates(day, False, journal)
        if not locks:
            return day, ""
        booked = locks[-1][0] + timedelta(days=1)
        note = self._company_env(company)._(
            "The period of %(date)s is locked: booked on %(booked)s, the first open date.",
            date=day,
            booked=booked,
        )
        return booked, note

    # ------------------------------------------------------------------ the one builder

    @api.model
    def _move_vals(self, company, *, day, ref, lines, narration=False, source_invoice=None):
        """Values of one journal entry in the rebate journal; `lines` are dicts of
        account, partner, currency, amount (in that currency), balance (in company
        currency), label and analytic distribution."""
        journal = self._accounts(company)["journal"]
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": day,
            "ref": ref,
            "narration": narration or False,
            "rebate_source_invoice_id": source_invoice.id if source_invoice else False,
            "line_ids": [
                fields.Command.create(
                    {
                        "account_id": line["account"].id,
                        "partner_id": line["partner"].id,
                        "currency_id": line["currency"].id,
                        "amount_currency": line["amount"],
                        "balance": line["balance"],
                        "name": line["label"],
                        "analytic_distribution": line.get("analytic_distribution") or False,
                    }
                )
                for line in lines
            ],
        }

    @api.model
    def _post_moves(self, company, vals_list):
        """Create and post journal entries of one company as the engine: no creation
        message or field tracking in their chatter. Created and posted together, which
        costs far less per entry than one at a time."""
        if not vals_list:
            return self.env["account.move"]
        with guard.internal_writes("account.move"):
            moves = (
                self.env["account.move"]
                .sudo()
                .with_company(company)
                .with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
                .create(vals_list)
            )
            moves._post(soft=False)
        return moves

    @api.model
    def _transfer(
        self, company, *, debit, credit, partner, currency, amount, amount_company, label, ref, day
    ):
        """A posted two-line entry moving an amount from one account to another for a
        customer."""
        line = {"partner": partner, "currency": currency, "label": label}
        vals = self._move_vals(
            company,
            day=day,
            ref=ref,
            lines=[
                {**line, "account": debit, "amount": amount, "balance": amount_company},
                {**line, "account": credit, "amount": -amount, "balance": -amount_company},
            ],
        )
        return self._post_moves(company, [vals])

    # ------------------------------------------------------------------ settlement payouts

    @api.model
    def _customer_document(
        self, company, move_type, *, partner, currency, amount, label, ref, origin
    ):
        """A posted customer credit note (a rebate paid, move_type 'out_refund') or invoice
        (a rebate paid in excess taken back, 'out_invoice') of one untaxed line on the
        accrued liability, dated today, ready to reconcile with the customer's open
        items."""
        accounts = self._accounts(company)
        document = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "invoice_date": fields.Date.context_today(self),
                    "ref": ref,
                    "invoice_origin": origin,
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": label,
                                "account_id": accounts["liability"].id,
                                "quantity": 1.0,
                                "price_unit": amount,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        document.action_post()
        return document

    @api.model
    def _outbound_payment(self, company, *, partner, bank_account, currency, amount, label):
        """A posted outbound payment from the company's first bank journal to the customer's
        bank account, against the accrued liability."""
        accounts = self._accounts(company)
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        if not journal:
            raise UserError(self.env._("Company %s has no bank journal to pay from.", company.name))
        payment = (
            self.env["account.payment"]
            .with_company(company)
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": amount,
                    "currency_id": currency.id,
                    "journal_id": journal.id,
                    "partner_bank_id": bank_account.id,
                    "destination_account_id": accounts["liability"].id,
                    "memo": label,
                }
            )
        )
        payment.action_post()
        return payment

    @api.model
    def _reverse(self, company, moves, day):
        """Reverse and cancel these entries on that day, each reversal referenced in the
        company's language."""
        if not moves:
            return self.env["account.move"]
        env = self._company_env(company)
        return moves._reverse_moves(
            [{"date": day, "ref": env._("Reversal of %s", move.name)} for move in moves],
            cancel=True,
        )

    # ------------------------------------------------------------------ waiting rows

    @api.model
    def _book_pending(self, entries):
        """Book the invoices of these ledger rows that wait for the booking job (see
        _book_pending_invoices)."""
        return self._book_pending_invoices(
            entries.sudo().filtered("booking_pending").invoice_id.ids
        )

    @api.model
    def _book_pending_invoices(self, invoice_ids):
        """Book the rows of these invoices waiting for the booking job, one journal entry per
        invoice: the net change of the invoice's rows since they were last booked (posted
        and reset before the job ran, they cancel out and nothing is booked). Every waiting
        row of an invoice is taken, so an invoice is never split. A group that cannot be
        booked (say, an account was archived) stays waiting, with the reason in its note,
        and does not hold the others back; only concurrency errors propagate, for the
        transaction to be run again."""
        if not invoice_ids:
            return self.env["account.move"]
        entries = (
            self.env["rebate.entry"]
            .sudo()
            .search([("booking_pending", "=", True), ("invoice_id", "in", list(invoice_ids))])
        )
        if not entries:
            return self.env["account.move"]
        groups = self._invoice_groups(entries)
        try:
            with self.env.cr.savepoint():
                return self._book_groups(groups)
        except psycopg2.OperationalError:
            raise  # serialization failures, deadlocks, lost connections
        except Exception as error:  # pylint: disable=broad-exception-caught
            _logger.info(
                "Booking %d rebate accrual entries together failed (%s): one at a time now.",
                len(groups),
                error,
            )
        moves = self.env["account.move"]
        for group, ref in groups:
            try:
                with self.env.cr.savepoint():
                    moves |= self._book_groups([(group, ref)])
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # pylint: disable=broad-exception-caught
                message = str(error.args[0] if error.args else error) or repr(error)
                _logger.warning("Rebate accrual booking failed for %s: %s", ref, message)
                group._update_rows({"note": self.env._("Not booked yet: %s", message)[:250]})
        return moves

    @api.model
    def _book_pending_for(self, agreements=None, partners=None):
        """Book now the rows of these agreements (or customers) still waiting for the
        background booking job, before reading what the books hold. Returns the rows that
        could not be booked."""
        domain = [("booking_pending", "=", True)]
        if agreements is not None:
            domain.append(("agreement_id", "in", agreements.ids))
        if partners is not None:
            domain.append(("partner_id", "in", partners.ids))
        waiting = self.env["rebate.entry"].sudo().search(domain)
        self._book_pending(waiting)
        return waiting.filtered("booking_pending")

    @api.model
    def _invoice_groups(self, entries):
        """[(rows, journal entry reference)], one group per invoice."""
        return [
            (
                group,
                self._company_env(invoice.company_id)._("Rebate accrual: %s", invoice.name),
            )
            for invoice, group in entries.grouped("invoice_id").items()
        ]

    # ------------------------------------------------------------------ ledger rows

    def _book_entries(self, entries, ref):
        """Book ledger rows of one company in one journal entry (see _book_groups)."""
        return self._book_groups([(entries, ref)])

    def _book_groups(self, groups):
        """One balanced journal entry per group of ledger rows, [(entries, ref)]: debit the
        rebate account (revenue reduction or selling expense) with the sale's analytic
        distribution, credit the accrued rebate liability with the customer as partner."""
        prepared = []
        for entries, ref in groups:
            vals, note, booked_rows = self._ledger_move_vals(entries.sudo(), ref)
            prepared.append((entries.sudo(), vals, note, booked_rows))
        by_company = defaultdict(list)
        for index, (entries, vals, _note, _rows) in enumerate(prepared):
            if vals:
                by_company[entries.company_id].append((index, vals))
        moves_by_group = {}
        for company, items in by_company.items():
            moves = self._post_moves(company, [vals for _index, vals in items])
            for (index, _vals), move in zip(items, moves, strict=True):
                moves_by_group[index] = move
        booked = self.env["account.move"]
        for index, (entries, _vals, note, booked_rows) in enumerate(prepared):
            move = moves_by_group.get(index, self.env["account.move"])
            booked |= move
            entries._record_booking(booked_rows, move, note)
        return booked

    def _ledger_move_vals(self, entries, ref):
        """(values of the journal entry booking the rows, note, the rows it books) — no
        values when the rows book nothing (zero amounts, or rows that cancel out)."""
        nothing = (None, "", entries.browse())
        entries = entries.filtered(lambda entry: entry.amount_company or entry.amount)
        if not entries:
            return nothing
        company = entries.company_id
        company.ensure_one()
        accounts = self._accounts(company)
        day, note = self._open_date(company, accounts["journal"], max(entries.mapped("date")))
        texts = self._company_env(company)
        groups = defaultdict(lambda: [0.0, 0.0])
        rows = defaultdict(entries.browse)
        for entry in entries:
            agreement = entry.agreement_id
            account = self._rebate_account(agreement, accounts)
            distribution = entry.move_line_id.analytic_distribution or {}
            key = (agreement, account, json.dumps(distribution, sort_keys=True))
            groups[key][0] += entry.amount_company
            groups[key][1] += entry.amount
            rows[key] |= entry
        lines = []
        booked_rows = entries.browse()
        # One liability item per agreement period, so that its settlement finds (and
        # matches) its own among those of the customer's other agreements and periods.
        liability = defaultdict(lambda: [0.0, 0.0])
        for key, (balance, amount) in groups.items():
            agreement, account, distribution = key
            if company.currency_id.is_zero(balance):
                continue
            booked_rows |= rows[key]
            for period, period_rows in rows[key].grouped("period_id").items():
                liability[agreement, period][0] += sum(period_rows.mapped("amount_company"))
                liability[agreement, period][1] += sum(period_rows.mapped("amount"))
            lines.append(
                {
                    "account": account,
                    "partner": agreement.partner_id,
                    "currency": agreement.currency_id,
                    "amount": amount,
                    "balance": balance,
                    "label": texts._("Rebate %(agreement)s", agreement=agreement.name),
                    "analytic_distribution": json.loads(distribution),
                }
            )
        for (agreement, _period), (balance, amount) in liability.items():
            if company.currency_id.is_zero(balance):
                continue
            lines.append(
                {
                    "account": accounts["liability"],
                    "partner": agreement.partner_id,
                    "currency": agreement.currency_id,
                    "amount": -amount,
                    "balance": -balance,
                    "label": texts._("Rebate %(agreement)s", agreement=agreement.name),
                }
            )
        if not lines:
            return nothing
        vals = self._move_vals(
            company,
            day=day,
            ref=ref,
            lines=lines,
            narration=note,
            source_invoice=entries.invoice_id[:1],
        )
        return vals, note, booked_rows

    @api.model
    def _booked_items(self, entries, account):
        """The posted journal items on `account`, not yet reconciled, that book these ledger
        rows of one agreement period. An entry may book several agreements of one customer
        (an invoice in the scope of two) or several periods (a recomputation): each agreement
        period has its own item there, the one whose amounts are those of its rows."""
        entries = entries.sudo().filtered("move_id")
        period = entries.period_id
        if not period:
            return self.env["account.move.line"]
        period.ensure_one()
        agreement = period.agreement_id
        shared = set(
            self.env["rebate.entry"]
            .sudo()
            .search(
                [
                    ("move_id", "in", entries.move_id.ids),
                    ("period_id", "!=", period.id),
                    ("partner_id", "=", agreement.partner_id.id),
                    ("currency_id", "=", agreement.currency_id.id),
                ]
            )
            .move_id.ids
        )
        company_currency = agreement.company_id.currency_id
        items = self.env["account.move.line"]
        for move, rows in entries.grouped("move_id").items():
            candidates = move.line_ids.filtered(
                lambda line: (
                    line.account_id == account
                    and line.partner_id == agreement.partner_id
                    and line.currency_id == agreement.currency_id
                    and line.parent_state == "posted"
                    and not line.reconciled
                )
            )
            if move.id in shared:
                amount = sum(rows.mapped("amount"))
                amount_company = sum(rows.mapped("amount_company"))
                candidates = candidates.filtered(
                    lambda line, amount=amount, amount_company=amount_company: (
                        agreement.currency_id.is_zero(line.amount_currency + amount)
                        and company_currency.is_zero(line.balance + amount_company)
                    )
                )[:1]
            items |= candidates
        return items
