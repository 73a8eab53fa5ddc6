"""Duplicates: "Write a SQL query to find duplicate entries in a table."

You write SQLAlchemy 2 statements; the tests run them on SQLite and on PostgreSQL. Each function
*returns* a statement (`select(...)`, `delete(...)`, or `text("...")`) and never runs it.

The table (import it, do not define it): `from dojo.tables import User`  (SQL name: users)

    users
    id | name | email
    ---+------+-----------------
     1 | Ann  | ann@example.com
     2 | Bob  | bob@example.com
     3 | Ann2 | ann@example.com
     4 | Cy   | NULL
     5 | Dee  | NULL
     6 | ANN  | ANN@example.com
     7 | Ann3 | ann@example.com

Emails match exactly: "ANN@example.com" is not "ann@example.com". NULL means "no email" and is never
a duplicate of anything.

Task 1: duplicate_emails() -> rows (email, count) for every non-NULL email held by more than one
user, ordered by email.
    duplicate_emails() on the table above -> ('ann@example.com', 3)

Task 2: delete_duplicate_users() -> a DELETE statement that removes every user whose non-NULL email
is also held by a user with a smaller id: the lowest id per email stays, users without email stay.
    after it runs, the table above keeps ids 1, 2, 4, 5 and 6.

Watch out: without ORDER BY, PostgreSQL may return groups in any order (SQLite happens to sort them).
"""

from sqlalchemy import Executable

from dojo.tables import User  # noqa: F401  (you will need it)


def duplicate_emails() -> Executable:
    """Return a statement selecting (email, count) of each duplicated email, ordered by email."""
    # TODO: your code here
    raise NotImplementedError


def delete_duplicate_users() -> Executable:
    """Return a DELETE statement keeping only the lowest id of each duplicated email."""
    # TODO: your code here
    raise NotImplementedError
