from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount

from ..tools import guard, rebate_math
from ..tools.ledger import PeriodState
from .guarded_mixin import client_method

# What makes the amount of the rebate-balance line: changed only by the balance flow.
BALANCE_LINE_FIELDS = (
    "product_id",
    "product_template_id",
    "product_uom_id",
    "product_uom_qty",
    "price_unit",
    "discount",
    "tax_ids",
    "order_id",
)


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
    # {str(line id): expected rebate}: the lines' shares, computed with the order's figure
    # so that a line edit works the expectation out once (see sale.order.line).
    rebate_expected_line_amounts = fields.Json(
        string="Expected Rebate per Line", compute="_compute_rebate_expected"
    )

    rebate_balance_available = fields.Monetary(
        string="Rebate Balance",
        compute="_compute_rebate_balance",
        help="The customer's settled rebate balance, not yet used or expired.",
    )
    rebate_balance_usable = fields.Monetary(
        string="Usable on This Order",
        compute="_compute_rebate_balance",
        help="The balance this order may use, within the agreements' caps per order.",
    )

    def _rebate_balance_product(self):
        return self.env.ref("customer_rebate.product_rebate_balance")

    @api.depends("partner_id", "company_id", "currency_id", "order_line.price_subtotal")
    def _compute_rebate_balance(self):
        product = self._rebate_balance_product()
        all_credits = self.env["rebate.balance.line"]._open_credits(
            self.partner_id.commercial_partner_id, self.company_id, self.currency_id
        )
        for order in self:
            credits = all_credits.filtered(
                lambda credit, order=order: (
                    credit.partner_id == order.partner_id.commercial_partner_id
                    and credit.company_id == order.company_id
                    and credit.currency_id == order.currency_id
                )
            )
            available = sum(credits.mapped("remaining"))
            base = sum(
                order.order_line.filtered(lambda line: line.product_id != product).mapped(
                    "price_subtotal"
                )
            )
            caps = [available, max(base, 0.0)]
            agreements = credits.agreement_id
            percents = [
                a.balance_max_order_percent for a in agreements if a.balance_max_order_percent
            ]
            if percents:
                caps.append(base * min(percents) / 100)
            amounts = [a.balance_max_order_amount for a in agreements if a.balance_max_order_amount]
            if amounts:
                caps.append(min(amounts))
            used = -sum(
                order.order_line.filtered(lambda line: line.product_id == product).mapped(
                    "price_subtotal"
                )
            )
            order.rebate_balance_available = available
            order.rebate_balance_usable = order.currency_id.round(max(min(caps) - used, 0.0))

    @client_method()
    def action_apply_rebate_balance(self):
        """Add a discount line paid by the customer's rebate balance, within the caps.

        The customer's credits are locked first: quotations applying the same balance at
        the same moment run one after the other, each on what the previous one left."""
        if len(self) != 1 or not isinstance(self.id, int) or self.id <= 0:
            raise UserError(self.env._("Apply the rebate balance to one quotation at a time."))
        if not self.env.user.has_group("customer_rebate.group_rebate_user"):
            raise AccessError(
                self.env._("Only users of the rebate application apply a rebate balance.")
            )
        if not self.exists():
            raise MissingError(self.env._("This quotation no longer exists. Reload the page."))
        self.check_access("write")
        if self.state not in ("draft", "sent"):
            raise UserError(self.env._("The rebate balance is applied to quotations only."))
        self.env["rebate.balance.line"]._lock_credits(
            self.partner_id.commercial_partner_id, self.company_id, self.currency_id
        )
        self.invalidate_recordset(["rebate_balance_available", "rebate_balance_usable"])
        amount = self.rebate_balance_usable
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(
                self.env._(
                    "%s has no rebate balance usable on this order.",
                    self.partner_id.commercial_partner_id.name,
                )
            )
        with guard.internal_writes("sale.order.line"):
            line = self.env["sale.order.line"].create(
                {
                    "order_id": self.id,
                    "product_id": self._rebate_balance_product().id,
                    "name": self.env._("Rebate balance used"),
                    "product_uom_qty": 1.0,
                    "price_unit": -amount,
                    "tax_ids": [Command.clear()],
                }
            )
        self.env["rebate.balance.line"]._use_on_order_line(line, amount)
        self.message_post(
            body=self.env._(
                "Rebate balance of %s applied.",
                format_amount(self.env, amount, self.currency_id),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return True

    @api.constrains("partner_id", "company_id", "pricelist_id", "currency_id")
    def _check_rebate_balance_owner(self):
        """A balance applied to a quotation stays the balance of that customer, company and
        currency: it does not follow the quotation to another customer."""
        uses = (
            self.env["rebate.balance.line"]
            .sudo()
            .search([("sale_line_id", "in", self.order_line.ids), ("kind", "=", "use")])
        )
        for use in uses:
            order = use.sale_line_id.order_id
            if (
                use.partner_id != order.partner_id.commercial_partner_id
                or use.company_id != order.company_id
                or use.currency_id != order.currency_id
            ):
                raise UserError(
                    self.env._(
                        "Quotation %(order)s uses the rebate balance of %(customer)s: delete the "
                        "rebate balance line before changing its customer, company or currency.",
                        order=order.name,
                        customer=use.partner_id.name,
                    )
                )

    def _rebate_balance_unbacked(self):
        """The rebate balance lines of the orders that the customer's balance does not back
        (given back when the order was cancelled, for example)."""
        product = self._rebate_balance_product()
        lines = self.order_line.filtered(lambda line: line.product_id == product)
        if not lines:
            return lines
        spent = dict(
            self.env["rebate.balance.line"]
            .sudo()
            ._read_group(
                [("sale_line_id", "in", lines.ids), ("kind", "=", "use")],
                ["sale_line_id"],
                ["amount:sum"],
            )
        )
        return lines.filtered(
            lambda line: line.currency_id.compare_amounts(spent.get(line, 0.0), line.price_subtotal)
        )

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if not message and self._rebate_balance_unbacked():
            message = self.env._(
                "The rebate balance line of %s is no longer backed by the customer's balance "
                "(it was given back when the order was cancelled). Delete the line and apply "
                "the balance again.",
                self.name,
            )
        return message

    def _get_copiable_order_lines(self):
        # A copied quotation does not spend the balance again: the customer applies it anew.
        return (
            super()
            ._get_copiable_order_lines()
            .filtered(lambda line: line.product_id != self._rebate_balance_product())
        )

    def _action_cancel(self):
        result = super()._action_cancel()
        uses = (
            self.env["rebate.balance.line"]
            .sudo()
            .search([("sale_line_id", "in", self.order_line.ids), ("kind", "=", "use")])
        )
        uses.unlink()
        return result

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
        per_order, per_line = self._rebate_expectations()
        for order in self:
            order.rebate_expected_amount, messages = per_order[order.id]
            order.rebate_tier_message = "\n".join(messages) or False
            order.rebate_expected_line_amounts = {
                str(line.id): per_line[line.id] for line in order.order_line if line.id in per_line
            }

    def _rebate_expectations(self):
        """({order id: (expected rebate, tier messages)}, {order line id: expected rebate}):
        what invoicing the orders would add to the rebate of each agreement in force, in
        the order currency, on top of what the ledger holds for the current period."""
        per_order = {}
        agreements = self.rebate_agreement_ids.sudo()
        states, totals = self.env["rebate.entry"]._period_states(agreements)
        # A rebate balance used on the order pays for it: it is no sale and earns nothing.
        balance_product = self._rebate_balance_product()
        line_amounts = defaultdict(float)
        products = self.order_line.product_id
        # Per agreement, once for all the orders: its terms and the products in its scope.
        terms = {agreement.id: agreement._rebate_terms() for agreement in agreements}
        in_scope = {
            agreement.id: agreement._products_in_scope(products) for agreement in agreements
        }
        for order in self:
            messages = []
            total = 0.0
            day = order._rebate_date()
            for agreement in order.rebate_agreement_ids.sudo():
                period = agreement._period_at(day)
                if not period:
                    continue
                held = states[period.id]
                contributions = []
                for line in order.order_line:
                    if line.display_type or not line.product_id:
                        continue
                    if line.product_id == balance_product:
                        continue
                    if line.product_id.id not in in_scope[agreement.id]:
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
                after.volume = terms[agreement.id].volume(after.sales_amount, after.sales_quantity)
                other = totals[agreement.id] - held.amount
                due_before, before = period._rebate_due(held, other, terms=terms[agreement.id])
                due_after, result = period._rebate_due(after, other, terms=terms[agreement.id])
                expected = agreement.currency_id._convert(
                    due_after - due_before, order.currency_id, order.company_id, day
                )
                total += expected
                weights = [
                    qty if agreement.calculation_method == "per_unit" else amount
                    for _line, amount, qty in contributions
                ]
                shares = rebate_math.allocate(expected, order.currency_id.round, weights)
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

    def _check_product_values(self, vals_list):
        """A product is named by its id: anything else would end in a database error."""
        for vals in vals_list:
            for name in ("product_id", "product_template_id"):
                value = vals.get(name) if isinstance(vals, dict) else None
                if value and (not isinstance(value, int) or isinstance(value, bool)):
                    raise UserError(
                        self.env._(
                            "The %(field)s of an order line must be a product's id. Nothing "
                            "was saved.",
                            field=self._fields[name].get_description(self.env)["string"],
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_product_values(vals_list)
        template = self.env["sale.order"]._rebate_balance_product().product_tmpl_id
        if any(vals.get("product_template_id") == template.id for vals in vals_list):
            self._refuse_rebate_balance_edit()
        lines = super().create(vals_list)
        if not guard.is_open(self._name):
            # Checked on the records made, whatever form the product was sent in.
            product = self.env["sale.order"]._rebate_balance_product()
            if product in lines.sudo().product_id:
                self._refuse_rebate_balance_edit()
        return lines

    def write(self, vals):
        if guard.is_open(self._name) or not isinstance(vals, dict):
            return super().write(vals)
        self._check_product_values([vals])
        product = self.env["sale.order"]._rebate_balance_product()
        if vals.get("product_template_id") == product.product_tmpl_id.id or (
            set(BALANCE_LINE_FIELDS) & set(vals) and product in self.sudo().product_id
        ):
            self._refuse_rebate_balance_edit()
        result = super().write(vals)
        if {"product_id", "product_template_id"} & set(vals) and product in self.sudo().product_id:
            self._refuse_rebate_balance_edit()
        return result

    def _refuse_rebate_balance_edit(self):
        raise UserError(
            self.env._(
                "The rebate balance line is added by the quotation's 'Use Rebate Balance' "
                "button, which spends the customer's balance; it cannot be added or changed by "
                "hand. Delete the line to give the balance back, then apply it again. Nothing "
                "was saved."
            )
        )

    def _prepare_invoice_line(self, **optional_values):
        vals = super()._prepare_invoice_line(**optional_values)
        if self.product_id and self.product_id == self.order_id._rebate_balance_product():
            # The balance was already booked as owed to the customer: using it clears that
            # liability instead of reducing revenue a second time.
            vals["account_id"] = self.env["rebate.booking"]._accounts(self.company_id)["balance"].id
        return vals

    rebate_expected_amount = fields.Monetary(
        string="Expected Rebate",
        compute="_compute_rebate_expected_amount",
        help="The part of the order's expected rebate this line earns.",
    )

    @api.depends("order_id.rebate_expected_line_amounts")
    def _compute_rebate_expected_amount(self):
        for line in self:
            shares = line.order_id.rebate_expected_line_amounts or {}
            line.rebate_expected_amount = shares.get(str(line.id), 0.0)
