"""Fast writes for a large import: new rows (and their history) by PostgreSQL COPY, and field
validation that checks each distinct value once instead of cleaning every model."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pupils.imports.columns import REASON


def copy_create(model, rows: list[dict], user) -> list[dict]:
    """Insert new rows and their history ("+", "Pupil import", `user`) with PostgreSQL COPY:
    what bulk_create_with_history writes, without building an INSERT of 500 rows at a time in
    Python (100,000 rows took minutes) nor a model instance per row. `rows` are {attname: value}
    of plain values (str, date, Decimal, int, None); the fields they leave out get their
    defaults. Ids come from the table's sequence first (each row gets its "id"), so the history
    rows can name them."""
    if not rows:
        return rows
    pk = model._meta.pk.attname
    if connection.vendor != "postgresql":
        objects = bulk_create_with_history(
            [model(**r) for r in rows],
            model,
            batch_size=500,
            default_user=user,
            default_change_reason=REASON,
        )
        for r, obj in zip(rows, objects, strict=True):
            r[pk] = obj.pk
        return rows
    conn = connections[DEFAULT_DB_ALIAS]  # the real one: the `connection` proxy costs per call
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), conn)
        for f in fields
        if f.attname not in rows[0] and f.attname != pk
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        for r, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
            r[pk] = new_id
        full = [defaults | r for r in rows]
        _copy(cursor, table, [f.column for f in fields], [f.attname for f in fields], full)
        history = model.history.model
        extra = {
            "history_date": timezone.now(),
            "history_change_reason": REASON,
            "history_type": "+",
            "history_user_id": user.pk if user is not None else None,
        }
        columns = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        _copy(
            cursor,
            history._meta.db_table,
            [f.column for f in columns],
            [f.attname for f in columns],
            [row | extra for row in full],
        )
    return rows


def _copy(cursor, table: str, columns: list[str], keys: list[str], rows: list[dict]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row([row[k] for k in keys])


def validate_values(model, rows: list[dict]) -> None:
    """What `validate_fields` checks, for rows not yet made into models: each field's distinct
    values are checked once (most repeat: dates, kinds, hours), and only when one fails is the
    first row holding a failing value made into a model and cleaned, so the error is
    full_clean's own.
    """
    if not rows:
        return
    bad: dict[str, set] = {}
    for name in rows[0]:
        field = model._meta.get_field(name)
        if field.is_relation or field.primary_key:
            continue
        for key, value in {(type(r[name]), str(r[name])): r[name] for r in rows}.items():
            if field.blank and value in field.empty_values:
                continue
            try:
                field.clean(value, None)
            except ValidationError:
                bad.setdefault(field.attname, set()).add(key)
    if bad:
        first = next(
            r for r in rows if any((type(r[n]), str(r[n])) in keys for n, keys in bad.items())
        )
        validate_fields(model, [model(**first)])


def validate_fields(model, objects: list) -> None:
    """Field validation of what is written, except that the rows a foreign key points at exist:
    the import found them itself, and checking costs one query per key per row (100,000 rows
    took minutes); the database's foreign keys still refuse a dangling one."""
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    for obj in objects:
        obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
