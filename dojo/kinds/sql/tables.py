"""The tables of the SQL katas, as SQLAlchemy 2 typed ORM models. Learners import them, never define them:

    from dojo.tables import Account, Author, Book, Employee, Event, User
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Employee(Base):
    """employee(id, name, department, salary): salary may be NULL (not disclosed)."""

    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String)
    department: Mapped[str] = mapped_column(String)
    salary: Mapped[int | None] = mapped_column(BigInteger)


class User(Base):
    """user(id, name, email): email may be NULL; equal emails are exact, case-sensitive matches."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)


class Event(Base):
    """events(id, created_at, title): created_at is a naive UTC datetime, and many events may share one."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    title: Mapped[str] = mapped_column(String)


class Account(Base):
    """accounts(id, owner, balance, version): version counts the updates the account has had."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String)
    balance: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)


class Author(Base):
    """authors(id, name): names need not be unique. `author.books` loads lazily by default, ordered by id."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String)
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")


class Book(Base):
    """books(id, title, year, author_id): every book has one author; `book.author` loads lazily by default."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String)
    year: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")
