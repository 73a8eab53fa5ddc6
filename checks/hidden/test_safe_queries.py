"""Hidden tests for the safe_queries kata: generated user tables whose names are full of quotes, LIKE
wildcards, backslashes and comment markers, checked against a plain-Python oracle written here from the
contract, on every configured database. Every statement must leave the tables as it found them, and a
value a user typed must reach the database as a bound parameter, never inside the SQL text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.kinds.sql.database import Outcome, Schema
from dojo.kinds.sql.tables import User
from dojo.testing import KataProxy

Row = dict[str, Any]

# Text PostgreSQL can store (no NUL, no lone surrogates); mostly the characters that break a careless query:
# LIKE's wildcards and escape, SQL's quotes, comment starts and statement separator, and case pairs.
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TRAPS = ["%", "_", "\\", "'", '"', ";", "-", "/", "*", " ", "a", "A", "b", "B", "é", "É"]
NAMES = st.text(st.sampled_from(TRAPS) | TEXT, max_size=6)
EMAILS = st.none() | st.sampled_from(["a@x.io", "A@x.io", "b@x.io", "_@x.io", "%@x.io", ""]) | NAMES
COLUMNS = ["id", "name", "email"]
# Statement fragments an attacker types, around a mark that cannot occur in the SQL by chance.
INJECTIONS = ["", "'", "''", "\\'", '"', "'; DROP TABLE users; --", "' OR '1'='1", "%' OR 1=1 --",
              "'); DELETE FROM users; --", "\\", "%", "_", "--", ";", "/*", "*/", ":name", "%(x)s", "?"]


@st.composite
def user_tables(draw: st.DrawFn, *, max_size: int = 20) -> list[Row]:
    """Users with unique ids inserted in random order, so ties on a name or an email come back in the
    database's own order unless the query orders them by id."""
    names = draw(st.lists(NAMES, max_size=max_size))
    emails = draw(st.lists(EMAILS, min_size=len(names), max_size=len(names)))
    ids = draw(st.permutations(range(1, len(names) + 1)))
    return [{"id": i, "name": n, "email": e} for i, n, e in zip(ids, names, emails, strict=True)]


@st.composite
def tables_with_prefixes(draw: st.DrawFn) -> tuple[list[Row], str]:
    """A table and a prefix: the start of a name in it as it is, with its case swapped, or with a character
    replaced by a LIKE wildcard (each matches more names when compared carelessly), or any text."""
    users = draw(user_tables())
    names = [u["name"] for u in users]
    if not names or draw(st.booleans()):
        return users, draw(NAMES)
    name = draw(st.sampled_from(names))
    start = name[: draw(st.integers(0, len(name)))]
    if start and draw(st.booleans()):
        where = draw(st.integers(0, len(start) - 1))
        start = start[:where] + draw(st.sampled_from(["%", "_", "\\", start[where].swapcase()])) + start[where + 1:]
    return users, start


def user(id_: int, name: str, email: str | None = None) -> Row:
    return {"id": id_, "name": name, "email": email}


def named_like(users: list[Row], prefix: str, limit: int) -> list[tuple[int, str]]:
    # Code point order is the binary ("C") collation both databases use here.
    matching = sorted((u["name"], u["id"]) for u in users if u["name"].startswith(prefix))
    return [(id_, name) for name, id_ in matching[:limit]]


def sorted_users(users: list[Row], column: str, descending: bool) -> list[tuple[int, str, str | None]]:
    by_id = sorted(users, key=lambda u: u["id"])
    present = [u for u in by_id if u[column] is not None]
    # Python's sort is stable, also with reverse=True: ties keep their ascending ids.
    present.sort(key=lambda u: u[column], reverse=descending)
    ordered = present + [u for u in by_id if u[column] is None]
    return [(u["id"], u["name"], u["email"]) for u in ordered]


WILDCARDS = [user(4, "ab"), user(1, "a_"), user(6, "a%"), user(3, "a_b"), user(7, "axb"), user(2, "a%c"),
             user(5, "ac"), user(8, "A_")]
CASES = [user(3, "Ann"), user(1, "ann"), user(5, "ANN"), user(2, "aNN"), user(4, "Anton"), user(6, "éa"),
         user(7, "Éa")]
BACKSLASHES = [user(2, "a\\b"), user(5, "a%"), user(1, "a\\"), user(4, "ab"), user(3, "a\\%"), user(6, "a\\\\")]
QUOTES = [user(2, "O'Brien"), user(1, "O''Brien"), user(4, 'say "hi"'), user(3, "x'; --"), user(5, "O")]
# Equal names inserted from the highest id down: only ORDER BY ... id puts them back in id order.
TIES = [user(3, "b", "x@x.io"), user(2, "b", None), user(1, "b", "x@x.io"), user(6, "a", None),
        user(5, "c", None), user(4, "a", "y@x.io")]
ORDER = [user(1, "b", "b"), user(2, "B", "_"), user(3, "_", None), user(4, "a", "B"), user(5, "A", None),
         user(6, "", "a")]


