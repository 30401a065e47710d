import random
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain

from odoo.addons.customer_rebate.models.guarded_mixin import client_method
from odoo.addons.customer_rebate.tools import guard
from odoo.addons.customer_rebate.tools.ledger import ACCRUAL_TYPES

from .rebate_control import APPROVED_STATES

AUDITOR = "customer_rebate_audit.group_rebate_auditor"
# What the sample is drawn by; fixed once the sample is drawn.
SAMPLING_FIELDS = frozenset(
    {
        "company_id",
        "date_from",
        "date_to",
        "scope",
        "agreement_ids",
        "partner_ids",
        "population",
        "sampling_method",
        "seed",
        "sample_size",
    }
)
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
CHECK_RESULTS = [("pass", "Pass"), ("fail", "Fail"), ("na", "Not applicable")]
MAX_SEED = 2**31 - 1


class RebateAuditCampaign(models.Model):
    """An audit of the rebates of a period: a sample of settlements or ledger entries drawn
    reproducibly (a recorded seed, or by risk), each item checked against a checklist,
    the findings it led to, and the auditor's sign-off, after which it is read-only."""

    _name = "rebate.audit.campaign"
    _description = "Rebate Audit Campaign"
    _inherit = ["rebate.guarded.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    _guarded_fields = (
        "reference",
        "state",
        "signed_by_id",
        "signed_date",
        "item_ids",
        "population_count",
    )

    name = fields.Char(
        required=True, tracking=True, help="What is audited, e.g. '2027 Q1 payouts'."
    )
    reference = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(string="Period From", required=True, tracking=True)
    date_to = fields.Date(string="Period To", required=True, tracking=True)
    scope = fields.Selection(
        [
            ("all", "All agreements"),
            ("agreements", "Chosen agreements"),
            ("customers", "Chosen customers"),
        ],
        required=True,
        default="all",
        tracking=True,
    )
    agreement_ids = fields.Many2many("rebate.agreement", string="Agreements", check_company=True)
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", domain="[('is_company', '=', True)]"
    )
    population = fields.Selection(
        [("settlement", "Posted settlements"), ("entry", "Ledger entries")],
        required=True,
        default="settlement",
        tracking=True,
        help="What is sampled: settlements posted in the period, or ledger entries dated in it.",
    )
    sampling_method = fields.Selection(
        [
            ("random", "Random (recorded seed)"),
            ("largest", "Largest amounts"),
            ("control_hits", "Records with control findings"),
        ],
        required=True,
        default="random",
        tracking=True,
    )
    seed = fields.Integer(
        default=lambda self: random.SystemRandom().randint(1, MAX_SEED),
        tracking=True,
        help="The same seed draws the same sample from the same records: anyone can redraw it.",
    )
    sample_size = fields.Integer(required=True, default=10, tracking=True)
    population_count = fields.Integer(
        string="Population Size", readonly=True, help="How many records the sample was drawn from."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("in_progress", "In Progress"), ("signed_off", "Signed Off")],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
    )
    item_ids = fields.One2many("rebate.audit.campaign.item", "campaign_id", string="Sample")
    finding_ids = fields.One2many("rebate.audit.finding", "campaign_id", string="Findings")
    finding_count = fields.Integer(compute="_compute_counts")
    exception_count = fields.Integer(string="Exceptions", compute="_compute_counts")
    conclusion = fields.Text(help="The auditor's conclusion, printed with the sign-off.")
    signed_by_id = fields.Many2one("res.users", string="Signed Off By", readonly=True, copy=False)
    signed_date = fields.Datetime(string="Signed Off On", readonly=True, copy=False)
    can_reset_draft = fields.Boolean(
        string="Can Go Back to Draft",
        compute="_compute_can_reset_draft",
        help="In progress, and no sampled item checked yet.",
    )

    @api.depends("state", "item_ids.checked_date")
    def _compute_can_reset_draft(self):
        for campaign in self:
            campaign.can_reset_draft = campaign.state == "in_progress" and not any(
                campaign.item_ids.mapped("checked_date")
            )

    @api.depends("finding_ids", "item_ids.result")
    def _compute_counts(self):
        for campaign in self:
            campaign.finding_count = len(campaign.finding_ids)
            campaign.exception_count = len(
                campaign.item_ids.filtered(lambda item: item.result == "exception")
            )

    @api.constrains("date_from", "date_to", "sample_size", "seed")
    def _check_parameters(self):
        for campaign in self:
            if campaign.date_to < campaign.date_from:
                raise ValidationError(
                    self.env._(
                        "Campaign %(name)s: the period ends (%(end)s) before it starts "
                        "(%(start)s). Set an end date on or after the start date.",
                        name=campaign.name,
                        end=campaign.date_to,
                        start=campaign.date_from,
                    )
                )
            if campaign.sample_size < 1:
                raise ValidationError(
                    self.env._("Campaign %s: the sample size must be at least 1.", campaign.name)
                )
            if not 0 <= campaign.seed <= MAX_SEED:
                raise ValidationError(
                    self.env._("The seed is a whole number from 0 to %s.", MAX_SEED)
                )

    # ------------------------------------------------------------------ ORM

    def _check_auditor(self):
        if not self.env.su and not self.env.user.has_group(AUDITOR):
            raise AccessError(self.env._("Only auditors run audit campaigns."))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_auditor()
        campaigns = super().create(vals_list)
        for campaign in campaigns:
            campaign._guarded_write(
                {
                    "reference": self.env["ir.sequence"]
                    .with_company(campaign.company_id)
                    .next_by_code("rebate.audit.campaign")
                    or "/"
                }
            )
        return campaigns

    def _guard_check_write(self, vals):
        # The Sample tab saves the auditor's results and notes through the campaign: updates
        # of its own items pass here, and the item's own write checks them; drawing or
        # removing items stays the campaign's own work.
        commands = vals.get("item_ids")
        if commands and all(
            isinstance(command, (list, tuple))
            and len(command) == 3
            and command[0] == Command.UPDATE
            and command[1] in self.item_ids.ids
            for command in commands
        ):
            vals = {name: value for name, value in vals.items() if name != "item_ids"}
        return super()._guard_check_write(vals)

    def write(self, vals):
        if not self._guard_is_open():
            self._check_auditor()
            mail_only = not (set(vals) - {"message_follower_ids", "activity_ids", "message_ids"})
            signed = self.filtered(lambda campaign: campaign.state == "signed_off")
            if signed and not mail_only:
                raise UserError(
                    self.env._(
                        "Campaign %s is signed off: it is kept as signed. Nothing was saved.",
                        signed[0].name,
                    )
                )
            drawn = self.filtered(lambda campaign: campaign.item_ids or campaign.state != "draft")
            if drawn and SAMPLING_FIELDS.intersection(vals):
                raise UserError(
                    self.env._(
                        "The sample of campaign %s is drawn: its period, scope and sampling "
                        "no longer change. Clear the sample first (draft only), or start "
                        "another campaign.",
                        drawn[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(campaign.state != "draft" for campaign in self):
            raise UserError(self.env._("Only draft campaigns can be deleted."))

    # ------------------------------------------------------------------ sampling

    def _population_domain(self):
        self.ensure_one()
        if self.population == "settlement":
            domain = Domain(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "posted"),
                    ("posted_date", ">=", self.date_from),
                    ("posted_date", "<=", self.date_to),
                ]
            )
        else:
            domain = Domain(
                [
                    ("company_id", "=", self.company_id.id),
                    ("entry_type", "!=", "settlement"),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                ]
            )
        if self.scope == "agreements":
            domain &= Domain("agreement_id", "in", self.agreement_ids.ids)
        elif self.scope == "customers":
            domain &= Domain("partner_id", "in", self.partner_ids.ids)
        return domain

    def _population_model(self):
        return self.env[
            "rebate.settlement" if self.population == "settlement" else "rebate.entry"
        ].sudo()

    def _draw_sample(self):
        """(population size, [record ids]): the sample the campaign's method gives, from
        the candidates in id order, whatever order the database returns them in."""
        self.ensure_one()
        Model = self._population_model()
        candidates = Model.search(self._population_domain(), order="id")
        ids = candidates.ids
        size = min(self.sample_size, len(ids))
        if self.sampling_method == "random":
            return len(ids), random.Random(self.seed).sample(ids, size)
        if self.sampling_method == "largest":
            amount = "amount_earned" if self.population == "settlement" else "amount_company"
            ranked = sorted(candidates, key=lambda record: (-abs(record[amount]), record.id))
            return len(ids), [record.id for record in ranked[:size]]
        findings = (
            self.env["rebate.audit.finding"]
            .sudo()
            .search(
                [
                    ("source", "=", "control"),
                    ("record_ref", "in", [f"{Model._name},{record_id}" for record_id in ids]),
                ]
            )
        )
        risk = defaultdict(int)
        for finding in findings:
            record_id = finding.record_ref.id
            risk[record_id] = max(risk[record_id], SEVERITY_RANK[finding.severity])
        ranked = sorted(risk, key=lambda record_id: (-risk[record_id], record_id))
        return len(ids), ranked[:size]

    @client_method()
    def action_draw_sample(self):
        """Draw (or draw again) the sample of a draft campaign."""
        self._check_auditor()
        self.check_access("write")
        self._lock_rows()
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(
                    self.env._("The sample of campaign %s is already being audited.", campaign.name)
                )
            population, sample = campaign._draw_sample()
            field = "settlement_id" if campaign.population == "settlement" else "entry_id"
            with guard.internal_writes("rebate.audit.campaign.item"):
                campaign.sudo().item_ids.unlink()
                campaign._guarded_write(
                    {
                        "population_count": population,
                        "item_ids": [
                            Command.create({"sequence": index, field: record_id})
                            for index, record_id in enumerate(sample, start=1)
                        ],
                    }
                )
        return True

    @client_method()
    def action_start(self):
        self._check_auditor()
        self.check_access("write")
        self._lock_rows()
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(self.env._("Campaign %s has already started.", campaign.name))
            if not campaign.item_ids:
                raise UserError(
                    self.env._(
                        "Draw the sample of campaign %s first: there is nothing to audit yet.",
                        campaign.name,
                    )
                )
        self._guarded_write({"state": "in_progress"})
        return True

    @client_method()
    def action_reset_draft(self):
        """Back to draft, to change the sampling: only while nothing was checked yet."""
        self._check_auditor()
        self.check_access("write")
        self._lock_rows()
        for campaign in self:
            if campaign.state != "in_progress" or campaign.item_ids.filtered("checked_date"):
                raise UserError(
                    self.env._(
                        "Campaign %s can go back to draft only while no item has been checked.",
                        campaign.name,
                    )
                )
        self._guarded_write({"state": "draft"})
        return True

    @client_method()
    def action_auto_check(self):
        self._check_auditor()
        self.check_access("write")
        for campaign in self:
            if campaign.state != "in_progress":
                raise UserError(
                    self.env._("Start campaign %s before checking its items.", campaign.name)
                )
        self.item_ids._auto_check()
        return True

    @client_method()
    def action_sign_off(self):
        """The auditor signs the campaign off: who and when are recorded, and from then on
        nothing in it changes."""
        self._check_auditor()
        self.check_access("write")
        self._lock_rows()
        for campaign in self:
            if campaign.state != "in_progress":
                raise UserError(
                    self.env._("Only a campaign in progress can be signed off (%s).", campaign.name)
                )
            pending = campaign.item_ids.filtered(lambda item: item.result == "pending")
            if pending:
                raise UserError(
                    self.env._(
                        "Campaign %(name)s: %(count)s sampled items have no result yet. Check "
                        "every item before signing off.",
                        name=campaign.name,
                        count=len(pending),
                    )
                )
        self._guarded_write(
            {
                "state": "signed_off",
                "signed_by_id": self.env.uid,
                "signed_date": fields.Datetime.now(),
            }
        )
        return True

    @client_method(single=True)
    def action_new_finding(self):
        """Record a finding of this campaign."""
        self._check_auditor()
        if self.state == "signed_off":
            raise UserError(
                self.env._("Campaign %s is signed off: findings can no longer be added.", self.name)
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Finding"),
            "res_model": "rebate.audit.finding",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_campaign_id": self.id,
                "default_company_id": self.company_id.id,
            },
        }

    @client_method(single=True)
    def action_view_findings(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_rebate_audit.action_rebate_audit_finding"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id}
        return action


class RebateAuditCampaignItem(models.Model):
    """One sampled settlement or ledger entry and its checklist. Made only by the
    campaign's draw; the checks are filled by Auto-Check, the auditor writes the result and
    the notes until the campaign is signed off."""

    _name = "rebate.audit.campaign.item"
    _description = "Rebate Audit Campaign Sampled Item"
    _inherit = ["rebate.guarded.mixin"]
    _order = "campaign_id, sequence, id"
    _guarded_fields = (
        "campaign_id",
        "sequence",
        "settlement_id",
        "entry_id",
        "check_contract",
        "check_approval",
        "check_statement",
        "check_amount",
        "recomputed_amount",
        "ledger_amount",
        "check_detail",
        "checked_by_id",
        "checked_date",
    )
    _guarded_records = True

    campaign_id = fields.Many2one(
        "rebate.audit.campaign", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    sequence = fields.Integer(readonly=True)
    settlement_id = fields.Many2one("rebate.settlement", readonly=True, ondelete="restrict")
    entry_id = fields.Many2one(
        "rebate.entry", string="Ledger Entry", readonly=True, ondelete="restrict"
    )
    agreement_id = fields.Many2one(
        "rebate.agreement", compute="_compute_document", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_document", store=True
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_document", store=True)
    amount = fields.Monetary(compute="_compute_document", store=True)
    check_contract = fields.Selection(CHECK_RESULTS, string="Contract Attached", readonly=True)
    check_approval = fields.Selection(
        CHECK_RESULTS, string="Approval Trail Complete", readonly=True
    )
    check_statement = fields.Selection(
        CHECK_RESULTS, string="Statement Confirmed by Customer", readonly=True
    )
    check_amount = fields.Selection(CHECK_RESULTS, string="Amount Recomputed", readonly=True)
    recomputed_amount = fields.Monetary(
        readonly=True, help="What the posted invoices earn, recomputed by the rebate engine."
    )
    ledger_amount = fields.Monetary(
        readonly=True, help="What the period's ledger rows (accruals, adjustments) hold."
    )
    check_detail = fields.Text(string="Check Details", readonly=True)
    result = fields.Selection(
        [("pending", "To Check"), ("ok", "No Exception"), ("exception", "Exception")],
        required=True,
        default="pending",
    )
    note = fields.Text(string="Auditor's Notes")
    checked_by_id = fields.Many2one("res.users", readonly=True)
    checked_date = fields.Datetime(readonly=True)

    @api.depends("settlement_id", "entry_id")
    def _compute_document(self):
        for item in self:
            document = item.settlement_id or item.entry_id
            item.agreement_id = document.agreement_id
            item.partner_id = document.partner_id
            item.currency_id = document.currency_id
            item.amount = (
                item.settlement_id.amount_earned if item.settlement_id else item.entry_id.amount
            )

    @api.depends("settlement_id", "entry_id")
    def _compute_display_name(self):
        for item in self:
            item.display_name = (item.settlement_id or item.entry_id).display_name or ""

    def write(self, vals):
        if not self._guard_is_open() and set(vals) & {"result", "note"}:
            if not self.env.user.has_group(AUDITOR):
                raise AccessError(self.env._("Only auditors record the result of a sampled item."))
            if any(item.campaign_id.state != "in_progress" for item in self):
                raise UserError(
                    self.env._(
                        "Results are recorded while the campaign is in progress; a signed-off "
                        "campaign is kept as signed. Nothing was saved."
                    )
                )
        return super().write(vals)

    # ------------------------------------------------------------------ the checklist

    def _auto_check(self):
        """Fill the checklist of these items from the database, in a few batch reads; the
        suggested result is an exception if any check fails."""
        items = self.sudo()
        agreements = (items.settlement_id.agreement_id | items.entry_id.agreement_id).with_context(
            bin_size=True
        )
        contract = {agreement.id: bool(agreement.signed_contract) for agreement in agreements}
        trail = self._approval_trails(agreements)
        statements = self._confirmed_statements(items)
        amounts = self._recomputed_amounts(items)
        for item in items:
            document = item.settlement_id or item.entry_id
            agreement = document.agreement_id
            problems = []
            checks = {"check_contract": "pass" if contract.get(agreement.id) else "fail"}
            if checks["check_contract"] == "fail":
                problems.append(self.env._("no signed contract is attached"))
            trail_problem = trail.get(agreement.id)
            settlement = item.settlement_id
            if (
                not trail_problem
                and settlement.needs_approval
                and settlement.approved_by_id in (settlement.confirmed_by_id, self.env["res.users"])
            ):
                trail_problem = self.env._(
                    "the settlement needed a second person's approval and has none"
                )
            checks["check_approval"] = "fail" if trail_problem else "pass"
            if trail_problem:
                problems.append(trail_problem)
            day = settlement.period_date_to if settlement else item.entry_id.date
            confirmed = any(
                statement.date_from <= day <= statement.date_to
                for statement in statements.get(
                    (document.partner_id.id, document.company_id.id), []
                )
            )
            checks["check_statement"] = "pass" if confirmed else "fail"
            if not confirmed:
                problems.append(self.env._("no statement confirmed by the customer covers it"))
            recomputed, ledger, expected = amounts.get(item.id, (False, False, False))
            if expected is False:
                checks["check_amount"] = "na"
            else:
                currency = document.currency_id
                equal = not currency.compare_amounts(recomputed, expected) and not (
                    currency.compare_amounts(ledger, expected)
                )
                checks["check_amount"] = "pass" if equal else "fail"
                if not equal:
                    problems.append(
                        self.env._(
                            "the amount %(amount)s differs from the recomputation "
                            "(invoices %(recomputed)s, ledger %(ledger)s)",
                            amount=currency.format(expected),
                            recomputed=currency.format(recomputed),
                            ledger=currency.format(ledger),
                        )
                    )
            item._guarded_write(
                {
                    **checks,
                    "recomputed_amount": recomputed or 0.0,
                    "ledger_amount": ledger or 0.0,
                    "check_detail": "\n".join(f"- {problem}" for problem in problems)
                    or self.env._("Every check passed."),
                    "checked_by_id": self.env.uid,
                    "checked_date": fields.Datetime.now(),
                    "result": "exception" if problems else "ok",
                }
            )

    @api.model
    def _approval_trails(self, agreements):
        """{agreement id: what is missing from its approval trail} for those with a gap:
        a submission of the terms in force, and their approval by someone else."""
        approvals = (
            self.env["rebate.agreement.approval"]
            .sudo()
            .search([("agreement_id", "in", agreements.ids), ("is_current", "=", True)], order="id")
        )
        by_agreement = defaultdict(list)
        for approval in approvals:
            by_agreement[approval.agreement_id.id].append(approval)
        gaps = {}
        for agreement in agreements.sudo():
            decisions = by_agreement[agreement.id]
            submissions = [a for a in decisions if a.decision == "submitted"]
            if agreement.state not in APPROVED_STATES:
                gaps[agreement.id] = self.env._("the agreement is not approved")
            elif not submissions:
                gaps[agreement.id] = self.env._("no submission is recorded")
            else:
                submitter = submissions[-1].user_id
                approvers = [
                    a.user_id
                    for a in decisions
                    if a.decision == "approved" and a.id > submissions[-1].id
                ]
                if not approvers:
                    gaps[agreement.id] = self.env._("no approval is recorded")
                elif submitter in approvers:
                    gaps[agreement.id] = self.env._("the submitter approved it")
        return gaps

    @api.model
    def _confirmed_statements(self, items):
        partners = items.settlement_id.partner_id | items.entry_id.partner_id
        if not partners:
            return {}
        statements = (
            self.env["rebate.statement"]
            .sudo()
            .search([("partner_id", "in", partners.ids), ("state", "=", "confirmed")])
        )
        result = defaultdict(list)
        for statement in statements:
            result[statement.partner_id.id, statement.company_id.id].append(statement)
        return result

    @api.model
    def _recomputed_amounts(self, items):
        """{item id: (recomputed, ledger, booked)}: the settlement's amount against the
        period recomputed from the posted invoices by customer_rebate's engine
        (period._recompute_accruals) and against the period's ledger rows, each less what
        earlier settlements of the period paid; for an accrual row, its period's ledger
        against the recomputation."""
        settlements = items.settlement_id
        entries = items.entry_id.filtered(lambda entry: entry.entry_type in ACCRUAL_TYPES)
        periods = settlements.period_id | entries.period_id
        if not periods:
            return {}
        report = {row["period_id"]: row for row in periods._recompute_accruals()}
        sums = defaultdict(float)
        for period, entry_type, amount in (
            self.env["rebate.entry"]
            .sudo()
            ._read_group(
                [("period_id", "in", periods.ids)], ["period_id", "entry_type"], ["amount:sum"]
            )
        ):
            key = "accrued" if entry_type in ACCRUAL_TYPES else entry_type
            sums[period.id, key] += amount
        paid = (
            self.env["rebate.settlement"]
            .sudo()
            .search([("period_id", "in", settlements.period_id.ids), ("state", "=", "posted")])
        )
        result = {}
        for item in items:
            settlement = item.settlement_id
            if settlement:
                period = settlement.period_id
                earlier = sum(
                    other.amount_earned
                    for other in paid
                    if other.period_id == period and other.id < settlement.id
                )
                adjusted = sums[period.id, "adjustment"]
                result[item.id] = (
                    report[period.id]["amount"] + adjusted - earlier,
                    sums[period.id, "accrued"] + adjusted - earlier,
                    settlement.amount_earned,
                )
            elif item.entry_id in entries:
                period = item.entry_id.period_id
                held = sums[period.id, "accrued"]
                result[item.id] = (report[period.id]["amount"], held, held)
        return result
