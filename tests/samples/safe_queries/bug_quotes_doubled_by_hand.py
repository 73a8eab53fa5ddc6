"""pastes the prefix into the SQL text with its quotes doubled: the rows are right, the query is still built from user input."""
from sqlalchemy import select, text

from dojo.tables import User

COLUMNS = {"id": User.id, "name": User.name, "email": User.email}


def users_named_like(prefix, limit):
    if not 1 <= limit <= 1000:
        raise ValueError("limit")
    quoted = prefix.replace("'", "''")
    return text(f"SELECT id, name FROM users WHERE substr(name, 1, {len(prefix)}) = '{quoted}' "
                f"ORDER BY name, id LIMIT {int(limit)}")


def users_sorted(column, descending):
    if column not in COLUMNS:
        raise ValueError(column)
    key = COLUMNS[column]
    return select(User.id, User.name, User.email).order_by((key.desc() if descending else key).nulls_last(), User.id)
