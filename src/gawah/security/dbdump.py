"""A portable, exact copy of a workspace database (for backups of PostgreSQL workspaces).

`dump` reads every table of the database in one REPEATABLE READ transaction (a consistent
snapshot while the server keeps running) and writes JSON lines: a header (format, the Alembic
revision, the tables in the order they can be loaded), then per table a line naming its columns
and one line per row. Values are the database's own, read without Gawah's column types, so sealed
columns stay sealed and nothing needs the workspace key. JSON columns are copied as their exact
text, times in UTC, bytes in base64.

`load` fills an empty database: it runs the migrations up to the dump's revision, inserts the rows
(self-references set afterwards, so their order does not matter), sets the sequences past the
highest ids, and recreates the indexes made outside the migrations (the full-text index). Unlike
pg_dump, it needs no client programs of the server's exact version, and it can load into SQLite.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import JSON, Connection, Engine, MetaData, Table, Text, bindparam, cast, inspect, select
from sqlalchemy import text as sql_text

from gawah.store import migrate

FORMAT = "gawah-database-dump"
VERSION = 1
VERSION_TABLE = "alembic_version"
_BATCH = 2000


class DumpError(Exception):
    """A dump could not be made or loaded; the message says why."""


@dataclass(frozen=True)
class DumpSummary:
    revision: str | None
    tables: int
    rows: int


def _tag(value: Any) -> Any:
    """A JSON-safe form of one column value (see `_untag`)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return {"$n": str(value)}
    return value


def _untag(value: Any, *, aware: bool) -> Any:
    if not isinstance(value, dict):
        return value
    if "$t" in value:
        moment = dt.datetime.fromisoformat(value["$t"])
        return moment.replace(tzinfo=dt.UTC) if aware else moment
    if "$d" in value:
        return dt.date.fromisoformat(value["$d"])
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$n" in value:
        return decimal.Decimal(value["$n"])
    raise DumpError(f"unknown value in the dump: {sorted(value)}")


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    return metadata


def _json_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, JSON)}


def _read_columns(table: Table) -> list[Any]:
    # JSON as its stored text: json null and SQL NULL stay apart, and the text stays byte for byte.
    json_columns = _json_columns(table)
    return [cast(c, Text).label(c.name) if c.name in json_columns else c for c in table.columns]


def extra_indexes(conn: Connection) -> list[str]:
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.execute(
        sql_text("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")
    )
    return [str(r[0]) for r in rows]


def _revision(conn: Connection, metadata: MetaData) -> str | None:
    if VERSION_TABLE not in metadata.tables:
        return None
    return conn.execute(sql_text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def dump(engine: Engine, out: IO[str]) -> DumpSummary:
    """Write every table of `engine`'s database to `out` as JSON lines (see the module's text)."""
    rows_written = 0
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as conn, conn.begin():
        metadata = _reflect(conn)
        tables = [t for t in metadata.sorted_tables if t.name != VERSION_TABLE]
        revision = _revision(conn, metadata)
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "dialect": engine.dialect.name,
            "revision": revision,
            "tables": [t.name for t in tables],
            "indexes": extra_indexes(conn),
        }
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for table in tables:
            columns = [c.name for c in table.columns]
            out.write(json.dumps({"table": table.name, "columns": columns}, ensure_ascii=False) + "\n")
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.execution_options(stream_results=True).execute(
                select(*_read_columns(table)).order_by(*order)
            )
            for row in result:
                out.write(json.dumps([_tag(v) for v in row], ensure_ascii=False) + "\n")
                rows_written += 1
    return DumpSummary(revision, len(tables), rows_written)


def _lines(source: IO[str]) -> Iterator[Any]:
    for number, line in enumerate(source, start=1):
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            raise DumpError(f"line {number} of the dump is not JSON") from None


def _self_references(table: Table) -> set[str]:
    return {fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name}


