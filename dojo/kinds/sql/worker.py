"""Worker-side helper of the SQL katas: call the learner's function and compile the statement it returns.

Runs in the worker (loaded by path, like worker.py); only the SQL text and its parameters go back, so
learner code never touches the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement


def compile_statement(module: Any, function: str, args: list[Any], drivername: str) -> dict[str, Any]:
    statement = getattr(module, function)(*args)
    if not isinstance(statement, Executable) or not isinstance(statement, ClauseElement):
        kind = type(statement).__name__
        return {"error": f"return a select(), delete() or text() statement, got {kind}"}
    dialect = make_url(f"{drivername}://").get_dialect()()
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        return {"sql": compiled.string, "params": [params[name] for name in compiled.positiontup or []]}
    return {"sql": compiled.string, "params": dict(params)}


def load_objects(module: Any, function: str, args: list[Any], tables: dict[str, list[dict[str, Any]]],
                 relationships: list[str]) -> dict[str, Any]:
    """Execute the learner's `select(Model)` in an ORM session on a private SQLite copy of `tables`, as
    `session.scalars(statement).unique().all()`, then read `relationships` on every object; return the
    objects' column values and every SQL statement the session issued (the trusted side runs those again)."""
    from sqlalchemy import create_engine, event, insert
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool
    from sqlalchemy.sql import Select

    from dojo.tables import Base

    statement = getattr(module, function)(*args)
    if not isinstance(statement, Select):
        return {"error": f"return a select() of the model, got {type(statement).__name__}"}
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if tables.get(table.name):
                connection.execute(insert(table), tables[table.name])
    issued: list[dict[str, Any]] = []

    def record(_connection: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        issued.append({"sql": sql, "params": list(parameters)})

    event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as session:
        loaded = session.scalars(statement).unique().all()
        strangers = [type(item).__name__ for item in loaded if not isinstance(item, Base)]
        if strangers:
            return {"error": f"return select() of a whole model, so each row is one object; got {strangers[0]} rows"}
        objects = [{**_columns(item), **{name: _related(getattr(item, name)) for name in relationships}}
                   for item in loaded]
    engine.dispose()
    return {"objects": objects, "statements": issued}


def _columns(item: Any) -> dict[str, Any]:
    return {column.key: getattr(item, column.key) for column in item.__mapper__.column_attrs}


def _related(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_columns(item) for item in value]
    return _columns(value)
