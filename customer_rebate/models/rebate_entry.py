from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_is_zero, format_date

from ..tools import guard
from ..tools.ledger import ACCRUAL_TYPES, PeriodState
from .client_values_mixin import check_client_values
from .guarded_mixin import client_method

# The columns the ledger's one writer fills (see _insert_rows).
ENGINE_COLUMNS = (
    "agreement_id",
    "period_id",
    "partner_id",
    "company_id",
    "currency_id",
    "date",
    "entry_type",
    "volume",
    "sales_amount",
    "sales_quantity",
    "amount",
    "amount_company",
    "move_line_id",
    "invoice_id",
    "tier_index",
    "rate",
    "note",
    "booking_pending",
    "settlement_id",
    "move_id",
    "reason",
)
# The period's running totals each accrual row adds to: {period column: entry column}.
RUNNING_TOTALS = {
    "ledger_volume": "volume",
    "ledger_sales_amount": "sales_amount",
    "ledger_sales_quantity": "sales_quantity",
    "ledger_amount": "amount",
}
# What a rebate manager enters by hand: a manual adjustment. The customer company, company
# and currency always come from the agreement, whatever the client sends.
MANUAL_FIELDS = frozenset(
    {
        "agreement_id",
        "period_id",
        "date",
        "amount",
        "reason",
        "note",
        "entry_type",
        "partner_id",
        "company_id",
        "currency_id",
    }
)


