"""always sorts ascending, whatever `descending` says."""
from sqlalchemy import func, select

from dojo.tables import User

COLUMNS = {"id": User.id, "name": User.name, "email": User.email}


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit")
    return (select(User.id, User.name).where(func.substr(User.name, 1, len(prefix)) == prefix)
            .order_by(User.name, User.id).limit(limit))


def users_sorted(column, descending):
    if column not in COLUMNS:
        raise ValueError(column)
    return select(User.id, User.name, User.email).order_by(COLUMNS[column].asc().nulls_last(), User.id)
