from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.guarded_mixin import client_method


class RebateAgreementReassignWizard(models.TransientModel):
    """Hands every open agreement of one responsible person to another (leaving staff,
    reorganised territories), leaving a line in each agreement's chatter."""

    _name = "rebate.agreement.reassign.wizard"
    _inherit = ["rebate.client.values.mixin"]
    _description = "Reassign Rebate Agreements"

    from_user_id = fields.Many2one(
        "res.users", string="From", required=True, domain="[('share', '=', False)]"
    )
    to_user_id = fields.Many2one(
        "res.users", string="To", required=True, domain="[('share', '=', False)]"
    )
    include_backup = fields.Boolean(
        string="Also as Backup",
        default=True,
        help="Also replace the person where they are the backup responsible.",
    )
    agreement_count = fields.Integer(compute="_compute_agreement_count")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            users = [vals.get("from_user_id"), vals.get("to_user_id")]
            if any(
                user not in (None, False) and (type(user) is not int or user <= 0) for user in users
            ) or not isinstance(vals.get("include_backup", False), bool):
                raise UserError(
                    self.env._(
                        "Choose the two people from the list (and tick 'Also as Backup' or "
                        "not). Nothing was saved."
                    )
                )
        return super().create(vals_list)

    def _agreements(self, role):
        return self.env["rebate.agreement"].search(
            [(role, "=", self.from_user_id.id), ("state", "not in", ("closed", "cancelled"))]
        )

    @api.depends("from_user_id", "include_backup")
    def _compute_agreement_count(self):
        for wizard in self:
            count = len(wizard._agreements("user_id")) if wizard.from_user_id else 0
            if wizard.from_user_id and wizard.include_backup:
                count += len(wizard._agreements("backup_user_id"))
            wizard.agreement_count = count

    @client_method(single=True)
    def action_reassign(self):
        self.ensure_one()
        if self.from_user_id == self.to_user_id:
            raise UserError(self.env._("Choose two different people to reassign between."))
        if self.to_user_id.share:
            raise UserError(
                self.env._(
                    "%s is not an employee: agreements can only be handed to internal users.",
                    self.to_user_id.name,
                )
            )
        roles = ["user_id"] + (["backup_user_id"] if self.include_backup else [])
        moved = self.env["rebate.agreement"]
        for role in roles:
            agreements = self._agreements(role)
            agreements.write({role: self.to_user_id.id})
            role_label = self.env["rebate.agreement"]._fields[role].get_description(self.env)
            for agreement in agreements:
                agreement.message_post(
                    body=self.env._(
                        "%(role)s reassigned from %(old)s to %(new)s by %(user)s.",
                        role=role_label["string"],
                        old=self.from_user_id.name,
                        new=self.to_user_id.name,
                        user=self.env.user.name,
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )
            moved |= agreements
        if not moved:
            raise UserError(
                self.env._("%s is responsible for no open agreement.", self.from_user_id.name)
            )
        return {"type": "ir.actions.act_window_close"}
