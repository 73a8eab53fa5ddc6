"""Public tests for the duplicates kata: the prompt's worked example, run on the real database."""

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import User
from dojo.testing import KataProxy

EXAMPLE = [
    {"id": 1, "name": "Ann", "email": "ann@example.com"},
    {"id": 2, "name": "Bob", "email": "bob@example.com"},
    {"id": 3, "name": "Ann2", "email": "ann@example.com"},
    {"id": 4, "name": "Cy", "email": None},
    {"id": 5, "name": "Dee", "email": None},
    {"id": 6, "name": "ANN", "email": "ANN@example.com"},
    {"id": 7, "name": "Ann3", "email": "ann@example.com"},
]


@pytest.mark.group("duplicate_emails")
def test_finds_the_duplicated_email_of_the_example(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "duplicate_emails", tables={User: EXAMPLE})
    outcome.expect_rows([("ann@example.com", 3)])


@pytest.mark.group("delete_duplicate_users")
def test_keeps_the_lowest_id_of_each_email_in_the_example(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "delete_duplicate_users", tables={User: EXAMPLE}, inspect=User)
    kept = [(r["id"], r["name"], r["email"]) for r in EXAMPLE if r["id"] in (1, 2, 4, 5, 6)]
    outcome.expect_rows(kept, what="rows left in users")
