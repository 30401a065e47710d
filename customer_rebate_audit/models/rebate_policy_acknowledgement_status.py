from odoo import fields, models, tools
from odoo.tools import SQL


class RebatePolicyAcknowledgementStatus(models.Model):
    """Who has (not) acknowledged the version in force: one row per active internal user
    of the Rebates groups and published policy of a company the user works for, with the
    acknowledgement when there is one. Read-only, from the database (SQL view)."""

    _name = "rebate.policy.acknowledgement.status"
    _description = "Rebate Policy Acknowledgement Status"
    _auto = False
    _order = "acknowledged, company_id, user_id"
    _rec_name = "user_id"

    policy_id = fields.Many2one("rebate.policy", string="Policy Version", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    version = fields.Integer(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    acknowledgement_id = fields.Many2one("rebate.policy.acknowledgement", readonly=True)
    acknowledged = fields.Boolean(readonly=True)
    acknowledged_on = fields.Datetime(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The groups whose members must acknowledge: Rebates / User and every group that
        # implies it (manager, accountant, and any a company adds), followed transitively.
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                    WITH RECURSIVE rebate_groups(gid) AS (
                        SELECT res_id FROM ir_model_data
                         WHERE module = 'customer_rebate' AND name = 'group_rebate_user'
                               AND model = 'res.groups'
                        UNION
                        SELECT implied.gid
                          FROM res_groups_implied_rel implied
                          JOIN rebate_groups ON implied.hid = rebate_groups.gid
                    ),
                    rebate_users AS (
                        SELECT DISTINCT member.uid AS user_id
                          FROM res_groups_users_rel member
                          JOIN rebate_groups ON rebate_groups.gid = member.gid
                          JOIN res_users users ON users.id = member.uid
                         WHERE users.active AND NOT COALESCE(users.share, FALSE)
                    )
                    SELECT ROW_NUMBER() OVER (ORDER BY policy.id, rebate_users.user_id) AS id,
                           policy.id AS policy_id,
                           policy.company_id,
                           policy.version,
                           rebate_users.user_id,
                           acknowledgement.id AS acknowledgement_id,
                           acknowledgement.id IS NOT NULL AS acknowledged,
                           acknowledgement.acknowledged_on
                      FROM rebate_policy policy
                      JOIN res_company_users_rel works_for ON works_for.cid = policy.company_id
                      JOIN rebate_users ON rebate_users.user_id = works_for.user_id
                 LEFT JOIN rebate_policy_acknowledgement acknowledgement
                        ON acknowledgement.policy_id = policy.id
                       AND acknowledgement.user_id = rebate_users.user_id
                     WHERE policy.state = 'published'
                )
                """,
                view=SQL.identifier(self._table),
            )
        )
