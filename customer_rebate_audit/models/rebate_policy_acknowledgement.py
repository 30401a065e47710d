from odoo import api, fields, models
from odoo.exceptions import UserError


class RebatePolicyAcknowledgement(models.Model):
    """A user's 'I have read and acknowledge' of one policy version: who, which version,
    when. Made only by that user's own action on the version in force
    (rebate.policy.action_acknowledge); never edited or deleted."""

    _name = "rebate.policy.acknowledgement"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Rebate Policy Acknowledgement"
    _order = "acknowledged_on desc, id desc"
    _guarded_fields = ("policy_id", "user_id", "acknowledged_on")
    _guarded_records = True

    _user_policy_unique = models.UniqueIndex(
        "(policy_id, user_id)", "A user acknowledges a policy version once."
    )

    policy_id = fields.Many2one(
        "rebate.policy", string="Policy Version", required=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    version = fields.Integer(related="policy_id.version", store=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="restrict")
    acknowledged_on = fields.Datetime(required=True, default=fields.Datetime.now)
    is_current = fields.Boolean(
        string="Current Version",
        compute="_compute_is_current",
        search="_search_is_current",
        help="Acknowledges the version in force today.",
    )

    @api.depends("policy_id.state")
    def _compute_is_current(self):
        for acknowledgement in self:
            acknowledgement.is_current = acknowledgement.policy_id.state == "published"

    def _search_is_current(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        return [("policy_id.state", "=" if operator == "in" else "!=", "published")]

    def write(self, vals):
        if not self._guard_is_open():
            self.check_access("write")
            self._guard_refuse_records()
        return super().write(vals)

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "A policy acknowledgement is made only by the user's own 'I Have Read and "
                "Acknowledge' on the version in force, and is never changed or deleted. "
                "Nothing was saved."
            )
        )
