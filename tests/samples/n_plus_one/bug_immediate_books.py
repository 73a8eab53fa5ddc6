"""immediateload: the books load as each author loads, still one SELECT per author."""
from sqlalchemy import select
from sqlalchemy.orm import immediateload, joinedload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).options(immediateload(Author.books)).order_by(Author.name, Author.id)


def books_since(year):
    return select(Book).options(joinedload(Book.author)).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
