"""Writing many rows at once without the ORM's per-value work, for the sync engine's batches.

`QuerySet.bulk_create` builds a model instance per row and prepares every value through its
field, about thirty calls a row for a client, and on SQLite sends at most 999 values a
statement: most of the time a 100,000-client import took. These helpers take plain tuples,
prepare only the values that need it (JSON, dates and times) as Django would (but JSON
documents are written by orjson, see `_json_dumped`), pass text, numbers and foreign keys as
they are, and send few statements. The SQL is the same on SQLite (3.35 or later) and
PostgreSQL, but for how an insert marks its values (see `_placeholder`): multi-row INSERT
with RETURNING, INSERT ... ON CONFLICT ... DO UPDATE for upserts, and for updates of many
objects one UPDATE by primary key each, sent with `executemany`. Written by hand because no
maintained library does this for Django models on both databases.
"""

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from django.db import connection as default_connection
from django.db import models
from django.db.models import Model
from django.utils import timezone

# Values of exactly these field classes go to both databases' drivers as Python gives them; a
# subclass (an encrypted text field, say) may prepare its values, so it is never assumed plain.
_AS_IS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.BigIntegerField,
        models.BooleanField,
        models.CharField,
        models.EmailField,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SlugField,
        models.SmallIntegerField,
        models.TextField,
        models.URLField,
    }
)
# SQLite allows 32,766 bound values a statement, PostgreSQL 65,535; keep well below both.
_VALUES_PER_STATEMENT = 30_000


def rows_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> list[Any]:
    """Insert `rows` (tuples of values in `fields` order; a foreign key by its id) into
    `model`'s table, in the caller's transaction. Columns `fields` leave out get the field's
    default (the current time for `auto_now` ones), the same for every row.

    With `conflict` (the fields of a unique constraint) an existing row is updated with the
    new values of `update` instead. With `returning`, the new rows' primary keys, in order.
    """
    if not rows:
        return []
    connection = default_connection
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    defaulted = [
        field
        for field in opts.concrete_fields
        if not field.primary_key and not field.generated and field not in given
    ]
    model_fields = [*given, *defaulted]
    preparers = [_preparer(field, connection) for field in model_fields]
    # Only the columns whose values need preparing are touched row by row; the defaults are
    # the same for every row and prepared once.
    to_prepare = [(index, prepare) for index, prepare in enumerate(preparers) if prepare]
    defaults = _prepared(
        [_default(field) for field in defaulted],
        [(index - len(given), prepare) for index, prepare in to_prepare if index >= len(given)],
    )
    given_to_prepare = [(index, prepare) for index, prepare in to_prepare if index < len(given)]
    rows = [_prepared(row, given_to_prepare) + defaults for row in rows]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model_fields)
    suffix = ""
    if conflict:
        targets = ", ".join(quote(opts.get_field(name).column) for name in conflict)
        assignments = ", ".join(
            f"{quote(column)} = excluded.{quote(column)}"
            for column in (opts.get_field(name).column for name in update)
        )
        suffix = f" ON CONFLICT ({targets}) DO UPDATE SET {assignments}"
    if returning:
        suffix += f" RETURNING {quote(opts.pk.column)}"
    row_placeholder = "(" + ", ".join([_placeholder(connection)] * len(model_fields)) + ")"
    per_statement = max(1, _VALUES_PER_STATEMENT // len(model_fields))
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            # Only quoted names from the model's metadata and placeholders; values are bound.
            sql = (
                f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row_placeholder] * len(chunk))
                + suffix
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                keys.extend(row[0] for row in cursor.fetchall())
    return keys


