"""includes the cursor's own row, so each page starts with the last row of the previous one."""
from sqlalchemy import select, tuple_

from dojo.tables import Event


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError(size)
    query = select(Event.id, Event.created_at, Event.title).order_by(Event.created_at.desc(), Event.id.desc())
    if after is not None:
        query = query.where(tuple_(Event.created_at, Event.id) <= tuple_(*after))
    return query.limit(size)
