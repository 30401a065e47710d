from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.customer_rebate.models.guarded_mixin import client_method

from .rebate_control import DEDUP_STATES, SEVERITIES

AUDITOR = "customer_rebate_audit.group_rebate_auditor"
FINANCE_GROUPS = ("customer_rebate.group_rebate_manager", "customer_rebate.group_rebate_accountant")
# The records a finding may be about.
RECORD_MODELS = [
    ("rebate.agreement", "Rebate Agreement"),
    ("rebate.settlement", "Rebate Settlement"),
    ("rebate.entry", "Rebate Ledger Entry"),
    ("rebate.statement", "Rebate Statement"),
    ("rebate.balance.line", "Rebate Balance"),
    ("res.partner", "Customer"),
]
# What an auditor writes on a finding, and what its responsible person writes.
AUDITOR_FIELDS = frozenset(
    {
        "title",
        "description",
        "severity",
        "user_id",
        "date_deadline",
        "record_ref",
        "campaign_id",
        "campaign_item_id",
        "audit_note",
        "resolution_note",
        "company_id",
    }
)
RESPONSIBLE_FIELDS = frozenset({"corrective_action", "resolution_note"})
# Chatter, followers and activities: whoever may read the finding may follow it.
MAIL_FIELDS = frozenset({"message_follower_ids", "activity_ids", "message_ids"})
CLOSED_STATES = ("closed", "accepted")


