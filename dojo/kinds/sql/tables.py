"""The tables of the SQL katas, as SQLAlchemy 2 typed ORM models. Learners import them, never define them:

    from dojo.tables import Employee, User
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
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
