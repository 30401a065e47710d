from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date
from odoo.tools.misc import format_amount

from odoo.addons.customer_rebate.models.guarded_mixin import client_method
from odoo.addons.customer_rebate.models.rebate_agreement import TERM_FIELDS
from odoo.addons.customer_rebate.tools.ledger import ACCRUAL_TYPES

# Agreements whose terms were in force (approved once and not reopened since).
APPROVED_STATES = ("approved", "expired", "closed")
SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]
# Findings of a control on a record that stop a second one from opening: a closed finding
# was fixed, so the same hit again is a new finding.
DEDUP_STATES = ("open", "in_progress", "resolved", "accepted")


class RebateControl(models.Model):
    """A control check over the rebate books: switched on or off, with its severity and
    parameters, run daily by a job and on demand. Each hit (a record and what is wrong with
    it) becomes an audit finding, once per record while a finding is still open.

    The checks form a registry: the `code` selection and one `_check_<code>` method each,
    returning [(record, message)], built with a few batch queries (never one per record).
    Another module adds a check with `selection_add` on `code` and its `_check_<code>`."""

    _name = "rebate.control"
    _inherit = ["mail.thread", "rebate.client.values.mixin"]
    _description = "Customer Rebate Control Check"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    code = fields.Selection(
        [
            ("entry_unapproved", "Ledger entries without an approved agreement"),
            ("payout_not_customer", "Payout to someone other than the customer company"),
            ("rate_above_policy", "Rate above the policy maximum"),
            ("settlement_above_earned", "Settlement above the earned rebate"),
            ("approved_by_submitter", "Agreement approved by its submitter"),
            ("changed_after_approval", "Agreement terms changed after approval"),
            ("dispute_unresolved", "Statement disputed and unresolved"),
            ("large_adjustment", "Manual adjustment above a threshold"),
            ("backdated_start", "Agreement starting long before its approval"),
            ("payee_not_counterparty", "Payee or bank account not in the counterparty's name"),
            ("paid_before_approval", "Rebate paid while the agreement was not approved"),
            ("same_person_roles", "One person responsible, approver and settler"),
            ("payout_above_accrual", "Payout above the accrued rebate"),
            ("changed_before_settlement", "Terms changed shortly before settlement"),
            ("statement_unconfirmed", "Payout without a statement confirmed by the customer"),
        ],
        required=True,
        help="Which check runs; each has its own method in the code.",
    )
    company_id = fields.Many2one(
        "res.company", help="Only this company's records; empty: every company."
    )
    enabled = fields.Boolean(
        default=True, tracking=True, help="Switched off, neither the daily job nor Run All run it."
    )
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    threshold_amount = fields.Float(
        tracking=True,
        help="Amount in company currency above which the check fires (where it uses one).",
    )
    days = fields.Integer(
        tracking=True, help="Number of days the check allows (where it uses one)."
    )
    rate_limit = fields.Float(
        string="Maximum Rate (%)",
        tracking=True,
        help="Highest rate allowed; empty: the company's finance approval rate limit.",
    )
    days_to_fix = fields.Integer(
        string="Days to Fix", default=30, help="Due date of the findings it raises, from today."
    )
    description = fields.Text(translate=True, help="What the check looks for, and why.")
    last_run = fields.Datetime(readonly=True)
    last_hit_count = fields.Integer(string="Hits at Last Run", readonly=True)
    finding_ids = fields.One2many("rebate.audit.finding", "control_id", string="Findings")
    open_finding_count = fields.Integer(compute="_compute_open_finding_count")

    _code_company_uniq = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "Each check exists once per company, and once for every company: switch the "
        "existing control on or off instead of adding it again.",
    )

    @api.constrains("threshold_amount", "days", "rate_limit", "days_to_fix")
    def _check_parameters(self):
        for control in self:
            if min(control.threshold_amount, control.days, control.rate_limit) < 0:
                raise ValidationError(
                    self.env._(
                        "Control %s: the threshold, the days and the maximum rate cannot be "
                        "negative. Enter zero or more.",
                        control.name,
                    )
                )
            if control.rate_limit > 100:
                raise ValidationError(
                    self.env._("The maximum rate is a percentage: enter 100 or less.")
                )
            if control.days_to_fix < 1:
                raise ValidationError(self.env._("Give the findings at least one day to be fixed."))

    def _compute_open_finding_count(self):
        counts = dict(
            self.env["rebate.audit.finding"]._read_group(
                [("control_id", "in", self.ids), ("state", "in", ("open", "in_progress"))],
                ["control_id"],
                ["__count"],
            )
        )
        for control in self:
            control.open_finding_count = counts.get(control, 0)

    # ------------------------------------------------------------------ running

    def _check_may_run(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("customer_rebate_audit.group_rebate_auditor")
            or user.has_group("base.group_system")
        ):
            raise AccessError(self.env._("Only auditors run the control checks."))

    @client_method()
    def action_run(self):
        """Run now: these controls, switched on or not, whatever the schedule."""
        self._check_may_run()
        self.check_access("read")
        findings = self.sudo()._run()
        return self._run_notification(findings)

    @api.model
    def action_run_all(self, _selected_ids=None):
        """Run every control that is switched on (the button on the controls list). The
        list's header button sends the ids of the rows selected, if any (the web client
        always does): every control switched on runs all the same."""
        self._check_may_run()
        findings = self.sudo().search([("enabled", "=", True)])._run()
        return self._run_notification(findings)

    def _run_notification(self, findings):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if findings else "success",
                "title": self.env._("Control checks run"),
                "message": self.env._("%s new findings.", len(findings)),
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_run_controls(self):
        """Daily: every control switched on, one after the other, progress committed."""
        controls = self.sudo().search([("enabled", "=", True)])
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        if in_cron:
            self.env["ir.cron"]._commit_progress(remaining=len(controls))
        for control in controls:
            control._run()
            if in_cron and not self.env["ir.cron"]._commit_progress(1):
                break
        return True

    def _run(self):
        """Run the checks (as the system), raise a finding per new hit; returns them."""
        Finding = self.env["rebate.audit.finding"].sudo()
        created = Finding.browse()
        for control in self.sudo():
            hits = getattr(control, f"_check_{control.code}")()
            created |= Finding._raise_from_hits(control, hits)
            control.write({"last_run": fields.Datetime.now(), "last_hit_count": len(hits)})
        return created

    # ------------------------------------------------------------------ helpers

    def _company_ids(self):
        """The companies the control looks at."""
        self.ensure_one()
        if self.company_id:
            return self.company_id.ids
        return self.env["res.company"].sudo().search([]).ids

    def _today(self):
        return fields.Date.context_today(self)

    def _first_approval_dates(self, agreement_ids):
        """{agreement id: date of its first approval decision}, in one query."""
        if not agreement_ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT agreement_id, MIN(date) FROM rebate_agreement_approval "
                "WHERE decision = 'approved' AND agreement_id IN %s GROUP BY agreement_id",
                tuple(agreement_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _amount_label(self, amount, currency):
        return format_amount(self.env, amount, currency)

    # ------------------------------------------------------------------ the checks

    def _check_entry_unapproved(self):
        """Ledger rows dated before the agreement's first approval (a rebate granted
        afterwards on past sales), or dated on or after the day its terms were reopened
        (amended, cancelled) while it is not approved (e.g. an adjustment entered then), or
        of an agreement never approved."""
        self.ensure_one()
        self.env["rebate.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id, a.state, first_approval.day
                  FROM rebate_entry e
                  JOIN rebate_agreement a ON a.id = e.agreement_id
             LEFT JOIN (SELECT agreement_id, MIN(date)::date AS day
                          FROM rebate_agreement_approval
                         WHERE decision = 'approved' GROUP BY agreement_id) first_approval
                    ON first_approval.agreement_id = a.id
             LEFT JOIN (SELECT agreement_id, MAX(create_date)::date AS day
                          FROM rebate_agreement_revision GROUP BY agreement_id) reopened
                    ON reopened.agreement_id = a.id
                 WHERE e.company_id IN %s
                   AND e.entry_type != 'settlement'
                   AND (first_approval.day IS NULL
                        OR e.date < first_approval.day
                        OR (a.state NOT IN %s
                            AND e.date >= COALESCE(reopened.day, a.write_date::date)))
                 ORDER BY e.id
                """,
                tuple(self._company_ids()),
                APPROVED_STATES,
            )
        )
        rows = self.env.cr.fetchall()
        entries = self.env["rebate.entry"].sudo().browse([row[0] for row in rows])
        states = dict(
            self.env["rebate.agreement"]._fields["state"]._description_selection(self.env)
        )
        hits = []
        for entry, (_id, state, first_day) in zip(entries, rows, strict=True):
            if first_day and entry.date < first_day:
                message = self.env._(
                    "Ledger entry of %(agreement)s dated %(date)s, before the agreement was "
                    "first approved (%(approved)s).",
                    agreement=entry.agreement_id.name,
                    date=format_date(self.env, entry.date),
                    approved=format_date(self.env, first_day),
                )
            else:
                message = self.env._(
                    "Ledger entry of %(agreement)s dated %(date)s, while the agreement is "
                    "%(state)s, not approved.",
                    agreement=entry.agreement_id.name,
                    date=format_date(self.env, entry.date),
                    state=states.get(state, state),
                )
            hits.append((entry, message))
        return hits

    def _settlements(self, extra_domain=()):
        return (
            self.env["rebate.settlement"]
            .sudo()
            .search(
                Domain.AND(
                    [
                        [("company_id", "in", self._company_ids()), ("state", "!=", "cancelled")],
                        list(extra_domain),
                    ]
                ),
                order="id",
            )
        )

    def _check_payout_not_customer(self):
        """The kickback pattern: a payout to a bank account not owned by the agreement's
        customer company, a customer that is a person, or a credit note or payment made
        out to someone else."""
        self.ensure_one()
        settlements = self._settlements()
        # Everything below is read in a few prefetched batches, not a query per record.
        settlements.fetch(["partner_id", "partner_bank_id", "credit_note_id", "payment_id"])
        hits = []
        for settlement in settlements:
            customer = settlement.partner_id
            problems = []
            if not customer.is_company or customer != customer.commercial_partner_id:
                problems.append(self.env._("the customer %s is a person", customer.name))
            bank = settlement.partner_bank_id
            if settlement.payout_method == "payment" and bank and bank.partner_id != customer:
                problems.append(
                    self.env._(
                        "bank account %(account)s belongs to %(holder)s",
                        account=bank.display_name,
                        holder=bank.partner_id.display_name,
                    )
                )
            paid_to = (
                settlement.credit_note_id.commercial_partner_id
                | settlement.payment_id.partner_id.commercial_partner_id
            )
            if paid_to - customer:
                problems.append(
                    self.env._("paid to %s", ", ".join((paid_to - customer).mapped("display_name")))
                )
            if problems:
                hits.append(
                    (
                        settlement,
                        self.env._(
                            "Settlement %(name)s pays someone other than the customer company "
                            "%(customer)s: %(problems)s.",
                            name=settlement.name,
                            customer=customer.display_name,
                            problems="; ".join(problems),
                        ),
                    )
                )
        return hits

    def _check_rate_above_policy(self):
        """Agreements in force or waiting whose highest percentage exceeds the maximum: the
        control's, else the company's finance approval rate limit."""
        self.ensure_one()
        groups = (
            self.env["rebate.agreement.tier"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", self._company_ids()),
                    ("agreement_id.state", "in", ("to_approve", *APPROVED_STATES)),
                    ("agreement_id.calculation_method", "!=", "per_unit"),
                ],
                ["agreement_id"],
                ["rate:max"],
            )
        )
        hits = []
        for agreement, rate in groups:
            limit = self.rate_limit or agreement.company_id.rebate_approval_rate_limit
            if limit and rate > limit:
                hits.append(
                    (
                        agreement,
                        self.env._(
                            "Agreement %(name)s grants %(rate)s %%, above the maximum of "
                            "%(limit)s %%.",
                            name=agreement.name,
                            rate=rate,
                            limit=limit,
                        ),
                    )
                )
        return hits

    def _period_payouts(self):
        """{period: (paid, [settlements])} of the posted settlements, with the period's
        manual adjustments {period: amount}, each in one query."""
        posted = self._settlements([("state", "=", "posted")])
        paid = defaultdict(lambda: [0.0, self.env["rebate.settlement"].sudo()])
        for settlement in posted:
            paid[settlement.period_id][0] += settlement.amount_earned
            paid[settlement.period_id][1] |= settlement
        periods = self.env["rebate.agreement.period"].sudo().union(*paid)
        adjusted = dict(
            self.env["rebate.entry"]
            .sudo()
            ._read_group(
                [("period_id", "in", periods.ids), ("entry_type", "=", "adjustment")],
                ["period_id"],
                ["amount:sum"],
            )
        )
        return paid, adjusted, periods

    def _check_settlement_above_earned(self):
        """Periods whose posted settlements paid more than the period earns today, recomputed
        from the posted invoices by customer_rebate's engine, with manual adjustments."""
        self.ensure_one()
        paid, adjusted, periods = self._period_payouts()
        if not periods:
            return []
        report = {row["period_id"]: row for row in periods._recompute_accruals()}
        hits = []
        for period in periods:
            total, settlements = paid[period]
            earned = report[period.id]["amount"] + adjusted.get(period, 0.0)
            currency = period.agreement_id.currency_id
            if currency.compare_amounts(total, earned) > 0:
                hits.append(
                    (
                        settlements.sorted("id")[-1],
                        self.env._(
                            "Period %(period)s was paid %(paid)s but earns %(earned)s, "
                            "recomputed from the posted invoices.",
                            period=period.display_name,
                            paid=self._amount_label(total, currency),
                            earned=self._amount_label(earned, currency),
                        ),
                    )
                )
        return hits

    def _check_approved_by_submitter(self):
        """Approval decisions given by the person who submitted those terms (the latest
        submission before the decision), whichever way they got into the history."""
        self.ensure_one()
        self.env["rebate.agreement.approval"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (approval.agreement_id) approval.agreement_id, approval.user_id
                  FROM rebate_agreement_approval approval
                  JOIN LATERAL (SELECT submission.user_id
                                  FROM rebate_agreement_approval submission
                                 WHERE submission.agreement_id = approval.agreement_id
                                   AND submission.decision = 'submitted'
                                   AND submission.id < approval.id
                              ORDER BY submission.id DESC LIMIT 1) last_submission ON TRUE
                 WHERE approval.decision = 'approved'
                   AND approval.company_id IN %s
                   AND approval.user_id = last_submission.user_id
              ORDER BY approval.agreement_id, approval.id
                """,
                tuple(self._company_ids()),
            )
        )
        rows = self.env.cr.fetchall()
        agreements = self.env["rebate.agreement"].sudo().browse([row[0] for row in rows])
        users = dict(rows)
        return [
            (
                agreement,
                self.env._(
                    "Agreement %(name)s was approved by %(user)s, who submitted it.",
                    name=agreement.name,
                    user=self.env["res.users"].sudo().browse(users[agreement.id]).name,
                ),
            )
            for agreement in agreements
        ]

    def _check_changed_after_approval(self):
        """Agreements in force whose terms changed after their approval: a tier or scope
        line written after the approval decision, or a tracked change of a term field
        dated after it. The terms are frozen by the application: only a change outside it
        (the database, a script) does this."""
        self.ensure_one()
        self.env["rebate.agreement"].flush_model()
        self.env["rebate.agreement.tier"].flush_model()
        self.env["rebate.agreement.rule"].flush_model()
        term_fields = tuple(sorted(TERM_FIELDS))
        self.env.cr.execute(
            SQL(
                """
                SELECT a.id, MAX(changed.at)
                  FROM rebate_agreement a
                  JOIN (SELECT agreement_id, write_date AS at FROM rebate_agreement_tier
                         UNION ALL
                        SELECT agreement_id, write_date FROM rebate_agreement_rule
                         UNION ALL
                        SELECT message.res_id, message.date
                          FROM mail_tracking_value tracking
                          JOIN mail_message message ON message.id = tracking.mail_message_id
                          JOIN ir_model_fields field ON field.id = tracking.field_id
                         WHERE message.model = 'rebate.agreement'
                           AND field.model = 'rebate.agreement'
                           AND field.name IN %s) changed ON changed.agreement_id = a.id
                 WHERE a.state IN %s
                   AND a.company_id IN %s
                   AND a.approved_date IS NOT NULL
                   AND changed.at > a.approved_date
              GROUP BY a.id
              ORDER BY a.id
                """,
                term_fields,
                APPROVED_STATES,
                tuple(self._company_ids()),
            )
        )
        rows = self.env.cr.fetchall()
        agreements = self.env["rebate.agreement"].sudo().browse([row[0] for row in rows])
        return [
            (
                agreement,
                self.env._(
                    "The terms of agreement %(name)s changed on %(changed)s, after their "
                    "approval on %(approved)s.",
                    name=agreement.name,
                    changed=fields.Datetime.to_string(changed),
                    approved=fields.Datetime.to_string(agreement.approved_date),
                ),
            )
            for agreement, (_id, changed) in zip(agreements, rows, strict=True)
        ]

    def _check_dispute_unresolved(self):
        """Statements disputed by the customer more than N days ago and still unresolved;
        the dispute's date is that of the customer's last message on it (the dispute)."""
        self.ensure_one()
        limit = fields.Datetime.now() - timedelta(days=self.days)
        self.env["rebate.statement"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT s.id, COALESCE(MAX(message.date), s.write_date) AS disputed_at
                  FROM rebate_statement s
             LEFT JOIN mail_message message
                    ON message.model = 'rebate.statement' AND message.res_id = s.id
                   AND message.message_type = 'comment'
                   AND message.author_id IN (SELECT id FROM res_partner
                                              WHERE commercial_partner_id = s.partner_id)
                 WHERE s.state = 'disputed' AND s.company_id IN %s
              GROUP BY s.id
                HAVING COALESCE(MAX(message.date), s.write_date) < %s
              ORDER BY s.id
                """,
                tuple(self._company_ids()),
                limit,
            )
        )
        rows = self.env.cr.fetchall()
        statements = self.env["rebate.statement"].sudo().browse([row[0] for row in rows])
        return [
            (
                statement,
                self.env._(
                    "Statement %(name)s of %(customer)s has been disputed since %(date)s, more "
                    "than %(days)s days, and is not resolved.",
                    name=statement.name,
                    customer=statement.partner_id.display_name,
                    date=format_date(self.env, disputed_at.date()),
                    days=self.days,
                ),
            )
            for statement, (_id, disputed_at) in zip(statements, rows, strict=True)
        ]

    def _check_large_adjustment(self):
        """Manual adjustments above the threshold (company currency, either sign)."""
        self.ensure_one()
        entries = (
            self.env["rebate.entry"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self._company_ids()),
                    ("entry_type", "=", "adjustment"),
                    "|",
                    ("amount_company", ">", self.threshold_amount),
                    ("amount_company", "<", -self.threshold_amount),
                ],
                order="id",
            )
        )
        return [
            (
                entry,
                self.env._(
                    "Manual adjustment of %(amount)s on %(agreement)s by %(user)s, above "
                    "%(threshold)s: %(reason)s",
                    amount=self._amount_label(entry.amount_company, entry.company_currency_id),
                    agreement=entry.agreement_id.name,
                    user=entry.create_uid.name,
                    threshold=self._amount_label(self.threshold_amount, entry.company_currency_id),
                    reason=entry.reason or "",
                ),
            )
            for entry in entries
        ]

    def _check_backdated_start(self):
        """Agreements starting more than N days before they were first approved: a rebate
        granted afterwards on sales already made."""
        self.ensure_one()
        agreements = (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [("company_id", "in", self._company_ids()), ("state", "in", APPROVED_STATES)],
                order="id",
            )
        )
        approved = self._first_approval_dates(agreements.ids)
        hits = []
        for agreement in agreements:
            first = approved.get(agreement.id)
            if first and (first.date() - agreement.date_start).days > self.days:
                hits.append(
                    (
                        agreement,
                        self.env._(
                            "Agreement %(name)s starts on %(start)s but was approved on "
                            "%(approved)s, %(days)s days later.",
                            name=agreement.name,
                            start=format_date(self.env, agreement.date_start),
                            approved=format_date(self.env, first.date()),
                            days=(first.date() - agreement.date_start).days,
                        ),
                    )
                )
        return hits

    def _check_payee_not_counterparty(self):
        """反不正当竞争法 art. 7: the bank account or the payment's payee is not the contract
        counterparty, or the account is not held in its name."""
        self.ensure_one()
        settlements = self._settlements([("payout_method", "=", "payment")])
        settlements.fetch(["partner_id", "partner_bank_id", "payment_id"])
        hits = []
        for settlement in settlements:
            customer = settlement.partner_id
            bank = settlement.partner_bank_id
            holder = (bank.acc_holder_name or "").strip()
            payment = settlement.payment_id
            problems = []
            if holder and holder.casefold() != (customer.name or "").strip().casefold():
                problems.append(self.env._("the account is held by %s", holder))
            if bank and bank.partner_id != customer:
                problems.append(self.env._("the account is %s's", bank.partner_id.display_name))
            if (
                payment
                and payment.partner_bank_id
                and payment.partner_bank_id.partner_id != customer
            ):
                problems.append(
                    self.env._(
                        "the payment went to an account of %s",
                        payment.partner_bank_id.partner_id.display_name,
                    )
                )
            if problems:
                hits.append(
                    (
                        settlement,
                        self.env._(
                            "Settlement %(name)s: the payee is not the contract counterparty "
                            "%(customer)s (%(problems)s).",
                            name=settlement.name,
                            customer=customer.display_name,
                            problems="; ".join(problems),
                        ),
                    )
                )
        return hits

    def _check_paid_before_approval(self):
        """Settlements posted before the agreement was first approved, or of an agreement
        that is not approved (terms reopened, waiting, cancelled)."""
        self.ensure_one()
        posted = self._settlements([("state", "=", "posted")])
        approved = self._first_approval_dates(posted.agreement_id.ids)
        hits = []
        for settlement in posted:
            agreement = settlement.agreement_id
            first = approved.get(agreement.id)
            if agreement.state not in APPROVED_STATES or not first:
                message = self.env._(
                    "Settlement %(name)s was paid while agreement %(agreement)s is not approved.",
                    name=settlement.name,
                    agreement=agreement.name,
                )
            elif settlement.posted_date < first.date():
                message = self.env._(
                    "Settlement %(name)s was paid on %(paid)s, before agreement %(agreement)s "
                    "was approved on %(approved)s.",
                    name=settlement.name,
                    paid=format_date(self.env, settlement.posted_date),
                    agreement=agreement.name,
                    approved=format_date(self.env, first.date()),
                )
            else:
                continue
            hits.append((settlement, message))
        return hits

    def _check_same_person_roles(self):
        """One person is the agreement's responsible, gave an approval of its current terms
        and confirmed the settlement: no second pair of eyes anywhere."""
        self.ensure_one()
        posted = self._settlements([("state", "in", ("confirmed", "approved", "posted"))])
        approvals = (
            self.env["rebate.agreement.approval"]
            .sudo()
            .search(
                [
                    ("agreement_id", "in", posted.agreement_id.ids),
                    ("decision", "=", "approved"),
                    ("is_current", "=", True),
                ]
            )
        )
        approvers = defaultdict(set)
        for approval in approvals:
            approvers[approval.agreement_id.id].add(approval.user_id.id)
        hits = []
        for settlement in posted:
            agreement = settlement.agreement_id
            person = agreement.user_id
            if (
                person
                and person == settlement.confirmed_by_id
                and person.id in approvers[agreement.id]
            ):
                hits.append(
                    (
                        settlement,
                        self.env._(
                            "%(user)s is responsible for agreement %(agreement)s, approved it "
                            "and settled it (%(name)s).",
                            user=person.name,
                            agreement=agreement.name,
                            name=settlement.name,
                        ),
                    )
                )
        return hits

    def _check_payout_above_accrual(self):
        """Periods whose posted payouts exceed what the ledger accrued for them (accruals,
        true-ups and reversals, with manual adjustments)."""
        self.ensure_one()
        paid, adjusted, periods = self._period_payouts()
        accrued = dict(
            self.env["rebate.entry"]
            .sudo()
            ._read_group(
                [("period_id", "in", periods.ids), ("entry_type", "in", ACCRUAL_TYPES)],
                ["period_id"],
                ["amount:sum"],
            )
        )
        hits = []
        for period in periods:
            total, settlements = paid[period]
            held = accrued.get(period, 0.0) + adjusted.get(period, 0.0)
            currency = period.agreement_id.currency_id
            if currency.compare_amounts(total, held) > 0:
                hits.append(
                    (
                        settlements.sorted("id")[-1],
                        self.env._(
                            "Period %(period)s was paid %(paid)s, more than the %(accrued)s "
                            "accrued in the ledger.",
                            period=period.display_name,
                            paid=self._amount_label(total, currency),
                            accrued=self._amount_label(held, currency),
                        ),
                    )
                )
        return hits

    def _check_changed_before_settlement(self):
        """Settlements posted within N days after the agreement's terms were amended: the
        amended terms were submitted again shortly before the payout."""
        self.ensure_one()
        posted = self._settlements([("state", "=", "posted")])
        amended = posted.agreement_id.filtered("revision_ids")
        if not amended:
            return []
        submissions = dict(
            self.env["rebate.agreement.approval"]
            .sudo()
            ._read_group(
                [
                    ("agreement_id", "in", amended.ids),
                    ("decision", "=", "submitted"),
                    ("is_current", "=", True),
                ],
                ["agreement_id"],
                ["date:max"],
            )
        )
        hits = []
        for settlement in posted.filtered(lambda s: s.agreement_id in amended):
            changed = submissions.get(settlement.agreement_id)
            if not changed:
                continue
            gap = (settlement.posted_date - changed.date()).days
            if 0 <= gap <= self.days:
                hits.append(
                    (
                        settlement,
                        self.env._(
                            "The terms of %(agreement)s were changed on %(changed)s, %(days)s "
                            "days before settlement %(name)s was paid.",
                            agreement=settlement.agreement_id.name,
                            changed=format_date(self.env, changed.date()),
                            days=gap,
                            name=settlement.name,
                        ),
                    )
                )
        return hits

    def _check_statement_unconfirmed(self):
        """Posted payouts with no statement confirmed by the customer covering the end of the
        settled period before the payout."""
        self.ensure_one()
        posted = self._settlements([("state", "=", "posted")])
        if not posted:
            return []
        statements = (
            self.env["rebate.statement"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", posted.partner_id.ids),
                    ("state", "=", "confirmed"),
                    ("date_to", ">=", min(posted.mapped("period_date_to"))),
                ]
            )
        )
        by_customer = defaultdict(list)
        for statement in statements:
            by_customer[statement.partner_id.id, statement.company_id.id].append(statement)
        hits = []
        for settlement in posted:
            covered = any(
                statement.date_from <= settlement.period_date_to <= statement.date_to
                and statement.confirmed_date
                and statement.confirmed_date.date() <= settlement.posted_date
                for statement in by_customer[settlement.partner_id.id, settlement.company_id.id]
            )
            if not covered:
                hits.append(
                    (
                        settlement,
                        self.env._(
                            "Settlement %(name)s was paid without a statement confirmed by "
                            "%(customer)s for the period ending %(end)s.",
                            name=settlement.name,
                            customer=settlement.partner_id.display_name,
                            end=format_date(self.env, settlement.period_date_to),
                        ),
                    )
                )
        return hits
