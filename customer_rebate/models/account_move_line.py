from odoo import api, fields, models

from .account_move import LOCKED_LINE_FIELDS


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        Move = self.env["account.move"]
        if not Move._rebate_books_open():
            Move.browse(
                [vals["move_id"] for vals in vals_list if isinstance(vals.get("move_id"), int)]
            )._rebate_locked()._refuse_rebate_change()
        return super().create(vals_list)

    def write(self, vals):
        if isinstance(vals, dict) and LOCKED_LINE_FIELDS.intersection(vals):
            self.move_id._rebate_locked()._refuse_rebate_change()
            if isinstance(vals.get("move_id"), int):
                self.move_id.browse(vals["move_id"])._rebate_locked()._refuse_rebate_change()
        return super().write(vals)

    def unlink(self):
        self.move_id._rebate_locked()._refuse_rebate_change()
        return super().unlink()

    rebate_entry_ids = fields.One2many(
        "rebate.entry", "move_line_id", string="Rebate Entries", readonly=True
    )
    rebate_accrual_info = fields.Char(
        string="Rebate",
        compute="_compute_rebate_accrual_info",
        help="Which agreement, tier and rate gave this line's rebate accrual.",
    )

    @api.depends("rebate_entry_ids")
    def _compute_rebate_accrual_info(self):
        for line in self:
            latest = {}
            for entry in line.rebate_entry_ids.sorted("id"):
                latest[entry.agreement_id] = entry
            line.rebate_accrual_info = ", ".join(
                self.env._(
                    "%(agreement)s: tier %(tier)s at %(rate)s",
                    agreement=agreement.name,
                    tier=entry.tier_index,
                    rate=f"{entry.rate:g}",
                )
                for agreement, entry in latest.items()
                if sum(e.amount for e in line.rebate_entry_ids if e.agreement_id == agreement)
            )
