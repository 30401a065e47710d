from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rebate_agreement_ids = fields.Many2many(
        "rebate.agreement",
        string="Rebate Agreements in Force",
        compute="_compute_rebate_agreement_ids",
        help="The customer company's approved rebate agreements covering the order date.",
    )

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
            day = fields.Date.to_date(order.date_order) or fields.Date.context_today(order)
            order.rebate_agreement_ids = agreements.filtered(
                lambda agreement, order=order, day=day: (
                    agreement.partner_id == order.partner_id.commercial_partner_id
                    and agreement.company_id == order.company_id
                    and agreement.date_start <= day <= agreement.date_end
                )
            )
