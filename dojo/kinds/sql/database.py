"""The trusted side of the SQL katas: a clean schema per test, the learner's compiled statement executed
on the test's own connection, and feedback that shows the SQL, the table and the rows.

SQLite in memory is the default; a PostgreSQL URL (`--kata-db` or KATA_DATABASE_URL) runs the same tests
on a real server, as a role that must not be a superuser, in a database with binary "C" collation.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult, DateTime, Dialect, create_engine, delete, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeEngine

from dojo.kinds.sql.plugin import ENVIRONMENT
from dojo.kinds.sql.tables import Base
from dojo.trusted.failures import KataFailure, call_text, describe
from dojo.trusted.proxy import KataProxy, same

STATEMENT_SECONDS = 10

Tables = dict[type[Base], list[dict[str, Any]]]


class DatabaseSetupError(RuntimeError):
    """The database the tests were pointed at cannot be used; the message says how to fix it."""


def render_table(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], limit: int = 30) -> str:
    """A small text table: what the learner's query saw, or what it returned."""
    cells = [[str(c) for c in columns]] + [[repr(v) for v in row] for row in rows[:limit]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))] if columns else []
    lines = [f"{name} ({len(rows)} row{'s' if len(rows) != 1 else ''})"]
    for index, row in enumerate(cells):
        lines.append("  " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  " + "-+-".join("-" * width for width in widths))
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)


@dataclass
class Outcome:
    """What one learner statement did: its SQL, the tables it ran on, and the rows it returned (or, for a
    statement that changes data, the rows it changed and a table's rows afterwards)."""

    call: str
    backend: str
    sql: str
    params: Any
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    columns: list[str]
    rows: list[tuple[Any, ...]]
    rowcount: int = -1  # rows an UPDATE or DELETE changed, as the database reports them

    def context(self, *, tables: bool = True) -> str:
        shown = [f"Called {self.call}; on {self.backend} it compiled to:",
                 *("    " + line for line in self.sql.strip().splitlines())]
        if self.params:
            shown.append(f"    with parameters {self.params!r}")
        if tables and self.tables:
            shown.append("On these tables:")
            shown.extend("  " + line for name, (cols, rows) in self.tables.items()
                         for line in render_table(name, cols, rows).splitlines())
        return "\n".join(shown)

    def fail(self, problem: str, *, tables: bool = True) -> KataFailure:
        """A failure that shows the SQL and (unless they are too big to read) the tables, then `problem`."""
        return KataFailure(f"{self.context(tables=tables)}\n{problem}")

    def expect_rows(self, expected: Sequence[tuple[Any, ...]], *, ordered: bool = True, what: str = "rows",
                    story: str = "") -> None:
        """Fail with the SQL, the tables and both row lists unless the rows are exactly `expected`; `story`
        tells what happened before (other statements, other clients) in lines for the learner."""
        actual = list(self.rows)
        wanted = [tuple(row) for row in expected]
        width = len(wanted[0]) if wanted else None
        problem = ""
        if width is not None and self.columns and len(self.columns) != width:
            problem = f"it returned {len(self.columns)} column(s) {self.columns}; expected {width}"
        elif ordered and not same(actual, wanted):
            problem = f"the {what} or their order differ"
        elif not ordered and not same(sorted(actual, key=repr), sorted(wanted, key=repr)):
            problem = f"the {what} differ"
        if problem:
            columns = self.columns or [f"column {i + 1}" for i in range(width or 0)]
            lead = f"{story}\n" if story else ""
            raise self.fail(f"{lead}{problem[0].upper()}{problem[1:]}.\n"
                            f"{render_table('Returned', columns, actual)}\n"
                            f"{render_table('Expected', columns, wanted)}")


