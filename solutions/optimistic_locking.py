"""Optimistic and pessimistic locking: the reference solution."""

from sqlalchemy import Select, Update, select, update

from dojo.tables import Account


def withdraw(account_id: int, amount: int, seen_version: int) -> Update:
    if amount < 1:
        raise ValueError(f"amount must be at least 1, got {amount}")
    # The checks sit in the UPDATE's own WHERE: the database tests and writes the row in one step, so no
    # other client can slip in between. A client that read an older version changes nothing and retries.
    return (
        update(Account)
        .where(Account.id == account_id, Account.version == seen_version, Account.balance >= amount)
        .values({Account.balance: Account.balance - amount, Account.version: Account.version + 1})
    )


def lock_account(account_id: int) -> Select:
    # FOR UPDATE: the row stays locked until the transaction ends; other lockers and writers of this row
    # wait, those of other rows do not.
    return select(Account).where(Account.id == account_id).with_for_update()
