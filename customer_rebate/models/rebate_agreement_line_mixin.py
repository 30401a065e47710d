from odoo import api, models


class RebateAgreementTermMixin(models.AbstractModel):
    """Lines that are part of an agreement's terms (tiers, scope): like the terms on the
    agreement itself, they can be changed only while the agreement is a draft."""

    _name = "rebate.agreement.term.mixin"
    _description = "Customer Rebate Agreement Term Line"
    _agreement_term_field = None

    @api.model_create_multi
    def create(self, vals_list):
        agreements = self.env["rebate.agreement"].browse(
            [vals["agreement_id"] for vals in vals_list if vals.get("agreement_id")]
        )
        agreements._check_terms_editable({self._agreement_term_field})
        return super().create(vals_list)

    def write(self, vals):
        self.agreement_id._check_terms_editable({self._agreement_term_field})
        if vals.get("agreement_id"):
            target = self.agreement_id.browse(vals["agreement_id"])
            # Moving a line into another agreement changes that agreement's terms: the
            # user must be allowed to change it.
            target.check_access("write")
            target._check_terms_editable({self._agreement_term_field})
        return super().write(vals)

    def unlink(self):
        self.agreement_id._check_terms_editable({self._agreement_term_field})
        return super().unlink()
