"""Lean INSERTs for the hottest write path, the submit (issue 13).

`Model.save(force_insert=True)` and `bulk_create` build their SQL anew for every row: the
compiler quotes each column, resolves each value, asks each field for its database value
twice over, and a submission inserts eight kinds of rows — a third of its Python time was
Django composing INSERT statements. `insert_rows` writes the same rows with the same
values: each field's `pre_save(add=True)` (defaults, `auto_now_add`) and
`get_db_prep_save` (JSON, UUIDs, times) as the ORM does, but the statement's text is built
once per model and kept, and one statement inserts all rows of a call, returning their
primary keys.

What it does not do, so it is used only where none of it applies, and falls back to the
ORM where it could: no `pre_save`/`post_save` signals (a model with receivers is saved by
the ORM), no `Model.save` override (the caller does what that would — documented where it
is used), no expressions or database defaults as values (saved by the ORM), no scope check
(`tenancy.scoping.insert_scoped` adds it for tenant-owned rows).
"""

from __future__ import annotations

from django.db import connections
from django.db.models import signals
from django.db.models.expressions import DatabaseDefault

# (model, database alias) -> (fields, "INSERT INTO … VALUES ", "(%s, …)", " RETURNING …")
_PLANS: dict[tuple[type, str], tuple[list, str, str, str]] = {}


def _plan(model, using: str):
    key = (model, using)
    plan = _PLANS.get(key)
    if plan is None:
        connection = connections[using]
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [
            field
            for field in meta.local_concrete_fields
            if not field.generated and field is not meta.auto_field
        ]
        head = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(field.column) for field in fields)}) VALUES "
        )
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        returning = f" RETURNING {quote(meta.pk.column)}" if meta.auto_field else ""
        plan = _PLANS[key] = (fields, head, row, returning)
    return plan


def _ormable(model) -> bool:
    """Whether the ORM must save these rows: receivers of the save signals, or a model with
    multi-table inheritance (rows in several tables)."""
    return (
        signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or bool(model._meta.parents)
    )


def insert_rows(objs, *, using: str = "default") -> None:
    """INSERT the unsaved instances `objs` (all of one model) with one statement and set
    their primary keys, as `bulk_create` would, without the ORM's per-row statement
    building. Runs in the caller's transaction."""
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_rows takes rows of one model.")
    if _ormable(model):
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return
    connection = connections[using]
    fields, head, row, returning = _plan(model, using)
    params: list = []
    for obj in objs:
        # As `save` does: refuses an unsaved related row, takes the id of one saved since.
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
        for field in fields:
            value = field.pre_save(obj, add=True)
            if isinstance(value, DatabaseDefault) or hasattr(value, "resolve_expression"):
                # Expressions and database defaults: the ORM's compiler knows them.
                for each in objs:
                    each.save(force_insert=True, using=using)
                return
            params.append(field.get_db_prep_save(value, connection=connection))
    sql = head + ", ".join([row] * len(objs)) + returning
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall() if returning else []
    pk_name = model._meta.pk.attname
    for index, obj in enumerate(objs):
        if returning:
            setattr(obj, pk_name, keys[index][0])
        obj._state.adding = False
        obj._state.db = using
