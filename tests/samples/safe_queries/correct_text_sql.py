"""writes the SQL by hand with text() and named placeholders, and sorts NULLs with IS NULL first."""
from sqlalchemy import select, text

from dojo.tables import User


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit out of range")
    return text(
        "SELECT id, name FROM users WHERE substr(name, 1, :length) = :prefix ORDER BY name, id LIMIT :limit"
    ).bindparams(length=len(prefix), prefix=prefix, limit=limit)


def users_sorted(column, descending):
    allowed = {"id": User.id, "name": User.name, "email": User.email}
    if column not in allowed:
        raise ValueError(column)
    key = allowed[column]
    return select(User.id, User.name, User.email).order_by(
        key.is_(None), key.desc() if descending else key.asc(), User.id)
