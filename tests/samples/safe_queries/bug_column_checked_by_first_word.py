"""pastes the column into ORDER BY after checking only its first word, so 'name desc' and worse get through."""
from sqlalchemy import func, select, text

from dojo.tables import User


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit")
    return (select(User.id, User.name).where(func.substr(User.name, 1, len(prefix)) == prefix)
            .order_by(User.name, User.id).limit(limit))


def users_sorted(column, descending):
    if not column.strip() or column.split()[0] not in ("id", "name", "email"):
        raise ValueError(column)
    direction = "DESC" if descending else "ASC"
    return text(f"SELECT id, name, email FROM users ORDER BY {column} IS NULL, {column} {direction}, id")
