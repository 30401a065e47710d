from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RebateCase


@tagged("post_install", "-at_install", "customer_rebate")
class TestAgreementAccess(RebateCase):
    def test_user_without_rebate_group_sees_nothing(self):
        agreement = self.create_agreement()
        with self.assertRaises(AccessError):
            agreement.with_user(self.stranger).read(["name"])
        with self.assertRaises(AccessError):
            self.env["rebate.agreement"].with_user(self.stranger).create(self.agreement_vals())
        with self.assertRaises(AccessError):
            agreement.tier_ids.with_user(self.stranger).read(["rate"])

    def test_rep_reads_all_of_company_but_changes_only_own(self):
        other = self.create_agreement(user=self.rep_other, user_id=self.rep_other.id)
        visible = self.env["rebate.agreement"].with_user(self.rep).search([])
        self.assertIn(other, visible)
        with self.assertRaises(AccessError):
            other.with_user(self.rep).write({"note": "<p>x</p>"})
        with self.assertRaises(AccessError):
            other.tier_ids[0].with_user(self.rep).write({"rate": 1.0})
        with self.assertRaises(AccessError):
            other.with_user(self.rep).action_submit()

    def test_backup_responsible_may_change_the_agreement(self):
        other = self.create_agreement(
            user=self.rep_other, user_id=self.rep_other.id, backup_user_id=self.rep.id
        )
        other.with_user(self.rep).write({"title": "covered by backup"})
        self.assertEqual(other.title, "covered by backup")

    def test_rep_cannot_delete_manager_can(self):
        agreement = self.create_agreement()
        with self.assertRaises(AccessError):
            agreement.with_user(self.rep).unlink()
        agreement.with_user(self.manager).unlink()
        self.assertFalse(agreement.exists())

    def test_accountant_reads_every_agreement_but_cannot_delete(self):
        agreement = self.create_agreement(user=self.rep_other, user_id=self.rep_other.id)
        self.assertEqual(agreement.with_user(self.accountant).read(["name"])[0]["id"], agreement.id)
        with self.assertRaises(AccessError):
            agreement.with_user(self.accountant).unlink()

    def test_approval_history_is_read_only(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        decision = agreement.approval_ids
        for user in (self.rep, self.manager, self.accountant, self.env.ref("base.user_admin")):
            self.assertTrue(decision.with_user(user).read(["decision"]))
            with self.assertRaises(UserError):  # an AccessError is one too
                decision.with_user(user).write({"comment": "rewritten"})
            with self.assertRaises(UserError):  # an AccessError is one too
                decision.with_user(user).unlink()
            with self.assertRaises(UserError):  # an AccessError is one too
                self.env["rebate.agreement.approval"].with_user(user).create(
                    {"agreement_id": agreement.id, "user_id": user.id, "decision": "approved"}
                )
        # Not even as the system: the history is written by the workflow only.
        with self.assertRaises(UserError):
            decision.sudo().write({"comment": "rewritten"})
        with self.assertRaises(UserError):
            decision.sudo().unlink()
        self.assertEqual(agreement.approval_ids.mapped("decision"), ["submitted"])
        self.assertFalse(agreement.approval_ids.comment)

    def test_periods_are_read_only_for_reps(self):
        agreement = self.approved_agreement()
        period = agreement.period_ids[0]
        self.assertTrue(period.with_user(self.rep).read(["date_from"]))
        with self.assertRaises(UserError):  # an AccessError is one too
            period.with_user(self.rep).write({"state": "closed"})
        with self.assertRaises(UserError):  # an AccessError is one too
            period.with_user(self.rep).write({"expected_volume": 5.0})
        self.assertEqual(period.state, "open")
        self.assertFalse(period.expected_volume)

    def test_other_company_agreements_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Rebate Other Co"})
        outsider = new_test_user(
            self.env,
            "test.rebate.other.manager",
            groups="base.group_user,customer_rebate.group_rebate_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        agreement = self.create_agreement()
        self.assertFalse(
            self.env["rebate.agreement"].with_user(outsider).search([("id", "=", agreement.id)])
        )
        with self.assertRaises(AccessError):
            agreement.with_user(outsider).read(["name"])
        with self.assertRaises(AccessError):
            agreement.tier_ids.with_user(outsider).read(["rate"])
        agreement.action_submit()
        self.assertNotIn(outsider, agreement._approvers(1), "no approval task outside the company")

    def test_demo_style_manager_group_implies_user(self):
        self.assertTrue(self.manager.has_group("customer_rebate.group_rebate_user"))
        self.assertTrue(self.accountant.has_group("customer_rebate.group_rebate_user"))
        self.assertFalse(self.rep.has_group("customer_rebate.group_rebate_manager"))


@tagged("post_install", "-at_install", "customer_rebate")
class TestRevisionAccess(RebateCase):
    def test_previous_terms_are_read_only_for_everyone(self):
        agreement = self.approved_agreement()
        agreement.action_amend()
        revision = agreement.revision_ids
        for user in (self.rep, self.manager, self.accountant):
            self.assertTrue(revision.with_user(user).read(["terms_json"]))
            with self.assertRaises(UserError):  # an AccessError is one too
                revision.with_user(user).write({"terms_json": "{}"})
            with self.assertRaises(UserError):  # an AccessError is one too
                revision.with_user(user).unlink()
        with self.assertRaises(UserError):
            revision.sudo().write({"terms_json": "{}"})
        self.assertIn("retroactive", revision.terms_json)
        with self.assertRaises(AccessError):
            revision.with_user(self.stranger).read(["terms_json"])
