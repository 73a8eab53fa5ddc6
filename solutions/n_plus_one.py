"""N+1 queries: the reference solution."""

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from dojo.tables import Author, Book


def authors_with_books() -> Select:
    # A collection: one more SELECT with IN (...) for all authors' books, rather than a join that repeats
    # every author once per book.
    return select(Author).options(selectinload(Author.books)).order_by(Author.name, Author.id)


def books_since(year: int) -> Select:
    # One author per book: a LEFT OUTER JOIN in the same SELECT (every book has an author, so nothing is lost).
    return (select(Book).options(joinedload(Book.author)).where(Book.year >= year)
            .order_by(Book.year.desc(), Book.id))
