from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditorAccess(RebateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )

    def test_auditor_reads_everything(self):
        agreement = self.approved_agreement()
        as_auditor = agreement.with_user(self.auditor)
        self.assertEqual(as_auditor.read(["name"])[0]["name"], agreement.name)
        self.assertTrue(as_auditor.tier_ids.read(["rate"]))
        self.assertTrue(as_auditor.period_ids.read(["date_from"]))
        self.assertEqual(len(as_auditor.approval_ids.read(["decision"])), 2)
        menu = self.env.ref("customer_rebate.menu_rebate_root")
        visible = self.env["ir.ui.menu"].with_user(self.auditor)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_auditor_changes_nothing(self):
        agreement = self.create_agreement()
        as_auditor = agreement.with_user(self.auditor)
        with self.assertRaises(AccessError):
            as_auditor.write({"note": "<p>audited</p>"})
        with self.assertRaises(AccessError):
            self.env["rebate.agreement"].with_user(self.auditor).create(self.agreement_vals())
        with self.assertRaises(AccessError):
            as_auditor.tier_ids[0].write({"rate": 1.0})
        with self.assertRaises(AccessError):
            as_auditor.action_submit()
        agreement.action_submit()
        with self.assertRaises(UserError):
            agreement.with_user(self.auditor).action_approve()
        self.assertEqual(agreement.state, "to_approve")
