import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, formatLang, html_sanitize


class RebateAgreementRevision(models.Model):
    """Approved terms as they stood before an amendment reopened them."""

    _name = "rebate.agreement.revision"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Customer Rebate Agreement Previous Terms"
    _order = "agreement_id, id desc"
    _guarded_fields = (
        "agreement_id",
        "approved_date",
        "approver_ids",
        "terms_json",
        "signed_contract",
        "signed_contract_filename",
    )
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
    signed_contract = fields.Binary(attachment=True, readonly=True, groups="base.group_user")
    signed_contract_filename = fields.Char(readonly=True, groups="base.group_user")
    terms_html = fields.Html(string="Terms", compute="_compute_terms_html", sanitize=True)

    @api.depends("agreement_id", "create_date")
    def _compute_display_name(self):
        for revision in self:
            revision.display_name = self.env._(
                "%(agreement)s, terms before %(date)s",
                agreement=revision.agreement_id.name or "",
                date=format_date(self.env, revision.create_date) if revision.create_date else "",
            )

    @api.depends("terms_json")
    def _compute_terms_html(self):
        for revision in self:
            terms = json.loads(revision.terms_json or "{}")
            revision.terms_html = revision._render_terms(terms) if terms else ""

    def _render_terms(self, terms):
        """The kept terms as a reader expects them: field labels, choice labels, dates and
        numbers in the user's language, tiers and scope as tables, the customer's terms text
        as formatted text (never raw data)."""
        agreement_fields = self.env["rebate.agreement"]._fields
        rows = []
        for key in sorted(terms, key=lambda name: self._term_label(agreement_fields, name)):
            if key in ("tiers", "rules", "terms"):
                continue
            rows.append(
                Markup("<tr><th>%s</th><td>%s</td></tr>")
                % (
                    self._term_label(agreement_fields, key),
                    self._term_value(agreement_fields.get(key), terms[key]),
                )
            )
        parts = [Markup("<table class='table table-sm'>%s</table>") % Markup("").join(rows)]
        tiers = terms.get("tiers") or []
        if tiers:
            parts.append(
                Markup(
                    "<h5>%s</h5><table class='table table-sm'><thead><tr><th>%s</th>"
                    "<th>%s</th></tr></thead><tbody>%s</tbody></table>"
                )
                % (
                    self.env._("Tiers"),
                    self.env._("From"),
                    self.env._("Rate"),
                    Markup("").join(
                        Markup("<tr><td>%s</td><td>%s %%</td></tr>")
                        % (
                            formatLang(self.env, tier.get("threshold") or 0.0),
                            formatLang(self.env, tier.get("rate") or 0.0, digits=4)
                            .rstrip("0")
                            .rstrip(".,"),
                        )
                        for tier in tiers
                    ),
                )
            )
        rules = terms.get("rules") or []
        if rules:
            kinds = dict(
                self.env["rebate.agreement.rule"]
                ._fields["rule_type"]
                ._description_selection(self.env)
            )
            parts.append(
                Markup("<h5>%s</h5><ul>%s</ul>")
                % (
                    self.env._("Products"),
                    Markup("").join(
                        Markup("<li>%s: %s</li>")
                        % (
                            kinds.get(rule.get("type"), rule.get("type")),
                            rule.get("product") or rule.get("category") or "",
                        )
                        for rule in rules
                    ),
                )
            )
        if terms.get("terms"):
            parts.append(
                Markup("<h5>%s</h5>%s")
                % (
                    agreement_fields["terms"].get_description(self.env)["string"],
                    Markup(html_sanitize(terms["terms"])),
                )
            )
        return Markup("").join(parts)

    def _term_label(self, agreement_fields, name):
        if name == "signed_contract":
            return self.env._("Signed Contract")
        field = agreement_fields.get(name)
        return field.get_description(self.env)["string"] if field else name

    def _term_value(self, field, value):
        if value in (False, None, ""):
            return "—"
        kind = field.type if field is not None else None
        if kind == "selection":
            value = dict(field._description_selection(self.env)).get(value, value)
        elif kind == "boolean":
            value = self.env._("Yes") if value else self.env._("No")
        elif kind == "date":
            value = format_date(self.env, value)
        elif kind in ("float", "monetary", "integer"):
            value = formatLang(self.env, value, digits=0 if kind == "integer" else 2)
        return str(value)

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "Previous terms are kept by 'Amend Terms' and are never edited or deleted. "
                "Nothing was saved."
            )
        )
