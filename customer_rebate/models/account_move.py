from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import guard

# Technical fields of the rebate engine on journal entries: only the engine sets them.
REBATE_FIELDS = (
    "rebate_accrued",
    "rebate_accrual_pending",
    "rebate_source_invoice_id",
    "rebate_entry_ids",
)

# What a booked rebate entry is: only the engine and the settlement's own cancel change it.
LOCKED_MOVE_FIELDS = frozenset(
    {
        "date",
        "journal_id",
        "company_id",
        "partner_id",
        "commercial_partner_id",
        "currency_id",
        "move_type",
        "name",
        "state",
        "line_ids",
        "invoice_line_ids",
        "invoice_date",
    }
)
LOCKED_LINE_FIELDS = frozenset(
    {
        "move_id",
        "account_id",
        "partner_id",
        "currency_id",
        "debit",
        "credit",
        "balance",
        "amount_currency",
        "price_unit",
        "quantity",
        "discount",
        "tax_ids",
        "date",
    }
)


class AccountMove(models.Model):
    _inherit = "account.move"

    rebate_accrued = fields.Boolean(
        copy=False,
        readonly=True,
        help="The rebate ledger holds this invoice's accruals.",
    )
    rebate_accrual_pending = fields.Boolean(
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Waiting for the daily rebate accrual job (batch mode).",
    )
    rebate_source_invoice_id = fields.Many2one(
        "account.move",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The customer invoice whose posting produced this rebate accrual entry.",
    )
    rebate_entry_ids = fields.One2many(
        "rebate.entry", "invoice_id", string="Rebate Ledger Entries", readonly=True
    )

    def _check_rebate_fields(self, vals_list):
        if guard.is_open(self._name) or not self.pool.ready:
            return
        if any(vals.get(name) for vals in vals_list for name in REBATE_FIELDS):
            raise UserError(
                self.env._(
                    "Whether an invoice is held by the rebate ledger, and which invoice a "
                    "rebate accrual entry comes from, is recorded by the rebate engine only. "
                    "Nothing was saved."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rebate_fields(vals_list)
        moves = super().create(vals_list)
        if not self._rebate_books_open():
            moves._refuse_rebate_journal()
        return moves

    def write(self, vals):
        if not self._rebate_books_open() and isinstance(vals, dict):
            if set(REBATE_FIELDS).intersection(vals):
                self._check_rebate_fields([dict.fromkeys(REBATE_FIELDS, True)])
            if LOCKED_MOVE_FIELDS.intersection(vals):
                self._rebate_locked()._refuse_rebate_change()
        result = super().write(vals)
        if "journal_id" in vals and not self._rebate_books_open():
            self._refuse_rebate_journal()
        return result

    # The books of the rebate engine -------------------------------------------------------
    #
    # The rebate journal holds the entries the engine books from the rebate ledger; a
    # settlement's credit note and payment pay out what the ledger says is owed. Resetting
    # one of them to draft, editing, cancelling, reversing or deleting it from the
    # accounting screens would make the books disagree with the ledger (or change a payout
    # after its approval): only the engine and the settlement's own Cancel do that.

    def _rebate_books_open(self):
        # Module data files load while the registry serves no request.
        return guard.is_open("account.move") or not self.pool.ready

    def _rebate_locked(self):
        """The entries among these that the rebate engine booked or a settlement paid out
        with (empty while the engine itself works on them)."""
        if self._rebate_books_open():
            return self.browse()
        # Booked entries are posted (or cancelled by the settlement's own Cancel); a draft
        # was never booked: no query on the hot path of posting invoices.
        moves = (
            self.browse([move_id for move_id in self._origin.ids if move_id])
            .sudo()
            .filtered(lambda move: move.state != "draft")
        )
        if not moves:
            return self.browse()
        locked = moves.filtered(
            lambda move: move.journal_id and move.journal_id == move.company_id.rebate_journal_id
        )
        rest = moves - locked
        if rest:
            settlements = (
                self.env["rebate.settlement"]
                .sudo()
                .search(["|", ("move_ids", "in", rest.ids), ("credit_note_id", "in", rest.ids)])
            )
            locked |= rest & (settlements.move_ids | settlements.credit_note_id)
        return self.browse(locked.ids)

    def _refuse_rebate_change(self):
        if not self:
            return
        raise UserError(
            self.env._(
                "%(entries)s: booked by the rebate engine from the rebate ledger, or paid out "
                "by a posted rebate settlement. It cannot be reset to draft, edited, "
                "cancelled, reversed, duplicated or deleted here, or the books would no "
                "longer match the ledger. Correct the rebate with a manual ledger "
                "adjustment, or cancel the "
                "settlement (Rebates > Accounting > Settlements), which reverses its "
                "entries. Nothing was changed.",
                entries=", ".join(self.sudo().mapped("display_name")),
            )
        )

    def _refuse_rebate_journal(self):
        """The rebate journal receives only the engine's entries."""
        foreign = self.sudo().filtered(
            lambda move: move.journal_id and move.journal_id == move.company_id.rebate_journal_id
        )
        if foreign:
            raise UserError(
                self.env._(
                    "The journal %(journal)s holds only the entries the rebate engine books "
                    "from the rebate ledger. Record a correction as a manual adjustment in the "
                    "rebate ledger (Rebates > Accounting > Rebate Ledger), which books its "
                    "own entry, or use another journal. Nothing was saved.",
                    journal=foreign[0].journal_id.display_name,
                )
            )

    def button_draft(self):
        self._rebate_locked()._refuse_rebate_change()
        result = super().button_draft()
        self.env["rebate.accrual"]._on_invoices_changed(self)
        return result

    def button_cancel(self):
        self._rebate_locked()._refuse_rebate_change()
        return super().button_cancel()

    def _reverse_moves(self, default_values_list=None, cancel=False):
        self._rebate_locked()._refuse_rebate_change()
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def unlink(self):
        self._rebate_locked()._refuse_rebate_change()
        return super().unlink()

    def copy(self, default=None):
        # A duplicate of a settlement's credit note would pay the rebate twice.
        self._rebate_locked()._refuse_rebate_change()
        return super().copy(default=default)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["rebate.accrual"]._on_invoices_changed(posted)
        return posted
