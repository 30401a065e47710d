from odoo import fields, models
from odoo.exceptions import UserError


class RebateAgreementApproval(models.Model):
    """One decision on an agreement: who, when, at which level, with which comment.
    Written by the workflow only; nobody edits or deletes it."""

    _name = "rebate.agreement.approval"
    _inherit = ["rebate.guarded.mixin"]
    _description = "Customer Rebate Agreement Approval Decision"
    _order = "date desc, id desc"
    _guarded_fields = (
        "agreement_id",
        "user_id",
        "date",
        "level",
        "decision",
        "comment",
        "is_current",
    )
    _guarded_records = True

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", string="By", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    level = fields.Integer(
        readonly=True, help="0: submission. 1: rebate manager. 2: finance approver."
    )
    decision = fields.Selection(
        [("submitted", "Submitted"), ("approved", "Approved"), ("rejected", "Rejected")],
        required=True,
        readonly=True,
    )
    comment = fields.Text(readonly=True)
    is_current = fields.Boolean(
        default=True,
        readonly=True,
        help="Belongs to the terms now in place; cleared when the terms are amended.",
    )

    def _guard_refuse_records(self):
        raise UserError(
            self.env._(
                "The approval history is written by the agreement's own buttons (submit, "
                "approve, reject) and is never edited or deleted. Nothing was saved."
            )
        )
