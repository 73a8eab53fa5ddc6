"""The trusted side of the SQL katas: a clean schema per test, the learner's compiled statement executed
on the test's own connection, and feedback that shows the SQL, the table and the rows.

SQLite in memory is the default; a PostgreSQL URL (`--kata-db` or KATA_DATABASE_URL) runs the same tests
on a real server, as a role that must not be a superuser, in a database with binary "C" collation.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, create_engine, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from dojo.kinds.sql.plugin import ENVIRONMENT
from dojo.kinds.sql.tables import Base
from dojo.trusted.failures import KataFailure, call_text, describe
from dojo.trusted.proxy import KataProxy, same

STATEMENT_SECONDS = 10


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
    """What one learner statement did: its SQL, the tables it ran on, and the rows it returned."""

    call: str
    backend: str
    sql: str
    params: Any
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def context(self) -> str:
        shown = [f"Called {self.call}; on {self.backend} it compiled to:",
                 *("    " + line for line in self.sql.strip().splitlines())]
        if self.params:
            shown.append(f"    with parameters {self.params!r}")
        shown.append("On these tables:")
        shown.extend("  " + line for name, (cols, rows) in self.tables.items()
                     for line in render_table(name, cols, rows).splitlines())
        return "\n".join(shown)

    def expect_rows(self, expected: Sequence[tuple[Any, ...]], *, ordered: bool = True, what: str = "rows") -> None:
        """Fail with the SQL, the tables and both row lists unless the rows are exactly `expected`."""
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
            raise KataFailure(f"{self.context()}\n{problem[0].upper()}{problem[1:]}.\n"
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
            connection.exec_driver_sql(f"SET search_path TO {name}")
            connection.exec_driver_sql(f"SET statement_timeout = '{STATEMENT_SECONDS}s'")
            Base.metadata.create_all(connection)
            connection.commit()
            try:
                yield Schema(self, connection)
            finally:
                connection.rollback()
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
                connection.commit()

    def close(self) -> None:
        self.engine.dispose()


class Schema:
    """A test's clean schema: every run fills the tables, executes the learner's SQL, and rolls back."""

    def __init__(self, database: Database, connection: Connection) -> None:
        self.database = database
        self.connection = connection

    def run(self, kata: KataProxy, function: str, *args: Any, tables: dict[type[Base], list[dict[str, Any]]],
            inspect: type[Base] | None = None) -> Outcome:
        """Compile `function(*args)` in the worker, run it here on `tables`; with `inspect`, the outcome's rows
        are that table's rows afterwards (for DELETE statements), ordered by id."""
        call = call_text(function, args, {})
        compiled = kata.helper("compile_statement", function, list(args), self.database.drivername,
                                  description=call)
        if not isinstance(compiled, dict) or "error" in compiled:
            error = compiled.get("error") if isinstance(compiled, dict) else describe(compiled)
            raise KataFailure(f"Called {call}: {error}.")
        sql, params = compiled.get("sql"), compiled.get("params")
        if not isinstance(sql, str) or not isinstance(params, list | dict):
            raise KataFailure(f"Called {call}: the worker sent back no SQL")
        shown = {model.__tablename__: _table_rows(model, rows) for model, rows in tables.items()}
        outcome = Outcome(call, self.database.backend, sql, params, shown, [], [])
        transaction = self.connection.begin()
        try:
            for model, rows in tables.items():
                if rows:
                    self.connection.execute(insert(model), rows)
            with self._deadline():
                result = self.connection.exec_driver_sql(sql, tuple(params) if isinstance(params, list) else params)
                if inspect is None:
                    if not result.returns_rows:
                        raise KataFailure(f"{outcome.context()}\nIt returned no rows at all: return a SELECT.")
                    outcome.columns = list(result.keys())
                    outcome.rows = [tuple(row) for row in result.fetchall()]
                else:
                    result.close()
                    table = inspect.__table__
                    remaining = self.connection.execute(select(table).order_by(table.c.id))
                    outcome.columns = list(remaining.keys())
                    outcome.rows = [tuple(row) for row in remaining.fetchall()]
        except DBAPIError as error:
            raise KataFailure(f"{outcome.context()}\nThe database refused it: "
                              f"{str(error.orig).strip().splitlines()[0]}") from None
        finally:
            transaction.rollback()
        return outcome

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


def _table_rows(model: type[Base], rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = [column.name for column in model.__table__.columns]
    return columns, [tuple(row.get(c) for c in columns) for row in rows]
