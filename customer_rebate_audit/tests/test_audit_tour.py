from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.customer_rebate.tests.test_statement_pdf import pdf_text

from .test_audit_controls import AuditCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditCampaignBrowser(HttpCase, AuditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tour_auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.tour",
            groups="base.group_user,account.group_account_readonly,"
            "customer_rebate_audit.group_rebate_auditor",
        )
        cls.tour_auditor.password = cls.tour_auditor.login

    def campaign_in_progress(self, name):
        agreement = self.earned_agreement()
        settlement = self.settle(agreement)
        campaign = (
            self.env["rebate.audit.campaign"]
            .with_user(self.tour_auditor)
            .create(
                {
                    "name": name,
                    "date_from": date(2027, 1, 1),
                    "date_to": date(2027, 12, 31),
                    "seed": 2027,
                    "sample_size": 3,
                }
            )
        )
        campaign.action_draw_sample()
        campaign.action_start()
        self.assertEqual(campaign.item_ids.settlement_id, settlement)
        return campaign

    def test_auditor_opens_a_campaign_and_records_a_finding(self):
        campaign = self.campaign_in_progress("Tour audit campaign")
        self.start_tour(
            "/odoo/action-customer_rebate_audit.action_rebate_audit_campaign",
            "rebate_audit_campaign_tour",
            login=self.tour_auditor.login,
        )
        finding = self.env["rebate.audit.finding"].search([("campaign_id", "=", campaign.id)])
        self.assertEqual(finding.title, "Settlement paid without confirmed statement")
        self.assertEqual(
            (finding.source, finding.severity, finding.state, finding.create_uid),
            ("campaign", "medium", "open", self.tour_auditor),
        )

    def test_campaign_pdf_shows_scope_seed_sample_and_sign_off(self):
        campaign = self.campaign_in_progress("返利审计 2027 年度")
        campaign.action_auto_check()
        self.env["rebate.audit.finding"].with_user(self.tour_auditor).create(
            {
                "title": "对账单未确认",
                "description": "客户未确认对账单。",
                "campaign_id": campaign.id,
            }
        )
        campaign.conclusion = "Payouts agree with the books."
        campaign.with_user(self.tour_auditor).action_sign_off()
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.tour_auditor)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "customer_rebate_audit.action_report_rebate_audit_campaign", campaign.ids
            )
        )
        self.assertEqual(kind, "pdf")
        text = pdf_text(pdf)
        for expected in (
            "返利审计 2027 年度",
            "Seed 2027",
            campaign.item_ids.settlement_id.name,
            "对账单未确认",
            f"Signed off by {self.tour_auditor.name}",
            "Payouts agree with the books.",
        ):
            self.assertIn(expected, text)
