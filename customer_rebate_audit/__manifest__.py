{
    "name": "Customer Rebates: Audit",
    "summary": "Read-only auditor access, tamper-evident trail and control checks "
    "for customer rebates",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "customer_rebate contributors",
    "website": "https://github.com/customer-rebate/customer_rebate",
    "maintainers": ["customer-rebate"],
    "development_status": "Alpha",
    "license": "LGPL-3",
    "depends": ["customer_rebate"],
    "data": [
        "security/customer_rebate_audit_security.xml",
        "security/ir.model.access.csv",
        "views/audit_menus.xml",
        # The audit trail:
        "security/rebate_audit_trail_security.xml",
        "data/rebate_audit_trail_cron.xml",
        "views/rebate_audit_log_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "demo": [
        "demo/res_users_demo.xml",
    ],
    "installable": True,
}
