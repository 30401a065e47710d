from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

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
