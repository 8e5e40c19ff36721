"""Bulk writes of audited rows at a size where the ORM's per-value compilation dominates.

Measured on 50,000 applications (make bench): bulk_create_with_history and
bulk_update_with_history took ~28 s, most of it compiling expressions value by value. These
helpers keep the same audit record — a history row per written row, with its user, reason
and time — but let the database do the copying: executemany for new rows, a guarded UPDATE
for FSM transitions, and INSERT ... SELECT to snapshot the written rows into their history
table. Use them only for such bulk jobs; everything else goes through save_audited.
"""

import io
from datetime import datetime

import pandas as pd

from django.db import connection, connections
from django.utils import timezone

HISTORY_META = ("history_id", "history_date", "history_change_reason", "history_type", "history_user")
CHUNK = 900  # stays under SQLite's limit on bound parameters


def _history_columns(model):
    history = model.history.model
    return [f.column for f in history._meta.concrete_fields if f.name not in HISTORY_META]


def insert_rows(model, fields: list[str], rows) -> int:
    """INSERT the tuples (values in the order of `fields`, prepared for the database), from any
    iterable: a generator keeps a large job's rows out of memory. Returns how many were written.

    PostgreSQL takes them through COPY (measured ~5x faster than executemany here).
    """
    columns = [model._meta.get_field(f).column for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        count = 0
        # The raw COPY bypasses Django's cursor wrapper: wrap_database_errors turns a unique violation
        # into django.db.IntegrityError, as an ORM insert raises it.
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    # SQLite stores what it is given: an aware datetime would keep its "+00:00" and compare wrongly
    # against the ORM's own (naive UTC) values, as the change log's date filters do.
    rows = [tuple(_adapt(v) for v in row) for row in rows]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
    return len(rows)


def insert_rows_returning_ids(model, fields: list[str], rows, count: int) -> list[int]:
    """insert_rows of `count` rows (any iterable, a generator too), and their ids in order.

    PostgreSQL: the ids are drawn from the table's sequence first and copied with the rows. SQLite:
    the rows are inserted in one executemany while this transaction holds the database's write
    lock, so they take consecutive rowids ending at last_insert_rowid()."""
    if not count:
        return []
    if connection.vendor == "postgresql":
        ids = _next_ids(model, count)
        written = insert_rows(model, ["id", *fields], ((pk, *row) for pk, row in zip(ids, rows)))
    else:
        written = insert_rows(model, fields, rows)
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
        ids = list(range(last - count + 1, last + 1))
    if written != count:
        raise ValueError(f"{written} rows written, {count} announced")
    return ids


def _next_ids(model, count: int) -> list[int]:
    """`count` ids drawn from the table's sequence (PostgreSQL), for rows copied in with their ids."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, count])
        return [row[0] for row in cursor.fetchall()]


def update_rows(model, fields: list[str], rows, *, history: tuple | None = None) -> int:
    """UPDATE `fields` of the rows given as tuples (id, *values in the order of `fields`, prepared
    for the database). PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM; SQLite:
    executemany. `history` = (user, reason) snapshots the updated rows too: on PostgreSQL in the
    same statement, from the rows the UPDATE returns (measured ~0.4 s less for 156,000 grades than
    an UPDATE then snapshot_ids, which finds the rows again)."""
    columns = [model._meta.get_field(f).column for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        temp = quote(f"upd_{model._meta.db_table}")
        names = ", ".join(quote(c) for c in columns)
        with connection.wrap_database_errors, connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT id, {names} FROM {table} WITH NO DATA")
            count = 0
            with cursor.cursor.copy(f"COPY {temp} (id, {names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            sets = ", ".join(f"{quote(c)} = u.{quote(c)}" for c in columns)
            cursor.execute(f"ANALYZE {temp}")  # without statistics the planner guesses the join's size
            update = f"UPDATE {table} AS t SET {sets} FROM {temp} AS u WHERE t.id = u.id"
            if history:
                user, reason = history
                sql, params = _history_insert(model, "changed", "TRUE", user=user, reason=reason)
                cursor.execute(f"WITH changed AS ({update} RETURNING t.*) {sql}", params)
            else:
                cursor.execute(update)
            cursor.execute(f"DROP TABLE {temp}")
        return count
    rows = [(*(_adapt(v) for v in row[1:]), row[0]) for row in rows]
    if rows:
        sets = ", ".join(f"{quote(c)} = %s" for c in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)
        if history:
            snapshot_ids(model, [row[-1] for row in rows], user=history[0], reason=history[1])
    return len(rows)


def _frame_rows(frame):
    """The rows of a DataFrame as tuples of plain Python values (NA as None), built by columns."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if values.isna().any():
            values = values.astype(object).where(values.notna(), None)
        columns.append(values.tolist())
    return zip(*columns)


def insert_frame_returning_ids(model, frame) -> list[int]:
    """insert_rows_returning_ids of a DataFrame's rows (a column per field, in the frame's order)."""
    if connection.vendor != "postgresql" or not len(frame):
        return insert_rows_returning_ids(model, list(frame.columns), _frame_rows(frame), len(frame))
    ids = _next_ids(model, len(frame))
    insert_rows(model, ["id", *frame.columns], _frame_rows(frame.assign(id=ids)[["id", *frame.columns]]))
    return ids


def update_frame(model, frame, *, history: tuple | None = None) -> int:
    """update_rows of a DataFrame's rows: column "id", then a column per field."""
    fields = [name for name in frame.columns if name != "id"]
    return update_rows(model, fields, _frame_rows(frame[["id", *fields]]), history=history)


def query_frame(sql: str, params: list, columns: list[str], *, bools: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of a query as a DataFrame. PostgreSQL sends them as one COPY (CSV) that pandas
    parses in C: for 156,000 rows ~0.4 s less than fetching tuples. The query must give no NULL
    (COALESCE to a sentinel): CSV cannot tell a NULL from an empty text. `bools` are booleans."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            frame = pd.DataFrame(cursor.fetchall(), columns=columns)
    else:
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            data = b"".join(bytes(block) for block in copy)
        if not data:
            return pd.DataFrame({name: pd.Series(dtype=bool if name in bools else object) for name in columns})
        frame = pd.read_csv(io.BytesIO(data), names=columns, header=None, na_filter=False, dtype={name: str for name in bools})
        for name in bools:
            frame[name] = frame[name] == "t"
    for name in bools:
        frame[name] = frame[name].astype(bool)
    return frame


def snapshot_ids(model, ids: list[int], *, user, reason: str, history_type: str = "~") -> int:
    """snapshot_history of the rows with these ids: one statement on PostgreSQL (= ANY of an array),
    chunks within SQLite's limit on bound parameters."""
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        return snapshot_history(model, "id = ANY(%s)", [list(ids)], user=user, reason=reason, history_type=history_type)
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        done += snapshot_history(model, "id IN ({})".format(", ".join(["%s"] * len(chunk))), chunk, user=user, reason=reason,
                                 history_type=history_type)
    return done


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def snapshot_history(model, where: str, params: list, *, user, reason: str, history_type: str = "~",
                     reasons_by: tuple[str, dict] | None = None) -> int:
    """Copy the rows of `model` matching `where` into its history table, in one statement.

    `reasons_by` = (field, {value: reason}) gives each row the reason of its value of `field` (a
    CASE in the same statement), `reason` where none matches."""
    sql, sql_params = _history_insert(model, connection.ops.quote_name(model._meta.db_table), where, user=user, reason=reason,
                                      history_type=history_type, reasons_by=reasons_by)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sql_params, *params])
        return cursor.rowcount


