"""The buttons each role is there to press do their job on the demo data.

The other tests accept a user-facing refusal from any button; these press, through the
same client, the buttons the README's action matrix gives each role, on demo records in
the state where the action applies, and expect it to happen: a refusal here is a bug."""

from odoo.service.model import call_kw
from odoo.tests import Form, tagged

from odoo.addons.web.controllers.utils import clean_action

from .common import DemoUiCase


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestUiHappyPaths(DemoUiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        agreements = cls.env["rebate.agreement"]
        cls.huayuan = ref("customer_rebate.agreement_huayuan_demo")
        cls.jiahe = ref("customer_rebate.agreement_jiahe_demo")
        cls.growth = ref("customer_rebate.agreement_huayuan_growth_demo")
        cls.expired = agreements.search([("state", "=", "expired")], limit=1)
        settlements = cls.env["rebate.settlement"].search(
            [("agreement_id", "=", cls.huayuan.id)], order="id"
        )
        cls.posted, cls.confirmed, cls.draft = settlements[0], settlements[1], settlements[2]
        statements = cls.env["rebate.statement"]
        cls.statement_draft = statements.search([("state", "=", "draft")], limit=1)
        cls.statement_disputed = statements.search([("state", "=", "disputed")], limit=1)

    def press(self, role, record, methods, expect, *, before=None, fill=None):
        """Press the visible button of the record's form named one of `methods` (a name or
        a tuple of names) as `role`, as the client does: edits by `before(form)` saved
        first; a wizard the button opens filled in (`fill(form)`, then what it requires)
        and its main button pressed. `expect(record)` must then hold."""
        methods = (methods,) if isinstance(methods, str) else methods
        client = self.client(role)
        record = record.with_env(client.env)
        where = f"{record._name} {record.sudo().display_name} [{record.sudo().state}]"
        with self.env.cr.savepoint() as savepoint:
            try:
                form = Form(record)
                if before:
                    before(form)
                    form.save()
                values = client.record_values(form)
                node = next(
                    (
                        node
                        for node in client.buttons(form._view["tree"])
                        if node.get("name") in methods and client.visible(node, values, record)
                    ),
                    None,
                )
                self.assertIsNotNone(node, f"{role} does not see {methods} on {where}")
                result = call_kw(record.browse(), node.get("name"), [record.ids], {"context": {}})
                if isinstance(result, dict) and result.get("target") == "new":
                    self.through_wizard(client, clean_action(result, env=client.env), fill)
                self.env.cr.flush()
                record.invalidate_recordset()
                self.assertTrue(expect(record.sudo()), f"{methods} as {role} did not happen")
            except AssertionError:
                raise
            except Exception as error:  # a refusal is the failure here
                self.fail(f"{role} pressing {methods} on {where}: {error!r}")
            finally:
                savepoint.rollback()

    def through_wizard(self, client, action, fill):
        form = Form.from_action(client.env, action)
        if fill:
            fill(form)
        client.fill_required(form)
        wizard = form.save()
        values = client.record_values(form)
        main = next(
            (
                node
                for node in client.buttons(form._view["tree"])
                if "btn-primary" in (node.get("class") or "")
                and client.visible(node, values, wizard)
            ),
            None,
        )
        self.assertIsNotNone(main, f"no main button in the wizard {wizard._name}")
        context = action.get("context") or {}
        call_kw(wizard.browse(), main.get("name"), [wizard.ids], {"context": context})

    def test_manager_approves_and_rejects(self):
        self.press("manager", self.jiahe, "action_approve", lambda a: a.approval_level_done >= 1)

        def reason(form):
            form.reason = "Tier thresholds above the customer's shelf volume."

        self.press(
            "manager",
            self.jiahe,
            "action_reject",
            lambda a: a.state == "draft",
            fill=reason,
        )

    def test_manager_settles_and_closes(self):
        self.press("manager", self.huayuan, "action_settle", lambda a: a.settlement_ids)
        self.press("manager", self.expired, "action_close", lambda a: a.state == "closed")

    def test_rep_amends_resets_and_cancels_own_agreements(self):
        self.press("rep", self.huayuan, "action_amend", lambda a: a.state == "draft")
        self.press("rep", self.jiahe, "action_reset_draft", lambda a: a.state == "draft")
        self.press("rep", self.growth, "action_cancel", lambda a: a.state == "cancelled")

    def test_accountant_confirms_and_posts_settlements(self):
        self.press("accountant", self.draft, "action_confirm", lambda s: s.state == "confirmed")
        self.press("accountant", self.confirmed, "action_post", lambda s: s.state == "posted")
        self.press("manager", self.posted, "action_cancel", lambda s: s.state == "cancelled")

    def test_accountant_sends_the_statement(self):
        self.press(
            "accountant",
            self.statement_draft,
            ("action_send", "action_send_with_composer"),
            lambda s: s.state == "sent",
        )

    def test_rep_resolves_the_dispute(self):
        def note(form):
            form.resolution_note = "The credit note was issued on 3 March."

        self.press(
            "rep",
            self.statement_disputed,
            "action_resolve",
            lambda s: s.state == "resolved",
            before=note,
        )
