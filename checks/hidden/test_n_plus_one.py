"""Hidden tests for the n_plus_one kata: generated libraries (shared names, ids against name order, authors
without books) loaded through the learner's statements in an ORM session, every relationship read; the
objects are checked against a plain-Python oracle written here, and the SQL statements the session issued
are counted and run again on every configured database, where their results must hold the same rows in the
same order (so neither the count nor the order rests on what the worker reports)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.kinds.sql.database import Loaded, Schema, render_table
from dojo.kinds.sql.tables import Author, Book
from dojo.testing import KataProxy

Row = dict[str, Any]
Library = tuple[list[Row], list[Row]]

NAMES = st.sampled_from(["Borges", "Calvino", "Le Guin", "le Guin", "Zoë", "Émile", ""])
TITLES = st.sampled_from(["Ficciones", "Earthsea", "", "O'Brien's", "é"])
YEARS = st.sampled_from([1944, 1968, 1974, 1999, 2000, 2001])


@st.composite
def libraries(draw: st.DrawFn, *, max_authors: int = 8, max_books: int = 16) -> Library:
    """Authors with unique ids that do not follow their names, some sharing a name, some without books;
    books of random authors; both tables inserted in random order."""
    author_ids = draw(st.lists(st.integers(1, 40), unique=True, max_size=max_authors))
    authors = [{"id": i, "name": draw(NAMES)} for i in author_ids]
    books: list[Row] = []
    if authors:
        book_ids = draw(st.lists(st.integers(1, 80), unique=True, max_size=max_books))
        books = [{"id": i, "title": draw(TITLES), "year": draw(YEARS), "author_id": draw(st.sampled_from(author_ids))}
                 for i in book_ids]
    return draw(st.permutations(authors)), draw(st.permutations(books))


def author(id_: int, name: str) -> Row:
    return {"id": id_, "name": name}


def book(id_: int, author_id: int, year: int = 1968, title: str = "Earthsea") -> Row:
    return {"id": id_, "title": title, "year": year, "author_id": author_id}


# Two authors share a name and come in against id order; one has no books; books come in against id order.
NAMESAKES: Library = ([author(3, "Le Guin"), author(1, "Le Guin"), author(2, "Borges"), author(4, "Calvino")],
                      [book(5, 1), book(2, 3, 1974), book(4, 2, 1944), book(1, 1, 2001)])
# The same year for several books, ids against insertion order: only "then id" orders them.
SAME_YEAR: Library = ([author(2, "Borges"), author(1, "Le Guin")],
                      [book(9, 1, 2000), book(3, 2, 2000), book(7, 1, 2000), book(1, 2, 1999)])
# Dozens of authors, each with a few books (a fixed table: the same in every run).
DOZENS: Library = ([author((k * 17) % 40 + 1, f"Author {k % 12}") for k in range(40)],
                   [book(k + 1, (k * 7) % 40 + 1, 1940 + k % 70, f"Book {k}") for k in range(150)])


def tables(library: Library) -> dict[type[Any], list[Row]]:
    return {Author: library[0], Book: library[1]}


# The contract, in plain Python. Text orders by code point on both databases (PostgreSQL with "C" collation).
def authors_with_books(library: Library) -> list[tuple[Any, ...]]:
    authors, books = library
    return [(a["id"], a["name"], [(b["id"], b["title"], b["year"]) for b in sorted(books, key=lambda b: b["id"])
                                  if b["author_id"] == a["id"]])
            for a in sorted(authors, key=lambda a: (a["name"], a["id"]))]


def books_since(library: Library, year: int) -> list[tuple[Any, ...]]:
    authors, books = library
    names = {a["id"]: a["name"] for a in authors}
    return [(b["id"], b["title"], b["year"], b["author_id"], names[b["author_id"]])
            for b in sorted(books, key=lambda b: (-b["year"], b["id"])) if b["year"] >= year]


def loaded_authors(loaded: Loaded) -> list[tuple[Any, ...]]:
    try:
        return [(o["id"], o["name"], [(b["id"], b["title"], b["year"]) for b in o["books"]]) for o in loaded.objects]
    except (KeyError, TypeError) as error:
        raise loaded.fail(f"The objects came back without {error}.") from None


def loaded_books(loaded: Loaded) -> list[tuple[Any, ...]]:
    try:
        return [(o["id"], o["title"], o["year"], o["author"]["id"], o["author"]["name"]) for o in loaded.objects]
    except (KeyError, TypeError) as error:
        raise loaded.fail(f"The objects came back without {error}.") from None


def expect_objects(loaded: Loaded, returned: list[tuple[Any, ...]], expected: list[tuple[Any, ...]],
                   columns: list[str], library: Library) -> None:
    if returned != expected:
        shown = [render_table(name, [c.name for c in model.__table__.columns],
                              [tuple(row[c.name] for c in model.__table__.columns) for row in rows])
                 for name, model, rows in (("authors", Author, library[0]), ("books", Book, library[1]))]
        raise loaded.fail("\n".join(["On these tables:", *shown, "The objects or their order differ.",
                                     render_table("Loaded", columns, returned),
                                     render_table("Expected", columns, expected)]))


def expect_loaded_here(loaded: Loaded, table: str, expected: list[tuple[Any, ...]], *, ordered: bool) -> None:
    """The statements, run again on this test's database, must return `expected` rows of `table` (in that
    order, when `ordered`): the order and the loading are the database's, not what the worker says."""
    found = loaded.records[table]
    here = found if ordered else [row for row in found if row in expected]
    if (here != expected) if ordered else (set(expected) - set(found)):
        columns = [c.name for c in (Author if table == "authors" else Book).__table__.columns]
        problem = (f"the {table} in another order (or other rows) than the contract's. Rows equal in every ORDER "
                   f"BY column come back in whatever order {loaded.backend} finds them." if ordered else
                   f"not every {table} row your objects hold: the statements reported are not what loaded them.")
        raise loaded.fail(f"Run here on {loaded.backend}, these statements return {problem}\n"
                          f"{render_table('Returned', columns, here)}\n{render_table('Expected', columns, expected)}")


