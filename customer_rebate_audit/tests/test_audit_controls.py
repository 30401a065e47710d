"""Each control check fires on a case built through the real flows (or, where the
application itself refuses the pattern, on data changed behind its back) and stays silent
on the clean case."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.customer_rebate.tests.common import RebateAccountingCase
from odoo.addons.customer_rebate.tests.test_security_statement import SIGNATURE

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


class AuditCase(RebateAccountingCase):
    """Shared flows of the audit tests: settled agreements, statements, controls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.rebate_settlement_approval_limit = 100000.0
        cls.auditor = new_test_user(
            cls.env,
            "test.rebate.auditor.controls",
            groups="base.group_user,account.group_account_readonly,"
            "customer_rebate_audit.group_rebate_auditor",
        )
        cls.portal = new_test_user(
            cls.env,
            "test.rebate.portal.controls",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )

    def control(self, code):
        return self.env.ref(f"customer_rebate_audit.control_{code}")

    def hits(self, code, **params):
        control = self.control(code)
        if params:
            control.write(params)
        return dict(getattr(control, f"_check_{code}")())

    def earned_agreement(self, **overrides):
        agreement = self.approved_agreement(tier_ids=TIERS, **overrides)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        return agreement

    def settle(self, agreement, user=None, post=True):
        user = user or self.accountant
        with freeze_time("2027-04-05"):
            settlement = agreement.with_user(user).action_settle()
        if post:
            with freeze_time("2027-04-06"):
                settlement.with_user(user).action_confirm()
                settlement.with_user(user).action_post()
        return settlement

    def confirmed_statement(self):
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 3, 31), self.customer.ids
        )
        statement.with_user(self.accountant).action_send()
        with freeze_time("2027-04-02"):
            statement.with_user(self.portal)._portal_confirm("Wang Fang", SIGNATURE)
        return statement

    def customer_bank(self, holder=None, partner=None):
        return self.env["res.partner.bank"].create(
            {
                "acc_number": f"6222 {len(self.env['res.partner.bank'].search([])):04d} 8888",
                "partner_id": (partner or self.customer).id,
                "acc_holder_name": holder or False,
                "allow_out_payment": True,
            }
        )


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestControlChecks(AuditCase):
    def test_entries_without_an_approved_agreement(self):
        clean = self.earned_agreement()
        self.assertFalse(set(self.ledger(clean)) & set(self.hits("entry_unapproved")))
        # Terms reopened: a manual adjustment goes into the agreement while it is a draft.
        clean.with_user(self.rep).action_amend()
        adjustment = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .create(
                {
                    "agreement_id": clean.id,
                    "period_id": clean.period_ids[0].id,
                    "date": date(2027, 2, 1),
                    "amount": 25.0,
                    "reason": "Goodwill",
                }
            )
        )
        self.assertIn(adjustment, self.hits("entry_unapproved"))
        self.assertIn("not approved", self.hits("entry_unapproved")[adjustment])

    def test_entries_and_start_dated_before_the_approval(self):
        with freeze_time("2027-03-01"):
            late = self.approved_agreement(tier_ids=TIERS, date_start=date(2027, 1, 1))
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10))
        hits = self.hits("entry_unapproved")
        self.assertTrue(self.ledger(late))
        for entry in self.ledger(late):
            self.assertIn("before the agreement was first approved", hits[entry])
        self.assertIn(late, self.hits("backdated_start", days=30))
        self.assertNotIn(late, self.hits("backdated_start", days=60), "59 days is allowed")
        on_time = self.approved_agreement()
        self.assertNotIn(on_time, self.hits("backdated_start", days=0))

    def test_payout_to_someone_else(self):
        agreement = self.earned_agreement(payout_method="payment")
        settlement = self.settle(agreement, post=False)
        self.assertNotIn(settlement, self.hits("payout_not_customer"))
        stranger = self.customer_bank(partner=self.customer_contact)
        settlement.with_user(self.accountant).partner_bank_id = stranger
        hits = self.hits("payout_not_customer")
        self.assertIn(settlement, hits)
        self.assertIn("belongs to", hits[settlement])
        settlement.with_user(self.accountant).partner_bank_id = self.customer_bank()
        self.assertNotIn(settlement, self.hits("payout_not_customer"))
        # The customer company turned into a person after the agreement was signed.
        self.customer.is_company = False
        self.assertIn("is a person", self.hits("payout_not_customer")[settlement])

    def test_payee_not_in_the_counterpartys_name(self):
        agreement = self.earned_agreement(payout_method="payment")
        settlement = self.settle(agreement, post=False)
        settlement.with_user(self.accountant).partner_bank_id = self.customer_bank(
            holder=self.customer.name
        )
        self.assertNotIn(settlement, self.hits("payee_not_counterparty"))
        settlement.with_user(self.accountant).partner_bank_id = self.customer_bank(
            holder="Zhang San"
        )
        self.assertIn("Zhang San", self.hits("payee_not_counterparty")[settlement])

    def test_rate_above_policy(self):
        high = self.create_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 12.0})], calculation_method="flat"
        )
        high.action_submit()
        normal = self.approved_agreement()
        hits = self.hits("rate_above_policy")
        self.assertIn(high, hits)
        self.assertNotIn(normal, hits)
        self.assertNotIn(high, self.hits("rate_above_policy", rate_limit=15.0))
        self.assertIn(normal, self.hits("rate_above_policy", rate_limit=3.0))

    def test_paid_more_than_earned_and_accrued(self):
        clean = self.settle(self.earned_agreement())
        self.assertEqual(clean.state, "posted")
        self.assertNotIn(clean, self.hits("settlement_above_earned"))
        self.assertNotIn(clean, self.hits("payout_above_accrual"))
        # A credit note dated in the settled period: the period now earns less than was paid.
        self.invoice([(self.product, 30, 10.0)], date(2027, 2, 1), move_type="out_refund")
        self.assertIn(clean, self.hits("settlement_above_earned"))
        self.assertIn(clean, self.hits("payout_above_accrual"))

    def test_approved_by_its_submitter(self):
        agreement = self.approved_agreement()
        self.assertNotIn(agreement, self.hits("approved_by_submitter"))
        # The application refuses it: the history is forged behind its back.
        self.env["rebate.agreement.approval"]._guarded_create(
            [
                {
                    "agreement_id": agreement.id,
                    "user_id": self.rep.id,
                    "decision": "approved",
                    "level": 1,
                }
            ]
        )
        self.assertIn(self.rep.name, self.hits("approved_by_submitter")[agreement])

    def test_terms_changed_after_approval(self):
        agreement = self.approved_agreement()
        other = self.approved_agreement()
        self.assertNotIn(agreement, self.hits("changed_after_approval"))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE rebate_agreement_tier SET rate = 9, "
                "write_date = %s + interval '1 hour' WHERE agreement_id = %s",
                agreement.approved_date,
                agreement.id,
            )
        )
        hits = self.hits("changed_after_approval")
        self.assertIn(agreement, hits)
        self.assertNotIn(other, hits)

    def test_dispute_unresolved(self):
        self.earned_agreement()
        statement = self.env["rebate.statement"]._generate_statements(
            date(2027, 1, 1), date(2027, 1, 31), self.customer.ids
        )
        statement.with_user(self.accountant).action_send()
        with freeze_time("2027-02-05"):
            statement.with_user(self.portal)._portal_dispute("January invoice missing")
        with freeze_time("2027-02-20"):
            self.assertNotIn(statement, self.hits("dispute_unresolved", days=30))
        with freeze_time("2027-03-10"):
            self.assertIn(statement, self.hits("dispute_unresolved", days=30))
            statement.with_user(self.accountant).action_resolve("Invoice added")
            self.assertNotIn(statement, self.hits("dispute_unresolved", days=30))

    def test_large_manual_adjustment(self):
        agreement = self.earned_agreement()
        small, large = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .create(
                [
                    {
                        "agreement_id": agreement.id,
                        "period_id": agreement.period_ids[0].id,
                        "date": date(2027, 2, 1),
                        "amount": amount,
                        "reason": "Promotion",
                    }
                    for amount in (50.0, -500.0)
                ]
            )
        )
        hits = self.hits("large_adjustment", threshold_amount=100.0)
        self.assertIn(large, hits)
        self.assertNotIn(small, hits)
        self.assertFalse(
            set(self.ledger(agreement).filtered(lambda e: e.entry_type == "accrual")) & set(hits)
        )

    def test_paid_while_the_agreement_is_not_approved(self):
        clean = self.settle(self.earned_agreement())
        self.assertNotIn(clean, self.hits("paid_before_approval"))
        agreement = self.earned_agreement()
        settlement = self.settle(agreement, post=False)
        agreement.with_user(self.rep).action_amend()
        with freeze_time("2027-04-06"):
            settlement.with_user(self.accountant).action_confirm()
            settlement.with_user(self.accountant).action_post()
        self.assertEqual(settlement.state, "posted")
        self.assertIn(settlement, self.hits("paid_before_approval"))

    def test_one_person_responsible_approver_and_settler(self):
        clean = self.settle(self.earned_agreement())
        self.assertNotIn(clean, self.hits("same_person_roles"))
        agreement = self.earned_agreement(user_id=self.manager.id)
        settlement = self.settle(agreement, user=self.manager)
        self.assertEqual(settlement.confirmed_by_id, self.manager)
        self.assertIn(self.manager.name, self.hits("same_person_roles")[settlement])

    def test_terms_changed_shortly_before_settlement(self):
        clean = self.settle(self.earned_agreement())
        self.assertNotIn(clean, self.hits("changed_before_settlement", days=30))
        agreement = self.earned_agreement()
        with freeze_time("2027-03-25"):
            agreement.with_user(self.rep).action_amend()
            agreement.with_user(self.rep).write({"cap_total": 5000.0})
            agreement.with_user(self.rep).action_submit()
            agreement.with_user(self.manager).action_approve()
        settlement = self.settle(agreement)
        self.assertIn(settlement, self.hits("changed_before_settlement", days=30))
        self.assertNotIn(settlement, self.hits("changed_before_settlement", days=10))

    def test_payout_without_a_confirmed_statement(self):
        agreement = self.earned_agreement()
        self.confirmed_statement()
        confirmed = self.settle(agreement)
        self.assertNotIn(confirmed, self.hits("statement_unconfirmed"))
        other = self.env["res.partner"].create({"name": "Ningbo Other Co.", "is_company": True})
        unconfirmed = self.approved_agreement(tier_ids=TIERS, partner_id=other.id)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), partner=other)
        settlement = self.settle(unconfirmed)
        self.assertIn(settlement, self.hits("statement_unconfirmed"))


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestControlRuns(AuditCase):
    def test_one_open_finding_per_control_and_record(self):
        agreement = self.approved_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 4.0})], calculation_method="flat"
        )
        control = self.control("rate_above_policy")
        control.rate_limit = 3.0
        control.with_user(self.auditor).action_run()
        Finding = self.env["rebate.audit.finding"]
        finding = Finding.search([("control_id", "=", control.id)])
        self.assertEqual(finding.record_ref, agreement)
        # The agreement's sales rep cannot act on a finding: the manager who approved it does.
        self.assertEqual(agreement.user_id, self.rep)
        self.assertEqual(
            (finding.source, finding.severity, finding.state, finding.user_id),
            ("control", control.severity, "open", self.manager),
        )
        self.assertTrue(finding.activity_ids, "the responsible person is asked to act")
        self.assertTrue(finding.with_user(self.manager).can_correct)
        control.with_user(self.auditor).action_run()
        self.env["rebate.control"].with_user(self.auditor).action_run_all()
        self.assertEqual(Finding.search([("control_id", "=", control.id)]), finding, "deduplicated")
        finding._guarded_write({"state": "closed"})
        control.with_user(self.auditor).action_run()
        self.assertEqual(
            len(Finding.search([("control_id", "=", control.id)])), 2, "fixed, then found again"
        )

    def test_finding_titles_in_the_language_of_the_companys_books(self):
        """The daily job runs in English; a Chinese company's auditors read its findings'
        titles in Chinese, as the books of that company are kept."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_rebate_audit"], ["zh_CN"])
        self.company.partner_id.lang = "zh_CN"
        agreement = self.approved_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 4.0})], calculation_method="flat"
        )
        control = self.control("rate_above_policy")
        control.rate_limit = 3.0
        control.with_context(lang="en_US")._cron_run_controls()
        finding = self.env["rebate.audit.finding"].search([("control_id", "=", control.id)])
        self.assertEqual(finding.record_ref, agreement)
        self.assertEqual(finding.title, control.with_context(lang="zh_CN").name)
        self.assertNotEqual(finding.title, control.with_context(lang="en_US").name)

    def test_the_daily_job_runs_only_controls_switched_on(self):
        self.approved_agreement(
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 4.0})], calculation_method="flat"
        )
        control = self.control("rate_above_policy")
        control.write({"rate_limit": 3.0, "enabled": False})
        self.env["rebate.control"]._cron_run_controls()
        self.assertFalse(self.env["rebate.audit.finding"].search([("control_id", "=", control.id)]))
        control.enabled = True
        self.env["rebate.control"]._cron_run_controls()
        self.assertTrue(self.env["rebate.audit.finding"].search([("control_id", "=", control.id)]))
        self.assertTrue(control.last_run)

    def test_every_control_has_its_check(self):
        codes = dict(self.env["rebate.control"]._fields["code"].selection)
        for code in codes:
            self.assertTrue(hasattr(self.env["rebate.control"], f"_check_{code}"), code)
        controls = self.env["rebate.control"].search([])
        self.assertEqual(set(controls.mapped("code")), set(codes), "one control record per check")
        for control in controls:
            self.assertIsInstance(getattr(control, f"_check_{control.code}")(), list)
