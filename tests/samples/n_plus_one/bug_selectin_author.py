"""selectinload for the book's author: two statements where one is asked for."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).options(selectinload(Author.books)).order_by(Author.name, Author.id)


def books_since(year):
    return select(Book).options(selectinload(Book.author)).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
