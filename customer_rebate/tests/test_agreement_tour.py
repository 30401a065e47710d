from odoo.tests import HttpCase, tagged

from .common import RebateCase


@tagged("post_install", "-at_install", "customer_rebate")
class TestAgreementTour(HttpCase, RebateCase):
    def test_rep_creates_and_submits_manager_approves(self):
        self.customer.name = "Tour Customer Co"
        for user in (self.rep, self.manager):
            user.password = user.login
        self.start_tour(
            "/odoo/action-customer_rebate.action_rebate_agreement",
            "rebate_agreement_rep_tour",
            login=self.rep.login,
        )
        agreement = self.env["rebate.agreement"].search([("title", "=", "Tour volume rebate")])
        self.assertEqual(agreement.state, "to_approve")
        self.assertEqual(agreement.partner_id, self.customer)
        self.assertEqual(agreement.tier_ids.mapped("rate"), [3.0, 5.0])
        self.assertEqual(agreement.signed_contract_filename, "signed_contract.pdf")
        self.assertEqual(agreement.submitted_by_id, self.rep)

        self.start_tour(
            "/odoo/action-customer_rebate.action_rebate_agreement_to_approve",
            "rebate_agreement_manager_tour",
            login=self.manager.login,
        )
        self.assertEqual(agreement.state, "approved")
        self.assertEqual(
            agreement.approval_ids.filtered(lambda a: a.decision == "approved").user_id,
            self.manager,
        )
