"""no loader option for each book's author: one more SELECT per author met."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).options(selectinload(Author.books)).order_by(Author.name, Author.id)


def books_since(year):
    return select(Book).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
