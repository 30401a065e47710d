from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # Odoo takes the paper format from the printing user's current company: a rebate
        # statement is printed on the paper of the company that issues it (A4 for a
        # Chinese company), whichever company the user is working in.
        if res_ids and self._get_report(report_ref).model == "rebate.statement":
            companies = self.env["rebate.statement"].browse(res_ids).sudo().company_id
            if len(companies) == 1 and (self.env.su or companies in self.env.user.company_ids):
                self = self.with_company(companies)  # noqa: PLW0642
        return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
