from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .test_audit_controls import AuditCase


@tagged("post_install", "-at_install", "customer_rebate_audit")
class TestAuditCampaign(AuditCase):
    def campaign(self, **vals):
        return (
            self.env["rebate.audit.campaign"]
            .with_user(self.auditor)
            .create(
                {
                    "name": "2027 ledger review",
                    "date_from": date(2027, 1, 1),
                    "date_to": date(2027, 12, 31),
                    "population": "entry",
                    "sample_size": 5,
                    **vals,
                }
            )
        )

    def drawn(self, **vals):
        campaign = self.campaign(**vals)
        campaign.action_draw_sample()
        if campaign.population == "entry":
            return campaign, campaign.item_ids.entry_id
        return campaign, campaign.item_ids.settlement_id

    def many_entries(self):
        """Twelve accrual rows: one invoice of twelve lines."""
        agreement = self.approved_agreement(tier_ids=TIERS_FLAT, calculation_method="flat")
        self.invoice(
            [(self.product, quantity, 10.0) for quantity in range(1, 13)], date(2027, 1, 10)
        )
        self.assertEqual(len(self.ledger(agreement)), 12)
        return agreement

    def test_same_seed_same_sample(self):
        self.many_entries()
        first, sample = self.drawn(seed=42)
        self.assertEqual(first.population_count, 12)
        self.assertEqual(len(sample), 5)
        _second, again = self.drawn(seed=42)
        self.assertEqual(
            first.item_ids.mapped("entry_id").ids,
            _second.item_ids.mapped("entry_id").ids,
            "the same seed draws the same records, in the same order",
        )
        _other, different = self.drawn(seed=7)
        self.assertNotEqual(set(sample.ids), set(different.ids))
        first.action_draw_sample()
        self.assertEqual(first.item_ids.entry_id, sample, "drawing again keeps the sample")
        self.assertEqual(again, sample)

    def test_sampling_by_risk(self):
        agreement = self.many_entries()
        _campaign, largest = self.drawn(sampling_method="largest", sample_size=3)
        amounts = sorted(self.ledger(agreement).mapped("amount_company"), reverse=True)
        self.assertEqual(sorted(largest.mapped("amount_company"), reverse=True), amounts[:3])
        adjustment = (
            self.env["rebate.entry"]
            .with_user(self.manager)
            .create(
                {
                    "agreement_id": agreement.id,
                    "period_id": agreement.period_ids[0].id,
                    "date": date(2027, 2, 1),
                    "amount": 5.0,
                    "reason": "Promotion",
                }
            )
        )
        control = self.control("large_adjustment")
        control.threshold_amount = 1.0
        control.with_user(self.auditor).action_run()
        _campaign, risky = self.drawn(sampling_method="control_hits", sample_size=3)
        self.assertEqual(risky, adjustment, "only the records with control findings")

    def test_checklist_and_sign_off_lock_the_campaign(self):
        confirmed = self.earned_agreement()
        self.confirmed_statement()
        good = self.settle(confirmed)
        other = self.env["res.partner"].create({"name": "Ningbo Other Co.", "is_company": True})
        unconfirmed = self.approved_agreement(tier_ids=TIERS, partner_id=other.id)
        self.invoice([(self.product, 80, 10.0)], date(2027, 1, 10), partner=other)
        bad = self.settle(unconfirmed)
        campaign, sample = self.drawn(population="settlement", sample_size=10)
        self.assertEqual(sample, good | bad)
        with self.assertRaises(UserError):
            campaign.action_auto_check()
        campaign.action_start()
        campaign.action_auto_check()
        good_item = campaign.item_ids.filtered(lambda item: item.settlement_id == good)
        bad_item = campaign.item_ids - good_item
        self.assertEqual(
            (
                good_item.check_contract,
                good_item.check_approval,
                good_item.check_statement,
                good_item.check_amount,
                good_item.result,
            ),
            ("pass", "pass", "pass", "pass", "ok"),
        )
        self.assertEqual(good_item.recomputed_amount, good.amount_earned)
        self.assertEqual(good_item.ledger_amount, good.amount_earned)
        self.assertEqual((bad_item.check_statement, bad_item.result), ("fail", "exception"))
        self.assertIn("statement", bad_item.check_detail)
        # The auditor overrides a result and writes a note, through the campaign form.
        campaign.write(
            {"item_ids": [(1, bad_item.id, {"result": "ok", "note": "Confirmed by e-mail"})]}
        )
        self.assertEqual(bad_item.note, "Confirmed by e-mail")
        finding = (
            self.env["rebate.audit.finding"]
            .with_user(self.auditor)
            .create(
                {
                    "title": "Statement confirmed by e-mail only",
                    "description": "Ask the customer to confirm in the portal.",
                    "campaign_id": campaign.id,
                    "campaign_item_id": bad_item.id,
                    "record_ref": f"rebate.settlement,{bad.id}",
                }
            )
        )
        self.assertEqual(finding.source, "campaign")
        campaign.action_sign_off()
        self.assertEqual(campaign.state, "signed_off")
        self.assertEqual(campaign.signed_by_id, self.auditor)
        self.assertTrue(campaign.signed_date)
        with self.assertRaises(UserError):
            campaign.write({"name": "Changed afterwards"})
        with self.assertRaises(UserError):
            bad_item.with_user(self.auditor).write({"result": "exception"})
        with self.assertRaises(UserError):
            campaign.action_draw_sample()
        with self.assertRaises(UserError):
            campaign.action_auto_check()
        with self.assertRaises(UserError):
            self.env["rebate.audit.finding"].with_user(self.auditor).create(
                {"title": "Late", "description": "Too late", "campaign_id": campaign.id}
            )
        self.assertEqual(campaign.name, "2027 ledger review")
        self.assertEqual(bad_item.result, "ok")

    def test_sign_off_needs_every_result(self):
        self.many_entries()
        campaign, _sample = self.drawn()
        campaign.action_start()
        with self.assertRaises(UserError) as caught:
            campaign.action_sign_off()
        self.assertIn("no result", str(caught.exception))
        self.assertEqual(campaign.state, "in_progress")

    def test_sampling_is_fixed_once_drawn(self):
        self.many_entries()
        campaign, sample = self.drawn(seed=42)
        with self.assertRaises(UserError):
            campaign.write({"seed": 43})
        campaign.action_start()
        with self.assertRaises(UserError):
            campaign.write({"sample_size": 2})
        campaign.action_reset_draft()
        self.assertEqual(campaign.item_ids.entry_id, sample)

    def test_bad_input_is_refused_and_nothing_written(self):
        Campaign = self.env["rebate.audit.campaign"]
        before = Campaign.search_count([])
        with self.assertRaises(ValidationError) as caught:
            self.campaign(sample_size=-3)
        self.assertIn("sample size", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.campaign(date_from=date(2027, 6, 30), date_to=date(2027, 1, 1))
        self.assertIn("before it starts", str(caught.exception))
        with self.assertRaises(ValidationError):
            self.campaign(seed=-1)
        self.assertEqual(Campaign.search_count([]), before)
        campaign = self.campaign()
        with self.assertRaises(ValidationError):
            campaign.write({"sample_size": 0})
        self.assertEqual(campaign.sample_size, 5)

    def test_only_auditors_run_campaigns(self):
        with self.assertRaises(AccessError):
            self.env["rebate.audit.campaign"].with_user(self.manager).create(
                {"name": "x", "date_from": date(2027, 1, 1), "date_to": date(2027, 2, 1)}
            )
        campaign = self.campaign()
        with self.assertRaises(AccessError):
            campaign.with_user(self.manager).action_draw_sample()
        with self.assertRaises(AccessError):
            campaign.with_user(self.accountant).write({"name": "Mine"})
        self.assertTrue(campaign.with_user(self.manager).read(["name"]))


TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]
TIERS_FLAT = [(0, 0, {"threshold": 0.0, "rate": 2.0})]
