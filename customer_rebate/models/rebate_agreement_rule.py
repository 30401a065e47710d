from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class RebateAgreementRule(models.Model):
    _name = "rebate.agreement.rule"
    _description = "Customer Rebate Agreement Scope Line"
    _inherit = ["rebate.agreement.term.mixin"]
    _agreement_term_field = "rule_ids"
    _order = "agreement_id, rule_type, id"

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    rule_type = fields.Selection(
        [("include", "Include"), ("exclude", "Exclude")],
        string="Include / Exclude",
        required=True,
        default="include",
    )
    product_id = fields.Many2one("product.product", check_company=True, ondelete="restrict")
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        ondelete="restrict",
        help="The category and all its sub-categories.",
    )

    @api.constrains("product_id", "categ_id", "rule_type", "agreement_id")
    def _check_rule(self):
        for rule in self:
            if bool(rule.product_id) == bool(rule.categ_id):
                raise ValidationError(
                    self.env._(
                        "Each scope line of agreement %s names either one product or one "
                        "product category, not both and not neither.",
                        rule.agreement_id.name,
                    )
                )
            opposite = rule.agreement_id.rule_ids.filtered(
                lambda other, rule=rule: (
                    other.rule_type != rule.rule_type
                    and other.product_id == rule.product_id
                    and other.categ_id == rule.categ_id
                )
            )
            if opposite:
                raise ValidationError(
                    self.env._(
                        "%(item)s is both included in and excluded from agreement %(name)s: "
                        "keep one of the two lines.",
                        item=(rule.product_id or rule.categ_id).display_name,
                        name=rule.agreement_id.name,
                    )
                )

    def _product_domain(self):
        """The products this line names: its product, or every product filed under its
        category or one of the category's sub-categories. A product without a category
        matches no category line."""
        self.ensure_one()
        if self.product_id:
            return Domain("id", "=", self.product_id.id)
        return Domain("categ_id", "child_of", self.categ_id.id)

    @api.depends("rule_type", "product_id", "categ_id")
    def _compute_display_name(self):
        labels = dict(self._fields["rule_type"]._description_selection(self.env))
        for rule in self:
            item = (rule.product_id or rule.categ_id).display_name or ""
            rule.display_name = f"{labels.get(rule.rule_type, '')}: {item}"
