"""The tables of the SQL katas, as SQLAlchemy 2 typed ORM models. Learners import them, never define them:

    from dojo.tables import Account, Employee, Event, User
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
