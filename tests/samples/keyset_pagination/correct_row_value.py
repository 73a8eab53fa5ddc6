"""compares (created_at, id) with the cursor as one row value."""
from sqlalchemy import select, tuple_

from dojo.tables import Event


def events_page(after, size):
    if size < 1 or size > 100:
        raise ValueError("size must be 1..100")
    query = select(Event.id, Event.created_at, Event.title)
    if after is not None:
        query = query.where(tuple_(Event.created_at, Event.id) < after)
    return query.order_by(Event.created_at.desc(), Event.id.desc()).limit(size)
