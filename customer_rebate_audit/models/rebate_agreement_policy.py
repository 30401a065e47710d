from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.customer_rebate.models.guarded_mixin import client_method


class RebateAgreement(models.Model):
    """Submitting and approving need the current rebate policy acknowledged by the user
    (when the company has published one) and, when the company requires it, the
    customer's due diligence valid on the day."""

    _inherit = "rebate.agreement"

    rebate_policy_to_acknowledge_id = fields.Many2one(
        "rebate.policy",
        string="Policy to Acknowledge",
        compute="_compute_rebate_policy_to_acknowledge_id",
        help="The company's rebate policy version in force, which you have not acknowledged.",
    )
    rebate_due_diligence_warning = fields.Char(
        string="Due Diligence Warning", compute="_compute_rebate_due_diligence_warning"
    )

    @api.depends_context("uid")
    @api.depends("company_id")
    def _compute_rebate_policy_to_acknowledge_id(self):
        Policy = self.env["rebate.policy"]
        for agreement in self:
            agreement.rebate_policy_to_acknowledge_id = Policy._to_acknowledge(agreement.company_id)

    @api.depends(
        "state",
        "partner_id.rebate_due_diligence_state",
        "partner_id.rebate_due_diligence_expiry_date",
        "company_id.rebate_require_due_diligence",
    )
    @api.depends_context("date")
    def _compute_rebate_due_diligence_warning(self):
        today = fields.Date.context_today(self)
        for agreement in self:
            partner = agreement.partner_id.sudo()
            agreement.rebate_due_diligence_warning = (
                agreement.company_id.sudo().rebate_require_due_diligence
                and partner
                and agreement.state in ("draft", "to_approve", "approved")
                and partner._rebate_due_diligence_problem(today)
            ) or False

    # ------------------------------------------------------------------ workflow

    def _rebate_audit_problems(self):
        """The audit addon's reasons this agreement cannot be submitted or approved by the
        current user today, as problem lines."""
        self.ensure_one()
        problems = []
        policy = self.env["rebate.policy"]._to_acknowledge(self.company_id)
        if policy:
            problems.append(policy._where_to_acknowledge())
        if self.company_id.sudo().rebate_require_due_diligence:
            problem = self.partner_id.sudo()._rebate_due_diligence_problem(
                fields.Date.context_today(self)
            )
            if problem:
                problems.append(problem)
        return problems

    def _check_submittable(self):
        result = None
        for agreement in self:
            problems = agreement._rebate_audit_problems()
            try:
                result = super(RebateAgreement, agreement)._check_submittable()
            except UserError as error:
                if not problems:
                    raise
                # One refusal listing everything to fix, the base checks' lines first.
                raise UserError(
                    "\n".join([error.args[0], *(f"- {problem}" for problem in problems)])
                ) from None
            if problems:
                raise UserError(
                    self.env._(
                        "Agreement %(name)s cannot be submitted yet:\n%(problems)s",
                        name=agreement.name,
                        problems="\n".join(f"- {problem}" for problem in problems),
                    )
                )
        return result

    @client_method(comment=str)
    def action_approve(self, comment=False):
        for agreement in self:
            # Whoever may not approve anyway hears why from the approval rules first.
            if agreement._approval_refusal_reason():
                continue
            problems = agreement._rebate_audit_problems()
            if problems:
                raise UserError(
                    self.env._(
                        "Agreement %(name)s cannot be approved yet:\n%(problems)s",
                        name=agreement.name,
                        problems="\n".join(f"- {problem}" for problem in problems),
                    )
                )
        return super().action_approve(comment=comment)

    @client_method(single=True)
    def action_rebate_open_policy(self):
        """The agreement's banner: open the policy version to acknowledge."""
        policy = self.rebate_policy_to_acknowledge_id
        if not policy:
            raise UserError(self.env._("You have acknowledged the current rebate policy."))
        return {
            "type": "ir.actions.act_window",
            "name": policy.display_name,
            "res_model": "rebate.policy",
            "res_id": policy.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------ controls

    def _rebate_without_due_diligence(self):
        """Agreements in force today (of `self`, or all those the caller reads) whose
        company requires due diligence and whose customer has no valid one today: the
        due diligence control check."""
        today = fields.Date.context_today(self)
        domain = [
            ("is_in_force", "=", True),
            ("company_id.rebate_require_due_diligence", "=", True),
        ]
        if self:
            domain.append(("id", "in", self.ids))
        agreements = self.search(domain)
        valid = agreements.partner_id._rebate_due_diligence_valid(today)
        return agreements.filtered(lambda agreement: agreement.partner_id not in valid)
