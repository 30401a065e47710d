import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class RebateAuditChainCheck(models.Model):
    """One verification of one audit trail chain: by the daily job or by a user's Verify
    Chain. A sound check also anchors the chain: the next verification requires the entry
    at this position to still carry this hash."""

    _name = "rebate.audit.chain.check"
    _description = "Rebate Audit Trail Verification"
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, help="Empty: the records without a company."
    )
    chain_key = fields.Integer(readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Verified By", readonly=True, default=lambda self: self.env.user
    )
    ok = fields.Boolean(string="Chain Intact", readonly=True)
    first_broken_id = fields.Integer(
        string="First Broken Entry ID",
        readonly=True,
        help="The first entry that no longer matches its hash or its place in the chain (or, "
        "when entries were cut from the chain's end, the last entry written).",
    )
    first_broken_log_id = fields.Many2one(
        "rebate.audit.log", string="First Broken Entry", compute="_compute_first_broken_log_id"
    )
    entries_checked = fields.Integer(readonly=True)
    last_sequence = fields.Integer(string="Verified Up To Position", readonly=True)
    last_hash = fields.Char(string="Hash at That Position", readonly=True)
    broken_payouts = fields.Integer(
        readonly=True,
        help="Posted settlements of the company whose credit note or payment no longer pays "
        "the rebate (cancelled, reset to draft, rejected or deleted).",
    )

    @api.depends("first_broken_id")
    def _compute_first_broken_log_id(self):
        for check in self:
            log = self.env["rebate.audit.log"].browse(check.first_broken_id or [])
            check.first_broken_log_id = log.exists()

    @api.model
    def _anchors(self, keys):
        """{chain key: (position, hash)} of the latest sound check of each chain."""
        anchors = {}
        for key in keys:
            check = self.sudo().search(
                [("chain_key", "=", key), ("ok", "=", True), ("last_sequence", ">", 0)],
                order="date desc, id desc",
                limit=1,
            )
            if check:
                anchors[key] = (check.last_sequence, check.last_hash)
        return anchors

    @api.model
    def _record(self, results):
        """Keep the results of a verification (see rebate.audit.log._verify_chains)."""
        Settlement = self.env["rebate.settlement"].sudo()
        checks = self.sudo().create(
            [
                {
                    "company_id": result["company_id"],
                    "chain_key": result["chain_key"],
                    "ok": result["ok"],
                    "first_broken_id": result["first_broken_id"] or 0,
                    "entries_checked": result["checked"],
                    "last_sequence": result["last_sequence"] if result["ok"] else 0,
                    "last_hash": result["last_hash"] if result["ok"] else False,
                    "broken_payouts": Settlement.search_count(
                        [("company_id", "=", result["company_id"]), ("payout_broken", "=", True)]
                    )
                    if result["company_id"]
                    else 0,
                }
                for result in results
            ]
        )
        for check in checks.filtered(lambda check: not check.ok):
            _logger.error(
                "Rebate audit trail of %s is broken from entry %s",
                check.company_id.name or "records without a company",
                check.first_broken_id,
            )
        return checks

    @api.model
    def _cron_verify_chains(self):
        """Daily: verify every company's chain and keep the result."""
        Log = self.env["rebate.audit.log"].sudo()
        self.env.cr.execute("SELECT chain_key FROM rebate_audit_chain ORDER BY chain_key")
        keys = [key for (key,) in self.env.cr.fetchall()]
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for index, key in enumerate(keys):
            self._record(Log._verify_chains([key]))
            if in_cron and not self.env["ir.cron"]._commit_progress(
                1, remaining=len(keys) - index - 1
            ):
                break

    @api.model
    def action_verify_chain(self, _selected_ids=None):
        """Verify Chain from the verifications' list (whose header button sends the ids of
        the rows selected, if any)."""
        return self.env["rebate.audit.log"].action_verify_chain()
