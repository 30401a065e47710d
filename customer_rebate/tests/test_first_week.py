"""What a finance team meets in its first week, pressed as a user presses it (`Form`):
the signed contract attached to a saved agreement, Recompute Accruals, a manual ledger
adjustment, the accounting settings for finance, the previous terms as a reader reads
them, and numbers that a failed save does not consume."""

import base64
from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import AUDITOR_GROUP, RebateAccountingCase, audit_installed

CONTRACT_V1 = base64.b64encode(b"%PDF-1.4 contract signed 2026-12-01")
CONTRACT_V2 = base64.b64encode(b"%PDF-1.4 contract signed 2027-01-05, annex 1")
TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestFirstWeek(RebateAccountingCase):
    def contract_attachments(self, agreement):
        return (
            self.env["ir.attachment"]
            .search(
                [
                    ("res_model", "=", "rebate.agreement"),
                    ("res_id", "=", agreement.id),
                    ("res_field", "=", False),
                ]
            )
            .mapped("raw")
        )

    def test_signed_contract_attached_and_replaced_on_a_saved_agreement(self):
        agreement = self.create_agreement(signed_contract=False, signed_contract_filename=False)
        with Form(agreement.with_user(self.rep)) as form:
            form.signed_contract = CONTRACT_V1
        agreement.with_user(self.rep).action_submit()
        self.assertEqual(agreement.state, "to_approve")
        agreement.with_user(self.manager).action_approve()
        # Amended: the new contract replaces the old, which stays with the previous terms
        # and in the chatter.
        agreement.with_user(self.manager).action_amend()
        with Form(agreement.with_user(self.rep)) as form:
            form.signed_contract = CONTRACT_V2
        self.assertEqual(agreement.signed_contract, CONTRACT_V2)
        revision = agreement.revision_ids
        self.assertEqual(len(revision), 1)
        self.assertEqual(revision.signed_contract, CONTRACT_V1)
        kept = self.contract_attachments(agreement)
        self.assertIn(base64.b64decode(CONTRACT_V1), kept)
        self.assertIn(base64.b64decode(CONTRACT_V2), kept)
        logged = agreement.message_ids.filtered(
            lambda message: "Signed contract attached" in str(message.body)
        )
        self.assertEqual(len(logged), 2, "each contract attached is logged")

    def test_previous_terms_read_as_terms(self):
        agreement = self.approved_agreement(
            tier_ids=TIERS, terms="<p>Rebate of <b>2 %</b> on all tea.</p>"
        )
        agreement.with_user(self.manager).action_amend()
        html = str(agreement.revision_ids.terms_html)
        self.assertNotIn('{"', html)
        self.assertNotIn("&lt;p&gt;", html, "the terms text is shown formatted, not as code")
        self.assertIn("<b>2 %</b>", html)
        self.assertIn("Retroactive", html, "choice labels, not keys")
        self.assertIn("1,000.00", html)
        self.assertIn("4 %", html)
        self.assertIn(agreement.name, agreement.revision_ids.display_name)

    def test_recompute_accruals_from_the_agreement(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        # The ledger lost the invoice's row (as after a restore from an older backup): the
        # wizard finds the difference and books it.
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM rebate_entry WHERE agreement_id = %s", [agreement.id])
        self.env.invalidate_all()
        action = agreement.with_user(self.accountant).action_recompute_accruals()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard_form.difference_count, 1)
        wizard = wizard_form.save()
        line = wizard.line_ids.filtered("difference")
        self.assertEqual((line.held_amount, line.amount, line.difference), (0.0, 16.0, 16.0))
        wizard.action_post()
        again = Form(
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        )
        self.assertEqual(again.difference_count, 0)

    def test_manual_adjustment_through_its_form(self):
        agreement = self.approved_agreement(tier_ids=TIERS)
        action = self.env.ref("customer_rebate.action_rebate_entry_adjustment")
        Entry = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .with_context(default_entry_type="adjustment")
        )
        with Form(Entry, view=action.view_id) as form:
            form.agreement_id = agreement
            form.date = date(2027, 2, 15)
            self.assertEqual(form.period_id, agreement.period_ids[0], "the period of the date")
            form.amount = 25.0
            form.reason = "Promotion agreed in the contract annex"
        entry = self.env["rebate.entry"].search(
            [("agreement_id", "=", agreement.id), ("entry_type", "=", "adjustment")]
        )
        self.assertEqual(entry.amount, 25.0)
        self.assertTrue(entry.move_id, "booked at once")
        self.assertEqual(entry.move_id.state, "posted")
        self.assertNotIn("rebate.entry,", entry.display_name)
        self.assertIn(agreement.name, entry.display_name)
        # Without a reason, nothing is saved.
        form = Form(Entry, view=action.view_id)
        form.agreement_id = agreement
        form.amount = 5.0
        with self.assertRaises(AssertionError):
            form.save()
        # The list offers the button to managers only.
        arch = (
            self.env["rebate.entry"]
            .with_user(self.rep)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        self.assertNotIn("New Adjustment", arch)
        arch = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        self.assertIn("New Adjustment", arch)

    def test_finance_keeps_the_rebate_accounting(self):
        Settings = self.env["rebate.accounting.settings"]
        with Form(Settings.with_user(self.accountant)) as form:
            self.assertEqual(form.rebate_journal_id, self.accounting["journal"])
            form.rebate_statement_frequency = "monthly"
            form.rebate_accrual_mode = "realtime"
        form.record.with_user(self.accountant).action_save()
        self.assertEqual(self.company.rebate_statement_frequency, "monthly")
        self.assertEqual(self.company.rebate_accrual_mode, "realtime")
        with self.assertRaises(AccessError):
            Settings.with_user(self.rep).create({})
        menu = self.env.ref("customer_rebate.menu_rebate_accounting_settings")
        visible = self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        # The administrator's Settings show the same, with the approval limits.
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in (
            "rebate_journal_id",
            "rebate_accrual_mode",
            "rebate_settlement_approval_limit",
        ):
            self.assertIn(name, arch)

    def test_a_failed_save_gives_its_number_back(self):
        first = self.create_agreement()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.create_agreement(date_start=date(2027, 12, 31), date_end=date(2027, 1, 1))
        second = self.create_agreement()
        prefix, number = first.name.rsplit("/", 1)
        self.assertEqual(second.name, f"{prefix}/{int(number) + 1:04d}")

    def test_send_statement_through_the_composer(self):
        self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31), self.customer.ids
        )
        action = statement.with_user(self.accountant).action_send_with_composer()
        composer = Form(
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
        )
        composer.body = "<p>Please confirm by the end of the month.</p>"
        composer.save().action_send_mail()
        self.assertEqual(statement.state, "sent")
        sent = statement.message_ids.filtered(lambda m: "end of the month" in str(m.body))
        self.assertEqual(len(sent), 1)
        with self.assertRaises(AccessError):
            statement.with_user(self.rep).action_send_with_composer()

    def test_two_level_approval_shows_where_it_stands(self):
        # 12 % is above the company's rate limit (10 %): finance approves too.
        agreement = self.create_agreement(tier_ids=[(0, 0, {"threshold": 0.0, "rate": 12.0})])
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "to_approve")
        self.assertIn("1 of 2", agreement.approval_progress)
        self.assertIn("finance", agreement.approval_progress)
        agreement.with_user(self.accountant).action_approve()
        self.assertEqual(agreement.state, "approved")
        self.assertFalse(agreement.approval_progress)
        decisions = agreement.message_ids.filtered(lambda m: "Approved by" in str(m.body))
        self.assertEqual(
            len(decisions), 2, [(str(m.body), m.message_type) for m in agreement.message_ids]
        )

    def test_buttons_show_only_to_who_may_press_them(self):
        agreement = self.approved_agreement()
        cases = [(self.rep_other, False), (self.manager, True)]
        if audit_installed(self.env):
            auditor = self.env["res.users"].create(
                {
                    "name": "Audit Only",
                    "login": "test.first.week.auditor",
                    "group_ids": [(6, 0, [self.env.ref(AUDITOR_GROUP).id])],
                }
            )
            cases.append((auditor, False))
        for user, can in cases:
            record = agreement.with_user(user)
            self.assertEqual((record.can_amend, record.can_cancel), (can, can), user.login)

    def test_activities_in_the_assignees_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        self.manager.lang = "zh_CN"
        agreement = self.create_agreement()
        agreement.action_submit()
        summaries = agreement.activity_ids.filtered(
            lambda activity: activity.user_id == self.manager
        ).mapped("summary")
        self.assertEqual(summaries, [f"批准返利协议 {agreement.name}"])

    def test_screens_a_new_user_meets(self):
        """Small things seen in the first week: kanban columns in the workflow's order, the
        systray's activity filters, empty-state help, rates without trailing zeros, a
        status bar without steps that did not happen, the customer's count."""
        Agreement = self.env["rebate.agreement"]
        self.create_agreement()
        today = date.today()
        self.approved_agreement(
            title="In force",
            date_start=today.replace(month=1, day=1),
            date_end=today.replace(month=12, day=31),
        )
        # The kanban view asks for every column (read_group_expand), in the workflow order.
        groups = Agreement.with_context(read_group_expand=True).web_read_group([], ["state"], [])[
            "groups"
        ]
        states = [group["state"] for group in groups]
        self.assertEqual(states[:3], ["draft", "to_approve", "approved"], states)
        search = Agreement.get_views([(False, "search")])["views"]["search"]["arch"]
        for name in ("filter_activities_my", "activities_overdue", "activities_today"):
            self.assertIn(f'name="{name}"', search)
        for xmlid in (
            "customer_rebate.action_rebate_agreement_period",
            "customer_rebate.action_rebate_balance_line",
            "customer_rebate.action_rebate_entry",
        ):
            self.assertTrue(self.env.ref(xmlid).help, xmlid)
        form = Agreement.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('statusbar_visible="draft,cancelled"', form)
        self.assertIn("hide_trailing_zeros", form)
        self.assertEqual(self.customer.rebate_agreement_count, 1, "drafts are not in force")

    def test_period_figures_in_a_form_onchange(self):
        """Changing the responsible person of an agreement with periods recomputes the
        periods' figures on new records (the form's onchange): no KeyError."""
        agreement = self.approved_agreement(tier_ids=TIERS)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        with Form(agreement.with_user(self.manager)) as form:
            form.user_id = self.rep_other
        self.assertEqual(agreement.user_id, self.rep_other)
        self.assertEqual(agreement.period_ids[0].accrued_amount, 16.0)

    def test_embedded_ledgers_fit_their_form(self):
        """The ledger inside a period, a settlement or an invoice shows the columns a reader
        needs there, none cut off by the form's width: at most seven always-visible."""
        from lxml import etree  # noqa: PLC0415 (only this test parses arches)

        for model, field in (
            ("rebate.settlement", "entry_ids"),
            ("rebate.agreement.period", "entry_ids"),
            ("account.move", "rebate_entry_ids"),
        ):
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            (subview,) = etree.fromstring(arch).xpath(f"//field[@name='{field}']/list")
            shown = [
                node.get("name")
                for node in subview.xpath("./field")
                if node.get("optional") != "hide"
                and node.get("column_invisible") not in ("1", "True", "true")
            ]
            self.assertLessEqual(len(shown), 7, f"{model}.{field}: {shown}")
        # The statement's lines: the figures a customer confirms, the rest optional.
        arch = self.env["rebate.statement"].get_views([(False, "form")])["views"]["form"]["arch"]
        (lines,) = etree.fromstring(arch).xpath("//field[@name='line_ids']/list")
        always = [
            node.get("name")
            for node in lines.xpath("./field")
            if not node.get("optional") and node.get("column_invisible") not in ("1", "True")
        ]
        self.assertLessEqual(len(always), 5, always)
