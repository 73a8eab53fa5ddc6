"""books after the year, not since: the year itself is left out."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).options(selectinload(Author.books)).order_by(Author.name, Author.id)


def books_since(year):
    return select(Book).options(joinedload(Book.author)).where(Book.year > year).order_by(Book.year.desc(), Book.id)
