from odoo import fields, models
from odoo.tools import format_date


class RebateControl(models.Model):
    """The due diligence control check: agreements in force whose customer company has no
    valid due diligence today (pending, rejected, expired, or never reviewed). It looks at
    every company, whether or not the company requires due diligence before submission: a
    requirement switched off is itself what an auditor wants to see."""

    _inherit = "rebate.control"

    code = fields.Selection(
        selection_add=[("customer_due_diligence", "Customer without valid due diligence")],
        ondelete={"customer_due_diligence": "cascade"},
    )

    def _check_customer_due_diligence(self):
        self.ensure_one()
        today = self._today()
        agreements = (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [("company_id", "in", self._company_ids()), ("is_in_force", "=", True)],
                order="id",
            )
        )
        valid = agreements.partner_id._rebate_due_diligence_valid(today)
        states = dict(
            self.env["res.partner"]
            ._fields["rebate_due_diligence_state"]
            ._description_selection(self.env)
        )
        hits = []
        for agreement in agreements.filtered(lambda a: a.partner_id not in valid):
            customer = agreement.partner_id.commercial_partner_id
            expiry = customer.rebate_due_diligence_expiry_date
            hits.append(
                (
                    agreement,
                    self.env._(
                        "Agreement %(agreement)s is in force, but its customer %(customer)s "
                        "has no valid due diligence today (status: %(status)s%(expiry)s).",
                        agreement=agreement.name,
                        customer=customer.name,
                        status=states.get(customer.rebate_due_diligence_state, "-"),
                        expiry=self.env._(", expired on %s", format_date(self.env, expiry))
                        if expiry and expiry < today
                        else "",
                    ),
                )
            )
        return hits
