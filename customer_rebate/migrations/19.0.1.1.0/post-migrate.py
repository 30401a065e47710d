from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """19.0.1.1.0: the periods keep running totals of their accrual rows; fill them from
    the ledger written before."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["rebate.entry"]._recompute_running_totals()