class RebateEntry(models.Model):
    """The rebate ledger: one row per agreement, period and source.

    Sources are an invoice line (accruals and their reversals), a change of estimate or a
    recomputation (true-ups), a manual adjustment, and later a settlement. The sum of the
    accrual rows of a period is, to the cent, the rebate its posted invoices earn."""

    _name = "rebate.entry"
    _description = "Customer Rebate Ledger Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, index=True, ondelete="restrict", check_company=True
    )
    period_id = fields.Many2one(
        "rebate.agreement.period", required=True, index=True, ondelete="restrict"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    entry_type = fields.Selection(
        [
            ("accrual", "Accrual"),
            ("true_up", "True-up"),
            ("reversal", "Reversal"),
            ("adjustment", "Manual adjustment"),
            ("settlement", "Settlement"),
        ],
        string="Type",
        required=True,
        index=True,
    )
    volume = fields.Float(
        digits="Product Unit", help="Volume in the agreement's basis (amount or quantity)."
    )
    sales_amount = fields.Monetary(help="Untaxed invoiced amount, in the agreement's currency.")
    sales_quantity = fields.Float(digits="Product Unit")
    amount = fields.Monetary(string="Rebate", help="In the agreement's currency.")
    amount_company = fields.Monetary(
        string="Rebate (Company Currency)", currency_field="company_currency_id"
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Invoice Line", index="btree_not_null", ondelete="restrict"
    )
    invoice_id = fields.Many2one("account.move", index="btree_not_null", ondelete="restrict")
    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        index="btree_not_null",
        ondelete="restrict",
        help="The accrual journal entry that books this row.",
    )
    settlement_id = fields.Many2one(
        "rebate.settlement", index="btree_not_null", ondelete="restrict", readonly=True
    )
    tier_index = fields.Integer(
        string="Tier", help="Tier reached by the period after this row (1 = first)."
    )
    rate = fields.Float(
        digits=(16, 4), help="Rate of that tier: a percentage, or an amount per unit."
    )
    note = fields.Char()
    reason = fields.Text(help="Why a manual adjustment was made.")
    booking_pending = fields.Boolean(
        string="Not Booked Yet",
        readonly=True,
        copy=False,
        help="Recorded when the invoice posted; the background job books it in the rebate "
        "accruals journal within minutes (company setting 'When to accrue').",
    )

    _booking_pending_idx = models.Index("(invoice_id) WHERE booking_pending IS TRUE")

    @api.depends("entry_type", "agreement_id", "date")
    @api.depends_context("lang")
    def _compute_display_name(self):
        types = dict(self._fields["entry_type"]._description_selection(self.env))
        for entry in self:
            entry.display_name = " · ".join(
                part
                for part in (
                    types.get(entry.entry_type, ""),
                    entry.agreement_id.name or "",
                    format_date(self.env, entry.date) if entry.date else "",
                )
                if part
            ) or self.env._("New Adjustment")

    @api.constrains("entry_type", "reason")
    def _check_adjustment_reason(self):
        for entry in self:
            if entry.entry_type == "adjustment" and not (entry.reason or "").strip():
                raise ValidationError(
                    self.env._("A manual adjustment needs a reason: say why it is made.")
                )

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        """The manual-adjustment door, and nothing else; checked here, then written by the
        ledger's one writer (`_insert_rows`), like every other row, with the access checks
        and constraints of the ORM's create."""
        check_client_values(self, vals_list)
        if not self.env.user.has_group("customer_rebate.group_rebate_manager"):
            raise UserError(self.env._("Only a rebate manager may enter a manual adjustment."))
        self.check_access("create")
        for vals in vals_list:
            if vals.get("entry_type", "adjustment") != "adjustment":
                raise UserError(
                    self.env._(
                        "Rebate ledger rows are written by the accrual engine; by hand you may "
                        "only enter a manual adjustment."
                    )
                )
            forged = sorted(
                name for name, value in vals.items() if value and name not in MANUAL_FIELDS
            )
            if forged:
                raise UserError(
                    self.env._(
                        "A manual adjustment states its agreement, period, date, amount and "
                        "reason; %(fields)s are filled by the books. Nothing was saved.",
                        fields=", ".join(
                            self._fields[name].get_description(self.env)["string"]
                            for name in forged
                            if name in self._fields
                        )
                        or ", ".join(forged),
                    )
                )
            if not (vals.get("reason") or "").strip():
                raise ValidationError(
                    self.env._("A manual adjustment needs a reason: say why it is made.")
                )
            if not vals.get("agreement_id") or not vals.get("period_id"):
                raise ValidationError(
                    self.env._(
                        "A manual adjustment goes into a period of an agreement: choose both."
                    )
                )
            vals["entry_type"] = "adjustment"
            vals.setdefault("date", fields.Date.context_today(self))
            # The agreement's customer company, company and currency: _insert_rows takes them
            # from the agreement, whatever a caller passes.
            for name in ("partner_id", "company_id", "currency_id"):
                vals.pop(name, None)
        entries = self._insert_rows(vals_list)
        entries._validate_fields(["agreement_id", "period_id", "entry_type", "reason"])
        entries.check_access("create")
        entries._post_adjustments()
        return entries

    @api.model
    def _insert_rows(self, vals_list):
        """The one writer of ledger rows (accruals, reversals, true-ups, settlements and
        their cancellation, manual adjustments), inserted with one SQL statement. Private:
        no client reaches it.

        Posting an invoice writes one row per invoice line and agreement, on the hot path of
        every posting; the ORM's create costs several times the INSERT, mostly in
        converting each monetary value through a new record. The engine builds complete,
        consistent rows (the agreement's customer company, company and currency; amounts
        rounded in their currency), so this does what `create` would: the same column
        conversion, the access-log columns, and the caches and computed fields that depend
        on the new rows. Audit hooks that must see every ledger row extend this method as
        well as `create`."""
        if not vals_list:
            return self.browse()
        agreements = self.env["rebate.agreement"].browse({v["agreement_id"] for v in vals_list})
        agreement_by_id = {agreement.id: agreement for agreement in agreements.sudo()}
        uid = self.env.uid
        now = self.env.cr.now()
        rows = []
        for given in vals_list:
            agreement = agreement_by_id[given["agreement_id"]]
            vals = {
                **given,
                "partner_id": agreement.partner_id.id,
                "company_id": agreement.company_id.id,
                "currency_id": agreement.currency_id.id,
            }
            currencies = {
                "currency_id": agreement.currency_id,
                "company_currency_id": agreement.company_id.currency_id,
            }
            row = []
            for name in ENGINE_COLUMNS:
                field = self._fields[name]
                value = vals.get(name)
                if field.type == "monetary":
                    currency = currencies[field.get_currency_field(self)]
                    row.append(currency.round(value or 0.0))
                elif value is None and field.type != "boolean":
                    row.append(None)
                else:
                    row.append(field.convert_to_column_insert(value, self, vals))
            rows.append((*row, uid, now, uid, now))
        columns = (*ENGINE_COLUMNS, "create_uid", "create_date", "write_uid", "write_date")
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s RETURNING id",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(name) for name in columns),
                SQL(", ").join(rows),
            )
        )
        entries = self.browse([row[0] for row in self.env.cr.fetchall()])
        # What the ORM's create does after its INSERT: forget cached one2many lists the new
        # rows belong to, and mark what depends on them for recomputation.
        for name in ENGINE_COLUMNS:
            field = self._fields[name]
            if field.type != "many2one":
                continue
            inverses = self.pool.field_inverses[field]
            if not inverses:
                continue
            targets = self.env[field.comodel_name].browse(
                {vals[name] for vals in vals_list if vals.get(name)}
            )
            targets.invalidate_recordset([inverse.name for inverse in inverses])
        entries.modified(list(ENGINE_COLUMNS), create=True)
        entries._add_to_running_totals()
        return entries

    def _add_to_running_totals(self):
        """Add these new rows (the accrual ones) to their periods' running totals: one
        UPDATE summing the rows as stored, so the totals stay equal to the ledger's sums."""
        self._update_running_totals(SQL("e.id IN %s", tuple(self.ids)), add=True)

    @api.model
    def _update_running_totals(self, where, add):
        """Add to (or set) the running totals of the periods the accrual rows matching
        `where` (SQL over rebate_entry e) belong to, with those rows' sums."""
        self.env.cr.execute(
            SQL(
                "UPDATE rebate_agreement_period AS period SET %s "
                "FROM (SELECT e.period_id, SUM(e.volume) AS volume, "
                "SUM(e.sales_amount) AS sales_amount, SUM(e.sales_quantity) AS sales_quantity, "
                "SUM(e.amount) AS amount FROM rebate_entry e "
                "WHERE e.entry_type IN %s AND %s GROUP BY e.period_id) AS delta "
                "WHERE period.id = delta.period_id RETURNING period.id",
                SQL(", ").join(
                    SQL(
                        "%s = %s COALESCE(delta.%s, 0)",
                        SQL.identifier(total),
                        SQL("COALESCE(period.%s, 0) +", SQL.identifier(total)) if add else SQL(),
                        SQL.identifier(column),
                    )
                    for total, column in RUNNING_TOTALS.items()
                ),
                ACCRUAL_TYPES,
                where,
            )
        )
        periods = self.env["rebate.agreement.period"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )
        periods.invalidate_recordset(list(RUNNING_TOTALS))

    # ------------------------------------------------------------------ ledger reads

    @api.model
    def _period_states(self, agreements, from_rows=False):
        """({period id: PeriodState}, {agreement id: amount}): what the ledger holds per
        period of the agreements, and per agreement, from the periods' running totals (the
        cost of a posting does not grow with the ledger's history) — or, `from_rows`,
        summed from the rows themselves (Recompute Accruals trusts nothing else)."""
        states = defaultdict(PeriodState)
        totals = defaultdict(float)
        if not agreements:
            return states, totals
        if from_rows:
            groups = self.sudo()._read_group(
                [("agreement_id", "in", agreements.ids), ("entry_type", "in", ACCRUAL_TYPES)],
                ["period_id"],
                ["volume:sum", "sales_amount:sum", "sales_quantity:sum", "amount:sum"],
            )
            for period, volume, sales_amount, sales_quantity, amount in groups:
                states[period.id] = PeriodState(volume, sales_amount, sales_quantity, amount)
                totals[period.agreement_id.id] += amount
            return states, totals
        periods = (
            self.env["rebate.agreement.period"]
            .sudo()
            .search_fetch(
                [("agreement_id", "in", agreements.ids)], ["agreement_id", *RUNNING_TOTALS]
            )
        )
        for period in periods:
            states[period.id] = PeriodState(
                period.ledger_volume,
                period.ledger_sales_amount,
                period.ledger_sales_quantity,
                period.ledger_amount,
            )
            totals[period.agreement_id.id] += period.ledger_amount
        return states, totals

    @api.model
    def _held_by_lines(self, invoices):
        """{invoice id: [(period id, line id, volume, sales amount, sales quantity,
        amount)]}: what the ledger holds per line of these invoices, to reverse."""
        result = defaultdict(list)
        if not invoices:
            return result
        groups = self.sudo()._read_group(
            [("invoice_id", "in", invoices.ids), ("entry_type", "in", ACCRUAL_TYPES)],
            ["invoice_id", "period_id", "move_line_id"],
            ["volume:sum", "sales_amount:sum", "sales_quantity:sum", "amount:sum"],
        )
        for invoice, period, line, volume, sales_amount, sales_quantity, amount in groups:
            if float_is_zero(volume, precision_digits=6) and not amount:
                continue
            result[invoice.id].append(
                (period.id, line.id, volume, sales_amount, sales_quantity, amount)
            )
        return result

    @api.model
    def _recompute_running_totals(self, periods=None):
        """Set the running totals of these periods (default: all) from the ledger itself:
        after an upgrade, and before Recompute Accruals compares the ledger with the
        invoices (the repair tool trusts the rows, not their sums)."""
        where = SQL("id IN %s", tuple(periods.ids)) if periods is not None else SQL("TRUE")
        if periods is not None and not periods:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE rebate_agreement_period SET %s WHERE %s",
                SQL(", ").join(SQL("%s = 0", SQL.identifier(total)) for total in RUNNING_TOTALS),
                where,
            )
        )
        self._update_running_totals(
            SQL("e.period_id IN %s", tuple(periods.ids)) if periods is not None else SQL("TRUE"),
            add=False,
        )
        self.env["rebate.agreement.period"].invalidate_model(list(RUNNING_TOTALS))

    @api.model
    def _row(self, period, entry_type, day, amount, *, amount_company=None, result=None, **values):
        """The values of one ledger row of an agreement period (for _insert_rows): the
        company-currency amount at the day's rate unless given, the tier reached and its
        rate from a rebate_math result; other columns as given (volume, sales, source,
        settlement, journal entry, note)."""
        agreement = period.agreement_id
        if amount_company is None:
            amount_company = self.env["rebate.booking"]._to_company_currency(agreement, amount, day)
        row = {
            "agreement_id": agreement.id,
            "period_id": period.id,
            "date": day,
            "entry_type": entry_type,
            "amount": amount,
            "amount_company": amount_company,
            **values,
        }
        if result is not None:
            row["tier_index"] = (result.tier_index + 1) if result.tier_index is not None else 0
            row["rate"] = result.rate
        return row

    def write(self, vals):
        if not guard.is_open(self._name):
            raise UserError(
                self.env._(
                    "Rebate ledger rows cannot be changed; enter a manual adjustment instead."
                )
            )
        return super().write(vals)

    def _update_rows(self, vals):
        """What the books note on ledger rows once written (booking state, journal entry,
        company-currency amount of an adjustment). Private: no client reaches it."""
        with guard.internal_writes(self._name):
            return self.sudo().write(vals)

    def _record_booking(self, booked_rows, move, note):
        """These rows were sent to the books: none waits any longer (booked, or nothing to
        book); `booked_rows` of them are booked by `move`, with the booking's note."""
        pending = self.filtered("booking_pending")
        if pending:
            pending._update_rows({"booking_pending": False, "note": False})
        if move:
            booked_rows._update_rows({"move_id": move.id})
        if note:
            for entry in booked_rows:
                entry._update_rows({"note": f"{entry.note} {note}" if entry.note else note})

    @client_method()
    def action_book_now(self):
        """Book the selected rows (or all) still waiting for the background booking job."""
        if not self.env.user.has_group("customer_rebate.group_rebate_accountant"):
            raise UserError(self.env._("Only rebate accountants may book accruals."))
        domain = [("booking_pending", "=", True)]
        if self:
            domain.append(("id", "in", self.ids))
        # The user's own companies (record rules), booked as the system.
        waiting = self.search(domain).sudo()
        moves = self.env["rebate.booking"]._book_pending(waiting)
        still = waiting.filtered("booking_pending")
        if still:
            message = self.env._(
                "%(booked)s journal entries booked; %(left)s rows could not be booked, see "
                "their note.",
                booked=len(moves),
                left=len(still),
            )
            kind = "warning"
        else:
            message = self.env._("%s journal entries booked.", len(moves))
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Rebate ledger rows cannot be deleted; enter a manual adjustment instead.")
        )

    @api.onchange("agreement_id", "date")
    def _onchange_agreement_date(self):
        for entry in self:
            agreement = entry.agreement_id
            if not agreement:
                continue
            entry.partner_id = agreement.partner_id
            entry.company_id = agreement.company_id
            entry.currency_id = agreement.currency_id
            # The agreement's open period containing the date.
            day = entry.date or fields.Date.context_today(entry)
            entry.period_id = agreement._period_at(day).filtered(
                lambda period: period.state == "open"
            )

    def _post_adjustments(self):
        """Book manual adjustments: one balanced journal entry each."""
        booking = self.env["rebate.booking"]
        self.agreement_id._lock_ledger()
        for entry in self.sudo():
            if entry.period_id.agreement_id != entry.agreement_id:
                raise ValidationError(
                    self.env._("The period of an adjustment must belong to its agreement.")
                )
            if entry.period_id.state != "open":
                raise ValidationError(
                    self.env._(
                        "Period %(start)s - %(end)s of %(agreement)s is settled and closed: an "
                        "adjustment goes into an open period (or cancel the settlement first).",
                        start=entry.period_id.date_from,
                        end=entry.period_id.date_to,
                        agreement=entry.agreement_id.name,
                    )
                )
            entry._update_rows(
                {
                    "amount_company": booking._to_company_currency(
                        entry.agreement_id, entry.amount, entry.date
                    )
                }
            )
            booking._book_entries(
                entry, ref=booking._company_env(entry.company_id)._("Manual rebate adjustment")
            )
