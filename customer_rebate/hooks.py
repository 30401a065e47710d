def post_init_hook(env):
    """Companies whose chart of accounts was loaded before the addon was installed get the
    rebate journal and accounts from the same chart-template data a chart loaded later
    brings (see account.chart.template)."""
    Chart = env["account.chart.template"]
    for company in env["res.company"].search(
        [("chart_template", "!=", False)], order="parent_path"
    ):
        Chart._load_rebate_accounting(company)
