from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RebateCase

APPROVAL = "customer_rebate.mail_activity_rebate_approval"


@tagged("post_install", "-at_install", "customer_rebate")
class TestAgreementWorkflow(RebateCase):
    def _approval_activities(self, agreement):
        return agreement.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref(APPROVAL)
        )

    def test_rep_creates_agreement_with_sequence_and_default_responsible(self):
        agreement = self.create_agreement()
        self.assertTrue(agreement.name.startswith("RA/"))
        self.assertEqual(agreement.state, "draft")
        self.assertEqual(agreement.user_id, self.rep, "defaults to the customer's salesperson")
        self.assertEqual(agreement.currency_id, self.company.currency_id)
        self.assertIn(self.rep.partner_id, agreement.message_partner_ids)

    def test_form_defaults_responsible_from_customer_salesperson(self):
        self.customer.user_id = self.rep_other
        form = Form(self.env["rebate.agreement"].with_user(self.rep))
        form.partner_id = self.customer
        form.date_start = date(2027, 1, 1)
        form.date_end = date(2027, 6, 30)
        with form.tier_ids.new() as tier:
            tier.rate = 3.0
        agreement = form.save()
        self.assertEqual(agreement.user_id, self.rep_other)

    def test_submit_then_manager_approves(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")
        self.assertEqual(agreement.submitted_by_id, self.rep)
        self.assertEqual(agreement.approval_levels, 1)
        activities = self._approval_activities(agreement)
        self.assertIn(self.manager, activities.user_id)
        self.assertNotIn(self.rep, activities.user_id, "the submitter gets no approval task")

        agreement.with_user(self.manager).action_approve(comment="Fine")
        self.assertEqual(agreement.state, "approved")
        self.assertTrue(agreement.approved_date)
        self.assertFalse(self._approval_activities(agreement), "approval tasks are done")
        decisions = agreement.approval_ids.sorted("id")
        self.assertEqual(decisions.mapped("decision"), ["submitted", "approved"])
        self.assertEqual(decisions[1].user_id, self.manager)
        self.assertEqual(decisions[1].level, 1)
        self.assertEqual(decisions[1].comment, "Fine")
        self.assertEqual(
            [(p.date_from, p.date_to) for p in agreement.period_ids],
            [
                (date(2027, 1, 1), date(2027, 3, 31)),
                (date(2027, 4, 1), date(2027, 6, 30)),
                (date(2027, 7, 1), date(2027, 9, 30)),
                (date(2027, 10, 1), date(2027, 12, 31)),
            ],
        )
        self.assertTrue(
            agreement.activity_ids.filtered(lambda a: a.user_id == self.rep),
            "the responsible person is told to inform the customer",
        )

    def test_submitter_can_never_approve_even_as_manager_or_admin(self):
        for submitter in (self.manager, self.env.ref("base.user_admin")):
            agreement = self.create_agreement(user=submitter)
            agreement.action_submit()
            self.assertFalse(agreement.can_approve)
            with self.assertRaisesRegex(UserError, "You submitted agreement"):
                agreement.action_approve()
            self.assertEqual(agreement.state, "to_approve")
            self.assertEqual(agreement.approval_ids.mapped("decision"), ["submitted"])

    def test_rep_and_accountant_cannot_give_first_level_approval(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        for user in (self.rep_other, self.accountant):
            with self.assertRaisesRegex(UserError, "rebate manager"):
                agreement.with_user(user).action_approve()
        self.assertEqual(agreement.state, "to_approve")

    def test_high_rate_needs_finance_second_level(self):
        agreement = self.create_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 12.0})], estimated_yearly_amount=1000.0
        )
        self.assertEqual(agreement.approval_levels, 2)
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "to_approve", "still waits for finance")
        self.assertEqual(agreement.approval_level_done, 1)
        self.assertIn(self.accountant, self._approval_activities(agreement).user_id)
        with self.assertRaisesRegex(UserError, "finance approver"):
            agreement.with_user(self.manager_other).action_approve()
        agreement.with_user(self.accountant).action_approve()
        self.assertEqual(agreement.state, "approved")
        self.assertEqual(
            sorted(
                agreement.approval_ids.filtered(lambda a: a.decision == "approved").mapped("level")
            ),
            [1, 2],
        )

    def test_high_estimated_rebate_needs_finance_and_another_person(self):
        agreement = self.create_agreement(estimated_yearly_amount=5_000_000.0)
        self.assertEqual(agreement.estimated_yearly_rebate, 200000.0)
        self.assertEqual(agreement.approval_levels, 2)
        agreement.action_submit()
        both = self.manager_other
        both.group_ids |= self.env.ref("customer_rebate.group_rebate_accountant")
        agreement.with_user(both).action_approve()
        with self.assertRaisesRegex(UserError, "already approved"):
            agreement.with_user(both).action_approve()
        agreement.with_user(self.accountant).action_approve()
        self.assertEqual(agreement.state, "approved")

    def test_per_unit_rate_is_not_a_percentage_for_the_rate_limit(self):
        agreement = self.create_agreement(
            calculation_method="per_unit",
            basis="quantity",
            estimated_yearly_quantity=100.0,
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 50.0})],
        )
        self.assertEqual(agreement.estimated_yearly_rebate, 5000.0)
        self.assertEqual(agreement.approval_levels, 1)

    def test_reject_returns_to_draft_with_reason_in_chatter(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        action = agreement.with_user(self.manager).action_reject()
        self.assertEqual(action["res_model"], "rebate.agreement.reject.wizard")
        wizard = Form(
            self.env["rebate.agreement.reject.wizard"]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        wizard.reason = "Tier 2 is above our policy"
        wizard.save().action_reject()
        self.assertEqual(agreement.state, "draft")
        rejection = agreement.approval_ids.filtered(lambda a: a.decision == "rejected")
        self.assertEqual(rejection.user_id, self.manager)
        self.assertEqual(rejection.comment, "Tier 2 is above our policy")
        self.assertIn("Tier 2 is above our policy", agreement.message_ids[0].body)
        self.assertFalse(self._approval_activities(agreement))
        self.assertTrue(agreement.activity_ids.filtered(lambda a: a.user_id == self.rep))
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve", "a rejected draft can be resubmitted")

    def test_submitter_cannot_reject_own_agreement(self):
        agreement = self.create_agreement(user=self.manager)
        agreement.action_submit()
        with self.assertRaisesRegex(UserError, "You submitted"):
            agreement.action_reject(reason="changed my mind")
        self.assertEqual(agreement.state, "to_approve")

    def test_cancel_rules_by_role(self):
        draft = self.create_agreement()
        draft.action_cancel()
        self.assertEqual(draft.state, "cancelled")
        draft.action_reset_draft()
        self.assertEqual(draft.state, "draft")

        approved = self.approved_agreement()
        with self.assertRaises(AccessError):
            approved.with_user(self.rep).action_cancel()
        self.assertEqual(approved.state, "approved")
        approved.with_user(self.manager).action_cancel()
        self.assertEqual(approved.state, "cancelled")
        with self.assertRaises(UserError):
            approved.with_user(self.manager).action_cancel()

    def test_other_rep_cannot_cancel_or_change_someone_elses_agreement(self):
        agreement = self.create_agreement()
        with self.assertRaises(AccessError):
            agreement.with_user(self.rep_other).action_cancel()
        with self.assertRaises(AccessError):
            agreement.with_user(self.rep_other).write({"title": "hijacked"})
        self.assertEqual(agreement.title, "Test volume rebate")

    def test_withdraw_submission_to_draft(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        agreement.action_reset_draft()
        self.assertEqual(agreement.state, "draft")
        self.assertFalse(self._approval_activities(agreement))
        with self.assertRaises(UserError):
            agreement.action_reset_draft()

    def test_expiry_job_then_close(self):
        agreement = self.approved_agreement()
        with freeze_time("2027-12-10"):
            self.env["rebate.agreement"]._cron_expire_agreements()
            self.env["rebate.agreement"]._cron_expire_agreements()
            expiry = agreement.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref("customer_rebate.mail_activity_rebate_expiry")
                )
            )
            self.assertEqual(len(expiry), 1, "one notice, however often the job runs")
            self.assertEqual(expiry.user_id, self.rep)
            self.assertEqual(agreement.state, "approved")
        with self.assertRaises(UserError):
            agreement.with_user(self.manager).action_close()
        with freeze_time("2028-01-01"):
            self.env["rebate.agreement"]._cron_expire_agreements()
        self.assertEqual(agreement.state, "expired")
        with self.assertRaises(AccessError):
            agreement.with_user(self.rep).action_close()
        agreement.with_user(self.accountant).action_close()
        self.assertEqual(agreement.state, "closed")

    def test_in_force_search_and_sale_order(self):
        today = fields.Date.today()
        agreement = self.approved_agreement(
            date_start=today - timedelta(days=10), date_end=today + timedelta(days=100)
        )
        self.create_agreement(title="Draft only")
        in_force = self.env["rebate.agreement"].search([("is_in_force", "=", True)])
        self.assertIn(agreement, in_force)
        self.assertEqual(in_force.filtered(lambda a: a.partner_id == self.customer), agreement)
        order = self.env["sale.order"].create({"partner_id": self.customer_contact.id})
        self.assertEqual(order.rebate_agreement_ids, agreement)
        # The customer form counts the agreements in force, not the draft.
        self.assertEqual(self.customer.rebate_agreement_count, 1)
        self.assertEqual(self.customer_contact.rebate_agreement_count, 1)

    def test_reassign_wizard_moves_open_agreements_and_logs_it(self):
        mine = self.create_agreement()
        backup = self.create_agreement(
            user=self.rep_other, user_id=self.rep_other.id, backup_user_id=self.rep.id
        )
        closed = self.create_agreement()
        closed.action_cancel()
        # The manager opens Reassign Agreements from the menu and fills the dialog.
        action = self.env.ref("customer_rebate.action_rebate_agreement_reassign_wizard")
        form = Form(self.env[action.res_model].with_user(self.manager))
        form.from_user_id = self.rep
        form.to_user_id = self.rep_other
        self.assertEqual(form.agreement_count, 2)
        form.save().action_reassign()
        self.assertEqual(mine.user_id, self.rep_other)
        self.assertEqual(backup.backup_user_id, self.rep_other)
        self.assertEqual(closed.user_id, self.rep, "cancelled agreements keep their history")
        self.assertIn("reassigned", mine.message_ids[0].body)

    def test_reassign_wizard_is_for_managers(self):
        # Over RPC: the dialog's model refuses a sales rep.
        with self.assertRaises(AccessError):
            self.env["rebate.agreement.reassign.wizard"].with_user(self.rep).create(
                {"from_user_id": self.rep.id, "to_user_id": self.rep_other.id}
            )

    def test_amend_keeps_previous_terms_and_needs_new_approval(self):
        agreement = self.approved_agreement()
        agreement.action_amend()
        self.assertEqual(agreement.state, "draft")
        self.assertEqual(len(agreement.revision_ids), 1)
        revision = agreement.revision_ids
        self.assertIn("100000", revision.terms_json)
        self.assertEqual(revision.approver_ids, self.manager)
        self.assertIn("Retroactive tiers", revision.terms_html)
        agreement.tier_ids[1].rate = 5.0
        agreement.action_submit()
        agreement.with_user(self.manager_other).action_approve()
        self.assertEqual(agreement.state, "approved")
        self.assertEqual(agreement.tier_ids[1].rate, 5.0)
        current = agreement.approval_ids.filtered("is_current")
        self.assertEqual(
            current.filtered(lambda a: a.decision == "approved").user_id, self.manager_other
        )
        self.assertEqual(agreement.revision_count, 1)

    def test_responsible_and_notes_stay_editable_once_approved(self):
        agreement = self.approved_agreement()
        agreement.write({"user_id": self.rep_other.id, "note": "<p>call in March</p>"})
        agreement.with_user(self.manager).backup_user_id = self.manager_other
        self.assertEqual(agreement.user_id, self.rep_other)
        self.assertIn(self.manager_other.partner_id, agreement.message_partner_ids)

    def test_only_drafts_are_deleted(self):
        draft = self.create_agreement()
        draft.with_user(self.manager).unlink()
        self.assertFalse(draft.exists())
        approved = self.approved_agreement()
        approved.with_user(self.manager).action_cancel()
        with self.assertRaisesRegex(UserError, "once approved"):
            approved.with_user(self.manager).unlink()
        self.assertTrue(approved.exists())
