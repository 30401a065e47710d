from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RebateCase


@tagged("post_install", "-at_install", "customer_rebate")
class TestAgreementBadInput(RebateCase):
    """Each bad input is refused with a message that says what to fix, and nothing is
    written."""

    def assert_refused(self, exception, pattern, func, model="rebate.agreement"):
        before = self.env[model].search_count([])
        with (
            self.assertRaisesRegex(exception, pattern),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            func()
        self.assertEqual(self.env[model].search_count([]), before, "nothing written")

    def test_end_before_start(self):
        self.assert_refused(
            ValidationError,
            "ends .* before it starts",
            lambda: self.create_agreement(date_start=date(2027, 5, 1), date_end=date(2027, 4, 1)),
        )

    def test_two_tiers_with_one_threshold(self):
        self.assert_refused(
            ValidationError,
            "same threshold",
            lambda: self.create_agreement(
                tier_ids=[
                    (0, 0, {"threshold": 500.0, "rate": 2.0}),
                    (0, 0, {"threshold": 500.0, "rate": 3.0}),
                ]
            ),
        )

    def test_negative_rate(self):
        self.assert_refused(
            ValidationError,
            "cannot be negative",
            lambda: self.create_agreement(tier_ids=[(0, 0, {"threshold": 0.0, "rate": -1.0})]),
        )

    def test_percentage_over_100(self):
        self.assert_refused(
            ValidationError,
            "cannot exceed 100",
            lambda: self.create_agreement(tier_ids=[(0, 0, {"threshold": 0.0, "rate": 150.0})]),
        )
        agreement = self.create_agreement(
            calculation_method="per_unit",
            basis="quantity",
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 150.0})],
        )
        self.assertEqual(agreement.tier_ids.rate, 150.0, "an amount per unit may exceed 100")

    def test_customer_that_is_a_person(self):
        self.assert_refused(
            ValidationError,
            "is a person, not a company",
            lambda: self.create_agreement(partner_id=self.customer_contact.id),
        )
        private = self.env["res.partner"].create({"name": "Zhang San"})
        self.assert_refused(
            ValidationError,
            "is a person, not a company",
            lambda: self.create_agreement(partner_id=private.id),
        )

    def test_tiered_method_without_tier_cannot_be_submitted(self):
        agreement = self.create_agreement(tier_ids=[])
        with self.assertRaisesRegex(UserError, "add at least one tier"):
            agreement.action_submit()
        self.assertEqual(agreement.state, "draft")
        self.assertFalse(agreement.approval_ids)

    def test_submit_without_responsible_or_contract(self):
        agreement = self.create_agreement(signed_contract=False)
        agreement.user_id = False
        with self.assertRaisesRegex(UserError, "name a responsible person") as caught:
            agreement.action_submit()
        self.assertIn("attach the contract", str(caught.exception))
        self.assertEqual(agreement.state, "draft")
        self.assertFalse(agreement.approval_ids)

    def test_submit_without_estimate(self):
        agreement = self.create_agreement(estimated_yearly_amount=0.0)
        with self.assertRaisesRegex(UserError, "estimated yearly sales"):
            agreement.action_submit()

    def test_approval_by_submitter(self):
        agreement = self.create_agreement(user=self.manager)
        agreement.action_submit()
        with self.assertRaisesRegex(UserError, "cannot approve it"):
            agreement.action_approve()
        self.assertEqual(agreement.state, "to_approve")
        self.assertEqual(len(agreement.approval_ids), 1)

    def test_editing_approved_terms_in_place(self):
        agreement = self.approved_agreement()
        for vals in (
            {"date_end": date(2028, 12, 31)},
            {"partner_id": self.env["res.partner"].create({"name": "X", "is_company": True}).id},
            {"calculation_method": "incremental"},
            {"cap_total": 1.0},
            {"payout_method": "payment"},
            {"tier_ids": [(0, 0, {"threshold": 900000.0, "rate": 9.0})]},
        ):
            with self.assertRaisesRegex(UserError, "Amend Terms"):
                agreement.with_user(self.manager).write(vals)
        with self.assertRaisesRegex(UserError, "Amend Terms"):
            agreement.tier_ids[0].with_user(self.manager).rate = 9.0
        with self.assertRaisesRegex(UserError, "Amend Terms"):
            agreement.tier_ids[0].with_user(self.manager).unlink()
        with self.assertRaisesRegex(UserError, "Amend Terms"):
            self.env["rebate.agreement.rule"].create(
                {
                    "agreement_id": agreement.id,
                    "categ_id": self.env["product.category"]
                    .create({"name": "Rebate test category"})
                    .id,
                }
            )
        agreement.invalidate_recordset()
        self.assertEqual(agreement.date_end, date(2027, 12, 31))
        self.assertEqual(agreement.calculation_method, "retroactive")
        self.assertEqual(agreement.tier_ids.mapped("rate"), [2.0, 4.0])
        self.assertFalse(agreement.rule_ids)

    def test_submitted_terms_are_frozen_too(self):
        agreement = self.create_agreement()
        agreement.action_submit()
        with self.assertRaisesRegex(UserError, "Amend Terms"):
            agreement.write({"cap_period": 10.0})

    def test_rule_including_and_excluding_same_product(self):
        product = self.env["product.product"].create({"name": "Rebate test widget"})
        self.assert_refused(
            ValidationError,
            "both included in and excluded from",
            lambda: self.create_agreement(
                rule_ids=[
                    (0, 0, {"rule_type": "include", "product_id": product.id}),
                    (0, 0, {"rule_type": "exclude", "product_id": product.id}),
                ]
            ),
        )

    def test_rule_needs_exactly_one_product_or_category(self):
        product = self.env["product.product"].create({"name": "Rebate test widget"})
        self.assert_refused(
            ValidationError,
            "either one product or one product category",
            lambda: self.create_agreement(
                rule_ids=[
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "categ_id": self.env["product.category"]
                            .create({"name": "Rebate test category"})
                            .id,
                        },
                    )
                ]
            ),
        )

    def test_negative_caps(self):
        self.assert_refused(
            ValidationError,
            "cannot be negative",
            lambda: self.create_agreement(cap_total=-5.0),
        )

    def test_messages_are_in_chinese_for_chinese_users(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        agreements = self.env["rebate.agreement"].with_user(self.rep).with_context(lang="zh_CN")
        with self.assertRaisesRegex(ValidationError, "而非公司"):
            agreements.create(self.agreement_vals(partner_id=self.customer_contact.id))
        agreement = agreements.create(self.agreement_vals(signed_contract=False))
        with self.assertRaisesRegex(UserError, "暂不能提交"):
            agreement.action_submit()
