import base64

from odoo import api, models
from odoo.tools.misc import file_open

DEMO_COMPANY_XMLID = "customer_rebate.company_rebate_demo"


class RebateDemo(models.AbstractModel):
    """Demo data only (called from `demo/res_company_demo.xml`): the rebates of a Chinese
    company, as most users of this addon are — in CNY, on the Chinese chart of accounts
    when `l10n_cn` is installed, A4 paper, with Simplified Chinese loaded for its users."""

    _name = "rebate.demo"
    _description = "Customer Rebate Demo Data"

    @api.model
    def _setup_company(self):
        if self.env.ref(DEMO_COMPANY_XMLID, raise_if_not_found=False):
            return
        cny = self.env.ref("base.CNY").with_context(active_test=False)
        cny.active = True
        Chart = self.env["account.chart.template"]
        if "cn" in Chart._get_chart_template_mapping():
            with file_open("customer_rebate/demo/company_logo_demo.png", "rb") as stream:
                logo = base64.b64encode(stream.read())
            company = self.env["res.company"].create(
                {
                    "name": "上海示范饮品有限公司 (Shanghai Demo Beverages Co., Ltd.)",
                    "currency_id": cny.id,
                    "country_id": self.env.ref("base.cn").id,
                    "street": "浦东新区世纪大道 100 号",
                    "city": "上海",
                    "zip": "200120",
                    "vat": "91310115MA1K4DEMO8",
                    "phone": "+86 21 6888 0000",
                    "email": "finance@demo-beverages.example.com",
                    "paperformat_id": self.env.ref("base.paperformat_euro").id,
                    # Its letterhead on statements, its logo in the portal.
                    "logo": logo,
                }
            )
            Chart.try_loading("cn", company, install_demo=False)
        else:
            # Without the Chinese chart: the main company, as it is.
            company = self.env.ref("base.main_company")
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": DEMO_COMPANY_XMLID, "record": company, "noupdate": True}]
        )
        # The administrator may switch to it.
        self.env.ref("base.user_admin").company_ids = [(4, company.id)]
        # Simplified Chinese for the demo users and the customer portal.
        self.env["res.lang"]._activate_lang("zh_CN")
        installed = self.env["ir.module.module"].search(
            [("state", "in", ("installed", "to install", "to upgrade"))]
        )
        installed._update_translations(filter_lang=["zh_CN"])
        if company != self.env.ref("base.main_company"):
            # The Chinese company keeps its books in Chinese (journal entry references).
            company.partner_id.lang = "zh_CN"
