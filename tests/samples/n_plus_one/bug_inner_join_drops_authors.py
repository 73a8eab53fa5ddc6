"""an inner join with contains_eager: authors without books disappear."""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from dojo.tables import Author, Book


def authors_with_books():
    return (select(Author).join(Author.books).options(contains_eager(Author.books))
            .order_by(Author.name, Author.id, Book.id))


def books_since(year):
    return select(Book).options(joinedload(Book.author)).where(Book.year >= year).order_by(Book.year.desc(), Book.id)
