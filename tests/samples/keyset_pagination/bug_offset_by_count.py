"""counts the rows up to the cursor and skips them with OFFSET, so events that arrive between pages shift every row."""
from sqlalchemy import func, select, tuple_

from dojo.tables import Event


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError(size)
    query = select(Event.id, Event.created_at, Event.title).order_by(Event.created_at.desc(), Event.id.desc())
    if after is not None:
        seen = select(func.count()).select_from(Event).where(tuple_(Event.created_at, Event.id) >= tuple_(*after))
        query = query.offset(seen.scalar_subquery())
    return query.limit(size)
