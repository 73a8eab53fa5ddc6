"""Queries safe from SQL injection: the reference solution."""

from sqlalchemy import Select, func, select

from dojo.tables import User

# Column names cannot be bound parameters, so only names looked up here ever reach the SQL text.
COLUMNS = {"id": User.id, "name": User.name, "email": User.email}


def users_named_like(prefix: str, limit: int) -> Select:
    if not 1 <= limit <= 1000:
        raise ValueError(f"limit must be between 1 and 1000, got {limit}")
    # A substring compared with = is exact on every database: LIKE would need its wildcards escaped, and
    # ignores ASCII case on SQLite. The prefix and its length are bound parameters.
    return (
        select(User.id, User.name)
        .where(func.substr(User.name, 1, len(prefix)) == prefix)
        .order_by(User.name, User.id)
        .limit(limit)
    )


def users_sorted(column: str, descending: bool) -> Select:
    if column not in COLUMNS:
        raise ValueError(f"cannot sort by {column!r}: choose id, name or email")
    key = COLUMNS[column].desc() if descending else COLUMNS[column]
    # Spelled out: PostgreSQL puts NULLs first in a descending order, SQLite in an ascending one.
    return select(User.id, User.name, User.email).order_by(key.nulls_last(), User.id)
