"""The statement PDF (对账单) as wkhtmltopdf prints it: the issuing company's letterhead on
every page, the company's paper size, text that can be selected and searched (Chinese too),
and the same document whether or not the server can fetch its own web assets.

The PDF is read back with poppler's pdftotext, pdfinfo and pdfimages, as a person's PDF
reader sees it. An HttpCase: Odoo's report assets (and their web fonts) load from the test
server, as they do in production."""

import base64
import io
import socket
import subprocess
import tempfile
from datetime import date

from PIL import Image

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_amount

from .common import RebateAccountingCase, audit_installed, auditor_groups

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
REPORT = "customer_rebate.action_report_rebate_statement"
# 80 units at 10.00, below the 1,000 threshold: tier 1, 2 %.
QUANTITY, PRICE, RATE = 80, 10.0, 2.0


def _words(text):
    """Text with every run of spaces (non-breaking ones too) made one space."""
    return " ".join(text.replace("\N{NO-BREAK SPACE}", " ").split())


def _poppler(tool, pdf, *args):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            [tool, *args, file.name, *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def pdf_text(pdf, page=None):
    """What a reader selects and copies: the whole document, or one page (1-based)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    # -layout keeps each printed line together (a label and its amount).
    return _words(_poppler("pdftotext", pdf, "-layout", *pages))


def pdf_info(pdf):
    info = {}
    for line in _poppler("pdfinfo", pdf).splitlines():
        key, _sep, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_fonts(pdf):
    """The names of the fonts the PDF embeds (its text, not drawn outlines, uses them)."""
    lines = _poppler("pdffonts", pdf).splitlines()[2:]
    return {line.split()[0] for line in lines if line.strip()}


def pdf_image_pages(pdf):
    """The pages (1-based) on which the PDF draws an image."""
    lines = _poppler("pdfimages", pdf, "-list").splitlines()[2:]
    return {int(line.split()[0]) for line in lines if line.strip()}


def png_logo():
    """A small logo, as a company's logo field holds it."""
    image = Image.new("RGB", (120, 48), (200, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


@tagged("post_install", "-at_install", "customer_rebate")
class TestRebateStatementPdf(HttpCase, RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "name": "Zhejiang Rebate Issuer Co., Ltd.",
                "street": "100 Wensan Road",
                "city": "Hangzhou",
                "zip": "310000",
                "country_id": cls.env.ref("base.cn").id,
                "vat": "91330106MA2B3C4D5E",
                "paperformat_id": cls.env.ref("base.paperformat_euro").id,
            }
        )
        cls.customer.vat = "91310115MA1H2J3K4L"

    def statement_for(self, customer=None, agreements=1):
        """The real flow: approved agreements, a posted invoice, the statement job."""
        customer = customer or self.customer
        for _index in range(agreements):
            self.approved_agreement(tier_ids=TIERS, partner_id=customer.id)
        contact = customer.child_ids[:1] or customer
        self.invoice([(self.product, QUANTITY, PRICE)], date(2027, 1, 10), partner=contact)
        return self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31), customer.ids
        )

    def render(self, statements, user=None):
        report = self.env["ir.actions.report"]
        if user:
            report = report.with_user(user)
        pdf, report_format = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            REPORT, statements.ids
        )
        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf

    def expected_amount(self, agreements=1, lang=None):
        """The rebate the invoice earns, as the statement prints it."""
        amount = QUANTITY * PRICE * RATE / 100 * agreements
        return amount, _words(format_amount(self.env, amount, self.company.currency_id, lang))

    # ------------------------------------------------------------------ one statement

    def test_statement_names_issuer_and_customer_on_a4(self):
        statement = self.statement_for()
        amount, printed_amount = self.expected_amount()
        self.assertEqual(statement.closing_balance, amount)
        self.assertEqual(statement.book_balance, amount, "the books agree with the statement")
        pdf = self.render(statement)
        text = pdf_text(pdf)
        # The letterhead: printed in the body, as Debian's wkhtmltopdf drops Odoo's header.
        for letterhead in (
            "Zhejiang Rebate Issuer Co., Ltd.",
            "100 Wensan Road",
            "Unified Social Credit Code: 91330106MA2B3C4D5E",
        ):
            self.assertIn(letterhead, text)
        self.assertIn("Hangzhou Test Customer Co., Ltd.", text)
        self.assertIn("91310115MA1H2J3K4L", text)
        self.assertIn(statement.name, text)
        self.assertIn(f"Total still owed to you {printed_amount}", text)
        self.assertIn("Page 1 / 1", text)
        info = pdf_info(pdf)
        self.assertEqual(info["Pages"], "1")
        self.assertIn("(A4)", info["Page size"])

    def test_letter_company_prints_on_letter(self):
        """The paper follows the company's setting; nothing forces a size."""
        self.company.paperformat_id = self.env.ref("base.paperformat_us")
        pdf = self.render(self.statement_for())
        self.assertIn("(letter)", pdf_info(pdf)["Page size"])
        self.assertIn("Zhejiang Rebate Issuer Co., Ltd.", pdf_text(pdf))

    def test_paper_of_the_issuing_company_whichever_company_prints(self):
        """A user working in a Letter company prints the A4 company's statement on A4."""
        statement = self.statement_for()
        letter = self.env["res.company"].create(
            {"name": "Rebate US Office", "paperformat_id": self.env.ref("base.paperformat_us").id}
        )
        self.accountant.write({"company_ids": [(4, letter.id)], "company_id": letter.id})
        report = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            .with_context(allowed_company_ids=[letter.id, self.company.id])
        )
        self.assertEqual(report.env.company, letter)
        pdf, _format = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            REPORT, statement.ids
        )
        self.assertIn("(A4)", pdf_info(pdf)["Page size"])

    def test_chinese_names_and_labels_are_text(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate"], ["zh_CN"])
        self.company.name = "杭州测试贸易有限公司"
        self.customer.write({"name": "上海测试客户有限公司", "lang": "zh_CN"})
        self.approved_agreement(tier_ids=TIERS, title="年度返利")
        self.invoice([(self.product, QUANTITY, PRICE)], date(2027, 1, 10))
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31), self.customer.ids
        )
        _amount, printed_amount = self.expected_amount(lang="zh_CN")
        pdf = self.render(statement)
        text = pdf_text(pdf)
        for chinese in ("杭州测试贸易有限公司", "上海测试客户有限公司", "年度返利"):
            self.assertIn(chinese, text)
        # The customer's language: the title and the columns in Chinese.
        self.assertIn("返利对账单", text)
        self.assertIn("期末余额", text)
        self.assertIn(printed_amount, text)
        self.assertIn("(A4)", pdf_info(pdf)["Page size"])

    # ------------------------------------------------------------------ pages

    def test_letterhead_on_every_page_of_a_long_statement(self):
        """Thirteen agreements: the lines go on two pages, each under the letterhead, logo
        included."""
        self.company.logo = png_logo()
        statement = self.statement_for(agreements=13)
        self.assertEqual(len(statement.line_ids), 13)
        _amount, printed_total = self.expected_amount(agreements=13)
        pdf = self.render(statement)
        self.assertEqual(pdf_info(pdf)["Pages"], "2")
        for page in (1, 2):
            text = pdf_text(pdf, page)
            self.assertIn("Zhejiang Rebate Issuer Co., Ltd.", text)
            self.assertIn("91330106MA2B3C4D5E", text)
            self.assertIn(statement.name, text)
            self.assertIn(f"Page {page} / 2", text)
            self.assertIn("Hangzhou Test Customer Co., Ltd.", text)
        self.assertEqual(pdf_image_pages(pdf), {1, 2}, "the issuer's logo on every page")
        self.assertNotIn("Total still owed to you", pdf_text(pdf, 1))
        self.assertIn(f"Total still owed to you {printed_total}", pdf_text(pdf, 2))
        agreements = statement.line_ids.agreement_id
        self.assertEqual(
            sum(pdf_text(pdf).count(name) for name in agreements.mapped("name")),
            13,
            "every line printed once",
        )

    def test_several_statements_print_in_one_document(self):
        """Printed together (one input document, which the unpatched wkhtmltopdf requires),
        each statement starts on its own page under the letterhead."""
        other = self.env["res.partner"].create(
            {"name": "Ningbo Second Customer Co., Ltd.", "is_company": True}
        )
        statements = self.statement_for() | self.statement_for(other)
        self.assertEqual(len(statements), 2)
        pdf = self.render(statements)
        self.assertEqual(pdf_info(pdf)["Pages"], "2")
        for page, statement in enumerate(statements, start=1):
            text = pdf_text(pdf, page)
            self.assertIn("Zhejiang Rebate Issuer Co., Ltd.", text)
            self.assertIn(statement.partner_id.name, text)
            self.assertIn(statement.name, text)

    # ------------------------------------------------------------------ web assets

    def test_same_document_when_the_assets_cannot_be_fetched(self):
        """The first statement mailed before an admin login: web.base.url pointed at no
        server. The letterhead, the figures and the fonts do not depend on Odoo's assets."""
        statement = self.statement_for()
        with_assets = self.render(statement)
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"
        self.env["ir.config_parameter"].set_param("report.url", nowhere)
        without_assets = self.render(statement)
        self.assertEqual(pdf_text(without_assets), pdf_text(with_assets))
        self.assertEqual(pdf_fonts(without_assets), pdf_fonts(with_assets))
        self.assertTrue(pdf_fonts(with_assets), "text, not drawn outlines")

    # ------------------------------------------------------------------ Print button

    def test_print_button_for_every_internal_reader(self):
        """Sales reps, finance and the auditors (read-only) print the statement from its
        form; the button runs the report, as each of them."""
        statement = self.statement_for()
        report = self.env.ref(REPORT)
        readers = [self.rep, self.accountant, self.manager]
        # The auditor's group comes with customer_rebate_audit.
        if audit_installed(self.env):
            readers.append(
                new_test_user(self.env, "test.rebate.pdf.auditor", groups=auditor_groups(self.env))
            )
        for user in readers:
            with self.subTest(user=user.login):
                arch = (
                    self.env["rebate.statement"]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertIn(f'name="{report.id}"', arch)
                self.assertIn('string="Print"', arch)
        pdf = self.render(statement, user=readers[-1])
        self.assertIn("Zhejiang Rebate Issuer Co., Ltd.", pdf_text(pdf))
        self.assertIn("Hangzhou Test Customer Co., Ltd.", pdf_text(pdf))
