from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, HttpCase, tagged

from .common import RebateAccountingCase

TIERS = [(0, 0, {"threshold": 0.0, "rate": 2.0}), (0, 0, {"threshold": 1000.0, "rate": 4.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestSaleOrderRebate(RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.agreement = cls.create_agreement(
            tier_ids=TIERS,
            date_start=today - timedelta(days=400),
            date_end=today + timedelta(days=400),
            settlement_frequency="end",
        )
        cls.agreement.action_submit()
        cls.agreement.with_user(cls.manager).action_approve()

    def order(self, quantity, product=None):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer_contact.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": (product or self.product).id,
                            "product_uom_qty": quantity,
                            "price_unit": 10.0,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )

    def test_expected_rebate_on_top_of_the_ledger_and_tier_message(self):
        self.invoice([(self.product, 80, 10.0)], fields.Date.today())
        order = self.order(50)
        self.assertEqual(order.rebate_agreement_ids, self.agreement)
        self.assertAlmostEqual(order.rebate_expected_amount, 36.0, msg="52 after - 16 before")
        self.assertAlmostEqual(order.order_line.rebate_expected_amount, 36.0)
        self.assertIn("into tier 2", order.rebate_tier_message)

    def test_small_order_stays_in_tier_and_out_of_scope_earns_nothing(self):
        order = self.order(10)
        self.assertAlmostEqual(order.rebate_expected_amount, 2.0)
        self.assertFalse(order.rebate_tier_message)
        self.agreement.action_amend()
        self.agreement.rule_ids = [(0, 0, {"categ_id": self.other_category.id})]
        self.agreement.action_submit()
        self.agreement.with_user(self.manager_other).action_approve()
        order.invalidate_recordset()
        self.assertEqual(order.rebate_expected_amount, 0.0)

    def test_form_updates_the_expectation_while_editing(self):
        form = Form(self.order(10).with_user(self.rep))
        with form.order_line.edit(0) as line:
            line.product_uom_qty = 150
        self.assertAlmostEqual(form.rebate_expected_amount, 60.0)

    def test_a_line_edit_works_the_expectation_out_once(self):
        """The order's expectation and the lines' shares come from one computation: a line
        edit works it out once per state of the order the form holds (the onchange
        computes the saved order and the edited one), no longer again for the lines; the
        figures are unchanged."""
        SaleOrder = type(self.env["sale.order"])
        expectations = SaleOrder._rebate_expectations
        order_compute = SaleOrder._compute_rebate_expected
        calls = []
        order_computes = []

        def counted(orders):
            calls.append(orders.ids)
            return expectations(orders)

        def counted_compute(orders):
            order_computes.append(orders.ids)
            return order_compute(orders)

        form = Form(self.order(10).with_user(self.rep))
        with (
            patch.object(SaleOrder, "_rebate_expectations", counted),
            patch.object(SaleOrder, "_compute_rebate_expected", counted_compute),
        ):
            with form.order_line.edit(0) as line:
                line.product_uom_qty = 150
            self.assertTrue(calls)
            self.assertEqual(calls, order_computes, "only the order's compute works it out")
            self.assertAlmostEqual(form.rebate_expected_amount, 60.0)
            with form.order_line.edit(0) as line:
                self.assertAlmostEqual(line.rebate_expected_amount, 60.0)
            order = form.save()
        self.assertAlmostEqual(order.rebate_expected_amount, 60.0)
        self.assertAlmostEqual(order.order_line.rebate_expected_amount, 60.0)
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        calls.clear()
        with patch.object(SaleOrder, "_rebate_expectations", counted):
            self.assertAlmostEqual(order.order_line.rebate_expected_amount, 60.0)
            self.assertAlmostEqual(order.rebate_expected_amount, 60.0)
            self.assertIn("into tier 2", order.rebate_tier_message)
        self.assertEqual(len(calls), 1, "the line's share and the order's figure: one computation")


@tagged("post_install", "-at_install", "customer_rebate")
class TestSaleOrderRebateTour(HttpCase, RebateAccountingCase):
    def test_rep_sees_expected_rebate_on_the_order(self):
        today = fields.Date.today()
        agreement = self.create_agreement(
            tier_ids=TIERS,
            date_start=today - timedelta(days=400),
            date_end=today + timedelta(days=400),
            settlement_frequency="end",
        )
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.invoice([(self.product, 80, 10.0)], today)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_contact.id,
                "user_id": self.rep.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 50,
                            "price_unit": 10.0,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        self.rep.password = self.rep.login
        self.start_tour(f"/odoo/sales/{order.id}", "rebate_sale_order_tour", login=self.rep.login)
