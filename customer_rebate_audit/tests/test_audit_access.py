"""Who may do what with findings, controls and campaigns, over real RPC; and the auditor
still changes no business data."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.customer_rebate.tests.rpc import RebateRpcCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0})]


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditAccess(RebateRpcCase):
    def posted_settlement(self):
        agreement = self.approved_agreement(tier_ids=TIERS, calculation_method="flat")
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(self.accountant).action_settle()
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        return agreement, settlement

    def finding_vals(self, **vals):
        return {"title": "Missing seal", "description": "The contract lacks the seal.", **vals}

    def test_auditor_changes_no_business_data_but_records_findings(self):
        agreement, settlement = self.posted_settlement()
        entry = self.ledger(agreement)[:1]
        for _name, call in self.both():
            self.assertRefused(
                call,
                self.auditor,
                "rebate.agreement",
                "write",
                [agreement.id],
                {"title": "audited"},
                unchanged=lambda: agreement.read(["title", "state"]),
            )
            self.assertRefused(
                call,
                self.auditor,
                "rebate.settlement",
                "write",
                [settlement.id],
                {"payout_method": "balance"},
                unchanged=lambda: settlement.read(["payout_method", "state"]),
            )
            self.assertRefused(
                call,
                self.auditor,
                "rebate.entry",
                "write",
                [entry.id],
                {"amount": 1.0},
                unchanged=lambda: entry.read(["amount"]),
            )
            self.assertRefused(
                call,
                self.auditor,
                "rebate.entry",
                "create",
                {
                    "agreement_id": agreement.id,
                    "period_id": agreement.period_ids[1].id,
                    "amount": 5.0,
                    "reason": "x",
                },
                unchanged=lambda: self.env["rebate.entry"].search_count([]),
            )
            self.assertRefused(
                call, self.auditor, "rebate.settlement", "action_cancel", [settlement.id]
            )
        self.assertEqual(settlement.state, "posted")
        finding_id = self.xmlrpc(
            self.auditor,
            "rebate.audit.finding",
            "create",
            self.finding_vals(
                record_ref=f"rebate.agreement,{agreement.id}", user_id=self.manager.id
            ),
        )
        finding = self.env["rebate.audit.finding"].browse(finding_id)
        self.assertEqual((finding.source, finding.state), ("manual", "open"))
        self.assertTrue(finding.name.startswith("AF/"))
        self.xmlrpc(
            self.auditor, "rebate.audit.finding", "write", [finding_id], {"audit_note": "Seen"}
        )
        self.assertEqual(finding.audit_note, "Seen")

    def test_finding_workflow_by_role(self):
        finding = (
            self.env["rebate.audit.finding"]
            .with_user(self.auditor)
            .create(self.finding_vals(user_id=self.manager.id))
        )
        model = "rebate.audit.finding"
        for _name, call in self.both():
            # Nobody but an auditor creates a finding; nobody forges its state.
            for user in (self.manager, self.accountant, self.rep, self.stranger, self.portal_a):
                self.assertRefused(
                    call,
                    user,
                    model,
                    "create",
                    self.finding_vals(),
                    unchanged=lambda: self.env[model].search_count([]),
                )
            self.assertRefused(
                call,
                self.auditor,
                model,
                "write",
                [finding.id],
                {"state": "closed"},
                unchanged=lambda: finding.read(["state"]),
            )
            # A manager not responsible for it changes nothing; the auditor does not write
            # the corrective action; the responsible person does not rewrite the finding.
            self.assertRefused(
                call,
                self.manager_other,
                model,
                "write",
                [finding.id],
                {"corrective_action": "x"},
                unchanged=lambda: finding.read(["corrective_action"]),
            )
            self.assertRefused(
                call,
                self.auditor,
                model,
                "write",
                [finding.id],
                {"corrective_action": "x"},
                unchanged=lambda: finding.read(["corrective_action"]),
            )
            self.assertRefused(
                call,
                self.manager,
                model,
                "write",
                [finding.id],
                {"severity": "low"},
                unchanged=lambda: finding.read(["severity"]),
            )
            self.assertRefused(call, self.rep, model, "read", [finding.id], ["title"])
            self.assertRefused(call, self.manager, model, "action_close", [finding.id])
            self.assertRefused(
                call,
                self.manager,
                model,
                "unlink",
                [finding.id],
                unchanged=lambda: finding.exists().ids,
            )
        # Resolving needs the corrective action, by the responsible person only.
        self.assertRefused(self.xmlrpc, self.manager, model, "action_resolve", [finding.id])
        self.assertRefused(self.xmlrpc, self.manager_other, model, "action_resolve", [finding.id])
        self.xmlrpc(
            self.manager, model, "write", [finding.id], {"corrective_action": "Seal obtained"}
        )
        self.xmlrpc(self.manager, model, "action_resolve", [finding.id])
        self.assertEqual((finding.state, finding.resolved_by_id), ("resolved", self.manager))
        self.xmlrpc(self.auditor, model, "action_close", [finding.id])
        self.assertEqual((finding.state, finding.closed_by_id), ("closed", self.auditor))
        self.assertRefused(
            self.xmlrpc,
            self.auditor,
            model,
            "write",
            [finding.id],
            {"audit_note": "later"},
            unchanged=lambda: finding.read(["audit_note"]),
        )

    def test_accepting_a_risk_needs_a_reason(self):
        finding = (
            self.env["rebate.audit.finding"].with_user(self.auditor).create(self.finding_vals())
        )
        model = "rebate.audit.finding"
        self.assertRefused(
            self.xmlrpc,
            self.auditor,
            model,
            "action_accept_risk",
            [finding.id],
            unchanged=lambda: finding.read(["state"]),
        )
        self.xmlrpc(self.auditor, model, "write", [finding.id], {"resolution_note": "Immaterial"})
        self.xmlrpc(self.auditor, model, "action_accept_risk", [finding.id])
        self.assertEqual(finding.state, "accepted")

    def test_controls_run_by_auditors_configured_by_administrators(self):
        control = self.env.ref("customer_rebate_audit.control_large_adjustment")
        for _name, call in self.both():
            for user in (self.auditor, self.manager, self.accountant):
                self.assertRefused(
                    call,
                    user,
                    "rebate.control",
                    "write",
                    [control.id],
                    {"enabled": False},
                    unchanged=lambda: control.read(["enabled"]),
                )
            for user in (self.manager, self.accountant, self.rep):
                self.assertRefused(call, user, "rebate.control", "action_run", [control.id])
                self.assertRefused(call, user, "rebate.control", "action_run_all")
            self.assertRefused(call, self.rep, "rebate.control", "read", [control.id], ["name"])
        self.xmlrpc(self.auditor, "rebate.control", "action_run", [control.id])
        self.xmlrpc(self.auditor, "rebate.control", "action_run_all")
        self.assertTrue(control.last_run)
        admin = self.env.ref("base.user_admin")
        control.with_user(admin).write({"threshold_amount": 500.0, "enabled": False})
        self.assertEqual((control.threshold_amount, control.enabled), (500.0, False))
        with self.assertRaises(ValidationError):
            control.with_user(admin).write({"threshold_amount": -5.0})
        self.assertEqual(control.threshold_amount, 500.0)

    def test_campaigns_by_role_and_bad_input(self):
        vals = {"name": "Q1", "date_from": "2027-01-01", "date_to": "2027-03-31"}
        model = "rebate.audit.campaign"
        count = lambda: self.env[model].search_count([])  # noqa: E731
        for _name, call in self.both():
            for user in (self.manager, self.accountant, self.rep, self.stranger):
                self.assertRefused(call, user, model, "create", vals, unchanged=count)
            for bad in ({"sample_size": -1}, {"date_to": "2026-12-31"}, {"seed": -4}):
                refusal = self.assertRefused(
                    call, self.auditor, model, "create", {**vals, **bad}, unchanged=count
                )
                self.assertNotIn("Traceback", refusal.message)
        campaign_id = self.xmlrpc(self.auditor, model, "create", vals)
        self.assertRefused(
            self.xmlrpc,
            self.auditor,
            model,
            "write",
            [campaign_id],
            {"state": "signed_off"},
            unchanged=lambda: self.env[model].browse(campaign_id).read(["state"]),
        )
        self.assertRefused(
            self.xmlrpc,
            self.auditor,
            "rebate.audit.campaign.item",
            "create",
            {"campaign_id": campaign_id},
            unchanged=lambda: self.env["rebate.audit.campaign.item"].search_count([]),
        )
        self.assertRefused(self.xmlrpc, self.auditor, model, "action_sign_off", [campaign_id])
        self.assertTrue(self.xmlrpc(self.manager, model, "read", [campaign_id], ["name"]))
