from odoo import _, models

from odoo.addons.account.models.chart_template import template

# Where the rebate accounts sit in a chart, by chart family: Chinese accounting standards
# (l10n_cn: 2241 other payables, 6001 main operating revenue, 6601 selling expenses, 2203
# advances from customers), else the generic chart's ranges.
ACCOUNT_CODE_PREFIXES = {
    "cn": {"liability": "2241", "revenue": "6001", "expense": "6601", "balance": "2203"},
    None: {"liability": "2180", "revenue": "4190", "expense": "6190", "balance": "2181"},
}

# (company field, kind, template xml id)
REBATE_ACCOUNTS = (
    ("rebate_liability_account_id", "liability", "customer_rebate_liability"),
    ("rebate_revenue_account_id", "revenue", "customer_rebate_revenue"),
    ("rebate_expense_account_id", "expense", "customer_rebate_expense"),
    ("rebate_balance_account_id", "balance", "customer_rebate_balance"),
)
REBATE_JOURNAL = "customer_rebate_journal"


class AccountChartTemplate(models.AbstractModel):
    """The rebate journal and accounts are part of every chart of accounts a company loads
    (as stock_account adds its valuation journal); companies whose chart was loaded before
    the addon was installed get them from the post-init hook, through the same data."""

    _inherit = "account.chart.template"

    def _rebate_account_codes(self, template_code):
        """{kind: code}: the first free code under each kind's prefix, counting down from 99,
        free in the chart's own accounts and in the company's existing ones."""
        prefixes = ACCOUNT_CODE_PREFIXES.get(
            (template_code or "").split("_")[0], ACCOUNT_CODE_PREFIXES[None]
        )
        digits = int(self._rebate_chart_data(template_code, "template_data").get("code_digits", 6))
        chart_codes = {
            str(values.get("code", "")).ljust(digits, "0")
            for values in self._rebate_chart_data(template_code, "account.account").values()
        }
        company = self.env.company
        existing = (
            self.env["account.account"]
            .with_company(company)
            .sudo()
            .search_fetch([("company_ids", "in", company.ids)], ["code"])
        )
        taken = chart_codes | {(account.code or "").ljust(digits, "0") for account in existing}
        codes = {}
        for kind, prefix in prefixes.items():
            length = max(digits, len(prefix) + 2)
            for number in range(99, 0, -1):
                code = f"{prefix}{str(number).zfill(length - len(prefix))}"
                if code not in taken:
                    codes[kind] = code
                    taken.add(code)
                    break
        return codes

    def _rebate_chart_data(self, template_code, model):
        """The chart's own data for a model, without this addon's additions (which need it:
        calling _get_chart_template_data from them would recurse)."""
        data = {}
        for code in [None, *self._get_parent_template(template_code)]:
            for func in self._template_register[code].get(model, []):
                if func._module == "customer_rebate":
                    continue
                for key, values in (func(self, template_code) or {}).items():
                    if model == "template_data":
                        data[key] = values
                    else:
                        data.setdefault(key, {}).update(values)
        return data

    @template(model="account.journal")
    def _get_customer_rebate_account_journal(self, template_code):
        return {
            REBATE_JOURNAL: {
                "name": _("Rebate Accruals"),
                "code": "RBT",
                "type": "general",
                # After Miscellaneous: never the default journal of a manual entry (it
                # takes the engine's entries only).
                "sequence": 90,
                "show_on_dashboard": False,
            }
        }

    @template(model="account.account")
    def _get_customer_rebate_account_account(self, template_code):
        codes = self._rebate_account_codes(template_code)
        names = {
            "liability": (_("Accrued Customer Rebates"), "liability_current", True),
            "revenue": (_("Sales Rebates (Revenue Reduction)"), "income", False),
            "expense": (_("Customer Rebate Expense"), "expense", False),
            "balance": (_("Customer Rebate Balances"), "liability_current", True),
        }
        data = {}
        for _field, kind, xmlid in REBATE_ACCOUNTS:
            name, account_type, reconcile = names[kind]
            data[xmlid] = {
                "name": name,
                "code": codes[kind],
                "account_type": account_type,
                "reconcile": reconcile,
            }
        return data

    @template(model="res.company")
    def _get_customer_rebate_res_company(self, template_code):
        return {
            self.env.company.id: {
                "rebate_journal_id": REBATE_JOURNAL,
                **{field: xmlid for field, _kind, xmlid in REBATE_ACCOUNTS},
            }
        }

    def _load_rebate_accounting(self, company):
        """Give a company whose chart is already loaded the rebate journal and accounts it
        lacks, from the template data above (the post-init hook; a company whose chart is
        loaded later gets them from the template hooks)."""
        chart = self.with_company(company).sudo()
        template_code = company.chart_template
        data = {"res.company": {company.id: {}}}
        journal = company.rebate_journal_id
        if not journal:
            data["account.journal"] = chart._get_customer_rebate_account_journal(template_code)
            existing = self.env["account.journal"].search(
                [("code", "=", "RBT"), ("company_id", "=", company.id)], limit=1
            )
            if existing:
                free_code = company._rebate_free_journal_code()
                data["account.journal"][REBATE_JOURNAL]["code"] = free_code
            data["res.company"][company.id]["rebate_journal_id"] = REBATE_JOURNAL
        accounts = chart._get_customer_rebate_account_account(template_code)
        data["account.account"] = {}
        for field, _kind, xmlid in REBATE_ACCOUNTS:
            if not company[field]:
                data["account.account"][xmlid] = accounts[xmlid]
                data["res.company"][company.id][field] = xmlid
        if data["res.company"][company.id]:
            chart._load_data(data)
