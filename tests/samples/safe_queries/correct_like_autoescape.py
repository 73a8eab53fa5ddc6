"""narrows with an escaped LIKE, then keeps only exact, case-sensitive matches; whitelists with a tuple."""
from sqlalchemy import func, literal, nulls_last, select

from dojo.tables import User


def users_named_like(prefix, limit):
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValueError("limit must be 1..1000")
    exact = func.substr(User.name, 1, func.length(literal(prefix))) == prefix
    return (select(User.id, User.name)
            .where(User.name.startswith(prefix, autoescape=True), exact)
            .order_by(User.name.asc(), User.id.asc())
            .limit(limit))


def users_sorted(column, descending):
    if column not in ("id", "name", "email"):
        raise ValueError("column must be id, name or email")
    key = User.__table__.c[column]
    return select(User.id, User.name, User.email).order_by(
        nulls_last(key.desc()) if descending else nulls_last(key.asc()), User.id.asc())
