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
        # Controls, findings and campaigns
        "security/rebate_audit_controls_security.xml",
        "data/rebate_audit_controls_data.xml",
        "report/rebate_audit_campaign_report.xml",
        "views/rebate_audit_finding_views.xml",
        "views/rebate_control_views.xml",
        "views/rebate_audit_campaign_views.xml",
        # Policy acknowledgement and customer due diligence
        "security/customer_rebate_audit_policy_security.xml",
        "data/rebate_policy_data.xml",
        "views/rebate_policy_views.xml",
        "views/res_partner_due_diligence_views.xml",
        "views/rebate_agreement_policy_views.xml",
        "views/res_config_settings_due_diligence_views.xml",
        "views/rebate_policy_menus.xml",
        "views/rebate_audit_dashboard_views.xml",
        # The audit trail:
        "security/rebate_audit_trail_security.xml",
        "data/rebate_audit_trail_cron.xml",
        "views/rebate_audit_log_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "demo": [
        "demo/res_users_demo.xml",
        "demo/rebate_policy_demo.xml",
        "demo/rebate_audit_campaign_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_rebate_audit/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
