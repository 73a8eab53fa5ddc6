"""Public tests for the keyset_pagination kata: the prompt's worked example, run on the real database."""

from datetime import datetime

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import Event
from dojo.testing import KataProxy

EXAMPLE = [
    {"id": 1, "created_at": datetime(2024, 5, 1, 9, 0), "title": "boot"},
    {"id": 2, "created_at": datetime(2024, 5, 1, 9, 30), "title": "login"},
    {"id": 3, "created_at": datetime(2024, 5, 1, 9, 30), "title": "upload"},
    {"id": 4, "created_at": datetime(2024, 5, 1, 10, 0), "title": "logout"},
    {"id": 5, "created_at": datetime(2024, 5, 1, 9, 30), "title": "share"},
]
ROWS = [(e["id"], e["created_at"], e["title"]) for e in EXAMPLE]
COLUMNS = (Event.id.type, Event.created_at.type, Event.title.type)


def rows(*ids: int) -> list[tuple[int, datetime, str]]:
    return [next(row for row in ROWS if row[0] == i) for i in ids]


@pytest.mark.group("events_page")
def test_pages_of_two_walk_the_example_newest_first(kata: KataProxy, database: Schema) -> None:
    pages = [(None, rows(4, 5)), ((datetime(2024, 5, 1, 9, 30), 5), rows(3, 2)),
             ((datetime(2024, 5, 1, 9, 30), 2), rows(1))]
    with database.filled({Event: EXAMPLE}) as filled:
        for after, expected in pages:
            statement = database.compile(kata, "events_page", after, 2)
            filled.execute(statement, column_types=COLUMNS).expect_rows(expected)


@pytest.mark.group("events_page")
def test_refuses_a_page_size_of_zero_with_value_error(kata: KataProxy) -> None:
    kata.events_page.check(None, 0, raises=ValueError)
