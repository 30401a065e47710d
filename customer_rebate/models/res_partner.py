from odoo import fields, models

from .guarded_mixin import client_method


class ResPartner(models.Model):
    _inherit = "res.partner"

    rebate_agreement_ids = fields.One2many(
        "rebate.agreement", "partner_id", string="Rebate Agreements"
    )
    # Agreements in force today: drafts and cancelled ones are not rebates the customer has.
    rebate_agreement_count = fields.Integer(compute="_compute_rebate_agreement_count")

    def _compute_rebate_agreement_count(self):
        counts = dict(
            self.env["rebate.agreement"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids), ("is_in_force", "=", True)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.rebate_agreement_count = counts.get(partner.commercial_partner_id, 0)

    @client_method(single=True)
    def action_view_rebate_agreements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate.action_rebate_agreement"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
            "search_default_in_force": 1,
        }
        return action
