from odoo import models
from odoo.exceptions import UserError


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def write(self, vals):
        if "restrict_mode_hash_table" in vals and not vals["restrict_mode_hash_table"]:
            rebate = self.sudo().filtered(
                lambda journal: journal == journal.company_id.rebate_journal_id
            )
            if rebate:
                raise UserError(
                    self.env._(
                        "%(journal)s is a rebate journal: with the audit addon installed its "
                        "posted entries are locked with a hash, which cannot be switched off. "
                        "Nothing was saved.",
                        journal=rebate[0].display_name,
                    )
                )
        return super().write(vals)