class Database:
    """One engine for the test session; `schema()` gives each test a clean schema with the kata tables."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = create_engine(url, poolclass=StaticPool)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self.backend = self.engine.dialect.name
        self.drivername = self.engine.url.drivername

    def check(self) -> None:
        """Refuse a PostgreSQL that would make the tests unfair or unsafe, with the fix in the message."""
        if self.backend != "postgresql":
            return
        with self.engine.connect() as connection:
            role, superuser = connection.exec_driver_sql(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").one()
            collation = connection.exec_driver_sql(
                "SELECT datcollate FROM pg_database WHERE datname = current_database()").scalar_one()
        if superuser:
            raise DatabaseSetupError(
                f"{ENVIRONMENT} connects as {role!r}, a superuser; learner SQL is untrusted, so connect as a role "
                "without superuser rights (see 'Your own PostgreSQL' in the README)")
        if collation not in ("C", "POSIX", "C.UTF-8", "C.utf8"):
            raise DatabaseSetupError(
                f"the test database uses collation {collation!r}; create it with LC_COLLATE 'C' so text orders "
                "the same as on SQLite (see 'Your own PostgreSQL' in the README)")

    @contextmanager
    def schema(self) -> Iterator[Schema]:
        if self.backend == "sqlite":
            engine = create_engine("sqlite://", poolclass=StaticPool)
            with engine.connect() as connection:
                Base.metadata.create_all(connection)
                connection.commit()
                yield Schema(self, connection)
            engine.dispose()
            return
        name = f"kata_{secrets.token_hex(6)}"
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {name}")
            _enter(connection, name)
            Base.metadata.create_all(connection)
            connection.commit()
            try:
                yield Schema(self, connection, name)
            finally:
                connection.rollback()
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
                connection.commit()

    def close(self) -> None:
        self.engine.dispose()


def compile_statement(kata: KataProxy, function: str, *args: Any, drivername: str) -> Outcome:
    """Call `function(*args)` in the worker and compile the statement it returns there, for the dialect of
    `drivername` (a statement can be compiled for a database that is not configured, only to be read)."""
    call = call_text(function, args, {})
    compiled = kata.helper("compile_statement", function, list(args), drivername, description=call)
    if not isinstance(compiled, dict) or "error" in compiled:
        error = compiled.get("error") if isinstance(compiled, dict) else describe(compiled)
        raise KataFailure(f"Called {call}: {error}.")
    sql, params = compiled.get("sql"), compiled.get("params")
    if not isinstance(sql, str) or not isinstance(params, list | dict):
        raise KataFailure(f"Called {call}: the worker sent back no SQL")
    return Outcome(call, make_url(f"{drivername}://").get_backend_name(), sql, params, {}, [], [])


@dataclass
class Loaded:
    """What loading a learner's `select(Model)` in an ORM session did: the objects the worker's session built
    (`objects`, with the relationships that were read), and each SQL statement that session issued, run again
    here on this test's database (`statements`). `records` are the whole table rows those results hold, per
    table, in order of first appearance: the data the statements really loaded, whatever the worker says."""

    call: str
    backend: str
    objects: list[dict[str, Any]]
    statements: list[Outcome]
    records: dict[str, list[tuple[Any, ...]]]

    def issued(self, limit: int = 6) -> str:
        lines = [f"Called {self.call}, executed it in a fresh ORM session and read the related objects; "
                 f"that issued {len(self.statements)} SQL statement{'s' if len(self.statements) != 1 else ''}"
                 f"{' (run again here on ' + self.backend + ')' if self.statements else ''}:"]
        for number, statement in enumerate(self.statements[:limit], 1):
            sql = " ".join(statement.sql.split())
            lines.append(f"  {number}. {sql}" + (f"   -- parameters {statement.params!r}" if statement.params else ""))
        if len(self.statements) > limit:
            lines.append(f"  ... {len(self.statements) - limit} more like these")
        return "\n".join(lines)

    def fail(self, problem: str) -> KataFailure:
        return KataFailure(f"{self.issued()}\n{problem}")


_SELECTED = re.compile(r"^(\w+)\.(\w+)(?: AS \w+)?$")
_ALIASED = re.compile(r"\b(\w+) AS (\w+)\b")


def records(statements: Sequence[Outcome]) -> dict[str, list[tuple[Any, ...]]]:
    """The whole table rows (every column of the table) that the statements' results hold, found from the
    select lists the ORM writes (`books_1.title`, `FROM books AS books_1`), per table, first appearance first."""
    found: dict[str, dict[tuple[Any, ...], None]] = {table.name: {} for table in Base.metadata.sorted_tables}
    for statement in statements:
        sources = _sources(statement.sql)
        if len(sources) != len(statement.columns):
            continue
        for row in statement.rows:
            by_alias: dict[str, tuple[str, dict[str, Any]]] = {}  # alias -> (table, column -> value)
            for source, value in zip(sources, row, strict=True):
                if source is not None:
                    alias, table_name, column_name = source
                    by_alias.setdefault(alias, (table_name, {}))[1][column_name] = value
            for table_name, values in by_alias.values():
                columns = Base.metadata.tables[table_name].columns
                if all(column.name in values for column in columns):
                    found[table_name][tuple(values[column.name] for column in columns)] = None
    return {name: list(rows) for name, rows in found.items()}


def _sources(sql: str) -> list[tuple[str, str, str] | None]:
    """For each column of a SELECT's result: (alias, table, column) when it is a table column, else None."""
    text = " ".join(sql.split())
    if not text.upper().startswith("SELECT "):
        return []
    depth, start, items, end = 0, 7, [], len(text)
    for index in range(7, len(text)):
        char = text[index]
        depth += (char == "(") - (char == ")")
        if depth == 0 and char == ",":
            items.append(text[start:index].strip())
            start = index + 1
        elif depth == 0 and text.startswith(" FROM ", index):
            end = index
            break
    items.append(text[start:end].strip())
    tables = set(Base.metadata.tables)
    aliases = {name: name for name in tables} | {
        alias: table for table, alias in _ALIASED.findall(text[end:]) if table in tables}
    sources: list[tuple[str, str, str] | None] = []
    for item in items:
        match = _SELECTED.match(item)
        table = aliases.get(match.group(1)) if match else None
        sources.append((match.group(1), table, match.group(2)) if match and table else None)
    return sources


