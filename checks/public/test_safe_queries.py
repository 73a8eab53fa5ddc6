"""Public tests for the safe_queries kata: the prompt's worked example, run on the real database."""

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import User
from dojo.testing import KataProxy

EXAMPLE = [
    {"id": 1, "name": "Ann", "email": "ann@x.io"},
    {"id": 2, "name": "ann", "email": None},
    {"id": 3, "name": "An_drea", "email": None},
    {"id": 4, "name": "Anton", "email": "anton@x.io"},
    {"id": 5, "name": "A%", "email": "pct@x.io"},
    {"id": 6, "name": "O'Brien", "email": "ob@x.io"},
]


@pytest.mark.group("users_named_like")
def test_finds_the_names_that_start_with_the_prefix_exactly(kata: KataProxy, database: Schema) -> None:
    examples = [
        ("An", 10, [(3, "An_drea"), (1, "Ann"), (4, "Anton")]),
        ("An_", 10, [(3, "An_drea")]),
        ("A%", 10, [(5, "A%")]),
        ("O'", 1, [(6, "O'Brien")]),
    ]
    with database.filled({User: EXAMPLE}) as filled:
        for prefix, limit, expected in examples:
            filled.execute(database.compile(kata, "users_named_like", prefix, limit)).expect_rows(expected)


@pytest.mark.group("users_named_like")
def test_refuses_a_limit_of_zero_with_value_error(kata: KataProxy) -> None:
    kata.users_named_like.check("A", 0, raises=ValueError)


@pytest.mark.group("users_sorted")
def test_sorts_by_email_descending_with_users_without_email_last(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "users_sorted", "email", True, tables={User: EXAMPLE})
    by_id = {row["id"]: (row["id"], row["name"], row["email"]) for row in EXAMPLE}
    outcome.expect_rows([by_id[i] for i in (5, 6, 4, 1, 2, 3)])


@pytest.mark.group("users_sorted")
def test_refuses_a_column_name_with_sql_in_it(kata: KataProxy) -> None:
    kata.users_sorted.check("name; DROP TABLE users", False, raises=ValueError)
