{
    "name": "Customer Rebates",
    "summary": "Explicit customer rebate agreements, approval, accruals, settlement "
    "and portal statements",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "customer_rebate contributors",
    "license": "LGPL-3",
    "depends": ["sale_management", "account", "portal", "mail"],
    "data": [],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/res_users_demo.xml",
    ],
    "installable": True,
    "application": True,
}
