"""The demo auditor, logged in as `rebate.auditor`, opens the demo audit campaign in
Chromium and records a finding from it (customer_rebate_audit's campaign tour)."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiAuditTour(HttpCase):
    def test_demo_auditor_opens_the_campaign_and_records_a_finding(self):
        auditor = self.env.ref("customer_rebate_audit.user_rebate_auditor_demo")
        if "tour_enabled" in auditor._fields:
            auditor.tour_enabled = False
        auditor.password = auditor.login
        campaign = self.env.ref("customer_rebate_audit.campaign_demo")
        self.assertEqual(campaign.state, "in_progress")
        # The tour opens the campaign by this name (rolled back with the test).
        campaign.name = "Tour audit campaign"
        before = campaign.finding_ids
        self.start_tour(
            "/odoo/action-customer_rebate_audit.action_rebate_audit_campaign",
            "rebate_audit_campaign_tour",
            login=auditor.login,
        )
        finding = campaign.finding_ids - before
        self.assertEqual(finding.title, "Settlement paid without confirmed statement")
        self.assertEqual(
            (finding.source, finding.state, finding.create_uid), ("campaign", "open", auditor)
        )