@pytest.mark.group("users_named_like")
@example(case=([], "a"), limit=1)
@example(case=(WILDCARDS, "a_"), limit=10)
@example(case=(WILDCARDS, "a%"), limit=10)
@example(case=(CASES, "an"), limit=10)
@example(case=(CASES, "An"), limit=10)
@example(case=(CASES, "é"), limit=10)
@example(case=(BACKSLASHES, "a\\"), limit=10)
@example(case=(BACKSLASHES, "a\\%"), limit=10)
@example(case=(QUOTES, "O'"), limit=10)
@example(case=(QUOTES, "O''"), limit=10)
@example(case=(TIES, ""), limit=3)
@example(case=(TIES, "b"), limit=2)
@example(case=(ORDER, ""), limit=1000)
@given(case=tables_with_prefixes(), limit=st.integers(1, 6) | st.integers(1, 1000))
def test_lists_the_users_whose_name_starts_with_the_prefix_ordered_by_name_then_id(
    kata: KataProxy, database: Schema, case: tuple[list[Row], str], limit: int
) -> None:
    users, prefix = case
    outcome = database.run(kata, "users_named_like", prefix, limit, tables={User: users}, read_only=True)
    outcome.expect_rows(named_like(users, prefix, limit))


@pytest.mark.group("users_named_like")
@example(before="' OR '1'='1", mark="QXZJ", after="", users=[])  # shown first: what an attack looks like
@example(before="\\", mark="QXZJ", after="'; DROP TABLE users; --", users=[user(1, "Q")])
@given(st.sampled_from(INJECTIONS), st.text(st.sampled_from("QXZJ"), min_size=6, max_size=6),
       st.sampled_from(INJECTIONS), user_tables(max_size=5))
def test_the_prefix_reaches_the_database_only_as_a_bound_parameter(
    kata: KataProxy, database: Schema, before: str, mark: str, after: str, users: list[Row]
) -> None:
    prefix = before + mark + after
    statement = database.compile(kata, "users_named_like", prefix, 5)
    expect_bound(statement, prefix, mark)
    users = [*users, user(len(users) + 1, prefix), user(len(users) + 2, prefix + "'tail")]
    with database.filled({User: users}) as filled:
        outcome = filled.execute(statement, read_only=True)
    outcome.expect_rows(named_like(users, prefix, 5))


def expect_bound(statement: Outcome, value: str, mark: str) -> None:
    """The SQL text must not hold the value (its mark is what a pasted value leaves, escaped or not), and
    a bound parameter must carry it."""
    values = statement.params.values() if isinstance(statement.params, dict) else statement.params
    problem = ""
    if mark in statement.sql:
        problem = (f"The prefix {value!r} is written into the SQL text: a value typed by a user could change the "
                   "statement itself.")
    elif not any(isinstance(v, str) and mark in v for v in values):
        problem = f"No bound parameter carries the prefix {value!r}: it was encoded into the SQL some other way."
    if problem:
        raise statement.fail(f"{problem} Pass it as a bound parameter (a Python value in the expression, or "
                             ":name in text() with .bindparams()).")


@pytest.mark.group("users_named_like")
@example(limit=0)
@example(limit=1001)
@example(limit=-1)
@given(st.integers(max_value=0) | st.integers(min_value=1001))
def test_a_limit_outside_1_to_1000_raises_value_error(kata: KataProxy, limit: int) -> None:
    kata.users_named_like.check("a", limit, raises=ValueError)


@pytest.mark.group("users_named_like")
def test_every_limit_from_1_to_1000_is_accepted(kata: KataProxy, database: Schema) -> None:
    users = [user(i, f"a{i:04d}") for i in range(1002, 0, -1)]
    with database.filled({User: users}) as filled:
        for limit in (1, 2, 999, 1000):
            outcome = filled.execute(database.compile(kata, "users_named_like", "a", limit))
            outcome.expect_rows(named_like(users, "a", limit))


@pytest.mark.group("users_sorted")
@example(users=[], column="email", descending=True)
@example(users=TIES, column="name", descending=False)
@example(users=TIES, column="name", descending=True)
@example(users=TIES, column="email", descending=False)
@example(users=TIES, column="email", descending=True)
@example(users=ORDER, column="email", descending=False)
@example(users=ORDER, column="email", descending=True)
@example(users=ORDER, column="name", descending=True)
@example(users=ORDER, column="id", descending=True)
@example(users=ORDER, column="id", descending=False)
@given(user_tables(), st.sampled_from(COLUMNS), st.booleans())
def test_sorts_every_user_by_the_column_ties_by_id_and_users_without_email_last(
    kata: KataProxy, database: Schema, users: list[Row], column: str, descending: bool
) -> None:
    outcome = database.run(kata, "users_sorted", column, descending, tables={User: users}, read_only=True)
    outcome.expect_rows(sorted_users(users, column, descending))


NOT_COLUMNS = ["name; DROP TABLE users", "name desc", "name DESC", "email nulls last", "Name", "NAME", " name",
               "name ", "users.name", "email--", "id,name", "id, name", "1", "", "(select 1)", "lower(name)",
               "email IS NULL", "name;", "__table__", "__tablename__", "metadata", "registry", "__init__", "mro"]


@pytest.mark.group("users_sorted")
@example(column="name; DROP TABLE users", descending=False)
@example(column="name desc", descending=False)
@example(column="metadata", descending=True)
@example(column="", descending=False)
@given(st.sampled_from(NOT_COLUMNS) | st.text(TEXT, max_size=8).filter(lambda c: c not in COLUMNS), st.booleans())
def test_any_other_column_raises_value_error(kata: KataProxy, column: str, descending: bool) -> None:
    kata.users_sorted.check(column, descending, raises=ValueError)
