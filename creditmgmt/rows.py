"""One model row by a hand-written WHERE, for the hot path of the decision API.

Building a queryset's SQL costs ~0.3-1 ms of Python per query (filters, select list,
ordering), the database answers an indexed lookup in ~0.1 ms; the API asks seven of
these per decision. A RowQuery writes its SELECT once per database vendor and gives
back a model instance exactly as the ORM would: the same columns, the same value
converters (SQLite's decimals and datetimes, JSON), `Model.from_db`.
tests/acceptance/test_rows.py holds it to the ORM on every model it is used for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Model

# psycopg prepares a statement on the server when told to (prepare=True) only if the connection
# has a threshold; Django sets none (for poolers). This one is never reached by counting, so only
# the hot path's fixed statements are prepared, never the ORM's.
_ONLY_WHEN_ASKED = 2**31 - 1


def hot_cursor(using: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor for the decision API's fixed statements: on PostgreSQL each is prepared on the
    server once per connection and then sent as its name and parameters, which spares the
    database parsing and planning it again and Python quoting the parameters into the text.
    Elsewhere, or with DATABASE_PREPARED_STATEMENTS off (behind a pooler in transaction mode),
    the ordinary cursor. Queries are logged and counted as any other.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(raw))


@cache
def _preparing_cursor_class() -> type:
    # Imported here: the PostgreSQL backend needs psycopg, which an SQLite-only setup may lack.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Server-side binding, and every statement prepared (see hot_cursor)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


class RowQuery:
    """`RowQuery(Customer, "number = %s").get(["C-1001"])`: the first row by primary key, or None.

    `where` names columns of the model's table and takes %s parameters; `for_update`
    adds FOR UPDATE where the database has it (PostgreSQL), as select_for_update() does.
    """

    def __init__(self, model: type[Model], where: str, *, for_update: bool = False):
        self.model, self.where, self.for_update = model, where, for_update
        self._prepared: dict[str, tuple[str, list, list[str]]] = {}

    def _prepare(self, connection) -> tuple[str, list, list[str]]:
        meta = self.model._meta
        qn = connection.ops.quote_name
        fields = meta.concrete_fields
        table = qn(meta.db_table)
        columns = ", ".join(f"{table}.{qn(f.column)}" for f in fields)
        order = f"{table}.{qn(meta.pk.column)}"
        sql = f"SELECT {columns} FROM {table} WHERE {self.where} ORDER BY {order} LIMIT 1"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(meta.db_table)
            # As SQLCompiler.get_converters: the backend's converters, then the field's.
            funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if funcs:
                converters.append((index, funcs, col))
        return sql, converters, [f.attname for f in fields]

    def prepared(self, connection) -> tuple[str, list, list[str]]:
        """The SELECT, the value converters and the attribute names, made once per vendor."""
        prepared = self._prepared.get(connection.vendor)
        if prepared is None:
            prepared = self._prepared[connection.vendor] = self._prepare(connection)
        return prepared

    def instance(self, row: tuple | list, connection, using: str) -> Model | None:
        """The model instance of a row as this query selects it; None for a row of NULLs (read_rows)."""
        _sql, converters, attnames = self.prepared(connection)
        if row[attnames.index(self.model._meta.pk.attname)] is None:  # a primary key is never NULL
            return None
        values = list(row)
        for index, funcs, col in converters:
            value = values[index]
            for func in funcs:
                value = func(value, col, connection)
            values[index] = value
        return self.model.from_db(using, attnames, values)

    def get(self, params: list[Any], *, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        connection = connections[using]
        sql = self.prepared(connection)[0]
        with hot_cursor(using) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else self.instance(row, connection, using)


def read_rows(
    lookups: list[tuple[RowQuery, list[Any]]], *, using: str = DEFAULT_DB_ALIAS
) -> list[Model | None]:
    """Several RowQuery lookups in one statement, one round trip: each one's row, or None.

    `SELECT * FROM (SELECT 1) AS one LEFT JOIN (q0) AS r0 ON 1 = 1 LEFT JOIN (q1) ...`: a lookup that
    finds nothing gives NULLs, the others their row. For a request that needs several unrelated
    rows at once (the decision API: the customer, the order reference, the bureau report).
    """
    connection = connections[using]
    parts, params, widths = [], [], []
    for n, (query, query_params) in enumerate(lookups):
        if query.for_update:
            raise ValueError("read_rows does not lock: use RowQuery.get")
        sql, _converters, attnames = query.prepared(connection)
        parts.append(f"LEFT JOIN ({sql}) AS r{n} ON 1 = 1")
        params.extend(query_params)
        widths.append(len(attnames))
    with hot_cursor(using) as cursor:
        cursor.execute("SELECT * FROM (SELECT 1 AS one) AS one " + " ".join(parts), params)
        row = cursor.fetchone()
    found, start = [], 1  # column 0 is `one`
    for (query, _params), width in zip(lookups, widths, strict=True):
        found.append(query.instance(row[start : start + width], connection, using))
        start += width
    return found


class RowInsert:
    """`RowInsert(Decision).save(decision)`: INSERT one new instance as `Model.save(force_insert=True)`
    would (pre_save values such as auto_now_add, the fields' database values, the new pk set on
    the instance), without building the statement again each time. Neither save() nor signals
    run: use it only for models whose save() adds nothing to a new row and that no receiver hears.

    `unless_exists`: the columns of a unique constraint; a row that would break it is not written
    (ON CONFLICT DO NOTHING) and save() returns None, so "insert unless there" is one round trip.
    """

    def __init__(self, model: type[Model], *, unless_exists: tuple[str, ...] = ()):
        self.model, self.unless_exists = model, unless_exists
        self._prepared: dict[str, tuple[str, str, list, bool]] = {}

    def _prepare(self, connection) -> tuple[str, str, list, bool]:
        meta = self.model._meta
        qn = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.generated and f is not meta.auto_field]
        returning = bool(connection.features.can_return_columns_from_insert and meta.auto_field)
        columns = ", ".join(qn(f.column) for f in fields)
        head = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "
        sql = head + "({})".format(", ".join(["%s"] * len(fields)))
        if self.unless_exists:
            sql += " ON CONFLICT ({}) DO NOTHING".format(", ".join(qn(c) for c in self.unless_exists))
        if returning:
            sql += f" RETURNING {qn(meta.auto_field.column)}"
        return sql, head, fields, returning

    def _prepared_for(self, connection) -> tuple[str, str, list, bool]:
        prepared = self._prepared.get(connection.vendor)
        if prepared is None:
            prepared = self._prepared[connection.vendor] = self._prepare(connection)
        return prepared

    def save(self, obj: Model, *, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        if not obj._state.adding or obj.pk is not None:
            raise ValueError("RowInsert writes new rows only")
        connection = connections[using]
        sql, _head, fields, returning = self._prepared_for(connection)
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
        with hot_cursor(using) as cursor:
            cursor.execute(sql, params)
            if returning:
                row = cursor.fetchone()
                if row is None:
                    return None  # unless_exists: the row was there already
                pk = row[0]
            else:
                if self.unless_exists and cursor.rowcount == 0:
                    return None
                pk = connection.ops.last_insert_id(
                    cursor, self.model._meta.db_table, self.model._meta.pk.column
                )
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
        return obj

    def save_many(self, objs: list[Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
        """INSERT new instances in one statement (as bulk_create, without building it each time).

        Primary keys are not read back: for rows nobody refers to right after (timeline events).
        """
        if not objs:
            return
        connection = connections[using]
        sql, params = self._many(objs, connection)
        with hot_cursor(using) as cursor:
            cursor.execute(sql, params)
        _mark_saved(objs, using)

    def _many(self, objs: list[Model], connection) -> tuple[str, list[Any]]:
        """The INSERT of new instances and its parameters (save_many, insert_together)."""
        if self.unless_exists:
            raise ValueError("save_many does not skip existing rows")
        if any(not obj._state.adding or obj.pk is not None for obj in objs):
            raise ValueError("RowInsert writes new rows only")
        _sql, head, fields, _returning = self._prepared_for(connection)
        row = "({})".format(", ".join(["%s"] * len(fields)))
        params = [
            f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for obj in objs for f in fields
        ]
        return head + ", ".join([row] * len(objs)), params


def _mark_saved(objs: list[Model], using: str) -> None:
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def insert_together(inserts: list[tuple[RowInsert, list[Model]]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Several RowInsert.save_many in one statement where the database has data-modifying WITH
    (PostgreSQL: `WITH i0 AS (INSERT ...) INSERT ...`), else one after the other. Primary keys are
    not read back. The decision API's request row and timeline events: one round trip."""
    inserts = [(insert, objs) for insert, objs in inserts if objs]
    connection = connections[using]
    if connection.vendor != "postgresql" or len(inserts) < 2:
        for insert, objs in inserts:
            insert.save_many(objs, using=using)
        return
    *first, (last_sql, last_params) = [insert._many(objs, connection) for insert, objs in inserts]
    sql = "WITH {} {}".format(", ".join(f"i{n} AS ({part})" for n, (part, _p) in enumerate(first)), last_sql)
    with hot_cursor(using) as cursor:
        cursor.execute(sql, [param for _part, params in first for param in params] + last_params)
    for _insert, objs in inserts:
        _mark_saved(objs, using)


@dataclass(frozen=True)
class OneRowQuery:
    """A SELECT that returns exactly one row, and how that row becomes named values.

    read_together reads several in one statement, side by side (`SELECT * FROM (a) q0, (b) q1`):
    one round trip and one prepared statement for, say, a decision's ledger figures, every app's
    features and the group exposure.
    """

    sql: str  # %s placeholders; aggregates only, so there is always exactly one row
    params: list[Any]
    width: int  # the number of columns it selects
    read: Callable[[tuple], dict[str, Any]]


def read_together(queries: list[OneRowQuery]) -> list[dict[str, Any]]:
    """Each query's values, all read in one statement."""
    sql = "SELECT * FROM " + ", ".join(f"({query.sql}) AS q{n}" for n, query in enumerate(queries))
    with hot_cursor() as cursor:
        cursor.execute(sql, [param for query in queries for param in query.params])
        row = cursor.fetchone()
    answers, start = [], 0
    for query in queries:
        answers.append(query.read(row[start : start + query.width]))
        start += query.width
    return answers
