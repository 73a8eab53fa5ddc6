"""no loader option for the books: one more SELECT per author (N+1)."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).order_by(Author.name, Author.id)


def books_since(year):
    return select(Book).options(joinedload(Book.author)).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