@pytest.mark.group("authors_with_books")
@example(library=([], []))
@example(library=([author(1, "Borges")], []))
@example(library=NAMESAKES)
@example(library=SAME_YEAR)
@given(library=libraries())
def test_every_author_comes_with_their_books_in_at_most_two_statements(
    kata: KataProxy, database: Schema, library: Library
) -> None:
    loaded = database.load(kata, "authors_with_books", tables=tables(library), relationships=["books"])
    expected = authors_with_books(library)
    expect_objects(loaded, loaded_authors(loaded), expected, ["id", "name", "books (id, title, year)"], library)
    if len(loaded.statements) > 2:
        raise loaded.fail(f"That is the N+1 problem: one SELECT for the {len(expected)} authors, then one more "
                          "each time an author's books are read. At most 2 statements may be issued, whatever "
                          "the number of authors: load the books of all authors up front.")
    expect_loaded_here(loaded, "authors", [(a[0], a[1]) for a in expected], ordered=True)
    expect_loaded_here(loaded, "books", [(b["id"], b["title"], b["year"], b["author_id"]) for b in library[1]],
                       ordered=False)


@pytest.mark.group("books_since")
@example(library=([], []), year=1900)
@example(library=NAMESAKES, year=1968)
@example(library=NAMESAKES, year=1969)
@example(library=SAME_YEAR, year=2000)
@example(library=SAME_YEAR, year=1900)
@given(library=libraries(), year=st.integers(1940, 2005) | YEARS)
def test_books_since_a_year_come_with_their_authors_in_one_statement(
    kata: KataProxy, database: Schema, library: Library, year: int
) -> None:
    loaded = database.load(kata, "books_since", year, tables=tables(library), relationships=["author"])
    expected = books_since(library, year)
    expect_objects(loaded, loaded_books(loaded), expected, ["id", "title", "year", "author_id", "author.name"],
                   library)
    if len(loaded.statements) != 1:
        raise loaded.fail(f"Exactly 1 statement may be issued: the {len(expected)} books and their authors in "
                          "the same SELECT. Every extra statement is another round trip to the database.")
    expect_loaded_here(loaded, "books", [row[:4] for row in expected], ordered=True)
    expect_loaded_here(loaded, "authors", sorted({(row[3], row[4]) for row in expected}), ordered=False)


@pytest.mark.group("authors_with_books")
def test_forty_authors_and_150_books_still_take_at_most_two_statements(kata: KataProxy, database: Schema) -> None:
    loaded = database.load(kata, "authors_with_books", tables=tables(DOZENS), relationships=["books"])
    expected = authors_with_books(DOZENS)
    expect_objects(loaded, loaded_authors(loaded), expected, ["id", "name", "books (id, title, year)"], DOZENS)
    if len(loaded.statements) > 2:
        raise loaded.fail(f"{len(loaded.statements)} statements for {len(expected)} authors: at most 2 may be "
                          "issued, whatever the number of authors.")
    expect_loaded_here(loaded, "authors", [(a[0], a[1]) for a in expected], ordered=True)


@pytest.mark.group("books_since")
def test_150_books_of_forty_authors_still_take_one_statement(kata: KataProxy, database: Schema) -> None:
    loaded = database.load(kata, "books_since", 1950, tables=tables(DOZENS), relationships=["author"])
    expected = books_since(DOZENS, 1950)
    expect_objects(loaded, loaded_books(loaded), expected, ["id", "title", "year", "author_id", "author.name"],
                   DOZENS)
    if len(loaded.statements) != 1:
        raise loaded.fail(f"{len(loaded.statements)} statements for {len(expected)} books: exactly 1 may be issued.")
    expect_loaded_here(loaded, "books", [row[:4] for row in expected], ordered=True)
