"""writes the SQL by hand with text() and bound parameters."""
from sqlalchemy import text


def events_page(after, size):
    if not 1 <= size <= 100:
        raise ValueError("size out of range")
    if after is None:
        return text("SELECT id, created_at, title FROM events ORDER BY created_at DESC, id DESC LIMIT :size"
                    ).bindparams(size=size)
    return text("SELECT id, created_at, title FROM events WHERE (created_at, id) < (:created_at, :id) "
                "ORDER BY created_at DESC, id DESC LIMIT :size").bindparams(created_at=after[0], id=after[1], size=size)
