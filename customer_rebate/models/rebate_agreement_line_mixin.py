from odoo import api, models
from odoo.exceptions import UserError

from .client_values_mixin import check_client_values


class RebateAgreementTermMixin(models.AbstractModel):
    """Lines that are part of an agreement's terms (tiers, scope): like the terms on the
    agreement itself, they can be changed only while the agreement is a draft."""

    _name = "rebate.agreement.term.mixin"
    _description = "Customer Rebate Agreement Term Line"
    _agreement_term_field = None

    def _refuse_company(self):
        raise UserError(
            self.env._(
                "A term line belongs to the company of its agreement; it cannot be moved to "
                "another company. Nothing was saved."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        for vals in vals_list:
            # Stored related field: the agreement's company, whatever a caller sends.
            if vals.get("company_id"):
                agreement = self.env["rebate.agreement"].browse(vals.get("agreement_id"))
                if vals["company_id"] != agreement.company_id.id:
                    self._refuse_company()
        agreements = self.env["rebate.agreement"].browse(
            [vals["agreement_id"] for vals in vals_list if vals.get("agreement_id")]
        )
        agreements._check_terms_editable({self._agreement_term_field})
        return super().create(vals_list)

    def write(self, vals):
        check_client_values(self, [vals])
        if "company_id" in vals:
            self._refuse_company()
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
