"""one LEFT OUTER JOIN for the books (rows repeat; the tests call unique()), and an explicit join that fills
book.author with contains_eager."""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).options(joinedload(Author.books)).order_by(Author.name.asc(), Author.id.asc())


def books_since(year):
    return (select(Book).join(Book.author).options(contains_eager(Book.author))
            .where(Book.year >= year).order_by(Book.year.desc(), Book.id.asc()))
