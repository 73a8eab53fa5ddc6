"""Hidden tests for the duplicates kata: generated user tables with case-only differences and NULL
emails, checked against a plain-Python oracle written here from the contract."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import User
from dojo.testing import KataProxy

Row = dict[str, Any]

TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
EMAILS = st.one_of(
    st.none(),
    st.sampled_from(["a@x.io", "A@x.io", "a@X.io", "b@x.io", "é@x.io", "É@x.io", "z@x.io", ""]),
    st.text(TEXT, max_size=6),
)


@st.composite
def user_tables(draw: st.DrawFn, *, max_size: int = 30) -> list[Row]:
    """Users with unique ids in random order; many share an email, some only up to case, some have none."""
    emails = draw(st.lists(EMAILS, max_size=max_size))
    names = draw(st.lists(st.text(TEXT, max_size=4), min_size=len(emails), max_size=len(emails)))
    ids = draw(st.permutations(range(1, len(emails) + 1)))
    return [{"id": i, "name": n, "email": e} for i, n, e in zip(ids, names, emails, strict=True)]


@st.composite
def tables_with_duplicate_groups(draw: st.DrawFn) -> list[Row]:
    """Several duplicated emails with different counts and first ids, so that ordering by count, by first
    appearance or by anything but the email itself gives another order; some NULLs and singles beside them."""
    emails = draw(st.lists(st.sampled_from(["a@x.io", "A@x.io", "b@x.io", "B@x.io", "é@x.io", "z@x.io", "0@x.io"]),
                           min_size=2, max_size=5, unique=True))
    counts = draw(st.lists(st.integers(2, 5), min_size=len(emails), max_size=len(emails)))
    column = [e for e, n in zip(emails, counts, strict=True) for _ in range(n)]
    column += draw(st.lists(st.none() | st.sampled_from(["solo@x.io", "other@x.io"]), max_size=3, unique=True))
    order = draw(st.permutations(column))
    ids = draw(st.permutations(range(1, len(order) + 1)))
    return [{"id": i, "name": "n", "email": e} for i, e in zip(ids, order, strict=True)]


def many_groups() -> list[Row]:
    """Enough distinct duplicated emails that PostgreSQL's hash aggregation shows its own order."""
    emails = [f"user{k:03d}@example.com" for k in range(60)]
    rows = [{"id": i + 1, "name": f"n{i}", "email": emails[(i * 7) % 60]} for i in range(300)]
    return rows + [{"id": 301 + k, "name": "solo", "email": f"solo{k}@example.com"} for k in range(20)]


def duplicate_emails(users: list[Row]) -> list[tuple[str, int]]:
    counts = Counter(u["email"] for u in users if u["email"] is not None)
    return sorted((email, count) for email, count in counts.items() if count > 1)


def users_left(users: list[Row]) -> list[tuple[int, str, str | None]]:
    first: dict[str, int] = {}
    for user in sorted(users, key=lambda u: u["id"]):
        if user["email"] is not None:
            first.setdefault(user["email"], user["id"])
    kept = [u for u in users if u["email"] is None or first[u["email"]] == u["id"]]
    return [(u["id"], u["name"], u["email"]) for u in sorted(kept, key=lambda u: u["id"])]


def user(id_: int, email: str | None, name: str = "n") -> Row:
    return {"id": id_, "name": name, "email": email}


CASES = [user(1, "a@x.io"), user(2, "A@x.io"), user(3, "a@x.io"), user(4, "A@x.io"), user(5, "a@X.io")]
NULLS = [user(1, None), user(2, None), user(3, "b@x.io"), user(4, None)]
LATE_FIRST = [user(5, "a@x.io"), user(2, "a@x.io"), user(9, "a@x.io"), user(1, "b@x.io"), user(3, "b@x.io")]
# Ordered by email (binary: "C" < "a" < "b") the groups read C, a, b; by count, by first id, by lower() or
# descending they read otherwise.
ORDERS = [user(1, "b@x.io"), user(2, "b@x.io"), user(3, "b@x.io"), user(4, "a@x.io"), user(5, "a@x.io"),
          user(6, "C@x.io"), user(7, "C@x.io"), user(8, "C@x.io"), user(9, "C@x.io"), user(10, None), user(11, None)]


@pytest.mark.group("duplicate_emails")
@example(users=[])
@example(users=[user(1, "a@x.io")])
@example(users=CASES)
@example(users=NULLS)
@example(users=ORDERS)
@example(users=many_groups())
@given(user_tables() | tables_with_duplicate_groups())
def test_lists_every_duplicated_email_with_its_count_ordered_by_email(
    kata: KataProxy, database: Schema, users: list[Row]
) -> None:
    outcome = database.run(kata, "duplicate_emails", tables={User: users})
    outcome.expect_rows(duplicate_emails(users))


@pytest.mark.group("duplicate_emails")
@given(user_tables())
def test_every_listed_email_is_held_by_that_many_users(kata: KataProxy, database: Schema, users: list[Row]) -> None:
    outcome = database.run(kata, "duplicate_emails", tables={User: users})
    held = Counter(u["email"] for u in users)
    if any(len(row) != 2 or row[0] is None or held[row[0]] != row[1] or row[1] < 2 for row in outcome.rows):
        outcome.expect_rows(duplicate_emails(users), what="rows (a count that does not match the table)")


@pytest.mark.group("delete_duplicate_users")
@example(users=[])
@example(users=CASES)
@example(users=NULLS)
@example(users=LATE_FIRST)
@example(users=ORDERS)
@example(users=many_groups())
@given(user_tables() | tables_with_duplicate_groups())
def test_deletes_all_but_the_lowest_id_of_each_email(kata: KataProxy, database: Schema, users: list[Row]) -> None:
    outcome = database.run(kata, "delete_duplicate_users", tables={User: users}, inspect=User)
    outcome.expect_rows(users_left(users), what="rows left in users")


@pytest.mark.group("delete_duplicate_users")
@given(user_tables())
def test_after_the_delete_no_email_is_duplicated_and_nobody_without_one_is_gone(
    kata: KataProxy, database: Schema, users: list[Row]
) -> None:
    outcome = database.run(kata, "delete_duplicate_users", tables={User: users}, inspect=User)
    emails = Counter(row[2] for row in outcome.rows if row[2] is not None)
    kept_ids = {row[0] for row in outcome.rows}
    lost = [u for u in users if u["email"] is None and u["id"] not in kept_ids]
    if lost or any(count > 1 for count in emails.values()) or set(emails) != {u["email"] for u in users} - {None}:
        outcome.expect_rows(users_left(users), what="rows left in users")