def _insert(conn: Connection, table: Table, columns: list[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    json_columns = _json_columns(table)
    values: dict[str, Any] = {}
    for name in columns:
        if name in json_columns:
            # The JSON's stored text goes in as it was: cast on the server, plain text on SQLite.
            param = bindparam(name, type_=Text)
            values[name] = cast(param, table.c[name].type) if conn.dialect.name == "postgresql" else param
        else:
            values[name] = bindparam(name, type_=table.c[name].type)
    conn.execute(table.insert().values(values), rows)


def _reset_sequences(conn: Connection, table: Table) -> None:
    if conn.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        sequence = conn.execute(
            sql_text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
        ).scalar()
        if sequence:
            conn.execute(
                sql_text(
                    f"SELECT setval(:s, COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, "
                    "false)"
                ),
                {"s": sequence},
            )


def _is_empty(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    return not names


def load(source: IO[str], url: str) -> DumpSummary:
    """Load a dump into the empty database at `url` (migrated first to the dump's revision)."""
    lines = _lines(source)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpError("not a Gawah database dump")
    if header.get("version") != VERSION:
        raise DumpError(f"a database dump of version {header.get('version')}, this Gawah reads {VERSION}")
    revision = header.get("revision")
    if revision is not None and revision not in migrate.all_revisions():
        raise DumpError(f"the dump's schema {revision} is newer than this Gawah: upgrade Gawah first")
    from gawah.store.engine import make_engine

    engine = make_engine(url)
    try:
        if not _is_empty(engine):
            raise DumpError("the target database is not empty: restore into a new database")
        if revision is not None:
            migrate.upgrade(url, revision)
        rows_loaded = 0
        with engine.begin() as conn:
            metadata = _reflect(conn)
            aware = conn.dialect.name == "postgresql"
            known_indexes = set(extra_indexes(conn))
            table: Table | None = None
            columns: list[str] = []
            later: list[tuple[Table, str, list[dict[str, Any]]]] = []
            batch: list[dict[str, Any]] = []
            deferred: set[str] = set()

            def flush() -> None:
                assert table is not None
                _insert(conn, table, columns, batch)
                batch.clear()

            for line in lines:
                if isinstance(line, dict):
                    if table is not None:
                        flush()
                        _reset_sequences(conn, table)
                    name = str(line["table"])
                    if name not in metadata.tables:
                        raise DumpError(f"the dump has a table {name} that the schema does not")
                    table = metadata.tables[name]
                    columns = list(line["columns"])
                    deferred = _self_references(table) & set(columns)
                    continue
                if table is None:
                    raise DumpError("a row before any table in the dump")
                row = {c: _untag(v, aware=aware) for c, v in zip(columns, line, strict=True)}
                for name in deferred:
                    if row[name] is not None:
                        later.append((table, name, [{"id_": _key(table, row), "value": row[name]}]))
                        row[name] = None
                batch.append(row)
                rows_loaded += 1
                if len(batch) >= _BATCH:
                    flush()
            if table is not None:
                flush()
                _reset_sequences(conn, table)
            for owner, name, updates in later:
                (key_column,) = owner.primary_key.columns
                conn.execute(
                    owner.update().where(key_column == bindparam("id_")).values({name: bindparam("value")}),
                    updates,
                )
            for definition in header.get("indexes", []):
                if definition not in known_indexes and conn.dialect.name == "postgresql":
                    conn.execute(sql_text(definition))
        return DumpSummary(revision, len(header.get("tables", [])), rows_loaded)
    finally:
        engine.dispose()


def _key(table: Table, row: dict[str, Any]) -> Any:
    (key_column,) = table.primary_key.columns
    return row[key_column.name]


def dump_to_file(engine: Engine, path: Path) -> DumpSummary:
    with path.open("w", encoding="utf-8") as out:
        return dump(engine, out)


def load_from_file(path: Path, url: str) -> DumpSummary:
    with path.open(encoding="utf-8") as source:
        return load(source, url)


__all__ = ["DumpError", "DumpSummary", "dump", "dump_to_file", "load", "load_from_file"]
