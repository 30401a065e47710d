from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.customer_rebate.models.client_values_mixin import check_client_values
from odoo.addons.customer_rebate.models.guarded_mixin import client_method
from odoo.addons.customer_rebate.tools import guard

# Who must have acknowledged the current policy before submitting or approving agreements
# (the manager and accountant groups imply it).
REBATE_USER_GROUP = "customer_rebate.group_rebate_user"
# The fields of a policy version's text: frozen once published.
CONTENT_FIELDS = frozenset(
    {"name", "company_id", "body", "attachment", "attachment_filename", "effective_date"}
)


class RebatePolicy(models.Model):
    """One version of the company's rebate compliance policy (返利合规政策) or training
    material. A manager drafts it and publishes it; publishing supersedes the version in
    force, and every rebate user acknowledges the new version before submitting or
    approving agreements again. A published version is never edited: a change is a new
    version."""

    _name = "rebate.policy"
    _inherit = ["rebate.guarded.mixin", "mail.thread"]
    _description = "Rebate Compliance Policy Version"
    _order = "company_id, version desc, id desc"
    _check_company_auto = True
    _guarded_fields = ("state", "version", "published_by_id", "published_on", "superseded_on")

    _version_unique = models.UniqueIndex(
        "(company_id, version)", "A company has each policy version number only once."
    )
    _one_published = models.UniqueIndex(
        "(company_id) WHERE state = 'published'",
        "A company has one published policy version at a time.",
    )

    name = fields.Char(
        string="Title", required=True, tracking=True, default=lambda self: self._default_name()
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    version = fields.Integer(
        readonly=True,
        copy=False,
        default=0,
        help="Numbered 1, 2, 3… per company when the version is created.",
    )
    body = fields.Html(string="Policy Text", sanitize_style=True)
    attachment = fields.Binary(
        string="Document", attachment=True, help="The policy or training material as a file."
    )
    attachment_filename = fields.Char(string="File Name")
    effective_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True, help="Applies from."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("superseded", "Superseded")],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    published_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    published_on = fields.Datetime(readonly=True, copy=False)
    superseded_on = fields.Datetime(readonly=True, copy=False)
    acknowledgement_ids = fields.One2many(
        "rebate.policy.acknowledgement", "policy_id", string="Acknowledgements", readonly=True
    )
    acknowledgement_count = fields.Integer(compute="_compute_acknowledgement_count")
    acknowledged_by_me = fields.Boolean(
        string="I Acknowledged", compute="_compute_my_acknowledgement"
    )
    my_acknowledgement_date = fields.Datetime(
        string="I Acknowledged On", compute="_compute_my_acknowledgement"
    )

    @api.model
    def _default_name(self):
        return self.env._("Rebate Compliance Policy")

    @api.depends("acknowledgement_ids")
    def _compute_acknowledgement_count(self):
        counts = dict(
            self.env["rebate.policy.acknowledgement"]
            .sudo()
            ._read_group([("policy_id", "in", self.ids)], ["policy_id"], ["__count"])
        )
        for policy in self:
            policy.acknowledgement_count = counts.get(policy._origin, 0)

    @api.depends_context("uid")
    def _compute_my_acknowledgement(self):
        mine = {
            ack.policy_id: ack.acknowledged_on
            for ack in self.env["rebate.policy.acknowledgement"]
            .sudo()
            .search([("policy_id", "in", self.ids), ("user_id", "=", self.env.uid)])
        }
        for policy in self:
            policy.my_acknowledgement_date = mine.get(policy._origin, False)
            policy.acknowledged_by_me = policy._origin in mine

    @api.depends("name", "version")
    def _compute_display_name(self):
        for policy in self:
            policy.display_name = self.env._(
                "%(name)s (version %(version)s)", name=policy.name or "", version=policy.version
            )

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        self._guard_check_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]
        following = {}
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            if company.id not in following:
                # Numbered from the database, drafts and deleted numbers aside: the unique
                # index refuses a number two managers would take at the same moment.
                self.env.cr.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM rebate_policy WHERE company_id = %s",
                    [company.id],
                )
                following[company.id] = self.env.cr.fetchone()[0]
            following[company.id] += 1
            vals["version"] = following[company.id]
        with guard.internal_writes(self._name):
            return super().create(vals_list)

    def write(self, vals):
        if not self._guard_is_open() and CONTENT_FIELDS.intersection(vals):
            frozen = self.filtered(lambda policy: policy.state != "draft")
            if frozen:
                raise UserError(
                    self.env._(
                        "%(policy)s is %(state)s: its text is what users acknowledged and "
                        "cannot change. Create a new version instead. Nothing was saved.",
                        policy=frozen[0].display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            frozen[0].state
                        ],
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(policy.state != "draft" for policy in self):
            raise UserError(
                self.env._(
                    "Only draft policy versions can be deleted: a published version is part "
                    "of the record of what users acknowledged."
                )
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            vals.pop("version", None)
        return vals_list

    # ------------------------------------------------------------------ queries

    @api.model
    def _current_for(self, companies):
        """{company: its published policy version} for the companies that have one."""
        policies = self.sudo().search(
            [("company_id", "in", companies.ids), ("state", "=", "published")]
        )
        return {policy.company_id: policy for policy in policies}

    @api.model
    def _to_acknowledge(self, company, user=None):
        """The company's published version that `user` (default: the current user) must
        acknowledge before submitting or approving its rebate agreements, or an empty
        recordset: users outside the Rebates groups, and companies with no published
        version, are never held up."""
        user = user or self.env.user
        if not user.has_group(REBATE_USER_GROUP):
            return self.browse()
        policy = self._current_for(company).get(company, self.browse())
        if not policy or policy._acknowledged_by(user):
            return self.browse()
        return policy

    def _where_to_acknowledge(self):
        """What the user does, as a refusal message says it."""
        self.ensure_one()
        return self.env._(
            "read and acknowledge %(policy)s: open %(menu)s and press 'I Have Read and "
            "Acknowledge'",
            policy=self.display_name,
            menu=self.env._("Rebates › Audit › Policy"),  # noqa: RUF001
        )

    def _acknowledged_by(self, user):
        self.ensure_one()
        return bool(
            self.env["rebate.policy.acknowledgement"]
            .sudo()
            .search_count([("policy_id", "=", self.id), ("user_id", "=", user.id)], limit=1)
        )

    # ------------------------------------------------------------------ actions

    def _check_publisher(self):
        user = self.env.user
        if not (
            user.has_group("customer_rebate.group_rebate_manager")
            or user.has_group("base.group_system")
        ):
            raise AccessError(
                self.env._("Only rebate managers and administrators publish the rebate policy.")
            )

    @client_method(single=True)
    def action_publish(self):
        """Publish this draft version: the company's version in force is superseded, and
        every rebate user is asked to acknowledge this one."""
        self._check_publisher()
        self.check_access("write")
        company_policies = self.sudo().search([("company_id", "=", self.company_id.id)])
        company_policies._lock_rows()
        if self.state != "draft":
            raise UserError(
                self.env._("%s is not a draft: only a draft is published.", self.display_name)
            )
        if not (self.body and self.body.striptags().strip()) and not self.attachment:
            raise UserError(
                self.env._(
                    "%s has no text and no document: write the policy or attach it before "
                    "publishing. Nothing was published.",
                    self.display_name,
                )
            )
        current = company_policies.filtered(lambda policy: policy.state == "published")
        if current and current.version > self.version:
            raise UserError(
                self.env._(
                    "%(draft)s is older than %(current)s, which is published: publish a newer "
                    "version, or delete this draft. Nothing was published.",
                    draft=self.display_name,
                    current=current.display_name,
                )
            )
        now = fields.Datetime.now()
        if current:
            current._guarded_write({"state": "superseded", "superseded_on": now})
            # Before this version's state: one published version per company (unique index).
            current.flush_recordset(["state"])
            current.message_post(
                body=self.env._("Superseded by %s.", self.display_name),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self._guarded_write(
            {"state": "published", "published_by_id": self.env.uid, "published_on": now}
        )
        return True

    @client_method(single=True)
    def action_acknowledge(self):
        """'I have read and acknowledge': the current user, now, on the version in force.
        Nobody acknowledges for someone else, on another date or another version."""
        if self.env.user.share:
            raise AccessError(self.env._("Only the company's staff acknowledge its policy."))
        self.check_access("read")
        self._lock_rows()
        if self.state != "published":
            raise UserError(
                self.env._(
                    "%s is not the version in force: acknowledge the published version.",
                    self.display_name,
                )
            )
        if not self._acknowledged_by(self.env.user):
            self.env["rebate.policy.acknowledgement"]._guarded_create(
                [{"policy_id": self.id, "user_id": self.env.uid}]
            )
        return True

    @client_method(single=True)
    def action_view_acknowledgements(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate_audit.action_rebate_policy_acknowledgement"
        )
        action["domain"] = [("policy_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def action_open_current(self):
        """Rebates > Audit > Policy: the version in force of the user's company (or, for a
        manager, the list when there is none yet)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate_audit.action_rebate_policy"
        )
        current = self._current_for(self.env.company).get(self.env.company)
        if current and current.has_access("read"):
            action.update(res_id=current.id, view_mode="form", views=[(False, "form")])
        return action
