import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import guard, rebate_math
from ..tools import periods as period_tools
from .guarded_mixin import client_method


class RebateAgreementPeriod(models.Model):
    """A settlement period of an agreement. Periods are made and removed only by the
    agreement (`rebate.agreement._generate_periods`); their dates, state and baseline change
    only through the workflow (settlement posting closes a period with `_mark_closed`)."""

    _name = "rebate.agreement.period"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Customer Rebate Settlement Period"
    _order = "agreement_id, date_from"
    _guarded_fields = (
        "agreement_id",
        "company_id",
        "partner_id",
        "date_from",
        "date_to",
        "state",
        "baseline_volume",
        "ledger_volume",
        "ledger_sales_amount",
        "ledger_sales_quantity",
        "ledger_amount",
    )
    _guarded_records = True

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="agreement_id.partner_id", store=True, index=True)
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        required=True,
        default="open",
        readonly=True,
        help="Open: volume still accrues. Closed: the period has been settled.",
    )
    expected_volume = fields.Float(
        digits="Product Unit",
        groups="base.group_user",
        help="Volume the period is expected to end with, for agreements accruing on the "
        "expected basis. Left empty, it is projected from the run rate. A change posts a "
        "true-up.",
    )
    baseline_volume = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Growth agreements: the volume of the same period of the previous year.",
    )
    # Running totals of the period's accrual rows (accruals, reversals, true-ups), kept by
    # the ledger's one writer (rebate.entry._insert_rows) in the same transaction: posting
    # an invoice reads these, not the period's whole history.
    ledger_volume = fields.Float(digits="Product Unit", readonly=True, copy=False)
    ledger_sales_amount = fields.Monetary(readonly=True, copy=False)
    ledger_sales_quantity = fields.Float(digits="Product Unit", readonly=True, copy=False)
    ledger_amount = fields.Monetary(readonly=True, copy=False)
    entry_ids = fields.One2many(
        "rebate.entry", "period_id", string="Ledger Entries", groups="base.group_user"
    )
    # Read from the ledger, which only staff read; the portal shows its own summary.
    accrued_volume = fields.Float(
        digits="Product Unit",
        compute="_compute_accrued",
        string="Volume",
        groups="base.group_user",
    )
    accrued_amount = fields.Monetary(
        compute="_compute_accrued", string="Accrued", groups="base.group_user"
    )
    adjusted_amount = fields.Monetary(
        compute="_compute_accrued", string="Adjusted", groups="base.group_user"
    )

    _agreement_dates_uniq = models.UniqueIndex("(agreement_id, date_from)")

    @api.depends("agreement_id.name", "date_from", "date_to")
    def _compute_display_name(self):
        for period in self:
            period.display_name = (
                f"{period.agreement_id.name} {period.date_from} → {period.date_to}"
            )

    @api.depends("entry_ids.amount", "entry_ids.volume", "entry_ids.entry_type")
    def _compute_accrued(self):
        # In a form's onchange the periods are new records: read the stored ones.
        groups = self.env["rebate.entry"]._read_group(
            [("period_id", "in", [period_id for period_id in self._origin.ids if period_id])],
            ["period_id", "entry_type"],
            ["volume:sum", "amount:sum"],
        )
        totals = {period._origin.id: [0.0, 0.0, 0.0] for period in self}
        for period, entry_type, volume, amount in groups:
            if entry_type == "adjustment":
                totals[period.id][2] += amount
            elif entry_type != "settlement":
                totals[period.id][0] += volume
                totals[period.id][1] += amount
        for period in self:
            (
                period.accrued_volume,
                period.accrued_amount,
                period.adjusted_amount,
            ) = totals[period._origin.id]

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "Settlement periods are made and removed by their agreement, from its dates "
                "and settlement frequency: change those on a draft (or amend the terms) "
                "instead. Nothing was saved."
            )
        )

    def write(self, vals):
        if "expected_volume" in vals:
            self._check_expected_volume_editable(vals["expected_volume"])
        result = super().write(vals)
        if "expected_volume" in vals:
            self.env["rebate.accrual"]._true_up_estimates(self)
        return result

    def _check_expected_volume_editable(self, value):
        """The expected volume is an estimate of finance: a rebate manager or accountant
        changes it, only while the period is open (it moves the accruals), to a figure of
        zero or more (zero: projected from the run rate)."""
        user = self.env.user
        if value is not False and (
            type(value) not in (int, float) or not math.isfinite(value) or value < 0
        ):
            raise UserError(
                self.env._(
                    "Enter the expected volume as a figure, zero or more (zero: projected "
                    "from the run rate). Nothing was saved."
                )
            )
        if not (
            self.env.su
            or user.has_group("customer_rebate.group_rebate_manager")
            or user.has_group("customer_rebate.group_rebate_accountant")
        ):
            raise AccessError(
                self.env._(
                    "Only a rebate manager or finance can change a period's expected volume."
                )
            )
        closed = self.sudo().filtered(lambda period: period.state != "open")
        if closed:
            raise UserError(
                self.env._(
                    "Period %s is closed (settled): its expected volume can no longer change.",
                    closed[0].display_name,
                )
            )

    def _mark_closed(self):
        """The period is settled: called by the settlement's posting."""
        self._guarded_write({"state": "closed"})

    def _mark_open(self):
        """The period's settlement was cancelled: it accrues again."""
        self._guarded_write({"state": "open"})

    def _rebate_facts(self):
        """The period as the pure maths reads it (rebate_math.PeriodFacts)."""
        self.ensure_one()
        period = self.sudo()
        return rebate_math.PeriodFacts(
            date_from=period.date_from,
            date_to=period.date_to,
            baseline_volume=period.baseline_volume,
            expected_volume=period.expected_volume or 0.0,
        )

    def _refresh_baselines(self):
        """Growth periods measured against the previous year: sum that year's volume."""
        growth = self.filtered(
            lambda period: (
                period.agreement_id.calculation_method == "growth"
                and period.agreement_id.baseline_type == "previous_year"
            )
        )
        accrual = self.env["rebate.accrual"]
        for agreement in growth.agreement_id:
            periods = growth.filtered(lambda period, a=agreement: period.agreement_id == a)
            ranges = [
                (period.id, *period_tools.previous_year_period(period.date_from, period.date_to))
                for period in periods
            ]
            sales = accrual._sales_by_range(agreement, ranges)
            with guard.internal_writes(self._name):
                for period in periods.sudo():
                    period.baseline_volume = sales[period.id].volume

    def _rebate_due(self, sales, other_periods_amount=0.0, terms=None):
        """(amount, RebateResult): the rebate the period has earned on its sales (a
        PeriodState-like object: volume, sales_amount, sales_quantity), after the caps,
        rounded in the agreement's currency; `other_periods_amount` is what the agreement's
        other periods hold, for the cap over the agreement. `terms` is the agreement's
        rebate_math.Terms when the caller has built it already.

        On the expected basis an open period accrues at the tier it is expected to end in;
        once the period has ended its outcome replaces the estimate (IFRS 15.59): the actual
        volume decides, so the settlement trues the accrual up to what was really earned
        (see rebate_math.rebate_due)."""
        self.ensure_one()
        agreement = self.agreement_id
        amount, result = rebate_math.rebate_due(
            terms or agreement._rebate_terms(),
            sales.volume,
            sales.sales_amount,
            sales.sales_quantity,
            period=self._rebate_facts(),
            today=fields.Date.context_today(self),
            other_periods_amount=other_periods_amount,
        )
        return agreement.currency_id.round(amount), result

    def _recompute_accruals(self, post=False, date=None):
        """Compare what the ledger holds for these periods with what their posted invoices
        earn (the engine's _recompute_periods); with post=True, book the differences."""
        return self.env["rebate.accrual"]._recompute_periods(self, post=post, date=date)

    @client_method(single=True)
    def action_view_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate.action_rebate_entry"
        )
        action["domain"] = [("period_id", "=", self.id)]
        return action

    def _sales_line_domain(self):
        """The journal items behind the period's volume (see rebate.agreement)."""
        self.ensure_one()
        return self.agreement_id._sales_line_domain(self.date_from, self.date_to)

    @client_method(single=True)
    def action_view_invoice_analysis(self):
        """Open the Invoice Analysis on exactly the invoice lines that make the period's
        volume: the agreement's scope, customer and company, posted, in the period's
        dates. Reading it takes the accounting read access the analysis itself requires."""
        self.ensure_one()
        self.check_access("read")
        self.env["account.invoice.report"].check_access("read")
        lines = self.env["account.move.line"].sudo().search(self._sales_line_domain())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_account_invoice_report_all"
        )
        action.update(
            {
                "name": self.env._("Invoice Analysis: %s", self.display_name),
                "domain": [("id", "in", lines.ids)],
                "context": {"group_by": ["product_id"]},
                "view_mode": "list,pivot,graph",
                "views": [(False, "list"), (False, "pivot"), (False, "graph")],
            }
        )
        action.pop("path", None)
        return action
