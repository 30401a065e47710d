"""The demo shows the product as most of its users run it: a Chinese company in CNY on
the Chinese chart of accounts, A4 paper, Simplified Chinese for its Chinese users and the
customer's portal user, and terms texts that say what the software does."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "customer_rebate_demo")
class TestDemoData(TransactionCase):
    def test_chinese_company_in_cny_on_a4(self):
        company = self.env.ref("customer_rebate.company_rebate_demo")
        self.assertEqual(company.chart_template, "cn")
        self.assertEqual(company.currency_id, self.env.ref("base.CNY"))
        self.assertEqual(company.paperformat_id, self.env.ref("base.paperformat_euro"))
        agreements = self.env["rebate.agreement"].search([])
        self.assertTrue(agreements)
        self.assertEqual(agreements.company_id, company)
        self.assertEqual(agreements.currency_id, self.env.ref("base.CNY"))
        # The accruals are booked on the Chinese chart: accrued rebates under 2241.
        liability = company._rebate_accounting()["liability"].with_company(company)
        self.assertTrue(liability.code.startswith("2241"), liability.code)

    def test_chinese_users_work_in_chinese(self):
        self.assertTrue(self.env["res.lang"]._lang_get("zh_CN").active)
        for xmlid in (
            "customer_rebate.user_rebate_rep_demo",
            "customer_rebate.user_rebate_accountant_demo",
            "customer_rebate.user_rebate_customer_demo",
        ):
            self.assertEqual(self.env.ref(xmlid).lang, "zh_CN", xmlid)
        # Translations are loaded: the app's menu reads in Chinese for them.
        menu = self.env.ref("customer_rebate.menu_rebate_root").with_context(lang="zh_CN")
        self.assertEqual(menu.name, "返利")

    def test_terms_text_says_what_the_software_does(self):
        agreement = self.env.ref("customer_rebate.agreement_huayuan_demo")
        self.assertEqual(agreement.settlement_frequency, "quarterly")
        self.assertIn("each calendar quarter", str(agreement.terms))
        self.assertNotIn("calendar year:", str(agreement.terms))
