"""compares the start of each name with = and looks the column up in a dict."""
from sqlalchemy import func, select

from dojo.tables import User

COLUMNS = {"id": User.id, "name": User.name, "email": User.email}


def users_named_like(prefix, limit):
    if limit < 1 or limit > 1000:
        raise ValueError("limit must be between 1 and 1000")
    return (select(User.id, User.name).where(func.substr(User.name, 1, len(prefix)) == prefix)
            .order_by(User.name, User.id).limit(limit))


def users_sorted(column, descending):
    if column not in COLUMNS:
        raise ValueError(f"unknown column {column!r}")
    key = COLUMNS[column]
    return select(User.id, User.name, User.email).order_by((key.desc() if descending else key).nulls_last(), User.id)
