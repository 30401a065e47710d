from collections import defaultdict

from odoo import api, fields, models

from .rebate_accrual import PeriodState


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rebate_agreement_ids = fields.Many2many(
        "rebate.agreement",
        string="Rebate Agreements in Force",
        compute="_compute_rebate_agreement_ids",
        help="The customer company's approved rebate agreements covering the order date.",
    )
    rebate_expected_amount = fields.Monetary(
        string="Expected Rebate",
        compute="_compute_rebate_expected",
        help="The rebate this order is expected to earn once invoiced, on top of what the "
        "customer's current period has already earned.",
    )
    rebate_tier_message = fields.Text(string="Rebate Tiers", compute="_compute_rebate_expected")

    @api.depends("partner_id", "company_id", "date_order")
    def _compute_rebate_agreement_ids(self):
        partners = self.partner_id.commercial_partner_id
        agreements = self.env["rebate.agreement"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "in", self.company_id.ids),
                ("state", "=", "approved"),
            ]
        )
        for order in self:
            day = order._rebate_date()
            order.rebate_agreement_ids = agreements.filtered(
                lambda agreement, order=order, day=day: (
                    agreement.partner_id == order.partner_id.commercial_partner_id
                    and agreement.company_id == order.company_id
                    and agreement.date_start <= day <= agreement.date_end
                )
            )

    def _rebate_date(self):
        self.ensure_one()
        return fields.Date.to_date(self.date_order) or fields.Date.context_today(self)

    @api.depends(
        "rebate_agreement_ids",
        "order_line.price_subtotal",
        "order_line.product_uom_qty",
        "order_line.product_id",
        "currency_id",
    )
    def _compute_rebate_expected(self):
        per_order, _per_line = self._rebate_expectations()
        for order in self:
            order.rebate_expected_amount, messages = per_order[order.id]
            order.rebate_tier_message = "\n".join(messages) or False

    def _rebate_expectations(self):
        """({order id: (expected rebate, tier messages)}, {order line id: expected rebate}):
        what invoicing the orders would add to the rebate of each agreement in force, in
        the order currency, on top of what the ledger holds for the current period."""
        accrual = self.env["rebate.accrual"]
        per_order = {}
        agreements = self.rebate_agreement_ids.sudo()
        states, totals = accrual._ledger_states(agreements)
        line_amounts = defaultdict(float)
        for order in self:
            messages = []
            total = 0.0
            day = order._rebate_date()
            for agreement in order.rebate_agreement_ids.sudo():
                period = agreement.period_ids.filtered(
                    lambda period, day=day: period.date_from <= day <= period.date_to
                )[:1]
                if not period:
                    continue
                held = states[period.id]
                contributions = []
                for line in order.order_line:
                    if line.display_type or not line.product_id:
                        continue
                    if not agreement._product_in_scope(line.product_id):
                        continue
                    amount = order.currency_id._convert(
                        line.price_subtotal,
                        agreement.currency_id,
                        order.company_id,
                        day,
                        round=False,
                    )
                    quantity = line.product_uom_id._compute_quantity(
                        line.product_uom_qty, line.product_id.uom_id, round=False
                    )
                    contributions.append((line, amount, quantity))
                if not contributions:
                    continue
                after = PeriodState(
                    held.volume,
                    held.sales_amount + sum(amount for _line, amount, _qty in contributions),
                    held.sales_quantity + sum(qty for _line, _amount, qty in contributions),
                )
                after.volume = (
                    after.sales_quantity if agreement.basis == "quantity" else after.sales_amount
                )
                other = totals[agreement.id] - held.amount
                due_before, before = agreement._rebate_due(period, held, other)
                due_after, result = agreement._rebate_due(period, after, other)
                expected = agreement.currency_id._convert(
                    due_after - due_before, order.currency_id, order.company_id, day
                )
                total += expected
                weights = [
                    qty if agreement.calculation_method == "per_unit" else amount
                    for _line, amount, qty in contributions
                ]
                shares = accrual._allocate(order.currency_id, expected, weights)
                for (line, _amount, _qty), share in zip(contributions, shares, strict=True):
                    line_amounts[line.id] += share
                if result.tier_index is not None and (
                    before.tier_index is None or result.tier_index > before.tier_index
                ):
                    messages.append(
                        self.env._(
                            "This order moves %(customer)s into tier %(tier)s (%(rate)s) of "
                            "agreement %(agreement)s.",
                            customer=agreement.partner_id.name,
                            tier=result.tier_index + 1,
                            rate=f"{result.rate:g}",
                            agreement=agreement.name,
                        )
                    )
            per_order[order.id] = (total, messages)
        return per_order, line_amounts


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    rebate_expected_amount = fields.Monetary(
        string="Expected Rebate",
        compute="_compute_rebate_expected_amount",
        help="The part of the order's expected rebate this line earns.",
    )

    @api.depends(
        "order_id.rebate_agreement_ids",
        "order_id.order_line.price_subtotal",
        "order_id.order_line.product_uom_qty",
    )
    def _compute_rebate_expected_amount(self):
        _per_order, per_line = self.order_id._rebate_expectations()
        for line in self:
            line.rebate_expected_amount = per_line.get(line.id, 0.0)
