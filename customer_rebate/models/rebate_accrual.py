import logging
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, float_is_zero

from ..tools import periods as period_tools
from ..tools import rebate_math
from ..tools.ledger import PeriodState

_logger = logging.getLogger(__name__)

# Agreements whose periods still take invoice volume.
ACCRUING_STATES = ("approved", "expired")
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")


class RebateAccrual(models.AbstractModel):
    """The accrual engine: keeps the rebate ledger equal to what the agreements earn on the
    customer invoices that are posted, and books each change in the 'Rebate accruals'
    journal.

    The ledger is a function of which invoices are posted: every event (an invoice posted,
    or reset to draft / cancelled) recomputes the rebate due on the period's new cumulative
    volume and records the difference against what the ledger already holds, on that
    invoice's lines. Retroactive threshold crossings therefore post their catch-up, and the
    order in which invoices come and go does not change the result."""

    _name = "rebate.accrual"
    _description = "Customer Rebate Accrual Engine"

    # ------------------------------------------------------------------ entry points

    @api.model
    def _on_invoices_changed(self, moves):
        """Called when customer invoices are posted, reset to draft or cancelled."""
        invoices = moves.filtered(lambda move: move.move_type in CUSTOMER_INVOICE_TYPES)
        if not invoices:
            return
        self.env["rebate.balance.line"]._reconcile_used_balances(
            invoices.filtered(lambda move: move.state == "posted")
        )
        batch = invoices.filtered(lambda move: move.company_id.rebate_accrual_mode == "batch")
        if batch:
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET rebate_accrual_pending = TRUE WHERE id IN %s",
                    tuple(batch.ids),
                )
            )
            batch.invalidate_recordset(["rebate_accrual_pending"])
        self.sudo()._sync_invoices(invoices - batch)

    @api.model
    def _sync_invoices(self, moves, book=None):
        """Accrue posted invoices the ledger does not hold yet, and reverse those it holds
        that are no longer posted. Idempotent.

        book=None follows each company's setting: 'realtime' books the accrual journal
        entries now, 'background' leaves them to the booking job; book=True books now."""
        to_accrue = moves.filtered(lambda move: move.state == "posted" and not move.rebate_accrued)
        to_reverse = moves.filtered(lambda move: move.state != "posted" and move.rebate_accrued)
        events = [(move, 1) for move in to_accrue] + [(move, -1) for move in to_reverse]
        if events:
            events.sort(key=lambda event: (event[0].invoice_date or event[0].date, event[0].id))
            self._apply_events(events, book=book)
            self._refresh_growth_baselines(to_accrue | to_reverse)
        self._set_flags(moves - to_accrue - to_reverse)

    @api.model
    def _cron_process_pending(self, batch_size=500):
        """Daily batch mode: accrue the invoices posted or unposted since the last run."""
        Move = self.env["account.move"].sudo()
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while True:
            moves = Move.search(
                [("rebate_accrual_pending", "=", True)], order="invoice_date, id", limit=batch_size
            )
            if not moves:
                break
            self._sync_invoices(moves, book=True)
            if in_cron:
                remaining = Move.search_count([("rebate_accrual_pending", "=", True)])
                if not self.env["ir.cron"]._commit_progress(len(moves), remaining=remaining):
                    break
        return True

    @api.model
    def _cron_book_pending(self, batch_size=200):
        """Background mode: book the ledger rows recorded when invoices posted, one journal
        entry per invoice. Triggered when such rows are committed; hourly as a safety net."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        after = 0
        while True:
            # Invoice by invoice, in id order: an invoice that cannot be booked (see
            # rebate.booking._book_pending) is passed over until the next run, not retried forever.
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT invoice_id FROM rebate_entry "
                    "WHERE booking_pending IS TRUE AND invoice_id > %s "
                    "ORDER BY invoice_id LIMIT %s",
                    after,
                    batch_size,
                )
            )
            invoice_ids = [row[0] for row in self.env.cr.fetchall()]
            if not invoice_ids:
                break
            after = invoice_ids[-1]
            self.env["rebate.booking"]._book_pending_invoices(invoice_ids)
            if in_cron:
                self.env.cr.execute(
                    SQL(
                        "SELECT COUNT(DISTINCT invoice_id) FROM rebate_entry "
                        "WHERE booking_pending IS TRUE AND invoice_id > %s",
                        after,
                    )
                )
                remaining = self.env.cr.fetchone()[0]
                if not self.env["ir.cron"]._commit_progress(len(invoice_ids), remaining=remaining):
                    break
        return True

    @api.model
    def _request_booking(self):
        """Have the booking job run once this transaction commits (one trigger per
        transaction, however many invoices it posts)."""
        data = self.env.cr.precommit.data
        if data.get("customer_rebate.book_accruals"):
            return
        data["customer_rebate.book_accruals"] = True
        cron = self.env.ref("customer_rebate.ir_cron_rebate_book_accruals", False)
        if cron:
            self.env.cr.precommit.add(cron.sudo()._trigger)

    # ------------------------------------------------------------------ events

    def _apply_events(self, events, book=None):
        accrue_moves = self.env["account.move"].browse(
            [move.id for move, sign in events if sign > 0]
        )
        reverse_moves = self.env["account.move"].browse(
            [move.id for move, sign in events if sign < 0]
        )
        contributions = self._invoice_contributions(accrue_moves)
        contributions.update(self.env["rebate.entry"]._held_by_lines(reverse_moves))
        periods = self.env["rebate.agreement.period"].browse(
            {period_id for lines in contributions.values() for period_id, *_rest in lines}
        )
        periods.agreement_id._lock_ledger()
        states, agreement_totals = self.env["rebate.entry"]._period_states(periods.agreement_id)
        periods.agreement_id.tier_ids.mapped("threshold")  # one query for every agreement

        entry_vals = []
        for move, sign in events:
            lines = contributions.get(move.id, [])
            by_period = defaultdict(list)
            for period_id, line_id, volume, sales_amount, sales_quantity, weight in lines:
                by_period[period_id].append((line_id, volume, sales_amount, sales_quantity, weight))
            for period_id, period_lines in by_period.items():
                period = periods.browse(period_id)
                entry_vals += self._event_entries(
                    move,
                    sign,
                    period,
                    period_lines,
                    states=states,
                    agreement_totals=agreement_totals,
                )
        deferred = set()
        if not book:
            deferred = {
                move.id
                for move, _sign in events
                if move.company_id.rebate_accrual_mode == "background"
            }
        for vals in entry_vals:
            vals["booking_pending"] = bool(
                vals["invoice_id"] in deferred and (vals["amount"] or vals["amount_company"])
            )
        entries = self.env["rebate.entry"]._insert_rows(entry_vals)
        if any(vals["booking_pending"] for vals in entry_vals):
            self._request_booking()
        to_book = entries.browse(
            [
                entry_id
                for entry_id, vals in zip(entries.ids, entry_vals, strict=True)
                if vals["invoice_id"] not in deferred
            ]
        )
        if to_book:
            booking = self.env["rebate.booking"]
            booking._book_groups(booking._invoice_groups(to_book))
        held = accrue_moves.filtered(lambda move: contributions.get(move.id))
        self._set_flags(held, True)
        self._set_flags(accrue_moves - held, False)
        self._set_flags(reverse_moves, False)
        return entries

    def _set_flags(self, moves, accrued=None):
        """Clear the batch flag of invoices and, unless `accrued` is None, mark them as held
        (or no longer held) by the ledger. Plain SQL: these technical flags must not go
        through account.move.write, which would flag the invoices as manually modified and
        cost queries on every posting."""
        moves = moves.filtered(
            lambda move: (
                move.rebate_accrual_pending
                or (accrued is not None and move.rebate_accrued != accrued)
            )
        )
        if not moves:
            return
        accrued_sql = SQL("rebate_accrued") if accrued is None else SQL("%s", accrued)
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET rebate_accrued = %s, rebate_accrual_pending = FALSE "
                "WHERE id IN %s",
                accrued_sql,
                tuple(moves.ids),
            )
        )
        moves.invalidate_recordset(["rebate_accrued", "rebate_accrual_pending"])

    def _event_entries(self, move, sign, period, period_lines, *, states, agreement_totals):
        """Ledger rows for one invoice event on one period: the change in the rebate due,
        spread over the invoice's lines."""
        agreement = period.agreement_id
        state = states[period.id]
        state.volume += sum(line[1] for line in period_lines) * sign
        state.sales_amount += sum(line[2] for line in period_lines) * sign
        state.sales_quantity += sum(line[3] for line in period_lines) * sign
        other = agreement_totals[agreement.id] - state.amount
        due, result = period._rebate_due(state, other)
        difference = agreement.currency_id.round(due - state.amount)
        state.amount = due
        agreement_totals[agreement.id] = other + due
        shares = rebate_math.allocate(
            difference, agreement.currency_id.round, [line[4] for line in period_lines]
        )
        entry_type = "accrual" if sign > 0 and difference >= 0 else "reversal"
        Entry = self.env["rebate.entry"]
        return [
            Entry._row(
                period,
                entry_type,
                move.invoice_date or move.date,
                share,
                result=result,
                volume=volume * sign,
                sales_amount=sales_amount * sign,
                sales_quantity=sales_quantity * sign,
                move_line_id=line_id,
                invoice_id=move.id,
            )
            for (line_id, volume, sales_amount, sales_quantity, _weight), share in zip(
                period_lines, shares, strict=True
            )
        ]

    # ------------------------------------------------------------------ volumes

    def _agreements_for(self, moves):
        partners = moves.commercial_partner_id
        if not partners:
            return self.env["rebate.agreement"]
        dates = [move.invoice_date or move.date for move in moves]
        return (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", moves.company_id.ids),
                    ("state", "in", ACCRUING_STATES),
                    ("date_start", "<=", max(dates)),
                    ("date_end", ">=", min(dates)),
                ]
            )
        )

    def _invoice_contributions(self, moves):
        """{move id: [(period id, line id, volume, sales amount, sales quantity, weight)]} for
        the in-scope product lines of posted invoices, per agreement in force."""
        agreements = self._agreements_for(moves)
        result = defaultdict(list)
        if not agreements:
            return result
        by_partner = defaultdict(lambda: self.env["rebate.agreement"])
        for agreement in agreements:
            by_partner[agreement.partner_id.id, agreement.company_id.id] |= agreement
        counted = self._counted_lines(agreements, moves)
        for move in moves:
            day = move.invoice_date or move.date
            candidates = by_partner[move.commercial_partner_id.id, move.company_id.id]
            for agreement in candidates:
                if not agreement.date_start <= day <= agreement.date_end:
                    continue
                period = agreement._period_at(day)
                if not period:
                    continue
                for line in move.invoice_line_ids:
                    if (agreement.id, line.id) not in counted:
                        continue
                    sales_amount, sales_quantity = self._line_sales(agreement, line)
                    volume = sales_quantity if agreement.basis == "quantity" else sales_amount
                    weight = (
                        sales_quantity
                        if agreement.calculation_method == "per_unit"
                        else sales_amount
                    )
                    result[move.id].append(
                        (period.id, line.id, volume, sales_amount, sales_quantity, weight)
                    )
        return result

    def _counted_lines(self, agreements, moves):
        """{(agreement id, line id)} of the lines of `moves` each agreement counts: those of
        its own line domain (rebate.agreement._sales_line_domain, the one the volume totals
        read), in one query for all the agreements."""
        lines = self.env["account.move.line"].sudo()
        selects = []
        for agreement in agreements:
            candidates = moves.filtered(
                lambda move, agreement=agreement: (
                    move.commercial_partner_id == agreement.partner_id
                    and move.company_id == agreement.company_id
                )
            ).invoice_line_ids
            if not candidates:
                continue
            query = lines._search(
                agreement._sales_line_domain() & Domain("id", "in", candidates.ids)
            )
            selects.append(query.select(SQL("%s", agreement.id), SQL.identifier(query.table, "id")))
        if not selects:
            return set()
        return {tuple(row) for row in self.env.execute_query(SQL(" UNION ALL ").join(selects))}

    def _line_sales(self, agreement, line):
        """An invoice line's untaxed amount (agreement currency) and quantity (product unit),
        negative on credit notes."""
        move = line.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        quantity = line.product_uom_id._compute_quantity(
            line.quantity, line.product_id.uom_id, round=False
        )
        if line.currency_id == agreement.currency_id:
            amount = -line.amount_currency
        else:
            amount = move.company_id.currency_id._convert(
                -line.balance,
                agreement.currency_id,
                move.company_id,
                move.invoice_date or move.date,
                round=False,
            )
        return amount, sign * quantity

    def _period_sales_from_invoices(self, periods):
        """{period id: PeriodState(volume, sales amount, sales quantity)} summed from the
        posted invoice lines themselves (not the ledger), in one query per agreement."""
        result = {}
        for agreement in periods.agreement_id:
            ranges = [
                (period.id, period.date_from, period.date_to)
                for period in periods
                if period.agreement_id == agreement
            ]
            result.update(self._sales_by_range(agreement, ranges))
        return result

    def _sales_by_range(self, agreement, ranges):
        """{key: PeriodState} of an agreement's in-scope posted sales for each (key,
        date_from, date_to) range, in one grouped read of the journal items of
        agreement._sales_line_domain (the lines posting accrues on). Amounts are the
        untaxed amounts in the agreement's currency (converted from the company currency at
        the invoice date when the invoice is in another currency), quantities are in the
        product's unit; both are negative on credit notes."""
        result = {key: PeriodState() for key, _start, _end in ranges}
        if not ranges:
            return result
        company = agreement.company_id
        currency = agreement.currency_id
        in_ranges = Domain.OR(
            Domain("invoice_date", ">=", start) & Domain("invoice_date", "<=", end)
            for _key, start, end in ranges
        )
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                agreement._sales_line_domain() & in_ranges,
                [
                    "invoice_date:day",
                    "currency_id",
                    "move_id.move_type",
                    "product_uom_id",
                    "product_id",
                ],
                ["amount_currency:sum", "balance:sum", "quantity:sum"],
            )
        )
        # Amounts in another currency are summed per day in the company currency, then
        # converted at that day's rate.
        to_convert = defaultdict(float)
        for (
            day,
            line_currency,
            move_type,
            line_uom,
            product,
            amount_currency,
            balance,
            qty,
        ) in groups:
            key = next((key for key, start, end in ranges if start <= day <= end), None)
            if key is None:
                continue
            state = result[key]
            if line_currency == currency:
                state.sales_amount += -amount_currency
            elif currency == company.currency_id:
                state.sales_amount += -balance
            else:
                to_convert[key, day] += -balance
            sign = -1 if move_type == "out_refund" else 1
            state.sales_quantity += sign * line_uom._compute_quantity(
                qty, product.uom_id, round=False
            )
        for (key, day), amount in to_convert.items():
            result[key].sales_amount += company.currency_id._convert(
                amount, currency, company, day, round=False
            )
        terms = agreement._rebate_terms()
        for state in result.values():
            state.volume = terms.volume(state.sales_amount, state.sales_quantity)
        return result

    # ------------------------------------------------------------------ recompute

    def _recompute_periods(self, periods, post=False, date=None):
        """Compare what the ledger holds for each period with what the posted invoices earn.
        Returns one dict per period; with post=True, books the differences as true-ups."""
        periods = periods.sudo().sorted(lambda period: (period.agreement_id.id, period.date_from))
        Entry = self.env["rebate.entry"]
        if post:
            periods.agreement_id._lock_ledger()
            # The repair starts from the rows: the running totals are rebuilt from them.
            Entry._recompute_running_totals(periods.agreement_id.period_ids)
        truth = self._period_sales_from_invoices(periods)
        states, totals = Entry._period_states(periods.agreement_id, from_rows=True)
        report = []
        entry_vals = []
        date = date or fields.Date.context_today(self)
        for period in periods:
            agreement = period.agreement_id
            held = states[period.id]
            should = truth[period.id]
            other = totals[agreement.id] - held.amount
            due, result = period._rebate_due(should, other)
            totals[agreement.id] = other + due
            difference = agreement.currency_id.round(due - held.amount)
            volume_difference = should.volume - held.volume
            report.append(
                {
                    "period_id": period.id,
                    "held_volume": held.volume,
                    "volume": should.volume,
                    "held_amount": held.amount,
                    "amount": due,
                    "difference": difference,
                }
            )
            if not difference and float_is_zero(volume_difference, precision_digits=6):
                continue
            entry_vals.append(
                self.env["rebate.entry"]._row(
                    period,
                    "true_up",
                    date,
                    difference,
                    result=result,
                    volume=volume_difference,
                    sales_amount=should.sales_amount - held.sales_amount,
                    sales_quantity=should.sales_quantity - held.sales_quantity,
                    note=self.env._("Recomputed from the posted invoices"),
                )
            )
        if post and entry_vals:
            entries = self.env["rebate.entry"]._insert_rows(entry_vals)
            self.env["rebate.booking"]._book_groups(
                [
                    (
                        group,
                        self.env["rebate.booking"]
                        ._company_env(agreement.company_id)
                        ._("Rebate accrual recomputed: %s", agreement.name),
                    )
                    for agreement, group in entries.grouped("agreement_id").items()
                ]
            )
        return report

    def _true_up_estimates(self, periods, date=None):
        """Expected-basis periods whose estimate changed: post the change of the accrual on
        the same volume as a true-up."""
        periods = periods.sudo().filtered(
            lambda period: period.agreement_id.accrual_basis == "expected"
        )
        self._true_up_periods(
            periods,
            lambda period: self.env._("Expected volume changed to %s", period.expected_volume),
            lambda env, agreement: env._("Rebate estimate true-up: %s", agreement.name),
            date=date,
        )

    def _true_up_periods(self, periods, note, ref, date=None):
        """Periods whose terms of computation changed (an estimate, a baseline) on the same
        volume: post the change of the accrual as a true-up, one journal entry each.
        `note(period)` says why, in the ledger row; `ref(env, agreement)` names the journal entry
        (in the company's language, env's)."""
        periods = periods.sudo().filtered(
            lambda period: period.agreement_id.state in ACCRUING_STATES
        )
        if not periods:
            return
        date = date or fields.Date.context_today(self)
        periods.agreement_id._lock_ledger()
        states, totals = self.env["rebate.entry"]._period_states(periods.agreement_id)
        entry_vals = []
        for period in periods:
            agreement = period.agreement_id
            held = states[period.id]
            other = totals[agreement.id] - held.amount
            due, result = period._rebate_due(held, other)
            difference = agreement.currency_id.round(due - held.amount)
            if not difference:
                continue
            totals[agreement.id] = other + due
            entry_vals.append(
                self.env["rebate.entry"]._row(
                    period, "true_up", date, difference, result=result, note=note(period)
                )
            )
        entries = self.env["rebate.entry"]._insert_rows(entry_vals)
        booking = self.env["rebate.booking"]
        booking._book_groups(
            [
                (entry, ref(booking._company_env(entry.company_id), entry.agreement_id))
                for entry in entries
            ]
        )

    def _refresh_growth_baselines(self, moves):
        """Growth agreements measured against the previous year: a document dated in the
        baseline window of an open period (a late credit note of last year) moves that
        period's baseline, and the accrual follows with a true-up. Settled periods keep
        the baseline they were settled on."""
        moves = moves.filtered(lambda move: move.move_type in CUSTOMER_INVOICE_TYPES)
        if not moves:
            return
        days = defaultdict(set)
        for move in moves:
            days[move.commercial_partner_id.id, move.company_id.id].add(
                move.invoice_date or move.date
            )
        every_day = {day for group in days.values() for day in group}
        agreements = (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [
                    ("calculation_method", "=", "growth"),
                    ("baseline_type", "=", "previous_year"),
                    ("partner_id", "in", moves.commercial_partner_id.ids),
                    ("company_id", "in", moves.company_id.ids),
                    ("state", "in", ACCRUING_STATES),
                    ("date_start", "<=", max(every_day) + relativedelta(years=1, days=1)),
                    ("date_end", ">=", min(every_day) + relativedelta(years=1, days=-1)),
                ]
            )
        )

        def in_window(period):
            start, end = period_tools.previous_year_period(period.date_from, period.date_to)
            key = (period.agreement_id.partner_id.id, period.agreement_id.company_id.id)
            return any(start <= day <= end for day in days[key])

        periods = agreements.period_ids.filtered(
            lambda period: period.state == "open" and in_window(period)
        )
        if not periods:
            return
        before = {period.id: period.baseline_volume for period in periods}
        periods._refresh_baselines()
        changed = periods.filtered(
            lambda period: (
                not float_is_zero(period.baseline_volume - before[period.id], precision_digits=6)
            )
        )
        self._true_up_periods(
            changed,
            lambda period: self.env._(
                "Baseline (the same period of the previous year) changed to %s",
                period.baseline_volume,
            ),
            lambda env, agreement: env._("Rebate baseline true-up: %s", agreement.name),
        )
