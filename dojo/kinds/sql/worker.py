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
