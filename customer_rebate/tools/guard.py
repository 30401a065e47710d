"""The one door through which a model's own actions change its guarded fields.

Workflow and audit fields (states, who/when, sequence names, amounts computed by the
engine, period dates, confirmation data) change only through the model's own actions,
which re-check their preconditions. A client can call `create` and `write` over RPC with
any values and any context, so the door cannot be a context key: it is a context variable
of the server process, opened only by server code with `internal_writes()`, never reachable
from a request's arguments.

Pure Python, no Odoo import: the models use it through `rebate.guarded.mixin`."""

import contextvars
from contextlib import contextmanager

_OPEN = contextvars.ContextVar("customer_rebate_internal_writes", default=frozenset())


@contextmanager
def internal_writes(*model_names):
    """Let the code inside the block set the guarded fields of these models."""
    token = _OPEN.set(_OPEN.get() | frozenset(model_names))
    try:
        yield
    finally:
        _OPEN.reset(token)


def is_open(model_name):
    """Whether server code has opened the door of this model in the current call."""
    return model_name in _OPEN.get()


def forged_fields(guarded, vals, blank=None):
    """The guarded field names a set of values tries to set. With `blank` (a mapping of
    field name to its initial value, for a create), setting a field to nothing or to its
    initial value is no forgery."""
    names = []
    for name in guarded:
        if name not in vals:
            continue
        if blank is not None:
            value = vals[name]
            if not value or (name in blank and value == blank[name]):
                continue
        names.append(name)
    return sorted(names)
