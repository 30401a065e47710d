from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateCase
from odoo.addons.customer_rebate.tests.rpc import RebateRpcCase

PARTNER = "res.partner"
LOG = "rebate.partner.due.diligence"
TODAY = date(2027, 3, 15)


class DueDiligenceMixin:
    @classmethod
    def require_due_diligence(cls):
        cls.company.rebate_require_due_diligence = True

    def decide(self, user, decision, partner=None, **values):
        """The customer form's button, then the wizard, as the user fills and confirms it."""
        partner = (partner or self.customer).with_user(user)
        action = getattr(partner, f"action_rebate_due_diligence_open_{decision}")()
        form = Form.from_action(self.env(user=user), action)
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        return wizard.action_confirm()

    def status(self, partner=None):
        partner = (partner or self.customer).sudo()
        partner.invalidate_recordset()
        return (
            partner.rebate_due_diligence_state,
            partner.rebate_due_diligence_reviewer_id.id,
            partner.rebate_due_diligence_review_date,
            partner.rebate_due_diligence_expiry_date,
            partner.rebate_due_diligence_note,
            self.env[LOG].sudo().search_count([("partner_id", "=", partner.id)]),
        )


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestDueDiligence(DueDiligenceMixin, RebateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_due_diligence()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.dd",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )

    def submit_refusal(self, agreement):
        with self.assertRaises(UserError) as caught:
            agreement.action_submit()
        self.assertEqual(agreement.state, "draft", "nothing was submitted")
        self.assertFalse(agreement.approval_ids)
        return str(caught.exception)

    @freeze_time(TODAY)
    def test_missing_rejected_and_expired_due_diligence_block_submission(self):
        agreement = self.create_agreement()
        self.assertIn("not approved yet", agreement.rebate_due_diligence_warning)
        message = self.submit_refusal(agreement)
        self.assertIn("cannot be submitted yet", message)
        self.assertIn("not approved yet", message)
        self.assertIn("Due Diligence", message, "says where it is recorded")

        self.decide(self.manager, "reject", note="Beneficial owner is a purchasing official.")
        self.assertIn("was rejected", self.submit_refusal(agreement))

        self.decide(
            self.manager, "approve", review_date=TODAY, expiry_date=TODAY + timedelta(days=10)
        )
        agreement.invalidate_recordset()
        self.assertFalse(agreement.rebate_due_diligence_warning)
        with freeze_time(TODAY + timedelta(days=11)):
            agreement.invalidate_recordset()
            self.assertIn("expired", agreement.rebate_due_diligence_warning)
            self.assertIn("expired on", self.submit_refusal(agreement))
        with freeze_time(TODAY + timedelta(days=10)):  # its last valid day
            agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")

    @freeze_time(TODAY)
    def test_valid_approval_allows_submission_and_approval(self):
        self.decide(self.accountant, "approve", expiry_date=TODAY + timedelta(days=365))
        self.assertEqual(
            self.status()[:4],
            ("approved", self.accountant.id, TODAY, TODAY + timedelta(days=365)),
        )
        agreement = self.approved_agreement()
        self.assertEqual(agreement.state, "approved")
        log = self.customer.rebate_due_diligence_ids
        self.assertEqual(
            (log.state, log.previous_state, log.user_id, log.expiry_date),
            ("approved", "pending", self.accountant, TODAY + timedelta(days=365)),
        )
        self.assertIn("approved by", self.customer.message_ids[0].body)

    @freeze_time(TODAY)
    def test_one_refusal_lists_every_problem(self):
        agreement = self.create_agreement(signed_contract=False)
        message = self.submit_refusal(agreement)
        self.assertIn("attach the contract", message)
        self.assertIn("not approved yet", message)

    @freeze_time(TODAY)
    def test_rejected_after_submission_blocks_approval(self):
        self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=100))
        agreement = self.create_agreement()
        agreement.action_submit()
        self.decide(self.manager_other, "reject", note="Sanctions list hit.")
        with self.assertRaises(UserError) as caught:
            agreement.with_user(self.manager).action_approve()
        self.assertIn("was rejected", str(caught.exception))
        self.assertEqual((agreement.state, agreement.approval_level_done), ("to_approve", 0))

    @freeze_time(TODAY)
    def test_company_without_the_requirement_is_not_held_up(self):
        self.company.rebate_require_due_diligence = False
        agreement = self.create_agreement()
        self.assertFalse(agreement.rebate_due_diligence_warning)
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")

    @freeze_time(TODAY)
    def test_who_decides(self):
        before = self.status()
        for user in (self.rep, self.rep_other, self.auditor, self.stranger):
            with self.assertRaises(AccessError):
                self.customer.with_user(user).action_rebate_due_diligence_approve(
                    expiry_date="2028-01-01"
                )
            with self.assertRaises(AccessError):
                self.customer.with_user(user).action_rebate_due_diligence_open_approve()
        # A manager who is the customer's salesperson does not review his own customer.
        self.customer.user_id = self.manager
        with self.assertRaises(AccessError) as caught:
            self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=30))
        self.assertIn("salesperson", str(caught.exception))
        self.assertEqual(self.status(), before, "nothing written")
        # On a person, not a company: refused.
        with self.assertRaises(AccessError):
            self.customer_contact.with_user(self.manager_other).action_rebate_due_diligence_reset()
        self.decide(self.manager_other, "approve", expiry_date=TODAY + timedelta(days=30))
        self.assertEqual(self.status()[0], "approved")
        self.decide(self.accountant, "reset", note="New shareholder: review again.")
        self.assertEqual(self.status()[0], "pending")
        self.assertEqual(
            self.customer.rebate_due_diligence_ids.mapped("state"), ["pending", "approved"]
        )

    @freeze_time(TODAY)
    def test_bad_input_is_refused_with_nothing_written(self):
        before = self.status()
        partner = self.customer.with_user(self.manager)
        cases = (
            ({"review_date": "2027-03-10", "expiry_date": "2027-03-01"}, "must come after"),
            ({"review_date": "2027-03-10", "expiry_date": "2027-03-10"}, "must come after"),
            ({"review_date": "2027-04-01", "expiry_date": "2027-12-01"}, "future"),
            ({"review_date": "2026-01-01", "expiry_date": "2027-03-01"}, "already past"),
            ({"expiry_date": False}, "expiry date"),
            ({"expiry_date": "next year"}, "must be a date"),
        )
        for values, message in cases:
            with self.subTest(values=values), self.assertRaises(UserError) as caught:
                partner.action_rebate_due_diligence_approve(**values)
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(UserError) as caught:
            partner.action_rebate_due_diligence_reject(note="  ")
        self.assertIn("why", str(caught.exception))
        # The same through the wizard.
        with self.assertRaises(UserError):
            self.decide(
                self.manager, "approve", review_date=TODAY, expiry_date=TODAY - timedelta(days=1)
            )
        self.assertEqual(self.status(), before)

    def test_fields_and_history_change_only_through_the_actions(self):
        before = self.status()
        admin = self.env.ref("base.user_admin")
        for user in (self.manager, self.accountant, admin):
            for vals in (
                {"rebate_due_diligence_state": "approved"},
                {"rebate_due_diligence_expiry_date": "2099-12-31"},
                {"rebate_due_diligence_reviewer_id": user.id},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(UserError):
                    self.customer.with_user(user).write(vals)
        with self.assertRaises(UserError):
            self.customer.sudo().write({"rebate_due_diligence_state": "approved"})
        with self.assertRaises(UserError):
            self.env[PARTNER].create(
                {
                    "name": "Born Approved Ltd",
                    "is_company": True,
                    "rebate_due_diligence_state": "approved",
                }
            )
        self.assertEqual(self.status(), before)
        # A new customer starts pending; a copy does not inherit an approval.
        fresh = self.env[PARTNER].create({"name": "Fresh Co", "is_company": True})
        self.assertEqual(fresh.rebate_due_diligence_state, "pending")
        with freeze_time(TODAY):
            self.decide(self.manager, "approve", partner=fresh, expiry_date=TODAY + timedelta(30))
        self.assertEqual(fresh.copy().rebate_due_diligence_state, "pending")
        log = fresh.rebate_due_diligence_ids
        for user in (self.manager, admin):
            with self.assertRaises(UserError):
                log.with_user(user).sudo().write({"state": "rejected"})
            with self.assertRaises(UserError):
                log.with_user(user).sudo().unlink()
        with self.assertRaises(UserError):
            self.env[LOG].sudo().create(
                {"partner_id": fresh.id, "user_id": self.manager.id, "state": "approved"}
            )

    def test_access_to_the_history(self):
        with freeze_time(TODAY):
            self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=30))
        log = self.customer.rebate_due_diligence_ids
        for user in (self.rep, self.manager, self.accountant, self.auditor):
            self.assertEqual(self.env[LOG].with_user(user).search([]), log, user.login)
            with self.assertRaises(AccessError):
                log.with_user(user).write({"note": "x"})
            with self.assertRaises(UserError):  # AccessError or the history's own refusal
                log.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env[LOG].with_user(self.stranger).search([])
        for user in (self.rep, self.auditor):
            with self.assertRaises(AccessError):
                self.env["rebate.due.diligence.wizard"].with_user(user).create(
                    {"partner_id": self.customer.id, "decision": "approve"}
                )

    def test_validity_and_the_control_check(self):
        other = self.env[PARTNER].create({"name": "Other Customer Ltd", "is_company": True})
        with freeze_time(TODAY):
            self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=60))
            self.decide(self.manager, "approve", partner=other, expiry_date=TODAY + timedelta(5))
            agreement = self.approved_agreement(date_start=TODAY, date_end=date(2027, 12, 31))
            mine = self.customer | self.customer_contact | other
            self.assertEqual(mine._rebate_due_diligence_valid(TODAY), mine)
            self.assertEqual(
                mine._rebate_due_diligence_valid(TODAY + timedelta(days=6)),
                self.customer | self.customer_contact,
                "the contact follows its company",
            )
            self.assertFalse(mine._rebate_due_diligence_valid(TODAY - timedelta(days=1)))
            self.assertFalse(self.env["rebate.agreement"]._rebate_without_due_diligence())
        with freeze_time(TODAY + timedelta(days=61)):
            Agreement = self.env["rebate.agreement"]
            self.assertEqual(Agreement._rebate_without_due_diligence(), agreement)
            self.assertEqual(agreement._rebate_without_due_diligence(), agreement)
            self.assertFalse(
                self.env[PARTNER].search(
                    [("id", "in", mine.ids), ("rebate_due_diligence_valid", "=", True)]
                )
            )
            self.company.rebate_require_due_diligence = False
            self.assertFalse(Agreement._rebate_without_due_diligence())

    def test_reviewer_is_reminded_before_expiry(self):
        with freeze_time(TODAY):
            self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=45))
        activity_type = self.env.ref(
            "customer_rebate_audit.mail_activity_rebate_due_diligence_expiry"
        )

        def reminders():
            return self.customer.activity_ids.filtered(
                lambda activity: activity.activity_type_id == activity_type
            )

        with freeze_time(TODAY + timedelta(days=10)):
            self.env[PARTNER]._cron_rebate_due_diligence_expiry()
        self.assertFalse(reminders(), "not 30 days before yet")
        with freeze_time(TODAY + timedelta(days=16)):
            self.env[PARTNER]._cron_rebate_due_diligence_expiry()
            self.env[PARTNER]._cron_rebate_due_diligence_expiry()
        self.assertEqual(len(reminders()), 1, "once")
        self.assertEqual(reminders().user_id, self.manager)
        self.assertEqual(reminders().date_deadline, TODAY + timedelta(days=45))
        with freeze_time(TODAY + timedelta(days=20)):
            self.decide(self.manager_other, "approve", expiry_date=TODAY + timedelta(days=400))
        self.assertFalse(reminders(), "the renewal answers it")


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestDueDiligenceOverRpc(DueDiligenceMixin, RebateRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_due_diligence()

    def test_sales_rep_cannot_approve_his_customer(self):
        expiry = fields.Date.to_string(date.today() + timedelta(days=90))
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                for user in (self.rep, self.rep_other, self.auditor, self.portal_a):
                    self.assertRefused(
                        call,
                        user,
                        PARTNER,
                        "action_rebate_due_diligence_approve",
                        [self.customer.id],
                        expiry,
                        unchanged=self.status,
                    )
                    self.assertRefused(
                        call,
                        user,
                        PARTNER,
                        "write",
                        [self.customer.id],
                        {"rebate_due_diligence_state": "approved"},
                        unchanged=self.status,
                    )
                    self.assertRefused(
                        call,
                        user,
                        LOG,
                        "create",
                        [
                            {
                                "partner_id": self.customer.id,
                                "user_id": self.manager.id,
                                "state": "approved",
                            }
                        ],
                        unchanged=self.status,
                    )
                # Even a manager forges nothing, and gets clear errors for bad arguments.
                for args in ((expiry, "2027-01-01", 5), ([expiry],), ("2020-01-01",)):
                    self.assertRefused(
                        call,
                        self.manager,
                        PARTNER,
                        "action_rebate_due_diligence_approve",
                        [self.customer.id],
                        *args,
                        unchanged=self.status,
                    )
                self.assertRefused(
                    call,
                    self.manager,
                    PARTNER,
                    "write",
                    [self.customer.id],
                    {"rebate_due_diligence_expiry_date": "2099-01-01"},
                    unchanged=self.status,
                )
        self.xmlrpc(
            self.manager,
            PARTNER,
            "action_rebate_due_diligence_approve",
            [self.customer.id],
            expiry,
            False,
            "Licence checked.",
        )
        self.assertEqual(self.status()[:2], ("approved", self.manager.id))
        log = self.customer.rebate_due_diligence_ids
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                for user in (self.manager, self.accountant, self.auditor):
                    self.assertRefused(
                        call,
                        user,
                        LOG,
                        "write",
                        log.ids,
                        {"state": "rejected"},
                        unchanged=self.status,
                    )
                    self.assertRefused(call, user, LOG, "unlink", log.ids, unchanged=self.status)
        # The rep submits for the approved customer, over RPC too.
        agreement = self.create_agreement()
        self.jsonrpc(self.rep, "rebate.agreement", "action_submit", [agreement.id])
        self.env.invalidate_all()
        self.assertEqual(agreement.state, "to_approve")


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestDueDiligenceControl(DueDiligenceMixin, RebateCase):
    """The control check, run by an auditor as the Run Now button does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.ddc",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )
        cls.control = cls.env.ref("customer_rebate_audit.control_customer_due_diligence")

    def hits(self):
        self.control.with_user(self.auditor).action_run()
        return self.env["rebate.audit.finding"].search(
            [("control_id", "=", self.control.id), ("state", "=", "open")]
        )

    def test_fires_on_a_customer_without_due_diligence_and_not_on_a_reviewed_one(self):
        with freeze_time(TODAY):
            agreement = self.approved_agreement(date_start=TODAY, date_end=date(2027, 12, 31))
            findings = self.hits()
            self.assertEqual(len(findings), 1)
            self.assertIn(agreement.name, findings.description)
        with freeze_time(TODAY):
            # Reviewed and valid: silent (the open finding stays until an auditor closes it).
            self.decide(self.manager, "approve", expiry_date=TODAY + timedelta(days=30))
            self.assertEqual(self.control.sudo()._check_customer_due_diligence(), [])
        with freeze_time(TODAY + timedelta(days=31)):
            hits = self.control.sudo()._check_customer_due_diligence()
            self.assertEqual([record for record, _message in hits], [agreement])
            self.assertIn("expired", hits[0][1])
