import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RebateAgreementTier(models.Model):
    _name = "rebate.agreement.tier"
    _description = "Customer Rebate Agreement Tier"
    _inherit = ["rebate.agreement.term.mixin"]
    _agreement_term_field = "tier_ids"
    _order = "agreement_id, threshold, id"

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    threshold = fields.Float(
        digits="Product Unit",
        help="Volume (amount or quantity, per the agreement's basis) from which this tier applies.",
    )
    rate = fields.Float(
        digits=(16, 4),
        help="A percentage (5 means 5 %), or for 'per unit' agreements an amount per unit.",
    )

    @api.constrains("threshold", "rate", "agreement_id")
    def _check_tier(self):
        for tier in self:
            agreement = tier.agreement_id
            if not (math.isfinite(tier.rate) and math.isfinite(tier.threshold)):
                raise ValidationError(
                    self.env._(
                        "A tier of agreement %s has no usable number as its threshold or "
                        "rate: enter ordinary figures.",
                        agreement.name,
                    )
                )
            if tier.rate < 0:
                raise ValidationError(
                    self.env._(
                        "Tier rates cannot be negative (%(rate)s on agreement %(name)s): a "
                        "rebate is paid to the customer, enter a positive rate.",
                        rate=tier.rate,
                        name=agreement.name,
                    )
                )
            if tier.threshold < 0:
                raise ValidationError(
                    self.env._("A tier threshold cannot be negative: start tiers at 0 or more.")
                )
            if agreement.calculation_method != "per_unit" and tier.rate > 100:
                raise ValidationError(
                    self.env._(
                        "A percentage cannot exceed 100 (%(rate)s on agreement %(name)s): enter "
                        "5 for 5 %%.",
                        rate=tier.rate,
                        name=agreement.name,
                    )
                )
            twins = agreement.tier_ids.filtered(
                lambda other, tier=tier: other.threshold == tier.threshold
            )
            if len(twins) > 1:
                raise ValidationError(
                    self.env._(
                        "Two tiers of agreement %(name)s start at the same threshold "
                        "(%(threshold)s): give each tier its own threshold.",
                        name=agreement.name,
                        threshold=tier.threshold,
                    )
                )
