"""The demo's first week, as its users live it, logged in as the README's demo logins.

The accountant opens the accrual journal entry of a demo invoice and reads its journal
items; the customer's portal user reads their rebates, agreement and statement in Chinese,
with the progress to the next tier right for the demo invoices; the sales rep attaches the
signed contract to the draft agreement under negotiation and submits it (acknowledging a
new version of the rebate policy first, when one is published). Everything is rolled back
with the test: the demo database is left as it was."""

# The Chinese texts checked use full-width parentheses and colons, and the en dash.
# ruff: noqa: RUF001

import re

from lxml import html

from odoo.exceptions import UserError
from odoo.service.model import call_kw
from odoo.tests import Form, HttpCase, TransactionCase, tagged
from odoo.tools.misc import format_date

from .webclient import SMALL_PDF, WebClient

DEMO = "customer_rebate"


def squash(text):
    """The text with no whitespace: template indentation is not what is compared."""
    return "".join(text.split())


def retroactive_due(tiers, volume):
    """What the demo agreement's retroactive tiers give on a period volume: the whole volume
    at the rate of the highest tier reached (the README's worked example)."""
    rates = [rate for threshold, rate in tiers if volume >= threshold]
    return volume * max(rates) / 100 if rates else 0.0


class DemoLoginMixin:
    def demo_login(self, xmlid):
        """Log in as the demo user, with the password the README gives (the login)."""
        user = self.env.ref(xmlid)
        # The demo password really is the login (HttpCase.authenticate does not check it).
        auth = self.env["res.users"].authenticate(
            {"login": user.login, "password": user.login, "type": "password"},
            {"interactive": False},
        )
        self.assertEqual(auth["uid"], user.id, f"{user.login} cannot log in with its login")
        self.authenticate(user.login, user.login)
        return user

    def user_env(self, user):
        """The user's environment as the web client sets it up (language, companies)."""
        return WebClient(self.env, user, user.login).env


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestAccountantReadsTheAccrual(DemoLoginMixin, HttpCase):
    def setUp(self):
        super().setUp()
        ref = self.env.ref
        self.accountant = ref(f"{DEMO}.user_rebate_accountant_demo")
        self.agreement = ref(f"{DEMO}.agreement_huayuan_demo")
        self.invoices = ref(f"{DEMO}.invoice_huayuan_january_demo") | ref(
            f"{DEMO}.invoice_huayuan_february_demo"
        )
        company = ref(f"{DEMO}.company_rebate_demo")
        accounts = company._rebate_accounting()
        self.debit_account, self.credit_account = accounts["revenue"], accounts["liability"]
        tiers = [(tier.threshold, tier.rate) for tier in self.agreement.tier_ids]
        # What each invoice accrues, from the demo data: the rebate due on the quarter's
        # cumulative volume after it, less what the earlier invoices accrued.
        self.expected = {}
        cumulative = accrued = 0.0
        for invoice in self.invoices.sorted(lambda move: (move.invoice_date, move.id)):
            self.assertEqual(invoice.state, "posted")
            cumulative += invoice.amount_untaxed
            due = retroactive_due(tiers, cumulative)
            self.expected[invoice] = round(due - accrued, 2)
            accrued = due
        # The second invoice crosses the 500,000 tier: its accrual carries the catch-up.
        self.assertGreater(self.expected[self.invoices[1]], self.expected[self.invoices[0]])

    def accrual_move(self, env, invoice):
        """The accrual journal entry of the invoice, as the user reaches it: from the
        invoice's rows of the Rebate Ledger."""
        entries = env["rebate.entry"].search(
            [("invoice_id", "=", invoice.id), ("entry_type", "=", "accrual")]
        )
        self.assertTrue(entries, f"no ledger row for {invoice.name}")
        move = entries.move_id
        self.assertEqual(len(move), 1, f"{invoice.name}: one accrual journal entry")
        return move

    def test_accountant_reads_the_accrual_journal_items(self):
        env = self.user_env(self.accountant)
        self.assertFalse(env.su)
        self.assertEqual(env.user, self.accountant)
        for invoice in self.invoices:
            amount = self.expected[invoice]
            move = self.accrual_move(env, invoice)
            self.assertEqual(move.env.user, self.accountant)
            # The many2one on the ledger opens the journal entry's form.
            action = move.get_formview_action()
            self.assertEqual((action["res_model"], action["res_id"]), ("account.move", move.id))
            form = Form(move)
            self.assertEqual(form.state, "posted")
            self.assertEqual(form.journal_id.code, "RBT")
            items = sorted(
                (
                    (line["account_id"], line["debit"], line["credit"], line["partner_id"])
                    for line in form.line_ids._records
                ),
                key=lambda item: -item[1],
            )
            partner = self.agreement.partner_id.id
            self.assertEqual(
                items,
                [
                    (self.debit_account.id, amount, 0.0, partner),
                    (self.credit_account.id, 0.0, amount, partner),
                ],
                f"journal items of the accrual of {invoice.name}",
            )
            # The same items read through the model, with the account's code and name.
            lines = move.line_ids.sorted(lambda line: -line.debit)
            self.assertEqual(
                [(line.account_id, line.debit, line.credit) for line in lines],
                [(self.debit_account, amount, 0.0), (self.credit_account, 0.0, amount)],
            )
            self.assertTrue(lines.account_id.mapped("code"))
            self.assertTrue(all(lines.account_id.mapped("name")))

    def test_accountant_reads_the_accrual_journal_items_in_the_web_client(self):
        self.demo_login(f"{DEMO}.user_rebate_accountant_demo")
        context = {
            "lang": self.accountant.lang,
            "allowed_company_ids": self.accountant.company_id.ids,
        }
        for invoice in self.invoices:
            amount = self.expected[invoice]
            rows = self.make_jsonrpc_request(
                "/web/dataset/call_kw/rebate.entry/web_search_read",
                {
                    "model": "rebate.entry",
                    "method": "web_search_read",
                    "args": [],
                    "kwargs": {
                        "domain": [["invoice_id", "=", invoice.id]],
                        "specification": {"move_id": {"fields": {"display_name": {}}}},
                        "context": context,
                    },
                },
            )["records"]
            move_ids = {row["move_id"]["id"] for row in rows if row["move_id"]}
            self.assertEqual(move_ids, {self.accrual_move(self.env, invoice).id})
            [move] = self.make_jsonrpc_request(
                "/web/dataset/call_kw/account.move/web_read",
                {
                    "model": "account.move",
                    "method": "web_read",
                    "args": [list(move_ids)],
                    "kwargs": {
                        "specification": {
                            "name": {},
                            "state": {},
                            "journal_id": {"fields": {"code": {}}},
                            "line_ids": {
                                "fields": {
                                    "account_id": {"fields": {"code": {}, "display_name": {}}},
                                    "debit": {},
                                    "credit": {},
                                }
                            },
                        },
                        "context": context,
                    },
                },
            )
            self.assertEqual((move["state"], move["journal_id"]["code"]), ("posted", "RBT"))
            items = sorted(
                (
                    (line["account_id"]["id"], line["debit"], line["credit"])
                    for line in move["line_ids"]
                ),
                key=lambda item: -item[1],
            )
            self.assertEqual(
                items,
                [
                    (self.debit_account.id, amount, 0.0),
                    (self.credit_account.id, 0.0, amount),
                ],
            )
            codes = {line["account_id"]["code"] for line in move["line_ids"]}
            self.assertTrue(all(codes), "the accountant sees the accounts' codes")


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestPortalCustomerReadsInChinese(DemoLoginMixin, HttpCase):
    def setUp(self):
        super().setUp()
        self.customer = self.env.ref(f"{DEMO}.user_rebate_customer_demo")
        self.assertEqual(self.customer.lang, "zh_CN")
        self.zh = self.env(context={"lang": "zh_CN"})
        self.lang = self.zh["res.lang"]._lang_get("zh_CN")
        self.agreement = self.env.ref(f"{DEMO}.agreement_huayuan_demo")
        self.statement = self.env["rebate.statement"].search(
            [("partner_id", "=", self.agreement.partner_id.id), ("state", "=", "sent")], limit=1
        )
        self.assertTrue(self.statement, "the demo has a statement sent to the customer")

    def amount(self, value):
        """A figure as the pages show it in Chinese (float widget, 2 decimals)."""
        return self.lang.format("%.2f", value, grouping=True)

    def date(self, value):
        return format_date(self.zh, value)

    def open_page(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, path)
        self.assertTrue(response.url.endswith(path), f"{path} redirected to {response.url}")
        return response.text, html.fromstring(response.text)

    def volume(self, date_from, date_to):
        """The demo agreement's volume between two dates (invoice dates): the untaxed
        amount of the customer's posted invoices less its credit notes, all of whose
        products are in the agreement's scope (it has no product rule)."""
        self.assertFalse(self.agreement.rule_ids)
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", self.agreement.company_id.id),
                ("commercial_partner_id", "=", self.agreement.partner_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ]
        )
        return sum(invoices.mapped("amount_untaxed_signed"))

    def expected_progress(self):
        """The progress sentence the customer should read for the current period."""
        period = self.agreement._current_period()
        self.assertTrue(period, "the demo agreement has a period today")
        volume = self.volume(period.date_from, period.date_to)
        above = sorted(
            tier.threshold for tier in self.agreement.tier_ids if tier.threshold > volume
        )
        if not above:
            return volume, squash("已达到最高阶梯")
        sentence = (
            f"结算期间 {self.date(period.date_from)} – {self.date(period.date_to)}:"
            f"达到下一档（{self.amount(above[0])}）尚需：{self.amount(above[0] - volume)}"
        )
        return volume, squash(sentence)

    def assertChinese(self, text, strings):
        for string in strings:
            self.assertIn(string, text)

    def test_customer_reads_rebates_agreement_and_statement_in_chinese(self):
        self.demo_login(f"{DEMO}.user_rebate_customer_demo")
        volume, progress = self.expected_progress()

        text, page = self.open_page("/my/rebates")
        self.assertChinese(text, ["协议", "对账单", "应付您的返利余额", "已计提：", "余额："])
        self.assertNotIn("to reach the next tier", text)
        self.assertNotIn("Still Owed to You", text)
        cards = page.xpath("//div[contains(@class, 'o_rebate_agreement_card')]")
        card = next((c for c in cards if self.agreement.name in c.text_content()), None)
        self.assertIsNotNone(card, "the agreement in force is listed")
        self.assertIn(progress, squash(card.text_content()))
        rows = page.xpath("//tr[contains(@class, 'o_rebate_statement_row')]")
        self.assertIn(
            self.statement.name, [squash(row.xpath("./td")[0].text_content()) for row in rows]
        )

        text, page = self.open_page(f"/my/rebates/agreements/{self.agreement.id}")
        self.assertChinese(
            text,
            [
                "阶梯",
                "本期",
                "起始业务量",
                "费率",
                "客户：",
                "有效期：",
                "结算频率：",
                "兑付方式：",
            ],
        )
        self.assertNotIn("This period", text)
        [box] = page.xpath("//div[contains(@class, 'o_rebate_agreement_page')]")
        content = squash(box.text_content())
        self.assertIn(progress, content)
        self.assertIn(squash(f"：业务量 {self.amount(volume)}"), content)

        statement = self.statement
        text, page = self.open_page(f"/my/rebates/statements/{statement.id}")
        self.assertChinese(
            text, ["期间：", "期末余额", "已达阶梯", "应付您的返利余额：", "签名并确认", "提出异议"]
        )
        self.assertNotIn("Still owed to you", text)
        [row] = page.xpath("//div[contains(@class, 'o_rebate_statement_page')]//tbody/tr")
        cells = [squash(cell.text_content()) for cell in row.xpath("./td")]
        self.assertEqual(cells[0], self.agreement.name)
        self.assertEqual(cells[1], self.amount(self.volume(statement.date_from, statement.date_to)))
        self.assertTrue(re.match(r"阶梯\d", cells[2]), cells[2])


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestRepSubmitsTheDraft(TransactionCase):
    def setUp(self):
        super().setUp()
        self.rep = self.env.ref(f"{DEMO}.user_rebate_rep_demo")
        self.manager = self.env.ref(f"{DEMO}.user_rebate_manager_demo")
        self.client = WebClient(self.env, self.rep, "rep")
        self.growth = self.env.ref(f"{DEMO}.agreement_huayuan_growth_demo").with_env(
            self.client.env
        )
        self.assertEqual(self.growth.title, "Growth bonus (negotiating)")
        self.assertEqual(self.growth.state, "draft")
        self.assertFalse(self.growth.signed_contract)

    def press(self, record, method):
        """Press the button of the record's form as the rep's client does (it must be
        visible to the rep); return what the server returned."""
        form = Form(record)
        values = self.client.record_values(form)
        node = next(
            (
                node
                for node in self.client.buttons(form._view["tree"])
                if node.get("name") == method and self.client.visible(node, values, record)
            ),
            None,
        )
        self.assertIsNotNone(node, f"the rep does not see {method} on {record.display_name}")
        # The web client sends the user's context (language, companies) with each call.
        context = dict(self.client.env.context)
        result = call_kw(record.browse(), method, [record.ids], {"context": context})
        self.env.cr.flush()
        record.invalidate_recordset()
        return result

    def refused(self, record, method):
        with self.env.cr.savepoint() as savepoint:
            with self.assertRaises(UserError) as refusal:
                self.press(record, method)
            savepoint.rollback()
        record.invalidate_recordset()
        return refusal.exception.args[0]

    def attach_contract(self):
        """Upload the signed PDF in the draft's form and save, as the binary widget does:
        it sets the file and its name (the field its `filename` attribute names, which the
        form keeps invisible) together."""
        form = Form(self.growth)
        [node] = form._view["tree"].xpath("//field[@name='signed_contract'][@filename]")
        filename_field = node.get("filename")
        self.assertEqual(filename_field, "signed_contract_filename")
        self.assertFalse(form._get_modifier(filename_field, "readonly"))
        form.signed_contract = SMALL_PDF
        form._values[filename_field] = "growth_bonus_signed.pdf"
        form._values._changed.add(filename_field)
        form.save()
        self.growth.invalidate_recordset()
        self.assertTrue(self.growth.signed_contract)
        self.assertEqual(self.growth.signed_contract_filename, "growth_bonus_signed.pdf")

    def assertSubmitted(self):
        growth = self.growth.sudo()
        self.assertEqual(growth.state, "to_approve")
        self.assertEqual(growth.submitted_by_id, self.rep)
        submission = growth.approval_ids.filtered(lambda line: line.decision == "submitted")
        self.assertEqual(submission.user_id, self.rep)

    def test_rep_attaches_the_signed_contract_and_submits(self):
        # The demo rep acknowledged the policy in force; the customer's due diligence holds.
        self.assertFalse(self.growth.rebate_policy_to_acknowledge_id)
        self.assertFalse(self.growth.rebate_due_diligence_warning)
        # Without the contract, a clear refusal in the rep's language, and nothing changes.
        message = self.refused(self.growth, "action_submit")
        self.assertIn(self.growth.name, message)
        self.assertIn("附上与客户签署的合同", message)
        self.assertEqual(self.growth.state, "draft")

        self.attach_contract()
        self.assertIs(self.press(self.growth, "action_submit"), True)
        self.assertSubmitted()

    def test_rep_acknowledges_a_new_policy_version_then_submits(self):
        # The manager publishes version 2 of the policy, as the manager does.
        manager_env = WebClient(self.env, self.manager, "manager").env
        current = self.env.ref("customer_rebate_audit.rebate_policy_v1_demo")
        policy_form = Form(manager_env["rebate.policy"])
        policy_form.name = current.name
        policy_form.body = "<p>Version 2: rebates only to customer companies.</p>"
        new_version = policy_form.save()
        new_version.action_publish()
        self.assertEqual(new_version.sudo().state, "published")

        self.attach_contract()
        self.growth.invalidate_recordset()
        self.assertEqual(self.growth.rebate_policy_to_acknowledge_id, new_version)
        message = self.refused(self.growth, "action_submit")
        self.assertIn("阅读并确认", message)
        self.assertIn(new_version.with_env(self.client.env).display_name, message)
        self.assertEqual(self.growth.state, "draft")

        # The rep opens the policy in force (Rebates > Audit > Policy) and acknowledges it.
        action = self.client.env["rebate.policy"].action_open_current()
        self.assertEqual(action["res_id"], new_version.id)
        self.press(new_version.with_env(self.client.env), "action_acknowledge")
        self.assertTrue(new_version.with_env(self.client.env).acknowledged_by_me)

        self.growth.invalidate_recordset()
        self.assertFalse(self.growth.rebate_policy_to_acknowledge_id)
        self.assertIs(self.press(self.growth, "action_submit"), True)
        self.assertSubmitted()