def _enter(connection: Connection, schema: str) -> None:
    """Point a PostgreSQL connection at a test's schema, with a deadline for every statement."""
    connection.exec_driver_sql(f"SET search_path TO {schema}")
    connection.exec_driver_sql(f"SET statement_timeout = '{STATEMENT_SECONDS}s'")


class Schema:
    """A test's clean schema: each run fills the tables in a transaction, executes the learner's SQL, and
    rolls back; tests of concurrent clients commit the tables and open more connections."""

    def __init__(self, database: Database, connection: Connection, name: str | None = None) -> None:
        self.database = database
        self.connection = connection
        self.name = name  # the PostgreSQL schema; SQLite has a database of its own per test instead

    @property
    def backend(self) -> str:
        return self.database.backend

    def compile(self, kata: KataProxy, function: str, *args: Any) -> Outcome:
        """`compile_statement` for this database's dialect."""
        return compile_statement(kata, function, *args, drivername=self.database.drivername)

    def run(self, kata: KataProxy, function: str, *args: Any, tables: Tables, inspect: type[Base] | None = None,
            read_only: bool = False, column_types: Sequence[TypeEngine[Any]] = ()) -> Outcome:
        """Compile `function(*args)` in the worker, run it here on `tables` (see `Filled.execute`)."""
        statement = self.compile(kata, function, *args)
        with self.filled(tables) as filled:
            return filled.execute(statement, inspect=inspect, read_only=read_only, column_types=column_types)

    def load(self, kata: KataProxy, function: str, *args: Any, tables: Tables, relationships: Sequence[str]) -> Loaded:
        """Have the worker execute `function(*args)`'s `select(Model)` in an ORM session on a copy of `tables`
        and read `relationships` on every object; run every statement its session issued again here, read-only,
        on `tables`, and collect the table rows their results hold (see `Loaded`)."""
        call = call_text(function, args, {})
        rows = {model.__tablename__: rows for model, rows in tables.items()}
        answer = kata.helper("load_objects", function, list(args), rows, list(relationships), description=call)
        if not isinstance(answer, dict) or "error" in answer:
            error = answer.get("error") if isinstance(answer, dict) else describe(answer)
            raise KataFailure(f"Called {call}: {error}.")
        objects, issued = answer.get("objects"), answer.get("statements")
        if not (isinstance(objects, list) and all(isinstance(item, dict) for item in objects)
                and isinstance(issued, list) and all(isinstance(item, dict) and isinstance(item.get("sql"), str)
                                                     and isinstance(item.get("params"), list) for item in issued)):
            raise KataFailure(f"Called {call}: the worker sent back no objects and statements")
        statements = [Outcome(call, self.backend, _for_backend(item["sql"], self.backend), item["params"], {}, [], [])
                      for item in issued]
        with self.filled(tables) as filled:
            ran = [filled.execute(statement, read_only=True) for statement in statements]
        return Loaded(call, self.backend, objects, ran, records(ran))

    @contextmanager
    def filled(self, tables: Tables) -> Iterator[Filled]:
        """The tables filled in one transaction, rolled back at the end: several statements, and rows added
        between them, see the same data."""
        transaction = self.connection.begin()
        try:
            filled = Filled(self)
            for model, rows in tables.items():
                filled.insert(model, rows)
            yield filled
        finally:
            transaction.rollback()

    @contextmanager
    def committed(self, tables: Tables) -> Iterator[None]:
        """The tables filled and committed, so that other connections (`connect`) see them; emptied at the end."""
        try:
            with self.connection.begin():
                for model, rows in tables.items():
                    if rows:
                        self.connection.execute(insert(model), rows)
            yield
        finally:
            self.connection.rollback()
            with self.connection.begin():
                for table in reversed(Base.metadata.sorted_tables):
                    self.connection.execute(delete(table))

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """Another connection to this test's schema (PostgreSQL only: SQLite's test database is one connection),
        in READ COMMITTED, PostgreSQL's default, whatever the server's own default is."""
        if self.name is None:
            raise RuntimeError("a second connection needs PostgreSQL; SQLite's test database lives in one")
        with self.database.engine.connect() as connection:
            connection.execution_options(isolation_level="READ COMMITTED")
            _enter(connection, self.name)
            connection.commit()
            yield connection
            connection.rollback()


