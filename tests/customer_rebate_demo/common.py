"""The demo database a day later, and the roles that use it.

The suite runs on a database installed with the demo data (`make test` builds
`rebate_test_demo`). Before the tests, the daily jobs run as they would overnight
(settlements of the ended quarters, the month's statements) and the users do what they do
on a first day, through the same buttons: finance posts the first settlement and confirms
the second, the customer disputes the statement in the portal, a sales rep's agreement of
last year is amended, approved again and expires, another is withdrawn. With the audit
addon, the auditor drafts a campaign and signs another off, findings are taken up,
resolved, closed or their risk accepted, and a second policy version is published,
acknowledged and a third drafted. So every form is met in most of its states."""

import base64
import os
from datetime import date

from odoo.tests import TransactionCase

from .webclient import WebClient

# role: (xml id of the demo user, read-only role)
ROLES = {
    "rep": ("customer_rebate.user_rebate_rep_demo", False),
    "manager": ("customer_rebate.user_rebate_manager_demo", False),
    "accountant": ("customer_rebate.user_rebate_accountant_demo", False),
    "auditor": ("customer_rebate_audit.user_rebate_auditor_demo", True),
    "admin": ("base.user_admin", False),
    "employee": ("base.user_demo", True),
    "portal": ("customer_rebate.user_rebate_customer_demo", True),
}
# What a read-only role may still write: the auditor's own work (the chain verifications
# it runs, the control checks it runs and their last run, the campaigns it samples, checks
# and signs off, the findings it records, with their chatter, followers, activities and
# the notifications to the responsible persons), never business data.
OWN_WORK_TABLES = {
    "auditor": {
        "rebate_audit_chain_check",
        "rebate_control",
        "rebate_audit_campaign",
        "rebate_audit_campaign_item",
        "rebate_audit_finding",
        "mail_message",
        "mail_tracking_value",
        "mail_followers",
        "mail_followers_mail_message_subtype_rel",
        "mail_activity",
        "mail_mail",
        "mail_mail_res_partner_rel",
        "mail_message_res_partner_rel",
        "mail_notification",
    },
}
# Roles that reach the app through its menus (the others get to it only by URL or RPC).
MENU_ROLES = ("rep", "manager", "accountant", "auditor", "admin")
ROOT_MENU = "customer_rebate.menu_rebate_root"


class DemoUiCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {role: cls.env.ref(xmlid) for role, (xmlid, _ro) in ROLES.items()}
        cls._a_day_later()
        cls.rebate_actions = cls._rebate_menu_actions()

    @classmethod
    def _a_day_later(cls):
        env = cls.env
        rep, manager = cls.users["rep"], cls.users["manager"]
        accountant, customer = cls.users["accountant"], cls.users["portal"]
        Agreement = env["rebate.agreement"]
        year = date.today().year - 1

        def agreement_vals(title, first_day, last_day):
            return {
                "title": title,
                "partner_id": env.ref("customer_rebate.partner_jiahe_demo").id,
                "date_start": first_day,
                "date_end": last_day,
                "calculation_method": "flat",
                "basis": "amount",
                "settlement_frequency": "yearly",
                "payout_method": "balance",
                "estimated_yearly_amount": 100000.0,
                "signed_contract": base64.b64encode(b"%PDF-1.4 signed"),
                "signed_contract_filename": "contract.pdf",
                "tier_ids": [(0, 0, {"threshold": 0.0, "rate": 1.5})],
            }

        last_year = Agreement.with_user(rep).create(
            agreement_vals("Last year's listing rebate", date(year, 1, 1), date(year, 12, 31))
        )
        last_year.action_submit()
        last_year.with_user(manager).action_approve()
        last_year.action_amend()
        last_year.action_submit()
        last_year.with_user(manager).action_approve()
        withdrawn = Agreement.with_user(rep).create(
            agreement_vals("Withdrawn offer", date(year + 1, 7, 1), date(year + 1, 12, 31))
        )
        withdrawn.action_cancel()

        # The nightly jobs, as the system runs them.
        Agreement.sudo()._cron_expire_agreements()
        Agreement.sudo()._cron_settle_periods()
        env["rebate.statement"].sudo()._cron_generate_statements()

        settlements = env["rebate.settlement"].search(
            [("agreement_id", "=", env.ref("customer_rebate.agreement_huayuan_demo").id)],
            order="id",
        )
        settlements[0].with_user(accountant).action_confirm()
        settlements[0].with_user(accountant).action_post()
        settlements[1].with_user(accountant).action_confirm()
        sent = env["rebate.statement"].search([("state", "=", "sent")], limit=1)
        sent.with_user(customer)._portal_dispute("The February credit note is missing.")
        # What each of those requests ran before its commit (tracking, among others).
        env.cr.flush()
        cls._audit_a_day_later()

    @classmethod
    def _audit_a_day_later(cls):
        """The audit addon's records in their other states (the demo has one campaign in
        progress, open findings and one published policy version)."""
        env = cls.env
        if "rebate.audit.campaign" not in env:
            return
        auditor, manager = cls.users["auditor"], cls.users["manager"]
        accountant = cls.users["accountant"]
        company = env.ref("customer_rebate.company_rebate_demo")
        year = date.today().year
        Campaign = env["rebate.audit.campaign"].with_user(auditor)
        # A campaign being prepared, and last year's and this year's ledger audited.
        Campaign.create(
            {
                "name": "Next quarter's payouts",
                "company_id": company.id,
                "date_from": date(year, 1, 1),
                "date_to": date(year, 12, 31),
                "population": "settlement",
                "sample_size": 3,
            }
        )
        signed = Campaign.create(
            {
                "name": "Ledger review, largest entries",
                "company_id": company.id,
                "date_from": date(year - 1, 1, 1),
                "date_to": date(year, 12, 31),
                "population": "entry",
                "sampling_method": "largest",
                "sample_size": 2,
                "conclusion": "No exception beyond the findings recorded.",
            }
        )
        signed.action_draw_sample()
        signed.action_start()
        signed.action_auto_check()
        signed.action_sign_off()

        # Findings: taken up, resolved, closed, risk accepted.
        Finding = env["rebate.audit.finding"]
        env.ref("customer_rebate_audit.finding_statement_demo").with_user(accountant).action_start()
        resolved = env.ref("customer_rebate_audit.finding_contract_copy_demo").with_user(manager)
        resolved.corrective_action = "The customer sends the sealed copy this week."
        resolved.action_resolve()
        from_controls = Finding.search([("control_id", "!=", False)], order="id")
        if len(from_controls) >= 2:
            accepted = from_controls[0].with_user(auditor)
            accepted.resolution_note = "Known and documented: the agreement was approved since."
            accepted.action_accept_risk()
            closed = from_controls[1]
            closed.with_user(auditor).user_id = accountant
            closed.with_user(accountant).corrective_action = "Corrected by an adjustment."
            closed.with_user(accountant).action_resolve()
            closed.with_user(auditor).action_close()

        # Policy: version 2 published (version 1 superseded) and acknowledged, version 3
        # drafted.
        Policy = env["rebate.policy"].with_user(manager)
        second = Policy.create(
            {"company_id": company.id, "body": "<p>Rebates go to customer companies only.</p>"}
        )
        second.action_publish()
        for user in (cls.users["rep"], manager, accountant):
            second.with_user(user).action_acknowledge()
        Policy.create({"company_id": company.id, "body": "<p>Draft of the next version.</p>"})
        env.cr.flush()

    @classmethod
    def _rebate_menu_actions(cls):
        """(menu path, action id) of every menu of the Rebates app, as the administrator
        sees them (the one role that sees them all)."""
        menus = cls.env["ir.ui.menu"].with_user(cls.users["admin"]).load_menus(False)
        root = cls.env.ref(ROOT_MENU).id
        found = []

        def walk(menu_id, path):
            menu = menus[menu_id]
            path = f"{path} > {menu['name']}" if path else menu["name"]
            if menu.get("action_id"):
                found.append((path, menu["action_id"]))
            for child in menu["children"]:
                walk(child, path)

        walk(root, "")
        return found

    def client(self, role):
        xmlid, readonly = ROLES[role]
        return WebClient(
            self.env,
            self.env.ref(xmlid),
            role,
            readonly_role=readonly,
            own_tables=OWN_WORK_TABLES.get(role, ()),
        )

    def assertNoProblem(self, client, what):
        """Fail with every problem met, not only the first one."""
        outcome = client.outcome
        report = os.environ.get("REBATE_UI_REPORT")
        if report:
            # Which buttons and fields the server refuses, for whoever reviews the UI.
            with open(report, "a", encoding="utf-8") as file:
                file.write(f"## {client.role}: {outcome.count} {what}\n")
                file.writelines(f"passed: {w} :: {x}\n" for w, x in outcome.passed)
                file.writelines(f"refused: {w} :: {x} :: {e}\n" for w, x, e in outcome.refusals)
                file.writelines(f"PROBLEM: {p}\n" for p in outcome.problems)
        if outcome.problems:
            self.fail(
                f"{len(outcome.problems)} problem(s) out of {outcome.count} {what} as "
                f"{client.role}:\n{outcome.report()}"
            )
