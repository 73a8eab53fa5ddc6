"""Duplicates: the reference solution."""

from sqlalchemy import Executable, delete, exists, func, select
from sqlalchemy.orm import aliased

from dojo.tables import User


def duplicate_emails() -> Executable:
    # WHERE drops NULL emails before grouping: GROUP BY would otherwise put all NULLs in one group.
    return (
        select(User.email, func.count().label("count"))
        .where(User.email.is_not(None))
        .group_by(User.email)
        .having(func.count() > 1)
        .order_by(User.email)
    )


def delete_duplicate_users() -> Executable:
    earlier = aliased(User)
    # NULL = NULL is not true in SQL, so users without an email never match an earlier one.
    return delete(User).where(exists().where(earlier.email == User.email, earlier.id < User.id))
