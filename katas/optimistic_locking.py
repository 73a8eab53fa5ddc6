"""Optimistic and pessimistic locking: "What are optimistic and pessimistic locking?"

You write SQLAlchemy 2 statements; the tests run them on SQLite and on PostgreSQL. Each function
*returns* a statement (`update(...)`, `select(...)`, or `text("...")` with bound parameters) and never
runs it.

The table (import it, do not define it): `from dojo.tables import Account`  (SQL name: accounts)

    accounts
    id | owner | balance | version
    ---+-------+---------+--------
     1 | Ann   |     100 |       3
     2 | Bob   |      20 |       0

Optimistic locking: a client reads an account with its version, decides, then writes with a statement
that changes the row only if its version is still the one it read, and bumps the version. If the
statement changes no row, another client was faster: read again and retry. No lock is held while the
client thinks, and no update is ever lost.

Task 1: withdraw(account_id, amount, seen_version) -> one UPDATE that subtracts `amount` from the
balance and adds 1 to the version of that account, only if its version still equals `seen_version`
and its balance is at least `amount`; otherwise it changes no row. An `amount` below 1 raises
ValueError (in Python, before building any SQL).
    withdraw(1, 30, 3) -> changes 1 row: account 1 now has balance 70 and version 4
    withdraw(1, 30, 3) again -> changes no row (the version is 4 now)
    withdraw(2, 25, 0) -> changes no row (a balance of 20 is not enough)

Pessimistic locking: lock the row first, so nobody else can change it until your transaction ends.

Task 2: lock_account(account_id) -> a select(Account) of that one account that locks its row for the
rest of the transaction: a second transaction locking the same account waits until the first one ends,
and one locking another account does not wait.
    lock_account(2) -> the row (2, 'Bob', 20, 0), locked

What is graded: clients that read and withdraw, interleaved step by step, against a model of the
accounts: no lost update, a balance never below zero, the final balance is the initial one minus the
withdrawals that changed a row, and the version counts them. On PostgreSQL, the same with clients
running at the same time, each in its own transaction, and the lock of task 2 with a lock timeout.
SQLite has no row locks: there, task 2 is checked for its rows only.
"""

from sqlalchemy import Select, Update

from dojo.tables import Account  # noqa: F401  (you will need it)


def withdraw(account_id: int, amount: int, seen_version: int) -> Update:
    """Return an UPDATE that withdraws `amount` from the account if its version is still `seen_version`
    and its balance covers it, adding 1 to its version; raise ValueError if amount < 1."""
    # TODO: your code here
    raise NotImplementedError


def lock_account(account_id: int) -> Select:
    """Return a select(Account) of that account that locks its row until the transaction ends."""
    # TODO: your code here
    raise NotImplementedError
