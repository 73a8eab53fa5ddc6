"""accepts any attribute of User as a column, so 'metadata' raises the wrong error instead of ValueError."""
from sqlalchemy import func, select

from dojo.tables import User


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit")
    return (select(User.id, User.name).where(func.substr(User.name, 1, len(prefix)) == prefix)
            .order_by(User.name, User.id).limit(limit))


def users_sorted(column, descending):
    if not hasattr(User, column):
        raise ValueError(column)
    key = getattr(User, column)
    return select(User.id, User.name, User.email).order_by((key.desc() if descending else key).nulls_last(), User.id)
