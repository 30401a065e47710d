from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.customer_rebate.tests.common import RebateCase
from odoo.addons.customer_rebate.tests.rpc import RebateRpcCase

POLICY = "rebate.policy"
ACKNOWLEDGEMENT = "rebate.policy.acknowledgement"
MENU_PATH = "Rebates › Audit › Policy"  # noqa: RUF001


class PolicyMixin:
    def publish_policy(self, body="<p>No kickbacks: rebates only by written agreement.</p>"):
        """A manager writes a version in the form and presses Publish."""
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.name = "Rebate Compliance Policy"
            form.body = body
        policy = form.record
        policy.with_user(self.manager).action_publish()
        self.assertEqual(policy.state, "published")
        return policy

    def acknowledgements(self):
        return self.env[ACKNOWLEDGEMENT].sudo().search_read([], ["policy_id", "user_id"])


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestPolicyAcknowledgement(PolicyMixin, RebateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.policy",
            groups="base.group_user,customer_rebate_audit.group_rebate_auditor",
        )

    def test_no_published_policy_blocks_nothing(self):
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.body = "<p>Draft, not in force yet.</p>"
        agreement = self.create_agreement()
        self.assertFalse(agreement.rebate_policy_to_acknowledge_id)
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "approved")

    def test_unacknowledged_policy_blocks_submission_and_approval(self):
        policy = self.publish_policy()
        agreement = self.create_agreement()
        self.assertEqual(agreement.rebate_policy_to_acknowledge_id, policy, "the form's banner")
        with self.assertRaises(UserError) as caught:
            agreement.action_submit()
        message = str(caught.exception)
        self.assertIn("cannot be submitted yet", message)
        self.assertIn(policy.display_name, message)
        self.assertIn(MENU_PATH, message)
        self.assertEqual(agreement.state, "draft", "nothing was submitted")
        self.assertFalse(agreement.approval_ids)

        # The banner's button opens the version to acknowledge; the rep acknowledges it.
        action = agreement.action_rebate_open_policy()
        self.assertEqual((action["res_model"], action["res_id"]), (POLICY, policy.id))
        policy.with_user(self.rep).action_acknowledge()
        self.assertTrue(policy.with_user(self.rep).acknowledged_by_me)
        agreement.invalidate_recordset()
        self.assertFalse(agreement.rebate_policy_to_acknowledge_id)
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")

        with self.assertRaises(UserError) as caught:
            agreement.with_user(self.manager).action_approve()
        self.assertIn("cannot be approved yet", str(caught.exception))
        self.assertIn(MENU_PATH, str(caught.exception))
        self.assertEqual(agreement.state, "to_approve")
        self.assertEqual(agreement.approval_level_done, 0)
        policy.with_user(self.manager).action_acknowledge()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "approved")

    def test_the_approval_rules_answer_first(self):
        self.publish_policy()
        self.env[POLICY].sudo().search([("state", "=", "published")]).with_user(
            self.rep
        ).action_acknowledge()
        agreement = self.create_agreement()
        agreement.action_submit()
        with self.assertRaises(UserError) as caught:
            agreement.action_approve()  # the submitter, who has acknowledged
        self.assertIn("You submitted", str(caught.exception))

    def test_a_new_version_asks_again(self):
        first = self.publish_policy()
        first.with_user(self.rep).action_acknowledge()
        second = self.publish_policy(body="<p>Version 2: balances expire after a year.</p>")
        self.assertEqual((first.version, second.version), (1, 2))
        self.assertEqual(first.state, "superseded")
        self.assertTrue(first.superseded_on)
        agreement = self.create_agreement()
        with self.assertRaises(UserError) as caught:
            agreement.action_submit()
        self.assertIn(second.display_name, str(caught.exception))
        with self.assertRaises(UserError):
            first.with_user(self.rep).action_acknowledge()  # superseded: not the one in force
        second.with_user(self.rep).action_acknowledge()
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")
        # Acknowledging twice keeps the first acknowledgement.
        second.with_user(self.rep).action_acknowledge()
        self.assertEqual(second.acknowledgement_count, 1)

    def test_only_managers_and_administrators_publish(self):
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.body = "<p>Policy</p>"
        policy = form.record
        for user in (self.rep, self.accountant, self.auditor):
            with self.assertRaises(AccessError):
                policy.with_user(user).action_publish()
            with self.assertRaises(AccessError):
                self.env[POLICY].with_user(user).create({"body": "<p>mine</p>"})
        self.assertEqual(policy.state, "draft")
        admin = self.env.ref("base.user_admin")
        policy.with_user(admin).action_publish()
        self.assertEqual((policy.state, policy.published_by_id), ("published", admin))

    def test_published_versions_are_read_only(self):
        policy = self.publish_policy()
        before = (policy.body, policy.name, policy.version, policy.state)
        for vals in (
            {"body": "<p>rewritten after the fact</p>"},
            {"name": "Other"},
            {"effective_date": "2020-01-01"},
            {"version": 7},
            {"state": "draft"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                policy.with_user(self.manager).write(vals)
        with self.assertRaises(UserError):
            policy.with_user(self.manager).unlink()
        self.assertEqual((policy.body, policy.name, policy.version, policy.state), before)

    def test_bad_input_is_refused_with_nothing_written(self):
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.body = "<p>Draft</p>"
        draft = form.record
        # The version number is the application's, even on a draft.
        with self.assertRaises(UserError) as caught:
            draft.write({"version": 5})
        self.assertIn("own buttons", str(caught.exception))
        with self.assertRaises(UserError):
            self.env[POLICY].with_user(self.manager).create({"body": "<p>x</p>", "version": 9})
        self.assertEqual(draft.version, 1)
        # An empty version is not published.
        empty = self.env[POLICY].with_user(self.manager).create({"body": "<p> </p>"})
        with self.assertRaises(UserError) as caught:
            empty.action_publish()
        self.assertIn("no text and no document", str(caught.exception))
        self.assertEqual(empty.state, "draft")
        # A newer version published: the older draft cannot supersede it.
        newer = self.env[POLICY].with_user(self.manager).create({"body": "<p>v3</p>"})
        newer.with_user(self.manager).action_publish()
        with self.assertRaises(UserError) as caught:
            draft.with_user(self.manager).action_publish()
        self.assertIn("older than", str(caught.exception))
        self.assertEqual((draft.state, newer.state), ("draft", "published"))
        with self.assertRaises(UserError):
            draft.with_user(self.rep).action_acknowledge()  # a draft is not acknowledged
        self.assertFalse(draft.acknowledgement_ids)

    def test_versions_are_numbered_per_company(self):
        other_company = self.env["res.company"].create({"name": "Rebate Policy Other Co"})
        self.publish_policy()
        elsewhere = self.env[POLICY].create({"company_id": other_company.id, "body": "<p>x</p>"})
        mine = self.env[POLICY].create({"body": "<p>y</p>"})
        self.assertEqual((elsewhere.version, mine.version), (1, 2))
        # The other company's policy holds nobody up here, and is invisible to the rep.
        elsewhere.action_publish()
        self.assertFalse(self.env[POLICY].with_user(self.rep).search([("id", "=", elsewhere.id)]))
        with self.assertRaises(AccessError):
            elsewhere.with_user(self.rep).action_acknowledge()

    def test_menu_opens_the_version_in_force(self):
        action = self.env[POLICY].with_user(self.rep).action_open_current()
        self.assertFalse(action.get("res_id"), "none yet: the list")
        policy = self.publish_policy()
        for user in (self.rep, self.accountant, self.auditor):
            action = self.env[POLICY].with_user(user).action_open_current()
            self.assertEqual(action["res_id"], policy.id)
        menu = self.env.ref("customer_rebate_audit.menu_rebate_policy_current")
        for user in (self.rep, self.manager, self.accountant, self.auditor):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(menu.id, visible, user.login)
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.stranger)._visible_menu_ids()
        )

    def test_who_has_not_acknowledged(self):
        policy = self.publish_policy()
        policy.with_user(self.rep).action_acknowledge()
        Status = self.env["rebate.policy.acknowledgement.status"].with_user(self.manager)
        rows = Status.search([("policy_id", "=", policy.id)])
        by_user = {row.user_id: row for row in rows}
        self.assertTrue(by_user[self.rep].acknowledged)
        self.assertEqual(by_user[self.rep].acknowledgement_id.user_id, self.rep)
        for user in (self.rep_other, self.manager, self.manager_other, self.accountant):
            self.assertFalse(by_user[user].acknowledged, user.login)
        for user in (self.stranger, self.auditor):
            self.assertNotIn(user, by_user, "not a rebate user")
        missing = Status.search([("policy_id", "=", policy.id), ("acknowledged", "=", False)])
        self.assertNotIn(self.rep, missing.user_id)
        # Auditors read the report and every acknowledgement; the rep reads only his own.
        self.assertEqual(
            len(
                self.env["rebate.policy.acknowledgement.status"]
                .with_user(self.auditor)
                .search([("policy_id", "=", policy.id)])
            ),
            len(rows),
        )
        with self.assertRaises(AccessError):
            self.env["rebate.policy.acknowledgement.status"].with_user(self.rep).search([])
        policy.with_user(self.manager).action_acknowledge()
        acks = self.env[ACKNOWLEDGEMENT]
        self.assertEqual(len(acks.with_user(self.auditor).search([])), 2)
        self.assertEqual(len(acks.with_user(self.manager).search([])), 2)
        self.assertEqual(acks.with_user(self.rep).search([]).user_id, self.rep)
        self.assertFalse(acks.with_user(self.accountant).search([]))
        self.assertEqual(
            policy.with_user(self.manager).action_view_acknowledgements()["domain"],
            [("policy_id", "=", policy.id)],
        )


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestPolicyOverRpc(PolicyMixin, RebateRpcCase):
    def test_acknowledgements_cannot_be_forged_changed_or_deleted(self):
        policy = self.publish_policy()
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.body = "<p>Next version, still a draft.</p>"
        draft = form.record
        self.xmlrpc(self.rep, POLICY, "action_acknowledge", [policy.id])
        mine = self.env[ACKNOWLEDGEMENT].sudo().search([("user_id", "=", self.rep.id)])
        self.assertEqual(len(mine), 1)
        unchanged = self.acknowledgements
        forged = (
            # For someone else, for oneself backdated, on the draft.
            (self.manager, "create", [{"policy_id": policy.id, "user_id": self.rep_other.id}]),
            (
                self.rep_other,
                "create",
                [
                    {
                        "policy_id": policy.id,
                        "user_id": self.rep_other.id,
                        "acknowledged_on": "2020-01-01 00:00:00",
                    }
                ],
            ),
            (self.rep_other, "create", [{"policy_id": draft.id, "user_id": self.rep_other.id}]),
            (self.rep, "write", [mine.id], {"acknowledged_on": "2020-01-01 00:00:00"}),
            (self.manager, "write", [mine.id], {"user_id": self.manager.id}),
            (self.manager, "write", [mine.id], {"policy_id": draft.id}),
            (self.rep, "unlink", [mine.id]),
            (self.manager, "unlink", [mine.id]),
            (self.auditor, "unlink", [mine.id]),
        )
        for protocol, call in self.both():
            for user, method, *args in forged:
                with self.subTest(protocol=protocol, user=user.login, method=method):
                    self.assertRefused(
                        call, user, ACKNOWLEDGEMENT, method, *args, unchanged=unchanged
                    )
            # Through the action: on the draft, or with arguments naming someone else.
            refusal = self.assertRefused(
                call, self.rep_other, POLICY, "action_acknowledge", [draft.id], unchanged=unchanged
            )
            self.assertIn("not the version in force", refusal.message)
            self.assertRefused(
                call,
                self.rep_other,
                POLICY,
                "action_acknowledge",
                [policy.id],
                self.manager.id,
                unchanged=unchanged,
            )
            # The portal user and a plain employee read no policy.
            for user in (self.portal_a, self.stranger):
                self.assertRefused(
                    call, user, POLICY, "action_acknowledge", [policy.id], unchanged=unchanged
                )
        # Even the administrator, and the system, never rewrite one.
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(UserError):
            mine.with_user(admin).write({"acknowledged_on": "2020-01-01 00:00:00"})
        with self.assertRaises(UserError):
            mine.sudo().unlink()
        with self.assertRaises(UserError):
            self.env[ACKNOWLEDGEMENT].sudo().create({"policy_id": policy.id, "user_id": admin.id})
        self.assertEqual(self.acknowledgements(), unchanged())

    def test_publishing_over_rpc(self):
        with Form(self.env[POLICY].with_user(self.manager)) as form:
            form.body = "<p>Policy</p>"
        policy = form.record
        state = lambda: policy.sudo().read(["state", "version", "body"])  # noqa: E731
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                for user in (self.rep, self.accountant, self.auditor):
                    self.assertRefused(
                        call, user, POLICY, "action_publish", [policy.id], unchanged=state
                    )
                self.assertRefused(
                    call,
                    self.manager,
                    POLICY,
                    "write",
                    [policy.id],
                    {"state": "published"},
                    unchanged=state,
                )
                self.assertRefused(
                    call,
                    self.manager,
                    POLICY,
                    "write",
                    [policy.id],
                    {"version": 4},
                    unchanged=state,
                )
        self.jsonrpc(self.manager, POLICY, "action_publish", [policy.id])
        self.env.invalidate_all()
        self.assertEqual(policy.state, "published")
        for protocol, call in self.both():
            with self.subTest(protocol=protocol):
                self.assertRefused(
                    call,
                    self.manager,
                    POLICY,
                    "write",
                    [policy.id],
                    {"body": "<p>new</p>"},
                    unchanged=state,
                )
