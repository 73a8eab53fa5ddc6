"""starts the next page after the cursor's created_at alone, so events sharing it at a page boundary are skipped."""
from sqlalchemy import select

from dojo.tables import Event


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError(size)
    query = select(Event.id, Event.created_at, Event.title).order_by(Event.created_at.desc(), Event.id.desc())
    if after is not None:
        query = query.where(Event.created_at < after[0])
    return query.limit(size)
