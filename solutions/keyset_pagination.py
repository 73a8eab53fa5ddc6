"""Keyset pagination: the reference solution."""

from datetime import datetime

from sqlalchemy import Select, select, tuple_

from dojo.tables import Event


def events_page(after: tuple[datetime, int] | None, size: int) -> Select:
    if not 1 <= size <= 100:
        raise ValueError(f"size must be between 1 and 100, got {size}")
    page = (
        select(Event.id, Event.created_at, Event.title)
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(size)
    )
    if after is None:
        return page
    created_at, id_ = after
    # One row-value comparison in the order of the index: the database seeks to the cursor and reads on.
    # "created_at < c OR (created_at = c AND id < i)" selects the same rows, but PostgreSQL cannot use the
    # index for an OR and reads every newer row first.
    return page.where(tuple_(Event.created_at, Event.id) < tuple_(created_at, id_))
