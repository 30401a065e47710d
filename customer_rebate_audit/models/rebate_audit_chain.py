from odoo import api, fields, models
from odoo.exceptions import UserError


class RebateAuditChain(models.Model):
    """The head of one audit trail chain (one per company, and one for records without a
    company): its last position, hash and entry. Appending locks this row, which makes
    writers of the same chain take turns; verification compares it with the chain's last
    entry, so entries cut from the end are noticed. Written with SQL by the trail only."""

    _name = "rebate.audit.chain"
    _description = "Rebate Audit Trail Chain"
    _order = "chain_key"
    _log_access = False
    _rec_name = "company_id"

    chain_key = fields.Integer(
        required=True, readonly=True, help="The company's id; 0 for records without a company."
    )
    company_id = fields.Many2one("res.company", readonly=True, ondelete="restrict")
    last_sequence = fields.Integer(string="Entries", readonly=True)
    last_hash = fields.Char(readonly=True)
    last_log_id = fields.Integer(string="Last Entry ID", readonly=True)

    _chain_key_uniq = models.UniqueIndex("(chain_key)")

    def _refuse(self):
        raise UserError(
            self.env._(
                "The audit trail's chains are kept by the application only. Nothing was saved."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        self._refuse()

    def write(self, vals):  # pylint: disable=method-required-super
        self._refuse()

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse()

    @api.model
    def _ensure_heads(self, companies):
        """A chain head for each of these companies and for records without a company."""
        self.env.cr.execute(
            "INSERT INTO rebate_audit_chain (chain_key, company_id, last_sequence, last_hash) "
            "SELECT key, NULLIF(key, 0), 0, %s FROM unnest(%s::int[]) AS key "
            "ON CONFLICT (chain_key) DO NOTHING",
            ["0" * 64, [0, *companies.ids]],
        )
