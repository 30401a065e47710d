from odoo import api, fields, models

# Payment states in which a payment no longer pays anything (the bank may reject a payout;
# customer_rebate refuses a reset to draft or a cancellation outside the settlement).
DEAD_PAYMENT_STATES = ("draft", "canceled", "rejected")


class RebateSettlement(models.Model):
    _name = "rebate.settlement"
    _inherit = ["rebate.settlement", "rebate.audit.trail.mixin"]

    payout_broken = fields.Boolean(
        compute="_compute_payout_broken",
        search="_search_payout_broken",
        help="Posted, but its credit note, payment or journal entries no longer pay the "
        "rebate: cancelled, reset to draft, rejected by the bank or deleted behind the "
        "settlement's back.",
    )
    payout_broken_reason = fields.Char(
        compute="_compute_payout_broken", string="Why the Payout Is Broken"
    )

    @api.depends(
        "state",
        "amount_earned",
        "payout_method",
        "move_ids.state",
        "credit_note_id.state",
        "payment_id.state",
    )
    def _compute_payout_broken(self):
        for settlement in self:
            reason = settlement.sudo()._payout_broken_reason()
            settlement.payout_broken = bool(reason)
            settlement.payout_broken_reason = reason or False

    def _payout_broken_reason(self):
        self.ensure_one()
        if self.state != "posted":
            return ""
        reasons = []
        if (
            self.amount_earned > 0
            and self.payout_method == "credit_note"
            and not self.credit_note_id
        ):
            reasons.append(self.env._("the credit note is missing"))
        if self.amount_earned > 0 and self.payout_method == "payment" and not self.payment_id:
            reasons.append(self.env._("the payment is missing"))
        if self.credit_note_id and self.credit_note_id.state != "posted":
            reasons.append(
                self.env._(
                    "credit note %(move)s is no longer posted",
                    move=self.credit_note_id.display_name,
                )
            )
        if self.payment_id and self.payment_id.state in DEAD_PAYMENT_STATES:
            state = dict(self.payment_id._fields["state"]._description_selection(self.env))
            reasons.append(
                self.env._(
                    "payment %(payment)s is %(state)s",
                    payment=self.payment_id.display_name,
                    state=state.get(self.payment_id.state, self.payment_id.state),
                )
            )
        unposted = self.move_ids.filtered(lambda move: move.state != "posted")
        if unposted:
            reasons.append(
                self.env._(
                    "journal entries %(moves)s are no longer posted",
                    moves=", ".join(unposted.mapped("display_name")),
                )
            )
        return "; ".join(reasons)

    def _search_payout_broken(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        posted = self.sudo().search([("state", "=", "posted")])
        broken = posted.filtered(lambda settlement: settlement._payout_broken_reason())
        if (operator == "=") == value:
            return [("id", "in", broken.ids)]
        return [("id", "not in", broken.ids)]