class RebateAuditFinding(models.Model):
    """Something an auditor or a control check found: what, on which record, how severe,
    who fixes it by when, and how it ended.

    Auditors record findings and their notes, and close them or accept the risk; the
    rebate manager or accountant it is assigned to writes the corrective action and marks
    it resolved. The state changes only through the buttons, which check who presses them."""

    _name = "rebate.audit.finding"
    _description = "Rebate Audit Finding"
    _inherit = ["rebate.guarded.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = (
        "name",
        "state",
        "control_id",
        "resolved_by_id",
        "resolved_date",
        "closed_by_id",
        "closed_date",
    )

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    title = fields.Char(required=True, tracking=True, help="The finding in one line.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    source = fields.Selection(
        [("control", "Control check"), ("campaign", "Audit campaign"), ("manual", "Manual")],
        compute="_compute_source",
        store=True,
        index=True,
    )
    control_id = fields.Many2one("rebate.control", readonly=True, index=True, ondelete="restrict")
    campaign_id = fields.Many2one(
        "rebate.audit.campaign",
        index=True,
        check_company=True,
        # A signed-off campaign takes no more findings (_check_campaign_open).
        domain="[('state', '!=', 'signed_off')]",
    )
    campaign_item_id = fields.Many2one(
        "rebate.audit.campaign.item",
        string="Sampled Item",
        domain="[('campaign_id', '=', campaign_id)]",
    )
    record_ref = fields.Reference(
        RECORD_MODELS, string="Related Record", index=True, help="The record the finding is about."
    )
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    description = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
        help="The rebate manager or accountant who fixes it.",
    )
    date_deadline = fields.Date(string="Due Date", tracking=True)
    corrective_action = fields.Text(
        tracking=True, help="What the responsible person did, or will do, about it."
    )
    audit_note = fields.Text(string="Auditor's Notes")
    resolution_note = fields.Text(
        string="Resolution Notes", help="How the finding ended: fixed, or why the risk is accepted."
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("in_progress", "In Progress"),
            ("resolved", "Resolved"),
            ("accepted", "Risk Accepted"),
            ("closed", "Closed"),
        ],
        required=True,
        default="open",
        readonly=True,
        tracking=True,
        index=True,
        group_expand=True,
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    closed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    is_overdue = fields.Boolean(compute="_compute_is_overdue")
    # What the current user may do on the form; the write and the buttons check the same.
    can_edit = fields.Boolean(
        string="May Edit the Finding",
        compute="_compute_can_edit",
        help="An auditor: records the finding and its notes, closes it or accepts its risk.",
    )
    can_correct = fields.Boolean(
        string="May Write the Corrective Action",
        compute="_compute_can_edit",
        help="The finding's responsible person, in finance: writes the corrective action and "
        "marks it resolved.",
    )

    @api.depends("control_id", "campaign_id")
    def _compute_source(self):
        for finding in self:
            if finding.control_id:
                finding.source = "control"
            elif finding.campaign_id:
                finding.source = "campaign"
            else:
                finding.source = "manual"

    @api.depends("date_deadline", "state")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for finding in self:
            finding.is_overdue = bool(
                finding.date_deadline
                and finding.date_deadline < today
                and finding.state in ("open", "in_progress")
            )

    @api.depends_context("uid")
    @api.depends("user_id")
    def _compute_can_edit(self):
        is_auditor = self._is_auditor()
        for finding in self:
            finding.can_edit = is_auditor
            finding.can_correct = finding._is_responsible()

    @api.depends("name", "title")
    def _compute_display_name(self):
        for finding in self:
            finding.display_name = " - ".join(
                part for part in (finding.name, finding.title) if part
            )

    # ------------------------------------------------------------------ who may do what

    def _is_auditor(self):
        return self.env.user.has_group(AUDITOR)

    def _is_responsible(self):
        """The current user is the finding's responsible person and works in finance."""
        self.ensure_one()
        user = self.env.user
        return self.user_id == user and any(user.has_group(group) for group in FINANCE_GROUPS)

    def _check_auditor(self):
        if not self.env.su and not self._is_auditor():
            raise AccessError(self.env._("Only an auditor may do this with an audit finding."))

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        if not self._guard_is_open():
            self._check_auditor()
        findings = super().create(vals_list)
        for finding in findings:
            finding._guarded_write(
                {
                    "name": self.env["ir.sequence"]
                    .with_company(finding.company_id)
                    .next_by_code("rebate.audit.finding")
                    or "/"
                }
            )
        findings._check_campaign_open()
        findings._follow_responsible()
        findings._notify_responsible()
        return findings

    def write(self, vals):
        if not self._guard_is_open() and not self.env.su:
            self._check_write_allowed(vals)
        result = super().write(vals)
        if "campaign_id" in vals:
            self._check_campaign_open()
        if vals.get("user_id"):
            self._follow_responsible()
            self._notify_responsible()
        return result

    def _check_write_allowed(self, vals):
        """Auditors write the finding and their notes; its responsible person writes the
        corrective action; nobody changes a closed finding."""
        names = set(vals) - MAIL_FIELDS
        if not names:
            return
        for finding in self:
            if finding.state in CLOSED_STATES:
                raise UserError(
                    self.env._(
                        "Finding %s is closed: it is kept as it ended. Open a new finding instead.",
                        finding.name,
                    )
                )
            allowed = set()
            if self._is_auditor():
                allowed |= AUDITOR_FIELDS
            if finding._is_responsible():
                allowed |= RESPONSIBLE_FIELDS
            refused = names - allowed
            if refused:
                labels = ", ".join(
                    sorted(
                        self._fields[name].get_description(self.env)["string"]
                        for name in refused
                        if name in self._fields
                    )
                )
                raise AccessError(
                    self.env._(
                        "You may not change %(fields)s of finding %(name)s: auditors record "
                        "findings, the responsible person writes the corrective action.",
                        fields=labels,
                        name=finding.name,
                    )
                )

    def _check_campaign_open(self):
        for finding in self:
            if finding.campaign_id.state == "signed_off" and not self._guard_is_open():
                raise UserError(
                    self.env._(
                        "Campaign %s is signed off: findings can no longer be added to it.",
                        finding.campaign_id.name,
                    )
                )
            item = finding.campaign_item_id
            if item and item.campaign_id != finding.campaign_id:
                raise UserError(
                    self.env._("The sampled item must belong to the finding's campaign.")
                )

    def _follow_responsible(self):
        for finding in self:
            if finding.user_id:
                finding.message_subscribe(partner_ids=finding.user_id.partner_id.ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Audit findings are never deleted: close them or accept the risk.")
        )

    # ------------------------------------------------------------------ control hits

    @api.model
    def _raise_from_hits(self, control, hits):
        """A finding per hit of `control`, unless one is still open (or resolved, or its
        risk accepted) for the same control and record. Returns the new findings."""
        if not hits:
            return self.browse()
        refs = [f"{record._name},{record.id}" for record, _message in hits]
        existing = {
            row["record_ref"]
            for row in self.sudo().search_read(
                [
                    ("control_id", "=", control.id),
                    ("record_ref", "in", refs),
                    ("state", "in", DEDUP_STATES),
                ],
                ["record_ref"],
            )
        }
        deadline = fields.Date.context_today(self) + timedelta(days=control.days_to_fix)
        vals_list = []
        seen = set(existing)
        # The title in the language of the company whose books the hit concerns (a job
        # run in English left Chinese auditors English titles), one read per language.
        titles = {}
        for (record, message), ref in zip(hits, refs, strict=True):
            if ref in seen:
                continue
            seen.add(ref)
            company = self._company_of(record)
            lang = company.partner_id.lang or self.env.lang
            if lang not in titles:
                titles[lang] = control.with_context(lang=lang).name
            vals_list.append(
                {
                    "title": titles[lang],
                    "control_id": control.id,
                    "record_ref": ref,
                    "company_id": self._company_of(record).id,
                    "severity": control.severity,
                    "description": message,
                    "user_id": self._responsible_of(record).id,
                    "date_deadline": deadline,
                }
            )
        return self._guarded_create(vals_list)

    @api.model
    def _company_of(self, record):
        return record.company_id if "company_id" in record._fields else self.env.company

    @api.model
    def _responsible_of(self, record):
        """Who answers for the record, in finance (only finance writes a corrective action
        and resolves a finding; a sales rep cannot even open one): the agreement's
        responsible person if a rebate manager or accountant, else the latest manager who
        approved the agreement, else the company's first rebate manager."""
        record = record.sudo()
        if record._name == "rebate.agreement":
            agreement = record
        elif record._name == "rebate.statement":
            agreement = record.line_ids.agreement_id[:1]
        elif "agreement_id" in record._fields:
            agreement = record.agreement_id
        else:
            agreement = self.env["rebate.agreement"]
        approvers = (
            agreement.approval_ids.filtered(lambda approval: approval.decision == "approved")
            .sorted("date", reverse=True)
            .user_id
        )
        for user in agreement.user_id | approvers:
            if user.active and any(user.has_group(group) for group in FINANCE_GROUPS):
                return user
        return self._company_of(record)._rebate_staff("customer_rebate.group_rebate_manager")[:1]

    def _notify_responsible(self):
        for finding in self.filtered(lambda finding: finding.user_id and not finding.user_id.share):
            finding.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=finding.date_deadline,
                summary=finding.with_context(lang=finding.user_id.lang).env._(
                    "Audit finding %s: say what you do about it", finding.name
                ),
                user_id=finding.user_id.id,
            )

    # ------------------------------------------------------------------ workflow

    def _lock_for_action(self, allowed_states):
        self.check_access("read")
        self._lock_rows()
        labels = dict(self._fields["state"]._description_selection(self.env))
        for finding in self:
            if finding.state not in allowed_states:
                raise UserError(
                    self.env._(
                        "Finding %(name)s is %(state)s: this step is not possible now.",
                        name=finding.name,
                        state=labels[finding.state],
                    )
                )

    @client_method()
    def action_start(self):
        """Open → in progress: the responsible person (or an auditor) takes it up."""
        self._lock_for_action(("open",))
        for finding in self:
            if not (finding._is_responsible() or self._is_auditor()):
                raise AccessError(
                    self.env._(
                        "Only the finding's responsible person or an auditor starts work on %s.",
                        finding.name,
                    )
                )
        self._guarded_write({"state": "in_progress"})
        return True

    @client_method()
    def action_resolve(self):
        """The responsible person says it is fixed, with the corrective action written."""
        self._lock_for_action(("open", "in_progress"))
        for finding in self:
            if not finding._is_responsible():
                raise AccessError(
                    self.env._(
                        "Only %(user)s, responsible for finding %(name)s, marks it resolved.",
                        user=finding.user_id.name or self.env._("its responsible person"),
                        name=finding.name,
                    )
                )
            if not (finding.corrective_action or "").strip():
                raise UserError(
                    self.env._(
                        "Write the corrective action of finding %s before marking it resolved.",
                        finding.name,
                    )
                )
        self._guarded_write(
            {
                "state": "resolved",
                "resolved_by_id": self.env.uid,
                "resolved_date": fields.Datetime.now(),
            }
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    @client_method()
    def action_close(self):
        """An auditor checks the correction and closes the finding; not the person who
        resolved it."""
        self._check_auditor()
        self._lock_for_action(("resolved",))
        for finding in self:
            if finding.resolved_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You resolved finding %s: another auditor must check and close it.",
                        finding.name,
                    )
                )
        self._close("closed")
        return True

    @client_method()
    def action_accept_risk(self):
        """An auditor accepts the risk, saying why in the resolution notes."""
        self._check_auditor()
        self._lock_for_action(("open", "in_progress", "resolved"))
        for finding in self:
            if not (finding.resolution_note or "").strip():
                raise UserError(
                    self.env._(
                        "Say in the resolution notes why the risk of finding %s is accepted.",
                        finding.name,
                    )
                )
        self._close("accepted")
        return True

    @client_method()
    def action_reopen(self):
        """An auditor sends a resolved finding back: the correction is not enough."""
        self._check_auditor()
        self._lock_for_action(("resolved",))
        self._guarded_write({"state": "in_progress", "resolved_by_id": False})
        return True

    def _close(self, state):
        self._guarded_write(
            {"state": state, "closed_by_id": self.env.uid, "closed_date": fields.Datetime.now()}
        )
        self.sudo().activity_unlink(["mail.mail_activity_data_todo"])

    @client_method(single=True)
    def action_open_record(self):
        self.ensure_one()
        if not self.record_ref:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.record_ref._name,
            "res_id": self.record_ref.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
