"""Queries safe from SQL injection: "How do you prevent SQL injection in Python?"

You write SQLAlchemy 2 statements; the tests run them on SQLite and on PostgreSQL. Each function
*returns* a statement (`select(...)`, or `text("...")` with bound parameters) and never runs it.
Whatever a user typed reaches the database as a bound parameter, never as part of the SQL text.

The table (import it, do not define it): `from dojo.tables import User`  (SQL name: users)

    users
    id | name    | email
    ---+---------+-----------
     1 | Ann     | ann@x.io
     2 | ann     | NULL
     3 | An_drea | NULL
     4 | Anton   | anton@x.io
     5 | A%      | pct@x.io
     6 | O'Brien | ob@x.io

Task 1: users_named_like(prefix, limit) -> rows (id, name) of the users whose name starts with
`prefix` exactly: case-sensitive, and `%`, `_` and `\\` in the prefix match only themselves. Ordered
by name, then id; at most `limit` rows. A `limit` outside 1..1000 raises ValueError.
    users_named_like("An", 10)  -> (3, 'An_drea'), (1, 'Ann'), (4, 'Anton')
    users_named_like("An_", 10) -> (3, 'An_drea')
    users_named_like("A%", 10)  -> (5, 'A%')
    users_named_like("O'", 1)   -> (6, "O'Brien")

Task 2: users_sorted(column, descending) -> rows (id, name, email) of every user, ordered by
`column`, one of "id", "name" or "email" (anything else raises ValueError, "name desc" and
"name; DROP TABLE users" included), descending when asked, ties by id ascending. Users without an
email come last in both directions.
    users_sorted("email", True) -> ids 5, 6, 4, 1, then 2 and 3 (no email)

What is graded besides the rows: the prefix never appears inside the SQL text (only as a bound
parameter), and after your statement ran every table is exactly as it was.

Watch out: text compares by code point ('A' < '_' < 'a'). In LIKE, `%` and `_` are wildcards, and
SQLite's LIKE ignores ASCII case by default ('ann' LIKE 'ANN' is true there) while PostgreSQL's does
not. PostgreSQL sorts NULLs first in a descending order, SQLite in an ascending one.
"""

from sqlalchemy import Select, TextClause

from dojo.tables import User  # noqa: F401  (you will need it)


def users_named_like(prefix: str, limit: int) -> Select | TextClause:
    """Return a statement selecting (id, name) of the users whose name starts with `prefix`, ordered by
    name then id, at most `limit` rows; raise ValueError unless 1 <= limit <= 1000."""
    # TODO: your code here
    raise NotImplementedError


def users_sorted(column: str, descending: bool) -> Select:
    """Return a statement selecting (id, name, email) of every user ordered by `column` ("id", "name" or
    "email", else ValueError), descending when asked, ties by id, users without an email last."""
    # TODO: your code here
    raise NotImplementedError
