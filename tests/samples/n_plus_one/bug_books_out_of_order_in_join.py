"""its own outer join fills the books, but orders only the authors: each author's books come in table order."""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from dojo.tables import Author, Book


def authors_with_books():
    return (select(Author).outerjoin(Author.books).options(contains_eager(Author.books))
            .order_by(Author.name, Author.id))


def books_since(year):
    return select(Book).options(joinedload(Book.author)).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