def objects_update(objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of `objects` (instances of one model, already saved) as they are now, in
    the caller's transaction: one UPDATE by primary key each, sent together.

    `QuerySet.bulk_update` builds a CASE expression with a branch per object for every field,
    which for a refresh's batch of 1,000 clients cost seconds in the ORM alone.
    """
    if not objects:
        return
    connection = default_connection
    opts = type(objects[0])._meta
    model_fields = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in model_fields)
    # Only quoted names from the model's metadata and placeholders; values are bound.
    sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"  # noqa: S608
    preparers = [_preparer(field, connection) for field in model_fields]
    to_prepare = [(index, prepare) for index, prepare in enumerate(preparers) if prepare]
    rows = [
        [*_prepared([getattr(obj, field.attname) for field in model_fields], to_prepare), obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _placeholder(connection) -> str:
    """How a statement of many values marks each: Django's SQLite cursor turns every "%s" into
    SQLite's own "?" with a regular expression, a twentieth of an import at 30,000 values a
    statement, and passes a "?" through as it is. Not while queries are logged, because the
    log puts each value in place of a "%s"."""
    if connection.vendor == "sqlite" and not connection.queries_logged:
        return "?"
    return "%s"


def _prepared(row: Sequence[Any], to_prepare: list[tuple[int, Callable]]) -> list[Any]:
    """`row` with the values at `to_prepare`'s indices prepared (None stays None)."""
    values = list(row)
    for index, prepare in to_prepare:
        if values[index] is not None:
            values[index] = prepare(values[index])
    return values


def _json_preparer(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt`, with the empty object and list (most rows' record details) adapted once."""
    empty = {dict: adapt({}), list: adapt([])}

    def prepare(value: Any) -> Any:
        if not value and type(value) in empty:
            return empty[type(value)]
        return adapt(value)

    return prepare


def _default(field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _preparer(field, connection) -> Callable[[Any], Any] | None:
    """How a (not None) value of `field` is made ready for the driver; None when it goes as
    it is.

    The same conversions `field.get_db_prep_save` makes, called directly: for JSON the
    backend's own adapter, and for dates and times the backend's, once per distinct value
    (a batch stamps every row with the same instant)."""
    kind = type(field)
    if kind in _AS_IS or (field.is_relation and isinstance(field, models.ForeignKey)):
        return None
    ops = connection.ops
    if kind is models.JSONField:
        return _json_preparer(_json_adapter(field, connection))
    if isinstance(field, models.JSONField) and _prepares_as_json_field(kind):
        # A JSON field that only changes the document (encrypting parts of it, say): its
        # own preparation, then the adapter, as JSONField.get_db_prep_value does.
        adapt = _json_adapter(field, connection)

        def prepare(value: Any) -> Any:
            return adapt(field.get_prep_value(value))

        return _json_preparer(prepare)
    if kind is models.DateTimeField:
        return functools.lru_cache(maxsize=64)(ops.adapt_datetimefield_value)
    if kind is models.DateField:
        return ops.adapt_datefield_value

    return functools.partial(field.get_db_prep_save, connection=connection)


def _json_adapter(field: models.JSONField, connection) -> Callable[[Any], Any]:
    """How a JSON document of `field` goes to the driver: what the backend's
    `adapt_json_value` would send, with the document written by `_json_dumped` unless the
    field names an encoder of its own."""
    if field.encoder is not None:
        return functools.partial(connection.ops.adapt_json_value, encoder=field.encoder)
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return functools.partial(Jsonb, dumps=_json_dumped)
    return lambda value: _json_dumped(value).decode()


def _json_dumped(document: Any) -> bytes:
    """`document` as JSON, written by orjson: compact and in UTF-8 rather than json.dumps's
    spaced, ASCII-escaped text. An import writes two documents a client (its directory entry
    and its link's base snapshot), and json.dumps was about a tenth of its time.

    Dates, times and dataclasses are refused, as json.dumps refuses them; what orjson refuses
    but json.dumps writes (an integer beyond 64 bits, a lone surrogate from a garbled
    payload) is written by json.dumps. orjson writes NaN as null, where json.dumps's NaN is
    not JSON and neither database would store it."""
    try:
        return orjson.dumps(
            document,
            option=orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS,
        )
    except orjson.JSONEncodeError:
        return json.dumps(document).encode()


def _prepares_as_json_field(kind: type[models.JSONField]) -> bool:
    """Whether a JSONField subclass leaves the steps after `get_prep_value` as they are."""
    return (
        kind.get_db_prep_value is models.JSONField.get_db_prep_value
        and kind.get_db_prep_save is models.JSONField.get_db_prep_save
    )
