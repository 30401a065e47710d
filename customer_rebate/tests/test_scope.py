"""The product scope has one definition (rebate.agreement._product_domain): posting, the
volume totals read for the recompute and the settlement, the sales-order preview and a
period's Invoice Analysis all count the same lines."""

from datetime import date

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from .common import RebateAccountingCase

# Flat 2 %: the rebate is 2 % of exactly the in-scope amount.
FLAT = [(0, 0, {"threshold": 0.0, "rate": 2.0})]


@tagged("post_install", "-at_install", "customer_rebate")
class TestOneScope(RebateAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.sub_category = cls.env["product.category"].create(
            {"name": "Rebate Green Teas", "parent_id": cls.category.id}
        )
        cls.product_sub = Product.create(
            {"name": "Jasmine Tea 330ml", "categ_id": cls.sub_category.id, "list_price": 8.0}
        )
        cls.product_excluded = Product.create(
            {"name": "Tea Sampler", "categ_id": cls.sub_category.id, "list_price": 30.0}
        )

    def scoped(self, **overrides):
        """Beverages and their sub-categories, less the sampler."""
        vals = {
            "calculation_method": "flat",
            "tier_ids": FLAT,
            "rule_ids": [
                (0, 0, {"rule_type": "include", "categ_id": self.category.id}),
                (0, 0, {"rule_type": "exclude", "product_id": self.product_excluded.id}),
            ],
        }
        return self.approved_agreement(**{**vals, **overrides})

    def test_domain_names_the_scope(self):
        agreement = self.scoped()
        Product = self.env["product.product"].with_context(active_test=False)
        everything = self.product | self.product_sub | self.product_excluded | self.product_other
        self.assertEqual(
            Product.search(agreement._product_domain() & Domain("id", "in", everything.ids)),
            self.product | self.product_sub,
        )
        self.assertEqual(
            agreement._products_in_scope(everything), {self.product.id, self.product_sub.id}
        )
        no_rules = self.approved_agreement(tier_ids=FLAT, calculation_method="flat")
        self.assertTrue(no_rules._product_domain().is_true(), "no include line: every product")

    def test_posting_totals_preview_and_analysis_count_the_same_lines(self):
        agreement = self.scoped()
        period = agreement.period_ids[0]
        lines = [
            (self.product, 10, 10.0),  # 100, in the included category
            (self.product_sub, 5, 8.0),  # 40, in its sub-category
            (self.product_excluded, 2, 30.0),  # 60, excluded by product
            (self.product_other, 4, 5.0),  # 20, another category
        ]
        invoice = self.invoice(lines, date(2027, 1, 10))
        refund = self.invoice(
            [(self.product_sub, 1, 8.0), (self.product_excluded, 1, 30.0)],
            date(2027, 1, 20),
            move_type="out_refund",
        )
        # Archived since: what was invoiced still counts, on every path.
        self.product_sub.action_archive()

        # Posting: the ledger holds the in-scope lines, invoice by invoice.
        ledger = self.ledger(agreement)
        by_invoice = {
            move: sum(
                ledger.filtered(lambda entry, move=move: entry.invoice_id == move).mapped("volume")
            )
            for move in (invoice, refund)
        }
        self.assertEqual(by_invoice, {invoice: 140.0, refund: -8.0})
        self.assertEqual(
            set(ledger.move_line_id.product_id.ids), {self.product.id, self.product_sub.id}
        )
        self.assertAlmostEqual(self.accrued(agreement), 2.64, places=2, msg="2 % of 132")

        # The volume totals (recompute, settlement): the same volume, nothing to true up.
        report = self.env["rebate.accrual"]._recompute_periods(period)
        self.assertEqual(len(report), 1)
        self.assertAlmostEqual(report[0]["volume"], 132.0, places=6)
        self.assertAlmostEqual(report[0]["held_volume"], 132.0, places=6)
        self.assertEqual(report[0]["difference"], 0.0)
        sales = self.env["rebate.accrual"]._period_sales_from_invoices(period)[period.id]
        self.assertAlmostEqual(sales.sales_quantity, 10 + 5 - 1)

        # The period's Invoice Analysis: exactly those lines, the same total.
        finance = new_test_user(
            self.env,
            "test.rebate.scope.finance",
            groups="base.group_user,account.group_account_readonly,"
            "customer_rebate.group_rebate_accountant",
        )
        action = period.with_user(finance).action_view_invoice_analysis()
        self.assertEqual(action["res_model"], "account.invoice.report")
        rows = self.env["account.invoice.report"].with_user(finance).search(action["domain"])
        counted = ledger.move_line_id
        self.assertEqual(set(rows.ids), set(counted.ids), "the report's ids are the lines")
        self.assertAlmostEqual(sum(rows.mapped("price_subtotal")), period.accrued_volume)
        self.assertAlmostEqual(sum(rows.mapped("quantity")), sales.sales_quantity)

        # The sales-order preview: the same scope (2 % of 100 + 40, the rest out of scope).
        self.product_sub.action_unarchive()
        with self.env.cr.savepoint():
            agreement_today = self.scoped(
                date_start=fields.Date.today().replace(month=1, day=1),
                date_end=fields.Date.today().replace(month=12, day=31),
                partner_id=self.env["res.partner"]
                .create({"name": "Preview Co", "is_company": True})
                .id,
            )
            order = self.env["sale.order"].create(
                {
                    "partner_id": agreement_today.partner_id.id,
                    "order_line": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                        for product, quantity, price in lines
                    ],
                }
            )
            self.assertEqual(order.rebate_agreement_ids, agreement_today)
            self.assertAlmostEqual(order.rebate_expected_amount, 2.8, msg="2 % of 140")
            shares = {line.product_id: line.rebate_expected_amount for line in order.order_line}
            self.assertAlmostEqual(shares[self.product], 2.0)
            self.assertAlmostEqual(shares[self.product_sub], 0.8)
            self.assertEqual(shares[self.product_excluded], 0.0)
            self.assertEqual(shares[self.product_other], 0.0)

    def test_invoice_analysis_needs_accounting_read_access(self):
        agreement = self.scoped()
        self.invoice([(self.product, 1, 10.0)], date(2027, 1, 10))
        with self.assertRaises(AccessError):
            agreement.period_ids[0].with_user(self.manager).action_view_invoice_analysis()

    def test_quantities_in_another_unit_count_alike_on_both_paths(self):
        """A line sold by the dozen counts twelve units, posted as when totalled."""
        agreement = self.scoped(
            calculation_method="per_unit",
            basis="quantity",
            estimated_yearly_quantity=1000.0,
            tier_ids=[(0, 0, {"threshold": 0.0, "rate": 0.5})],
        )
        period = agreement.period_ids[0]
        dozen = self.env.ref("uom.product_uom_dozen")
        self.invoice(
            [
                {
                    "product_id": self.product_sub.id,
                    "quantity": 3,
                    "product_uom_id": dozen.id,
                    "price_unit": 90.0,
                    "tax_ids": [fields.Command.clear()],
                },
                (self.product, 4, 10.0),
            ],
            date(2027, 2, 3),
        )
        self.invoice([(self.product, 1, 10.0)], date(2027, 2, 4), move_type="out_refund")
        self.assertAlmostEqual(period.accrued_volume, 36 + 4 - 1)
        self.assertAlmostEqual(self.accrued(agreement), 19.5, places=2, msg="0.5 a unit")
        (row,) = self.env["rebate.accrual"]._recompute_periods(period)
        self.assertAlmostEqual(row["volume"], 39.0, places=6)
        self.assertEqual(row["difference"], 0.0)
