from odoo import api, fields, models


class RebateAgreementPeriod(models.Model):
    _name = "rebate.agreement.period"
    _description = "Customer Rebate Settlement Period"
    _order = "agreement_id, date_from"

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="agreement_id.partner_id", store=True, index=True)
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        required=True,
        default="open",
        readonly=True,
        help="Open: volume still accrues. Closed: the period has been settled.",
    )

    _agreement_dates_uniq = models.UniqueIndex("(agreement_id, date_from)")

    @api.depends("agreement_id.name", "date_from", "date_to")
    def _compute_display_name(self):
        for period in self:
            period.display_name = (
                f"{period.agreement_id.name} {period.date_from} → {period.date_to}"
            )
