import functools
import inspect

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import guard
from .client_values_mixin import _kind_label, check_client_values


def client_method(single=False, **argument_types):
    """Decorate a public method that clients call over RPC (buttons, wizards).

    A client may send any ids and any arguments: a call on ids that are not record ids,
    with arguments the method does not take, or with an argument of another type than
    `argument_types` gives (e.g. `comment=str`), answers a clear error instead of a Python
    traceback, before anything is read or written. False and None always pass (no value).
    With `single`, the method acts on exactly one record (it opens it, or a view of it)."""

    def decorate(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            if not all(
                isinstance(record_id, int) and not isinstance(record_id, bool) and record_id > 0
                for record_id in self._ids
                if not isinstance(record_id, api.NewId)
            ):
                raise UserError(
                    self.env._("Choose existing records: these ids are not. Nothing was done.")
                )
            if single and len(self) != 1:
                raise UserError(
                    self.env._(
                        "This action works on one record at a time: choose one. Nothing was done."
                    )
                )
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:
                raise UserError(
                    self.env._(
                        "This action does not take the arguments it was sent. Nothing was done."
                    )
                ) from None
            for name, kinds in argument_types.items():
                value = bound.arguments.get(name)
                if value is None or value is False or isinstance(value, kinds):
                    continue
                raise UserError(
                    self.env._(
                        "The %(argument)s must be %(kind)s, not %(sent)s. Nothing was done.",
                        argument=name,
                        kind=_kind_label(self.env, kinds),
                        sent=_kind_label(self.env, type(value)),
                    )
                )
            return method(self, *args, **kwargs)

        return checked

    return decorate


class RebateGuardedMixin(models.AbstractModel):
    """Fields that only the model's own actions change.

    List them in `_guarded_fields`. A `create` or `write` from outside that sets one of them
    is refused with a clear message, for every user, administrators and sudo included; the
    model's actions re-check their preconditions, then write through `_guarded_write` /
    `_guarded_create` (or a `guard.internal_writes(...)` block). Module data files, loaded
    while the registry is not yet serving requests, may set them too (demo records)."""

    _name = "rebate.guarded.mixin"
    _description = "Customer Rebate Guarded Fields"

    # Field names only the model's own actions may set.
    _guarded_fields = ()
    # True: records are created and deleted only by the model's own code (logs, periods).
    _guarded_records = False

    def _guard_field_names(self):
        """The guarded fields, and the link token of documents shared in the portal: the
        token says who may open the document, so only Odoo's own sharing sets it."""
        if "access_token" in self._fields:
            return (*self._guarded_fields, "access_token")
        return self._guarded_fields

    def _guard_is_open(self):
        # The registry serves no request while modules load their data files.
        return guard.is_open(self._name) or not self.pool.ready

    def _guard_refuse(self, names):
        labels = ", ".join(self._fields[name].get_description(self.env)["string"] for name in names)
        raise UserError(
            self.env._(
                "%(model)s: only the document's own buttons (submit, approve, confirm, "
                "post…) set %(fields)s; they check who may do it and when. Nothing was saved.",
                model=self.env["ir.model"]._get(self._name).name,
                fields=labels,
            )
        )

    @api.model
    def _guard_check_create(self, vals_list):
        """Refuse a create that sets guarded fields to anything but their initial value."""
        guarded = self._guard_field_names()
        if self._guard_is_open() or not guarded:
            return
        present = {name for vals in vals_list for name in vals} & set(guarded)
        if not present:
            return
        blank = self.default_get(list(present))
        for vals in vals_list:
            names = guard.forged_fields(guarded, vals, blank=blank)
            if names:
                self._guard_refuse(names)

    def _guard_check_write(self, vals):
        if self._guard_is_open():
            return
        names = guard.forged_fields(self._guard_field_names(), vals)
        if names:
            self._guard_refuse(names)

    def _guard_refuse_records(self):
        """Refuse creating or deleting records of a model whose records only its own code
        makes; models say why in their own words."""
        raise UserError(
            self.env._(
                "%s records are made and removed by the application only. Nothing was saved.",
                self.env["ir.model"]._get(self._name).name,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        if self._guarded_records and not self._guard_is_open():
            self._guard_refuse_records()
        self._guard_check_create(vals_list)
        return super().create(vals_list)

    def unlink(self):
        if self._guarded_records and not self._guard_is_open():
            self._guard_refuse_records()
        return super().unlink()

    def write(self, vals):
        check_client_values(self, [vals])
        self._guard_check_write(vals)
        return super().write(vals)

    def message_post(self, **kwargs):
        """(For the models that are also mail threads.) A user posts in his own name: a
        message in a customer's name is the customer's, written through the portal, whose
        controllers post as the system."""
        author = kwargs.get("author_id")
        # Staff write as themselves or as their company (a mail template sent from the
        # company's address); never as a customer.
        own = self.env.user.partner_id | self.env.user.company_ids.partner_id
        if author and not self.env.su and not self._guard_is_open() and author not in own.ids:
            raise UserError(
                self.env._(
                    "You can post only in your own name: a customer's messages are written by "
                    "the customer, in the portal. Nothing was posted."
                )
            )
        return super().message_post(**kwargs)

    def _lock_rows(self, invalidate=True):
        """Hold these rows until the transaction ends (and, with `invalidate`, read them
        again); returns how many rows exist.

        An action decides from what the database holds (a state, an approval log, a
        balance, a ledger). Touching the rows, in id order against deadlocks, makes a
        second transaction acting on the same records wait for the first; as Odoo runs in
        REPEATABLE READ, it then fails with a serialization error and Odoo runs the request
        again, on what the first committed: nothing is approved, posted or spent twice."""
        if not self.ids:
            return 0
        self.flush_recordset()
        table = SQL.identifier(self._table)
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN ("
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE)",
                table,
                table,
                tuple(self.ids),
            )
        )
        locked = self.env.cr.rowcount
        if invalidate:
            self.invalidate_recordset()
        return locked

    def _guarded_write(self, vals):
        """Write guarded fields from the model's own action (as the system)."""
        with guard.internal_writes(self._name):
            return self.sudo().write(vals)

    @api.model
    def _guarded_create(self, vals_list):
        """Create records with guarded fields from the model's own action (as the system)."""
        with guard.internal_writes(self._name):
            return self.sudo().create(vals_list)
