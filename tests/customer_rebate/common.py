"""Shared fixtures for customer_rebate tests; the audit addon's tests reuse them."""

import base64
from datetime import date

from odoo.tests import TransactionCase, new_test_user

SIGNED_CONTRACT = base64.b64encode(b"%PDF-1.4 signed rebate contract")


class RebateCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {"rebate_approval_rate_limit": 10.0, "rebate_approval_amount_limit": 100000.0}
        )
        sales = "base.group_user,sales_team.group_sale_salesman"
        cls.rep = new_test_user(
            cls.env, "test.rebate.rep", groups=f"{sales},customer_rebate.group_rebate_user"
        )
        cls.rep_other = new_test_user(
            cls.env, "test.rebate.rep2", groups=f"{sales},customer_rebate.group_rebate_user"
        )
        cls.manager = new_test_user(
            cls.env, "test.rebate.manager", groups=f"{sales},customer_rebate.group_rebate_manager"
        )
        cls.manager_other = new_test_user(
            cls.env,
            "test.rebate.manager2",
            groups=f"{sales},customer_rebate.group_rebate_manager",
        )
        cls.accountant = new_test_user(
            cls.env,
            "test.rebate.accountant",
            groups="base.group_user,customer_rebate.group_rebate_accountant",
        )
        cls.stranger = new_test_user(cls.env, "test.rebate.stranger", groups="base.group_user")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Hangzhou Test Customer Co., Ltd.", "is_company": True, "user_id": cls.rep.id}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Wang Fang", "parent_id": cls.customer.id}
        )

    @classmethod
    def agreement_vals(cls, **overrides):
        vals = {
            "title": "Test volume rebate",
            "partner_id": cls.customer.id,
            "date_start": date(2027, 1, 1),
            "date_end": date(2027, 12, 31),
            "calculation_method": "retroactive",
            "basis": "amount",
            "settlement_frequency": "quarterly",
            "payout_method": "credit_note",
            "estimated_yearly_amount": 200000.0,
            "signed_contract": SIGNED_CONTRACT,
            "signed_contract_filename": "contract.pdf",
            "tier_ids": [
                (0, 0, {"threshold": 0.0, "rate": 2.0}),
                (0, 0, {"threshold": 100000.0, "rate": 4.0}),
            ],
        }
        vals.update(overrides)
        return vals

    @classmethod
    def create_agreement(cls, user=None, **overrides):
        user = user or cls.rep
        return cls.env["rebate.agreement"].with_user(user).create(cls.agreement_vals(**overrides))

    def approved_agreement(self, **overrides):
        agreement = self.create_agreement(**overrides)
        agreement.action_submit()
        agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "approved")
        return agreement
