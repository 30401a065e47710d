def post_init_hook(env):
    """Create the rebate journal and accounts of every company that has a chart of
    accounts; companies without one get them when their first rebate is accrued."""
    env["res.company"].search([("chart_template", "!=", False)])._setup_rebate_accounting()
