from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Off until a company switches it on (Settings > Rebates): installing the audit addon
    # into a running company must not stop every submission before its customers have
    # been reviewed.
    rebate_require_due_diligence = fields.Boolean(
        string="Require Customer Due Diligence",
        help="Agreements are submitted and approved only for customers whose due diligence "
        "is approved and not expired.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["rebate.audit.chain"]._ensure_heads(companies)
        companies._rebate_secure_journals()
        return companies

    def write(self, vals):
        result = super().write(vals)
        if vals.get("rebate_journal_id"):
            self._rebate_secure_journals()
        return result

    def _rebate_secure_journals(self):
        """The rebate journal locks its posted entries with Odoo's inalterability hash
        (account.journal restrict_mode_hash_table: each entry is hashed when posted)."""
        journals = self.sudo().rebate_journal_id.filtered(
            lambda journal: not journal.restrict_mode_hash_table
        )
        if journals:
            journals.write({"restrict_mode_hash_table": True})


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_require_due_diligence = fields.Boolean(
        related="company_id.rebate_require_due_diligence", readonly=False
    )
