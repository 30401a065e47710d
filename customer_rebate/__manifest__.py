{
    "name": "Customer Rebates",
    "summary": "Explicit customer rebate agreements, approval, accruals, settlement "
    "and portal statements",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "customer_rebate contributors",
    "license": "LGPL-3",
    "depends": ["sale_management", "account", "portal", "mail"],
    "data": [
        "security/customer_rebate_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "views/rebate_agreement_views.xml",
        "views/rebate_entry_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/rebate_agreement_wizard_views.xml",
        "wizards/rebate_accrual_recompute_wizard_views.xml",
        "views/rebate_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/res_users_demo.xml",
        "demo/rebate_agreement_demo.xml",
        "demo/account_move_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_rebate/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": True,
}
