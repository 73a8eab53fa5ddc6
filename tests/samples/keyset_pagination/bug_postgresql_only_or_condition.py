"""writes the cursor condition as an OR of two comparisons, which the (created_at, id) index cannot seek to: a deep page reads thousands of rows."""
from sqlalchemy import and_, or_, select

from dojo.tables import Event


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError(size)
    query = select(Event.id, Event.created_at, Event.title).order_by(Event.created_at.desc(), Event.id.desc())
    if after is not None:
        created_at, last_id = after
        query = query.where(or_(Event.created_at < created_at,
                                and_(Event.created_at == created_at, Event.id < last_id)))
    return query.limit(size)
