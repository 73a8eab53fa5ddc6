"""checks id, version and balance in the UPDATE's WHERE and locks with FOR UPDATE."""
from sqlalchemy import select, update

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if amount < 1:
        raise ValueError("amount must be positive")
    return (update(Account)
            .where(Account.id == account_id)
            .where(Account.version == seen_version)
            .where(Account.balance >= amount)
            .values(balance=Account.balance - amount, version=Account.version + 1))


def lock_account(account_id):
    return select(Account).where(Account.id == account_id).with_for_update()
