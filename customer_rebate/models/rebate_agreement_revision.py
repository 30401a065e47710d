import json

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError


class RebateAgreementRevision(models.Model):
    """Approved terms as they stood before an amendment reopened them."""

    _name = "rebate.agreement.revision"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Customer Rebate Agreement Previous Terms"
    _order = "agreement_id, id desc"
    _guarded_fields = ("agreement_id", "approved_date", "approver_ids", "terms_json")
    _guarded_records = True

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    create_date = fields.Datetime(string="Amended On", readonly=True)
    create_uid = fields.Many2one("res.users", string="Amended By", readonly=True)
    approved_date = fields.Datetime(string="Approved On", readonly=True)
    approver_ids = fields.Many2many("res.users", string="Approved By", readonly=True)
    terms_json = fields.Text(string="Terms (data)", readonly=True)
    terms_html = fields.Html(string="Terms", compute="_compute_terms_html", sanitize=True)

    @api.depends("terms_json")
    def _compute_terms_html(self):
        agreement_fields = self.env["rebate.agreement"]._fields
        for revision in self:
            terms = json.loads(revision.terms_json or "{}")
            rows = []
            for key in sorted(terms):
                value = terms[key]
                label = (
                    agreement_fields[key].get_description(self.env)["string"]
                    if key in agreement_fields
                    else key
                )
                rows.append(
                    Markup("<tr><th>%s</th><td>%s</td></tr>")
                    % (
                        label,
                        json.dumps(value, ensure_ascii=False)
                        if not isinstance(value, str)
                        else value,
                    )
                )
            revision.terms_html = (
                Markup("<table class='table table-sm'>%s</table>") % Markup("").join(rows)
                if rows
                else escape("")
            )

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "Previous terms are kept by 'Amend Terms' and are never edited or deleted. "
                "Nothing was saved."
            )
        )
