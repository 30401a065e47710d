import math

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import guard

NUMBER_TYPES = frozenset({"float", "monetary", "integer"})
X2MANY_TYPES = frozenset({"one2many", "many2many"})


def _kind_label(env, kinds):
    """A type (or the first of a tuple of types) in the users' words."""
    kind = kinds[0] if isinstance(kinds, tuple) else kinds
    labels = {
        str: env._("text"),
        bool: env._("yes or no"),
        int: env._("a whole number"),
        float: env._("a number"),
        list: env._("a list"),
        tuple: env._("a list"),
        dict: env._("a set of named values"),
    }
    return labels.get(kind, kind.__name__)


def _refuse(env, field_label, kind):
    raise UserError(
        env._("%(field)s must be %(kind)s. Nothing was saved.", field=field_label, kind=kind)
    )


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_command(command):
    """One x2many command whose ids are ids, or a plain id."""
    if _is_id(command):
        return True
    if not isinstance(command, (list, tuple)) or not command or command[0] not in range(7):
        return False
    code, size = command[0], len(command)
    if code in (1, 2, 3, 4) and not (size > 1 and _is_id(command[1])):
        return False
    if code in (0, 1):
        return size > 2 and isinstance(command[2], dict)
    if code == 6:
        return (
            size > 2
            and isinstance(command[2], (list, tuple))
            and all(_is_id(record_id) for record_id in command[2])
        )
    return True


def _is_commands(value):
    """A list of ids, or of x2many commands whose ids are ids."""
    return isinstance(value, (list, tuple)) and all(_is_command(command) for command in value)


def _is_date(field, value):
    try:
        if field.type == "date":
            fields.Date.to_date(value)
        else:
            fields.Datetime.to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


def check_client_values(model, vals_list):
    """Values a client sends to `create` and `write` over RPC, checked before anything is
    written: a field that does not exist, a number that is text or not finite (NaN,
    infinity), a record reference that is not an id, a date that is not a date or an
    unknown choice answer a clear error naming the field, never a Python or database
    traceback, and nothing is saved. Server code that opened the model's door is trusted."""
    if guard.is_open(model._name) or not model.pool.ready:
        return
    env = model.env
    for vals in vals_list:
        if not isinstance(vals, dict):
            raise UserError(
                env._("Values are sent as a set of named values (field: value). Nothing was saved.")
            )
        for name, value in vals.items():
            field = model._fields.get(name) if isinstance(name, str) else None
            if field is None:
                raise UserError(
                    env._(
                        "%(model)s has no field %(field)s. Nothing was saved.",
                        model=model._description,
                        field=str(name)[:64],
                    )
                )
            if value is not None and value is not False:
                _check_value(env, field, value)


def _check_value(env, field, value):
    label = field.get_description(env)["string"]
    if field.type in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _refuse(env, label, _kind_label(env, float))
        if not math.isfinite(value):
            _refuse(env, label, env._("a finite number"))
    elif field.type == "many2one":
        if not _is_id(value):
            _refuse(env, label, env._("a record's id"))
    elif field.type in X2MANY_TYPES:
        if not _is_commands(value):
            _refuse(env, label, env._("a list of record ids"))
    elif field.type in ("date", "datetime"):
        if not _is_date(field, value):
            _refuse(env, label, env._("a date (YYYY-MM-DD)"))
    elif field.type == "selection" and isinstance(field.selection, list):
        if value not in {key for key, _label in field.selection}:
            choices = ", ".join(str(key) for key, _label in field.selection)
            _refuse(env, label, env._("one of %s", choices))
    elif field.type in ("char", "text", "html") and not isinstance(value, str):
        _refuse(env, label, _kind_label(env, str))


class RebateClientValuesMixin(models.AbstractModel):
    """Models (term lines, wizards) whose `create` and `write` check a client's values
    first (see `check_client_values`); the guarded mixin does the same."""

    _name = "rebate.client.values.mixin"
    _description = "Customer Rebate Checked Client Values"

    @api.model_create_multi
    def create(self, vals_list):
        check_client_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_client_values(self, [vals])
        return super().write(vals)
