"""N+1 queries: "Optimize database performance using Eager Loading strategies like selectinload and
joinedload to eliminate the N+1 query problem."

You write SQLAlchemy 2 ORM statements; the tests execute them in an ORM session and run every SQL statement
that session issued on SQLite and on PostgreSQL. Each function *returns* a `select(...)` and never runs it.

The tables (import them, do not define them): `from dojo.tables import Author, Book`

    authors              books
    id | name            id | title        | year | author_id
    ---+---------        ---+--------------+------+----------
     1 | Le Guin          1 | Earthsea     | 1968 | 1
     2 | Borges           2 | Ficciones    | 1944 | 2
     3 | Calvino          3 | Dispossessed | 1974 | 1

Relationships: `author.books` (that author's books, ordered by Book.id) and `book.author`. Both load
*lazily*: the first time your code reads `author.books`, the session sends one more SELECT for that author.

The N+1 problem: load 100 authors with one SELECT, then read each author's books, and the session sends
100 more SELECTs, one per author. Each is a round trip to the database; a page that lists authors and their
books gets slower with every author. Eager loading tells the session up front what you will read:
  - `selectinload(Author.books)`: after the authors, ONE more SELECT fetches the books of all of them
    (`WHERE books.author_id IN (...)`). Best for collections: no duplicated author rows.
  - `joinedload(Author.books)`: one SELECT with a LEFT OUTER JOIN; every author row repeats once per book
    (so the tests call `.unique()`). Best for a single related object, such as a book's author.
  - `.join(...)` with `contains_eager(...)`: your own join fills the relationship (an inner join drops
    rows that have no match).
Add them with `select(Author).options(...)`.

The tests execute your statement as `session.scalars(statement).unique().all()` in a fresh session, then
read every relationship, and count the SQL statements.

Task 1: authors_with_books() -> select(Author), every author (also those with no books), ordered by name,
then id, such that loading them and reading every author's books issues at most 2 SQL statements in all,
whatever the number of authors and books.
    authors_with_books() on the tables above -> Borges [Ficciones], Calvino [], Le Guin [Earthsea,
    Dispossessed]: 2 statements (not 4)

Task 2: books_since(year) -> select(Book) of the books with year >= `year`, ordered by year descending,
then id ascending, such that loading them and reading every book's author issues exactly 1 SQL statement.
    books_since(1950) -> Dispossessed (Le Guin), Earthsea (Le Guin): 1 statement

What is graded: the authors, books and their order against the contract, on generated tables from none to
dozens of authors (names shared, ids not in name order); and the number of statements the session issued.
"""

from sqlalchemy import Select

from dojo.tables import Author, Book  # noqa: F401  (you will need them)


def authors_with_books() -> Select:
    """Return select(Author), ordered by name then id, that loads every author's books with at most two
    SQL statements in all."""
    # TODO: your code here
    raise NotImplementedError


def books_since(year: int) -> Select:
    """Return select(Book) of the books with year >= `year`, newest year first then id, that loads every
    book's author in the same single SQL statement."""
    # TODO: your code here
    raise NotImplementedError
