"""Hidden tests for the keyset_pagination kata: generated event tables where many events share a
created_at and ids run against time, walked page by page on every configured database and checked
against a plain-Python oracle written here from the contract; events arrive between pages; the SQL
compiled for PostgreSQL has no OFFSET; and on PostgreSQL a deep page of 10,000 events reads at most
twice its size rows, as EXPLAIN ANALYZE counts them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.kinds.sql.database import Filled, Outcome, Schema, compile_statement
from dojo.kinds.sql.tables import Event
from dojo.testing import KataProxy

Row = dict[str, Any]
Cursor = tuple[datetime, int] | None

COLUMNS = (Event.id.type, Event.created_at.type, Event.title.type)
START = datetime(2024, 5, 1, 9, 0)
# Few distinct instants, so many events share one; a microsecond apart, an hour apart, a year apart.
INSTANTS = st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(seconds=1), timedelta(minutes=30),
                            timedelta(hours=1), timedelta(days=366)]).map(lambda delta: START + delta)
TITLES = st.sampled_from(["boot", "login", "", "O'Brien", "é"])
POSTGRESQL = "postgresql+psycopg"


@st.composite
def event_tables(draw: st.DrawFn, *, max_size: int = 14) -> list[Row]:
    """Events with unique ids that do not follow time (a later event may have a smaller id), inserted in
    random order."""
    instants = draw(st.lists(INSTANTS, max_size=max_size))
    ids = draw(st.lists(st.integers(1, 60), min_size=len(instants), max_size=len(instants), unique=True))
    titles = draw(st.lists(TITLES, min_size=len(instants), max_size=len(instants)))
    return [{"id": i, "created_at": c, "title": t} for i, c, t in zip(ids, instants, titles, strict=True)]


def newest_first(events: list[Row]) -> list[tuple[int, datetime, str]]:
    ordered = sorted(events, key=lambda e: (e["created_at"], e["id"]), reverse=True)
    return [(e["id"], e["created_at"], e["title"]) for e in ordered]


def page(events: list[Row], after: Cursor, size: int) -> list[tuple[int, datetime, str]]:
    """The contract: the `size` rows strictly after the cursor, newest first."""
    rows = newest_first(events)
    if after is not None:
        rows = [row for row in rows if (row[1], row[0]) < after]
    return rows[:size]


def cursor_of(row: tuple[Any, ...]) -> tuple[datetime, int]:
    return row[1], row[0]


def fetch(kata: KataProxy, database: Schema, filled: Filled, after: Cursor, size: int) -> Outcome:
    return filled.execute(database.compile(kata, "events_page", after, size), column_types=COLUMNS)


def event(id_: int, minutes: float, title: str = "e") -> Row:
    return {"id": id_, "created_at": START + timedelta(minutes=minutes), "title": title}


# Three events share 09:30 and the page boundary falls between them; ids run against time.
TIES = [event(1, 0), event(2, 30), event(3, 30), event(4, 60), event(5, 30), event(6, 0)]
AGAINST_TIME = [event(9, 0), event(8, 1), event(7, 2), event(1, 3), event(2, 3), event(3, 4)]
ALL_AT_ONCE = [event(i, 0) for i in (4, 9, 1, 7, 3)]
MICROSECONDS = [event(1, 0), {"id": 2, "created_at": START + timedelta(microseconds=1), "title": "e"},
                {"id": 3, "created_at": START - timedelta(microseconds=1), "title": "e"}, event(4, 0)]


@pytest.mark.group("events_page")
@example(events=[], size=1)
@example(events=[event(1, 0)], size=1)
@example(events=TIES, size=2)
@example(events=TIES, size=1)
@example(events=AGAINST_TIME, size=2)
@example(events=ALL_AT_ONCE, size=2)
@example(events=MICROSECONDS, size=1)
@example(events=TIES, size=6)
@given(event_tables(), st.integers(1, 4))
def test_walking_the_pages_until_a_short_one_gives_every_event_once_newest_first(
    kata: KataProxy, database: Schema, events: list[Row], size: int
) -> None:
    after: Cursor = None
    with database.filled({Event: events}) as filled:
        for _ in range(len(events) // size + 1):
            outcome = fetch(kata, database, filled, after, size)
            outcome.expect_rows(page(events, after, size), what=f"rows of the page after {after!r}")
            if len(outcome.rows) < size:
                return
            after = cursor_of(outcome.rows[-1])


@pytest.mark.group("events_page")
@example(events=TIES, pick=2, size=3)
@example(events=AGAINST_TIME, pick=4, size=2)
@given(event_tables().filter(bool), st.integers(0, 60), st.integers(1, 5))
def test_the_page_after_any_event_holds_the_events_that_come_after_it(
    kata: KataProxy, database: Schema, events: list[Row], pick: int, size: int
) -> None:
    after = cursor_of(newest_first(events)[pick % len(events)])
    with database.filled({Event: events}) as filled:
        fetch(kata, database, filled, after, size).expect_rows(page(events, after, size))


# How much later than the cursor an event arrives between two pages: at the cursor's own instant (with a
# larger id, so still newer than the cursor), or later.
DELAYS = st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(minutes=30), timedelta(days=400)])


@pytest.mark.group("events_page")
@example(events=TIES, size=2, arrivals=[[timedelta(0), timedelta(seconds=1)]] * 3)
@example(events=AGAINST_TIME, size=1, arrivals=[[timedelta(0)]] * 6)
@given(event_tables(), st.integers(1, 3), st.lists(st.lists(DELAYS, max_size=3), max_size=8))
def test_events_that_arrive_between_pages_never_show_up_later_nor_shift_a_row(
    kata: KataProxy, database: Schema, events: list[Row], size: int, arrivals: list[list[timedelta]]
) -> None:
    after: Cursor = None
    next_id = max((e["id"] for e in events), default=0) + 1
    with database.filled({Event: events}) as filled:
        for number in range(len(events) // size + 1):
            outcome = fetch(kata, database, filled, after, size)
            # The new events all come before the cursor, so each page is the one the first table had.
            outcome.expect_rows(page(events, after, size), what=f"rows of the page after {after!r}")
            if len(outcome.rows) < size:
                return
            after = cursor_of(outcome.rows[-1])
            delays = arrivals[number] if number < len(arrivals) else []
            filled.insert(Event, [{"id": next_id + k, "created_at": after[0] + delay, "title": "new"}
                                  for k, delay in enumerate(delays)])
            next_id += len(delays)


@pytest.mark.group("events_page")
@example(after=None, size=1)
@example(after=(START, 7), size=100)
@given(st.none() | st.tuples(INSTANTS, st.integers(1, 1000)), st.integers(1, 100))
def test_the_statement_has_no_offset(kata: KataProxy, after: Cursor, size: int) -> None:
    # SQLAlchemy's SQLite dialect writes OFFSET for every LIMIT; the PostgreSQL one only when asked.
    statement = compile_statement(kata, "events_page", after, size, drivername=POSTGRESQL)
    if re.search(r"\bOFFSET\b", statement.sql, re.IGNORECASE):
        raise statement.fail("It uses OFFSET: the database reads and throws away every row before the page, "
                             "and rows shift when events arrive. Start the page after the cursor instead.")


@pytest.mark.group("events_page")
@example(size=0)
@example(size=101)
@given(st.integers(max_value=0) | st.integers(min_value=101))
def test_a_size_outside_1_to_100_raises_value_error(kata: KataProxy, size: int) -> None:
    kata.events_page.check(None, size, raises=ValueError)


def deep_table() -> list[Row]:
    """10,000 events, two per minute, ids shuffled against time by a fixed rule (the same table every run)."""
    return [{"id": (k * 7919) % 10_000 + 1, "created_at": START + timedelta(minutes=k // 2), "title": f"e{k}"}
            for k in range(10_000)]


def rows_read(plan: dict[str, Any]) -> int:
    """What the plan's scans of the table returned plus what their filters threw away, over all loops."""
    own = 0
    if "Relation Name" in plan:
        kept = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        own = (kept + plan.get("Rows Removed by Index Recheck", 0)) * plan.get("Actual Loops", 1)
    return own + sum(rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.group("events_page")
@pytest.mark.checked_on_postgresql("the number of rows it reads")
def test_a_deep_page_of_10000_events_reads_at_most_twice_its_size_rows(kata: KataProxy, database: Schema) -> None:
    events = deep_table()
    ordered = newest_first(events)
    with database.filled({Event: events}) as filled:
        filled.connection.exec_driver_sql("CREATE INDEX events_created_at_id ON events (created_at, id)")
        if database.backend == "postgresql":
            filled.connection.exec_driver_sql("ANALYZE events")
        for position, size in ((5_001, 10), (7_000, 100), (9_000, 2)):
            after = cursor_of(ordered[position])
            outcome = fetch(kata, database, filled, after, size)
            outcome.expect_rows(page(events, after, size))
            if database.backend != "postgresql":
                continue
            read = rows_read(filled.explain(outcome))
            if read > 2 * size:
                raise outcome.fail(
                    f"On 10,000 events with an index on (created_at, id), this page of {size} read {read:,} rows "
                    f"(EXPLAIN ANALYZE); at most {2 * size} may be read. OFFSET, or a condition the index cannot "
                    "use (such as an OR of two comparisons), makes the database read every newer row first.",
                    tables=False)
