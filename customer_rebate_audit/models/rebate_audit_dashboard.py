from odoo import api, fields, models

from .rebate_control import SEVERITIES

OPEN_STATES = ("open", "in_progress")


class RebateAuditDashboard(models.TransientModel):
    """Rebates > Audit > Dashboard: open findings by severity, control hits by check, the
    audit trail's chain status and the campaigns, in the companies selected in the company
    switcher. Every figure is read with the user's own rights: each role sees the findings
    and campaigns it may read."""

    _name = "rebate.audit.dashboard"
    _description = "Rebate Audit Dashboard"

    company_ids = fields.Many2many("res.company", compute="_compute_dashboard")
    finding_critical = fields.Integer(string="Critical", compute="_compute_dashboard")
    finding_high = fields.Integer(string="High", compute="_compute_dashboard")
    finding_medium = fields.Integer(string="Medium", compute="_compute_dashboard")
    finding_low = fields.Integer(string="Low", compute="_compute_dashboard")
    finding_overdue = fields.Integer(string="Overdue", compute="_compute_dashboard")
    control_ids = fields.Many2many(
        "rebate.control", string="Control Checks", compute="_compute_dashboard"
    )
    campaign_draft = fields.Integer(string="Draft Campaigns", compute="_compute_dashboard")
    campaign_in_progress = fields.Integer(
        string="Campaigns in Progress", compute="_compute_dashboard"
    )
    campaign_signed_off = fields.Integer(
        string="Signed-off Campaigns", compute="_compute_dashboard"
    )
    campaign_ids = fields.Many2many(
        "rebate.audit.campaign", string="Open Campaigns", compute="_compute_dashboard"
    )
    chain_check_ids = fields.Many2many(
        "rebate.audit.chain.check",
        string="Latest Chain Verifications",
        compute="_compute_dashboard",
        help="The latest verification of each audit trail chain of the selected companies.",
    )
    chain_state = fields.Selection(
        [("ok", "Intact"), ("broken", "Broken"), ("unverified", "Not verified yet")],
        string="Audit Trail",
        compute="_compute_dashboard",
    )

    def _compute_display_name(self):
        # The breadcrumb's title (the model has no name field: it showed the technical id).
        for dashboard in self:
            dashboard.display_name = self.env._("Audit Dashboard")

    @api.depends_context("allowed_company_ids")
    def _compute_dashboard(self):
        companies = self.env.companies
        Finding = self.env["rebate.audit.finding"]
        Campaign = self.env["rebate.audit.campaign"]
        in_companies = [("company_id", "in", companies.ids)]
        by_severity = dict(
            Finding._read_group(
                [*in_companies, ("state", "in", OPEN_STATES)], ["severity"], ["__count"]
            )
        )
        overdue = Finding.search_count(
            [
                *in_companies,
                ("state", "in", OPEN_STATES),
                ("date_deadline", "<", fields.Date.context_today(self)),
            ]
        )
        campaigns = dict(Campaign._read_group(in_companies, ["state"], ["__count"]))
        controls = self.env["rebate.control"].search(
            [("enabled", "=", True), ("company_id", "in", [False, *companies.ids])]
        )
        open_campaigns = Campaign.search([*in_companies, ("state", "!=", "signed_off")])
        latest_checks = self._latest_chain_checks(companies)
        if not latest_checks:
            chain_state = "unverified"
        else:
            chain_state = "ok" if all(latest_checks.mapped("ok")) else "broken"
        for dashboard in self:
            dashboard.company_ids = companies
            for severity, _label in SEVERITIES:
                dashboard[f"finding_{severity}"] = by_severity.get(severity, 0)
            dashboard.finding_overdue = overdue
            dashboard.control_ids = controls
            dashboard.campaign_draft = campaigns.get("draft", 0)
            dashboard.campaign_in_progress = campaigns.get("in_progress", 0)
            dashboard.campaign_signed_off = campaigns.get("signed_off", 0)
            dashboard.campaign_ids = open_campaigns
            dashboard.chain_check_ids = latest_checks
            dashboard.chain_state = chain_state

    def _latest_chain_checks(self, companies):
        """The latest verification of each chain of these companies (and of the records
        without a company), read with the user's rights, in one query."""
        Check = self.env["rebate.audit.chain.check"]
        if not Check.has_access("read"):
            return Check
        groups = Check._read_group(
            [("company_id", "in", [False, *companies.ids])], ["chain_key"], ["id:max"]
        )
        return Check.browse([last_id for _key, last_id in groups])

    def action_verify_chain(self):
        """Verify Chain: the trail's own action (it checks who may)."""
        return self.env["rebate.audit.log"].action_verify_chain()

    def action_open_findings(self):
        """The open findings, of one severity (the context's `severity`), or overdue."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate_audit.action_rebate_audit_finding"
        )
        domain = [("company_id", "in", self.env.companies.ids), ("state", "in", OPEN_STATES)]
        severity = self.env.context.get("severity")
        if severity in dict(SEVERITIES):
            domain.append(("severity", "=", severity))
        if self.env.context.get("overdue"):
            domain.append(("date_deadline", "<", fields.Date.context_today(self)))
        action["domain"] = domain
        action["context"] = {}
        return action

    def action_open_campaigns(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate_audit.action_rebate_audit_campaign"
        )
        state = self.env.context.get("campaign_state")
        if state in ("draft", "in_progress", "signed_off"):
            action["domain"] = [("state", "=", state)]
        return action
