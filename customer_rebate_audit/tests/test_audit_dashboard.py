from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateCase

DASHBOARD = "rebate.audit.dashboard"


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditDashboard(RebateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.dash",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )

    def finding(self, severity, **vals):
        return (
            self.env["rebate.audit.finding"]
            .with_user(self.auditor)
            .create(
                {"title": f"{severity} issue", "description": "Seen.", "severity": severity, **vals}
            )
        )

    def open_dashboard(self, user):
        """Rebates > Audit > Dashboard, as the menu opens it."""
        action = self.env.ref("customer_rebate_audit.action_rebate_audit_dashboard")
        return Form.from_action(self.env(user=user), action.sudo()._get_action_dict())

    def test_open_findings_by_severity_and_their_lists(self):
        self.finding("critical")
        self.finding("critical", date_deadline=date(2020, 1, 31))
        self.finding("low")
        dashboard = self.open_dashboard(self.auditor)
        self.assertEqual(
            (
                dashboard.finding_critical,
                dashboard.finding_high,
                dashboard.finding_medium,
                dashboard.finding_low,
                dashboard.finding_overdue,
            ),
            (2, 0, 0, 1, 1),
        )
        self.assertTrue(dashboard.control_ids, "the controls switched on are listed")
        record = dashboard.save()
        # The breadcrumb names the dashboard, not the model and a technical id.
        self.assertEqual(record.display_name, "Audit Dashboard")
        self.assertEqual(self.env[DASHBOARD].new({}).display_name, "Audit Dashboard")
        action = record.with_context(severity="critical").action_open_findings()
        found = self.env["rebate.audit.finding"].with_user(self.auditor).search(action["domain"])
        self.assertEqual(set(found.mapped("severity")), {"critical"})
        self.assertEqual(len(found), 2)
        overdue = record.with_context(overdue=1).action_open_findings()
        self.assertEqual(
            len(self.env["rebate.audit.finding"].with_user(self.auditor).search(overdue["domain"])),
            1,
        )

    def test_chain_status_after_verify_chain(self):
        dashboard = self.open_dashboard(self.auditor)
        self.assertIn(dashboard.chain_state, ("ok", "unverified"))
        dashboard.save().action_verify_chain()
        dashboard = self.open_dashboard(self.auditor)
        self.assertEqual(dashboard.chain_state, "ok")
        checks = dashboard.save().chain_check_ids
        self.assertTrue(checks)
        self.assertTrue(all(checks.mapped("ok")))

    def test_managers_and_finance_open_it_sales_reps_do_not(self):
        for user in (self.manager, self.accountant):
            with self.subTest(user=user.login):
                self.assertEqual(self.open_dashboard(user).finding_critical, 0)
        with self.assertRaises(AccessError):
            self.env[DASHBOARD].with_user(self.rep).create({})
