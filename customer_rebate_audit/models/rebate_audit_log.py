import base64
import binascii
import contextlib
import hashlib
import json
import logging
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The models whose every change the trail records (ORM create/write/unlink through
# rebate.audit.trail.mixin, and the ledger's SQL writer rebate.entry._insert_rows).
AUDITED_MODELS = (
    "rebate.agreement",
    "rebate.agreement.tier",
    "rebate.agreement.rule",
    "rebate.agreement.period",
    "rebate.agreement.approval",
    "rebate.agreement.revision",
    "rebate.entry",
    "rebate.settlement",
    "rebate.balance.line",
    "rebate.statement",
    "rebate.statement.line",
)
# Stored fields the trail leaves out: Odoo's own bookkeeping, the chatter's and the portal
# link's secret (an auditor reading the trail must not get a customer's access link).
SKIPPED_FIELDS = frozenset(
    {
        "id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        "access_token",
        "message_main_attachment_id",
    }
)
# Version of the canonical content a hash covers: a later change of the serialization
# bumps it, and verification reads each entry with the version it was written with.
HASH_VERSION = 1
GENESIS_HASH = "0" * 64
OPERATIONS = [
    ("create", "Created"),
    ("write", "Changed"),
    ("state", "State Changed"),
    ("unlink", "Deleted"),
]
# The columns of a log entry, in the order the hash covers them (after the version).
HASHED_COLUMNS = (
    "company_id",
    "sequence",
    "id",
    "date",
    "user_id",
    "res_model",
    "res_id",
    "record_name",
    "operation",
    "changes",
    "previous_hash",
)
VERIFY_BATCH = 5000


def canonical_json(value):
    """The one serialization the trail stores and hashes: keys sorted, no whitespace,
    non-ASCII kept as is; dates and other objects as their text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(values):
    """SHA-256 of an entry's canonical content: the hashed columns in order, the date as
    'YYYY-MM-DD HH:MM:SS', no company as 0. `values` maps column names to values."""
    content = [HASH_VERSION]
    for name in HASHED_COLUMNS:
        value = values[name]
        if name == "date":
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        elif name == "company_id":
            value = value or 0
        content.append(value)
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


class RebateAuditLog(models.Model):
    """The tamper-evident audit trail of the rebate records.

    One entry per record and operation: who (the real user, also when the action wrote as
    the system), when, which record, and each field's old and new value. Entries form one
    hash chain per company (records without a company: one company-less chain): each
    entry's SHA-256 covers its content and the previous entry's hash, so changing or
    deleting an entry with SQL breaks the chain from there, which `verify_chain` names.

    Entries are written only by `_append` (one SQL INSERT per batch, the chain head row
    locked); nobody creates, changes or deletes one through the ORM, administrators and
    sudo included."""

    _name = "rebate.audit.log"
    _description = "Rebate Audit Trail Entry"
    _order = "id desc"
    _log_access = False
    _rec_name = "record_name"

    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="restrict")
    sequence = fields.Integer(
        string="Chain Position", readonly=True, help="Position of the entry in its chain."
    )
    date = fields.Datetime(string="When", readonly=True, index=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="restrict")
    res_model = fields.Selection(
        selection="_selection_res_model", string="Document Type", readonly=True, index=True
    )
    res_id = fields.Integer(string="Record ID", readonly=True, index=True)
    record_name = fields.Char(string="Record", readonly=True)
    operation = fields.Selection(OPERATIONS, readonly=True, index=True)
    changes = fields.Text(
        string="Changes (JSON)",
        readonly=True,
        help="{field: [old value, new value]}; files as their size and SHA-256.",
    )
    changes_html = fields.Html(string="Changes", compute="_compute_changes_html", sanitize=False)
    changed_fields = fields.Char(compute="_compute_changes_html", string="Fields")
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True)

    _chain_position_uniq = models.UniqueIndex("(COALESCE(company_id, 0), sequence)")
    _record_idx = models.Index("(res_model, res_id)")

    @api.model
    def _selection_res_model(self):
        # The models' names as ir.model holds them: translated into the reader's language.
        names = dict(
            self.env["ir.model"]
            .sudo()
            .search([("model", "in", AUDITED_MODELS)])
            .mapped(lambda model: (model.model, model.name))
        )
        return [
            (name, names.get(name) or self.env[name]._description)
            for name in AUDITED_MODELS
            if name in self.env
        ]

    @api.depends("changes", "res_model")
    @api.depends_context("lang")
    def _compute_changes_html(self):
        for entry in self:
            try:
                changes = json.loads(entry.changes or "{}")
            except ValueError:
                changes = {}
            model = self.env.get(entry.res_model) if entry.res_model else None
            rows = []
            labels = []
            for name, (old, new) in sorted(changes.items()):
                field = model._fields.get(name) if model is not None else None
                label = field.get_description(self.env)["string"] if field else name
                labels.append(label)
                rows.append(
                    Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
                    % (label, self._readable(field, old), self._readable(field, new))
                )
            entry.changed_fields = ", ".join(labels)
            entry.changes_html = (
                Markup(
                    '<table class="table table-sm o_rebate_audit_changes"><thead><tr>'
                    "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>"
                )
                % (
                    self.env._("Field"),
                    self.env._("Old Value"),
                    self.env._("New Value"),
                    Markup("").join(rows),
                )
                if rows
                else False
            )

    def _readable(self, field, value):
        """A logged value as a reader expects it: a record's name, a selection's label,
        a file's size and fingerprint."""
        if value is False or value is None:
            text = ""
        elif isinstance(value, dict) and "sha256" in value:
            text = self.env._(
                "file of %(size)s bytes, SHA-256 %(sha)s", size=value["size"], sha=value["sha256"]
            )
        elif field is not None and field.type == "selection" and not callable(field.selection):
            text = dict(field._description_selection(self.env)).get(value, value)
        elif isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
            text = f"{value[1]} (#{value[0]})"
        elif isinstance(value, list):
            text = ", ".join(f"#{item}" for item in value)
        else:
            text = str(value)
        return escape(text)

    # ------------------------------------------------------------------ nobody changes it

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        """Entries are appended by the trail itself (`_append`), never created by a client
        or another module's code."""
        raise UserError(
            self.env._(
                "Audit trail entries are written by the application when rebate records "
                "change; nobody creates one. Nothing was saved."
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "Audit trail entries cannot be changed, by anyone: the trail is evidence. "
                "Nothing was saved."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Audit trail entries cannot be deleted, by anyone: the trail is evidence. "
                "Nothing was deleted."
            )
        )

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise UserError(self.env._("Audit trail entries cannot be duplicated. Nothing was saved."))

    # ------------------------------------------------------------------ the writer

    @api.model
    def _append(self, entries):
        """Append entries to their chains: one SQL INSERT for all, after locking each
        chain's head row (SELECT ... FOR UPDATE, in company order against deadlocks), so
        two transactions never extend a chain from the same head: the second waits, and
        as Odoo runs in REPEATABLE READ, fails with a serialization error and is run again
        on what the first committed. A unique index on (company, position) refuses a fork
        at the database level too.

        `entries`: dicts of company_id (False: the company-less chain), res_model, res_id,
        record_name, operation and changes ({field: [old, new]}). The user is the real
        one (env.uid, which sudo() keeps); the date is the transaction's."""
        if not entries:
            return
        cr = self.env.cr
        now = cr.now().replace(microsecond=0)
        uid = self.env.uid
        by_chain = defaultdict(list)
        for entry in entries:
            by_chain[entry["company_id"] or 0].append(entry)
        rows = []
        heads = []
        for key in sorted(by_chain):
            chain_entries = by_chain[key]
            head_id, sequence, previous, ids = self._lock_head(key, len(chain_entries))
            for entry, log_id in zip(chain_entries, ids, strict=True):
                sequence += 1
                values = {
                    "company_id": key or None,
                    "sequence": sequence,
                    "id": log_id,
                    "date": now,
                    "user_id": uid,
                    "res_model": entry["res_model"],
                    "res_id": entry["res_id"],
                    "record_name": entry["record_name"] or "",
                    "operation": entry["operation"],
                    "changes": canonical_json(entry["changes"]),
                    "previous_hash": previous,
                }
                previous = entry_hash(values)
                rows.append((*values.values(), previous))
            heads.append((head_id, sequence, previous, ids[-1]))
        cr.execute(
            SQL(
                "WITH appended AS (INSERT INTO rebate_audit_log (%s, hash) VALUES %s) "
                "UPDATE rebate_audit_chain AS chain SET last_sequence = head.sequence, "
                "last_hash = head.hash, last_log_id = head.log_id "
                "FROM (VALUES %s) AS head(id, sequence, hash, log_id) WHERE chain.id = head.id",
                SQL(", ").join(SQL.identifier(name) for name in HASHED_COLUMNS),
                SQL(", ").join(rows),
                SQL(", ").join(heads),
            )
        )
        self.invalidate_model()

    @api.model
    def _lock_head(self, key, count):
        """(head id, last position, last hash, `count` new entry ids) of a chain, its head
        row locked until the transaction ends; the head is made on first use."""
        cr = self.env.cr
        query = SQL(
            "SELECT id, last_sequence, last_hash, "
            "ARRAY(SELECT nextval('rebate_audit_log_id_seq') FROM generate_series(1, %s)) "
            "FROM rebate_audit_chain WHERE chain_key = %s FOR UPDATE",
            count,
            key,
        )
        cr.execute(query)
        row = cr.fetchone()
        if not row:
            # A concurrent first entry of the same chain: the unique key makes one of the
            # two transactions fail and run again.
            cr.execute(
                SQL(
                    "INSERT INTO rebate_audit_chain (chain_key, company_id, last_sequence, "
                    "last_hash) VALUES (%s, %s, 0, %s) ON CONFLICT (chain_key) DO NOTHING",
                    key,
                    key or None,
                    GENESIS_HASH,
                )
            )
            cr.execute(query)
            row = cr.fetchone()
        head_id, sequence, previous, ids = row
        return head_id, sequence or 0, previous or GENESIS_HASH, ids

    # ------------------------------------------------------------------ verification

    @api.model
    def verify_chain(self):
        """Verify the chains of the user's companies (and the company-less chain):
        {"ok": bool, "first_broken_id": id of the first entry that does not match, or
        False}. An entry changed or deleted in the database, or the chain cut short, is
        named; the chains are read in batches (keyset pagination), never all at once."""
        self.check_access("read")
        results = self.sudo()._verify_chains(self._visible_chain_keys())
        broken = [result for result in results if not result["ok"]]
        return {
            "ok": not broken,
            "first_broken_id": broken[0]["first_broken_id"] if broken else False,
        }

    @api.model
    def action_verify_chain(self, _selected_ids=None):
        """Verify Chain (the trail's list, and its Actions menu): verify the chains of the
        user's companies, keep the result (Rebates > Audit > Chain Verifications) and say
        it. The list's header button sends the ids of the rows selected, if any (the web
        client always does): the whole chain is verified all the same."""
        self.check_access("read")
        results = self.sudo()._verify_chains(self._visible_chain_keys())
        self.env["rebate.audit.chain.check"]._record(results)
        broken = [result for result in results if not result["ok"]]
        checked = sum(result["checked"] for result in results)
        if broken:
            message = self.env._(
                "The audit trail is broken: entry %(entry)s no longer matches the chain "
                "(changed or deleted outside the application). %(count)s entries verified.",
                entry=broken[0]["first_broken_id"] or "?",
                count=checked,
            )
        else:
            message = self.env._(
                "The audit trail is intact: %(count)s entries verified, every hash matches.",
                count=checked,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Verify Chain"),
                "message": message,
                "type": "danger" if broken else "success",
                "sticky": bool(broken),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _visible_chain_keys(self):
        return [0, *sorted(self.env.companies.ids)]

    @api.model
    def _verify_chains(self, keys=None):
        """[{chain key, company_id, ok, first_broken_id, checked, last_sequence, last_hash}]
        for the chains of `keys` (default: every chain)."""
        cr = self.env.cr
        self.env.flush_all()
        if keys is None:
            cr.execute("SELECT chain_key FROM rebate_audit_chain ORDER BY chain_key")
            keys = [key for (key,) in cr.fetchall()]
        anchors = self.env["rebate.audit.chain.check"]._anchors(keys)
        return [self._verify_one_chain(key, anchors.get(key)) for key in keys]

    @api.model
    def _verify_one_chain(self, key, anchor=None):
        """Walk one chain in position order, in batches; `anchor` (position, hash), from
        the last sound verification, must still hold."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT last_sequence, last_hash, last_log_id FROM rebate_audit_chain "
                "WHERE chain_key = %s",
                key,
            )
        )
        head = cr.fetchone() or (0, GENESIS_HASH, None)
        result = {
            "chain_key": key,
            "company_id": key or False,
            "ok": True,
            "first_broken_id": False,
            "checked": 0,
            "last_sequence": 0,
            "last_hash": GENESIS_HASH,
        }
        previous = GENESIS_HASH
        position = 0
        columns = SQL(", ").join(SQL.identifier(name) for name in (*HASHED_COLUMNS, "hash"))
        while True:
            cr.execute(
                SQL(
                    "SELECT %s FROM rebate_audit_log WHERE COALESCE(company_id, 0) = %s "
                    "AND sequence > %s ORDER BY COALESCE(company_id, 0), sequence LIMIT %s",
                    columns,
                    key,
                    position,
                    VERIFY_BATCH,
                )
            )
            batch = cr.fetchall()
            if not batch:
                break
            for row in batch:
                values = dict(zip((*HASHED_COLUMNS, "hash"), row, strict=True))
                if (
                    values["sequence"] != position + 1
                    or values["previous_hash"] != previous
                    or entry_hash(values) != values["hash"]
                    or (anchor and values["sequence"] == anchor[0] and values["hash"] != anchor[1])
                ):
                    result.update(ok=False, first_broken_id=values["id"])
                    return result
                previous = values["hash"]
                position = values["sequence"]
                result["checked"] += 1
            result.update(last_sequence=position, last_hash=previous)
        last_sequence, last_hash, last_log_id = head
        if (
            (last_sequence or 0) != position
            or (last_hash or GENESIS_HASH) != previous
            or (anchor and position < anchor[0])
        ):
            # Entries were removed from the chain's end (or its head was changed): the
            # head still names the last entry written.
            result.update(ok=False, first_broken_id=last_log_id or False)
        return result

    # ------------------------------------------------------------------ change capture

    @api.model
    def _audited_fields(self, model):
        return [
            name
            for name, field in model._fields.items()
            if field.store and name not in SKIPPED_FIELDS and field.type != "one2many"
        ]

    @api.model
    def _snapshot(self, records, names):
        """{record id: {field: logged value}} of these records, read as the system."""
        records = records.sudo().with_context(bin_size=False, active_test=False)
        snapshot = {}
        for record in records:
            snapshot[record.id] = {
                name: self._logged_value(record._fields[name], record[name]) for name in names
            }
        return snapshot

    @api.model
    def _logged_value(self, field, value):
        """A field's value as the trail keeps it (JSON): a record as [id, name], records
        as their sorted ids, a file as its size and SHA-256, dates as text."""
        kind = field.type
        if kind == "many2one":
            logged = [value.id, value.display_name] if value else False
        elif kind in ("many2many", "one2many"):
            logged = sorted(value.ids)
        elif kind == "binary":
            logged = self._file_fingerprint(value)
        elif kind == "datetime":
            logged = fields.Datetime.to_string(value) if value else False
        elif kind == "date":
            logged = fields.Date.to_string(value) if value else False
        else:
            logged = False if value is None else value
        return logged

    @api.model
    def _file_fingerprint(self, value):
        """{size, sha256} of a file field's content (base64, as Odoo reads it)."""
        if not value:
            return False
        content = value.encode() if isinstance(value, str) else value
        with contextlib.suppress(binascii.Error, ValueError):
            content = base64.b64decode(content, validate=True)
        return {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}

    @api.model
    def _chain_company(self, record):
        """The chain of a record: its company, or its agreement's; else none."""
        record = record.sudo()
        company_field = record._fields.get("company_id")
        if company_field is not None and company_field.type == "many2one" and record.company_id:
            return record.company_id.id
        if "agreement_id" in record._fields and record.agreement_id:
            return record.agreement_id.company_id.id
        return False

    @api.model
    def _log_created(self, records):
        names = self._audited_fields(records)
        snapshot = self._snapshot(records, names)
        self._append(
            [
                {
                    "company_id": self._chain_company(record),
                    "res_model": record._name,
                    "res_id": record.id,
                    "record_name": record.sudo().display_name,
                    "operation": "create",
                    "changes": {
                        name: [False, value]
                        for name, value in snapshot[record.id].items()
                        if value not in (False, [], "", None)
                    },
                }
                for record in records
            ]
        )

    @api.model
    def _log_written(self, records, before, names):
        after = self._snapshot(records, names)
        entries = []
        for record in records:
            old, new = before.get(record.id, {}), after[record.id]
            changes = {
                name: [old.get(name), new[name]] for name in names if old.get(name) != new[name]
            }
            if not changes:
                continue
            entries.append(
                {
                    "company_id": self._chain_company(record),
                    "res_model": record._name,
                    "res_id": record.id,
                    "record_name": record.sudo().display_name,
                    "operation": "state" if "state" in changes else "write",
                    "changes": changes,
                }
            )
        self._append(entries)

    @api.model
    def _deleted_entries(self, records):
        """The trail entries of records about to be deleted: what they held (appended once
        the deletion went through)."""
        names = self._audited_fields(records)
        snapshot = self._snapshot(records, names)
        return [
            {
                "company_id": self._chain_company(record),
                "res_model": record._name,
                "res_id": record.id,
                "record_name": record.sudo().display_name,
                "operation": "unlink",
                "changes": {
                    name: [value, False]
                    for name, value in snapshot[record.id].items()
                    if value not in (False, [], "", None)
                },
            }
            for record in records
        ]

    @api.model
    def _log_ledger_rows(self, entries, vals_list):
        """The rows rebate.entry._insert_rows has just written with SQL, as it wrote them
        (the agreement's customer, company and currency; amounts rounded in their
        currency), from the values in hand: no read of the new rows."""
        from odoo.addons.customer_rebate.models.rebate_entry import (  # noqa: PLC0415
            ENGINE_COLUMNS,
        )

        Entry = self.env["rebate.entry"]
        types = dict(Entry._fields["entry_type"]._description_selection(self.env))
        agreements = (
            self.env["rebate.agreement"].sudo().browse({v["agreement_id"] for v in vals_list})
        )
        monetary = {
            name: Entry._fields[name].get_currency_field(Entry)
            for name in ENGINE_COLUMNS
            if Entry._fields[name].type == "monetary"
        }
        by_id = {agreement.id: agreement for agreement in agreements}
        logged = []
        for entry_id, given in zip(entries.ids, vals_list, strict=True):
            agreement = by_id[given["agreement_id"]]
            values = {
                **given,
                "partner_id": agreement.partner_id.id,
                "company_id": agreement.company_id.id,
                "currency_id": agreement.currency_id.id,
            }
            currencies = {
                "currency_id": agreement.currency_id,
                "company_currency_id": agreement.company_id.currency_id,
            }
            changes = {}
            for name in ENGINE_COLUMNS:
                value = values.get(name)
                if name in monetary:
                    value = currencies[monetary[name]].round(value or 0.0)
                if value in (None, False, "") or (
                    isinstance(value, models.BaseModel) and not value
                ):
                    continue
                if isinstance(value, models.BaseModel):
                    value = value.id
                changes[name] = [False, value]
            day = values.get("date")
            logged.append(
                {
                    "company_id": agreement.company_id.id,
                    "res_model": "rebate.entry",
                    "res_id": entry_id,
                    "record_name": " · ".join(
                        str(part)
                        for part in (types.get(values.get("entry_type"), ""), agreement.name, day)
                        if part
                    ),
                    "operation": "create",
                    "changes": changes,
                }
            )
        self._append(logged)
