"""subqueryload also loads every collection in one more statement."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, subqueryload

from dojo.tables import Author, Book


def authors_with_books():
    return select(Author).order_by(Author.name, Author.id).options(subqueryload(Author.books))


def books_since(year):
    return select(Book).where(year <= Book.year).order_by(Book.year.desc(), Book.id).options(joinedload(Book.author))