class Filled:
    """Tables filled inside a transaction: execute learner statements on them, add rows between statements."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.connection = schema.connection
        self.shown: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}  # the rows as failures show them

    def insert(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        """Add rows to a table (they also show in failures from then on)."""
        columns, shown = self.shown.get(model.__tablename__, _table_rows(model, []))
        self.shown[model.__tablename__] = (columns, shown + _table_rows(model, rows)[1])
        if rows:
            self.connection.execute(insert(model), rows)

    def execute(self, statement: Outcome, *, inspect: type[Base] | None = None, read_only: bool = False,
                column_types: Sequence[TypeEngine[Any]] = ()) -> Outcome:
        """Run a compiled learner statement. The outcome's rows are what it returned, with `column_types` the
        SQL types of its columns, so every backend gives the same Python values (SQLite keeps a DateTime as
        text); with `inspect`, they are that table's rows afterwards, ordered by id (for UPDATE and DELETE),
        and `rowcount` says how many rows it changed. With `read_only`, it must leave every table as it was."""
        outcome = dataclasses.replace(statement, tables={name: (cols, list(rows))
                                                         for name, (cols, rows) in self.shown.items()})
        dialect = self.connection.dialect
        before = self._snapshot() if read_only else {}
        try:
            with self._deadline():
                result = execute(self.connection, statement)
                outcome.rowcount = result.rowcount
                if inspect is None:
                    if not result.returns_rows:
                        raise outcome.fail("It returned no rows at all: return a SELECT.")
                    outcome.columns = list(result.keys())
                    outcome.rows = [_typed(tuple(row), column_types, dialect) for row in result.fetchall()]
                else:
                    result.close()
                    table = inspect.__table__
                    remaining = self.connection.execute(select(table).order_by(table.c.id))
                    outcome.columns = list(remaining.keys())
                    outcome.rows = [tuple(row) for row in remaining.fetchall()]
        except DBAPIError as error:
            raise outcome.fail(f"The database refused it: {_first_line(error)}") from None
        if read_only:
            self._expect_unchanged(outcome, before)
        return outcome

    def explain(self, statement: Outcome) -> dict[str, Any]:
        """PostgreSQL's plan for a compiled statement, run for real: `EXPLAIN (ANALYZE, FORMAT JSON)`'s top
        plan node, whose nodes carry the actual rows each step read ("Actual Rows", "Rows Removed by Filter")."""
        if self.schema.backend != "postgresql":
            raise RuntimeError("EXPLAIN ANALYZE's rows are PostgreSQL's")
        try:
            explained = dataclasses.replace(statement, sql=f"EXPLAIN (ANALYZE, FORMAT JSON) {statement.sql}")
            plan = execute(self.connection, explained).scalar_one()
        except DBAPIError as error:
            raise statement.fail(f"The database refused it: {_first_line(error)}") from None
        return dict(plan[0]["Plan"])

    def _snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return {table.name: [tuple(row) for row in self.connection.execute(
            select(table).order_by(*table.primary_key.columns))] for table in Base.metadata.sorted_tables}

    def _expect_unchanged(self, outcome: Outcome, before: dict[str, list[tuple[Any, ...]]]) -> None:
        try:
            after = self._snapshot()
        except DBAPIError as error:
            raise outcome.fail(f"After it ran, the tables could not be read any more ({_first_line(error)}): "
                               "the statement changed the database itself, not just its data.") from None
        changed = [name for name in before if after.get(name) != before[name]]
        if changed:
            counts = ", ".join(f"{name}: {len(before[name])} row(s) before, {len(after[name])} after"
                               for name in changed)
            raise outcome.fail(f"After it ran, the data had changed ({counts}): a query that only reads must "
                               "leave every table as it found it.")

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        """Stop a runaway statement: PostgreSQL has statement_timeout; SQLite gets a progress handler."""
        raw = self.connection.connection.dbapi_connection
        if not isinstance(raw, sqlite3.Connection):
            yield
            return
        stop = time.monotonic() + STATEMENT_SECONDS
        raw.set_progress_handler(lambda: int(time.monotonic() > stop), 10_000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)


def execute(connection: Connection, statement: Outcome) -> CursorResult[Any]:
    """Run a compiled learner statement on any connection (another client's, in a concurrency test); what
    the database raises is the caller's to judge."""
    return connection.exec_driver_sql(statement.sql, _bound(statement.params, connection.dialect))


def _bound(params: list[Any] | dict[str, Any], dialect: Dialect) -> tuple[Any, ...] | dict[str, Any]:
    """The parameters as the driver takes them. A datetime is bound as SQLAlchemy binds one on that backend
    (SQLite stores it as text, and only that exact text compares equal)."""
    convert = DateTime().dialect_impl(dialect).bind_processor(dialect)

    def value(item: Any) -> Any:
        return convert(item) if convert is not None and isinstance(item, datetime.datetime) else item

    if isinstance(params, list):
        return tuple(map(value, params))
    return {name: value(item) for name, item in params.items()}


def _for_backend(sql: str, backend: str) -> str:
    """SQL the worker's session issued on SQLite (qmark parameters), as this backend's driver takes it. ORM
    statements hold no literal text, so every `?` is a parameter; one that does is refused, not guessed at."""
    if backend == "sqlite":
        return sql
    if "'" in sql:
        raise KataFailure(f"The ORM issued a statement with literal text, which the tests cannot run again on "
                          f"{backend}: bind values as parameters instead.\n    {sql}")
    return sql.replace("%", "%%").replace("?", "%s")


def _first_line(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0]


def _typed(row: tuple[Any, ...], types: Sequence[TypeEngine[Any]], dialect: Dialect) -> tuple[Any, ...]:
    """A row's values as SQLAlchemy would give them for these column types; a value that does not fit its
    type (the learner returned another column there) stays as it is, so the comparison shows it."""
    if not types or len(types) != len(row):
        return row
    values = []
    for value, type_ in zip(row, types, strict=True):
        process = type_.dialect_impl(dialect).result_processor(dialect, None)
        try:
            values.append(process(value) if process is not None and value is not None else value)
        except (TypeError, ValueError):
            values.append(value)
    return tuple(values)


def _table_rows(model: type[Base], rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = [column.name for column in model.__table__.columns]
    return columns, [tuple(row.get(c) for c in columns) for row in rows]
