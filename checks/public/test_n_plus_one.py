"""Public tests for the n_plus_one kata: the prompt's worked example, loaded in an ORM session and counted."""

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import Author, Book
from dojo.testing import KataProxy

AUTHORS = [{"id": 1, "name": "Le Guin"}, {"id": 2, "name": "Borges"}, {"id": 3, "name": "Calvino"}]
BOOKS = [{"id": 1, "title": "Earthsea", "year": 1968, "author_id": 1},
         {"id": 2, "title": "Ficciones", "year": 1944, "author_id": 2},
         {"id": 3, "title": "Dispossessed", "year": 1974, "author_id": 1}]
TABLES = {Author: AUTHORS, Book: BOOKS}


@pytest.mark.group("authors_with_books")
def test_the_example_authors_come_with_their_books_in_two_statements(kata: KataProxy, database: Schema) -> None:
    loaded = database.load(kata, "authors_with_books", tables=TABLES, relationships=["books"])
    names = [(o["name"], [b["title"] for b in o["books"]]) for o in loaded.objects]
    expected = [("Borges", ["Ficciones"]), ("Calvino", []), ("Le Guin", ["Earthsea", "Dispossessed"])]
    if names != expected:
        raise loaded.fail(f"Loaded {names}; expected {expected}.")
    if len(loaded.statements) > 2:
        raise loaded.fail("At most 2 statements may be issued: load every author's books up front.")


@pytest.mark.group("books_since")
def test_the_example_books_since_1950_come_with_their_author_in_one_statement(
    kata: KataProxy, database: Schema
) -> None:
    loaded = database.load(kata, "books_since", 1950, tables=TABLES, relationships=["author"])
    titles = [(o["title"], o["author"]["name"]) for o in loaded.objects]
    expected = [("Dispossessed", "Le Guin"), ("Earthsea", "Le Guin")]
    if titles != expected:
        raise loaded.fail(f"Loaded {titles}; expected {expected}.")
    if len(loaded.statements) != 1:
        raise loaded.fail("Exactly 1 statement may be issued: load each book's author in the same SELECT.")
