import io
from datetime import timedelta

from PyPDF2 import PdfReader

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.customer_rebate.tools import guard

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestRebatePortal(HttpCase, RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.portal_user = new_test_user(
            cls.env,
            "rebate.portal.customer",
            password="rebate.portal.customer",
            groups="base.group_portal",
            name="Wang Fang",
            partner_id=cls.customer_contact.id,
        )
        cls.agreement = cls.create_agreement(
            title="Portal volume rebate",
            tier_ids=TIERS,
            date_start=today - timedelta(days=400),
            date_end=today + timedelta(days=400),
            settlement_frequency="end",
        )
        cls.agreement.action_submit()
        cls.agreement.with_user(cls.manager).action_approve()
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer Co", "is_company": True}
        )
        cls.other_agreement = cls.create_agreement(
            title="Someone else's rebate",
            partner_id=cls.other_customer.id,
            date_start=today - timedelta(days=400),
            date_end=today + timedelta(days=400),
        )
        cls.other_agreement.action_submit()
        cls.other_agreement.with_user(cls.manager).action_approve()

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        self.invoice([(self.product, 80, 10.0)], today)
        self.statement = (
            self.env["rebate.statement"]
            ._generate_statements(today - timedelta(days=30), today)
            .filtered(lambda s: s.partner_id == self.customer)
        )
        self.statement.with_user(self.accountant).action_send()

    def test_agreement_progress_tour(self):
        self.start_tour("/my/rebates", "rebate_portal_agreement_tour", login=self.portal_user.login)

    def test_confirm_statement_tour_and_pdf(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open(self.statement.get_portal_url(report_type="pdf", download=True))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.start_tour("/my/rebates", "rebate_portal_confirm_tour", login=self.portal_user.login)
        self.assertEqual(self.statement.state, "confirmed")
        self.assertEqual(self.statement.confirmed_by_id, self.portal_user)
        self.assertEqual(self.statement.signed_by, "Wang Fang")
        self.assertTrue(self.statement.signature)
        self.assertTrue(self.statement.confirmed_date)

    def test_dispute_statement_tour(self):
        self.start_tour("/my/rebates", "rebate_portal_dispute_tour", login=self.portal_user.login)
        self.assertEqual(self.statement.state, "disputed")
        self.assertEqual(self.statement.dispute_comment, "Invoice INV-42 is missing")
        self.assertEqual(self.statement.activity_ids.user_id, self.rep)
        self.assertTrue(
            self.statement.message_ids.filtered(lambda message: "INV-42" in (message.body or ""))
        )
        self.statement.with_user(self.rep).action_resolve(note="INV-42 is in next quarter.")
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(self.statement.get_portal_url())
        self.assertIn(b"INV-42 is in next quarter.", page.content)

    def test_other_customers_documents_show_nothing(self):
        with guard.internal_writes("rebate.statement"):
            other_statement = self.env["rebate.statement"].create(
                {
                    "partner_id": self.other_customer.id,
                    "date_from": fields.Date.today() - timedelta(days=30),
                    "date_to": fields.Date.today(),
                    "state": "sent",
                }
            )
        self.authenticate(self.portal_user.login, self.portal_user.login)
        for url in (
            f"/my/rebates/agreements/{self.other_agreement.id}",
            f"/my/rebates/agreements/{self.other_agreement.id}?access_token=wrong",
            f"/my/rebates/statements/{other_statement.id}",
            f"/my/rebates/statements/{other_statement.id}?access_token=wrong",
            f"/my/rebates/statements/{other_statement.id}?report_type=pdf&access_token=wrong",
        ):
            response = self.url_open(url)
            self.assertNotIn(b"Someone else", response.content, url)
            self.assertNotIn(other_statement.name.encode(), response.content, url)
            self.assertTrue(response.url.endswith("/my"), url)
        listing = self.url_open("/my/rebates").content
        self.assertIn(b"Portal volume rebate", listing)
        self.assertNotIn(b"Someone else", listing)

    def test_home_counters(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["rebate_agreement_count", "rebate_statement_count"]}
        )
        self.assertEqual(response, {"rebate_agreement_count": 1, "rebate_statement_count": 1})

    def test_posts_need_the_csrf_token(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open(
            f"/my/rebates/statements/{self.statement.id}/dispute",
            data={"comment": "Forged from another site"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.statement.state, "sent")

    def test_draft_statements_stay_private(self):
        today = fields.Date.today()
        draft = self.env["rebate.statement"]._generate_statements(
            today + timedelta(days=1), today + timedelta(days=30), self.customer.ids
        )
        self.assertEqual(draft.state, "draft")
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.url_open(draft.get_portal_url())
        self.assertTrue(response.url.endswith("/my"))

    def test_list_follows_the_record_rules_and_pages_link_prev_next(self):
        """The portal lists what the portal record rules let the customer's user read, with
        no domain of its own (issue 11), and a statement page links to the next one of the
        list it came from (the session history)."""
        today = fields.Date.today()
        self.invoice([(self.product, 10, 10.0)], today - timedelta(days=40))
        older = (
            self.env["rebate.statement"]
            ._generate_statements(today - timedelta(days=70), today - timedelta(days=31))
            .filtered(lambda s: s.partner_id == self.customer)
        )
        older.with_user(self.accountant).action_send()
        draft = (
            self.env["rebate.statement"]
            ._generate_statements(today - timedelta(days=100), today - timedelta(days=71))
            .filtered(lambda s: s.partner_id == self.customer)
        )
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open("/my/rebates").text
        self.assertIn(self.agreement.name, page)
        self.assertNotIn(self.other_agreement.name, page)
        self.assertIn(self.statement.name, page)
        self.assertIn(older.name, page)
        if draft:
            self.assertNotIn(draft.name, page, "a draft statement is not shown to the customer")
        statements = self.env["rebate.statement"].search(
            [("partner_id", "=", self.customer.id), ("state", "!=", "draft")]
        )
        first = statements[:1]
        second = statements[1:2]
        detail = self.url_open(first.get_portal_url()).text
        self.assertIn(f"/my/rebates/statements/{second.id}", detail)


@tagged("post_install", "-at_install", "customer_rebate")
class TestStatementPdf(HttpCase, RebateAccountingCase):
    def test_pdf_renders_chinese_text(self):
        self.customer.name = "杭州测试客户有限公司"
        self.approved_agreement(tier_ids=TIERS, title="年度返利")
        self.invoice([(self.product, 80, 10.0)], fields.Date.to_date("2027-01-10"))
        statement = self.env["rebate.statement"]._generate_statements(
            fields.Date.to_date("2027-01-01"), fields.Date.to_date("2027-01-31")
        )
        pdf, report_format = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("customer_rebate.action_report_rebate_statement", statement.ids)
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        self.assertIn(statement.name, text)
        self.assertIn("杭州测试客户有限公司", text)