def _history_insert(model, source: str, where: str, *, user, reason: str, history_type: str = "~",
                    reasons_by: tuple[str, dict] | None = None) -> tuple[str, list]:
    """The INSERT of the rows of `source` (the table, or a CTE of its rows) matching `where` into
    the history table of `model`, and its parameters (those of `where` follow)."""
    columns = ", ".join(connection.ops.quote_name(c) for c in _history_columns(model))
    reason_sql, reason_params = "%s", [reason]
    if reasons_by:
        field, by_value = reasons_by
        column = connection.ops.quote_name(model._meta.get_field(field).column)
        reason_sql = "CASE {} {} ELSE %s END".format(column, " ".join(["WHEN %s THEN %s"] * len(by_value)))
        reason_params = [item for pair in by_value.items() for item in pair] + [reason]
    sql = "INSERT INTO {history} ({columns}, history_date, history_change_reason, history_type, history_user_id) " \
          "SELECT {columns}, %s, {reason}, %s, %s FROM {source} WHERE {where}".format(
              history=connection.ops.quote_name(model.history.model._meta.db_table), reason=reason_sql, source=source,
              columns=columns, where=where)
    return sql, [_adapt(timezone.now()), *reason_params, history_type, user.pk]


def bulk_transition(model, ids: list[int], method: str, *, source: str, user, reason: str,
                    reasons_by: tuple[str, dict] | None = None) -> int:
    """Take the FSM transition `method` from `source` for every row in `ids`, with history.

    The target comes from the transition's own declaration, and the UPDATE is guarded by the
    source state, as ConcurrentTransitionMixin guards a single save.
    """
    meta = getattr(model, method)._django_fsm
    transition = meta.get_transition(source)
    if transition is None:
        raise ValueError(f"{model.__name__}.{method} is not allowed from {source!r}")
    field = meta.field if isinstance(meta.field, str) else meta.field.name
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    table = connection.ops.quote_name(model._meta.db_table)
    postgres = connection.vendor == "postgresql"
    size = len(ids) if postgres else CHUNK  # PostgreSQL: one array parameter, one statement
    done = 0
    for start in range(0, len(ids), size or 1):
        chunk = list(ids[start : start + size])
        where, params = ("id = ANY(%s)", [chunk]) if postgres else (f"id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {column} = %s AND {where}", [transition.target, source, *params])
            if cursor.rowcount != len(chunk):
                raise RuntimeError(f"{len(chunk) - cursor.rowcount} rows left {source!r} while being moved")
        snapshot_history(model, where, params, user=user, reason=reason, reasons_by=reasons_by)
        done += len(chunk)
    return done


# A bulk job that wrote at least this many rows refreshes the planner's statistics afterwards.
ANALYZE_AFTER_ROWS = 1000


def refresh_statistics(models_or_tables, *, using: str = "default") -> list[str]:
    """ANALYZE the tables a bulk job has just filled, and return their names.

    Autovacuum may be off (it is on the bench machines) or not yet have run: without
    statistics the planner takes a freshly filled table for empty and picks nested loops (an
    audit-page query took 5.2 s instead of 1 ms). Pass model classes (an audited model brings
    its history table, which the bulk helpers fill too) or table names. Call it after the
    transaction commits, e.g. `transaction.on_commit(lambda: refresh_statistics([Application]))`.
    SQLite runs ANALYZE as well: its query planner reads sqlite_stat1.
    """
    tables = []
    for item in models_or_tables:
        if isinstance(item, str):
            names = [item]
        else:
            names = [item._meta.db_table]
            history = getattr(item, "history", None)
            if history is not None and hasattr(history, "model"):
                names.append(history.model._meta.db_table)
        tables.extend(n for n in names if n not in tables)
    if not tables:
        return []
    db = connections[using]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(db.ops.quote_name(t) for t in tables))
        else:
            for table in tables:
                cursor.execute("ANALYZE " + db.ops.quote_name(table))
    return tables
