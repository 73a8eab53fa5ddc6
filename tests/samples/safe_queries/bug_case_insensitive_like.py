"""relies on LIKE alone, which ignores ASCII case on SQLite: 'an' also finds 'Ann'."""
from sqlalchemy import select

from dojo.tables import User

COLUMNS = {"id": User.id, "name": User.name, "email": User.email}


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit")
    return (select(User.id, User.name).where(User.name.startswith(prefix, autoescape=True))
            .order_by(User.name, User.id).limit(limit))


def users_sorted(column, descending):
    if column not in COLUMNS:
        raise ValueError(column)
    key = COLUMNS[column]
    return select(User.id, User.name, User.email).order_by((key.desc() if descending else key).nulls_last(), User.id)
