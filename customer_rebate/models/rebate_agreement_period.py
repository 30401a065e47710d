from odoo import api, fields, models

from ..tools import periods as period_tools


class RebateAgreementPeriod(models.Model):
    _name = "rebate.agreement.period"
    _description = "Customer Rebate Settlement Period"
    _order = "agreement_id, date_from"

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
        help="Volume the period is expected to end with, for agreements accruing on the "
        "expected basis. Left empty, it is projected from the run rate. A change posts a "
        "true-up.",
    )
    baseline_volume = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Growth agreements: the volume of the same period of the previous year.",
    )
    entry_ids = fields.One2many("rebate.entry", "period_id", string="Ledger Entries")
    accrued_volume = fields.Float(
        digits="Product Unit", compute="_compute_accrued", string="Volume"
    )
    accrued_amount = fields.Monetary(compute="_compute_accrued", string="Accrued")
    adjusted_amount = fields.Monetary(compute="_compute_accrued", string="Adjusted")

    _agreement_dates_uniq = models.UniqueIndex("(agreement_id, date_from)")

    @api.depends("agreement_id.name", "date_from", "date_to")
    def _compute_display_name(self):
        for period in self:
            period.display_name = (
                f"{period.agreement_id.name} {period.date_from} → {period.date_to}"
            )

    @api.depends("entry_ids.amount", "entry_ids.volume", "entry_ids.entry_type")
    def _compute_accrued(self):
        groups = self.env["rebate.entry"]._read_group(
            [("period_id", "in", self.ids)],
            ["period_id", "entry_type"],
            ["volume:sum", "amount:sum"],
        )
        totals = {period.id: [0.0, 0.0, 0.0] for period in self}
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
            ) = totals[period.id]

    def write(self, vals):
        result = super().write(vals)
        if "expected_volume" in vals:
            self.env["rebate.accrual"]._true_up_estimates(self)
        return result

    def _baseline(self):
        """The volume growth is measured above, for this period."""
        self.ensure_one()
        agreement = self.agreement_id
        if agreement.calculation_method != "growth":
            return 0.0
        if agreement.baseline_type == "fixed":
            return agreement.baseline_volume
        return self.baseline_volume

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
            for period in periods:
                period.baseline_volume = sales[period.id].volume

    def _expected_volume(self, volume_so_far):
        """The volume the period is expected to end with: the estimate entered, else the
        volume so far projected over the whole period at its run rate."""
        self.ensure_one()
        if self.expected_volume:
            return self.expected_volume
        today = fields.Date.context_today(self)
        if today < self.date_from:
            return volume_so_far
        elapsed = (min(today, self.date_to) - self.date_from).days + 1
        length = (self.date_to - self.date_from).days + 1
        return volume_so_far * length / elapsed

    def action_view_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate.action_rebate_entry"
        )
        action["domain"] = [("period_id", "=", self.id)]
        return action
