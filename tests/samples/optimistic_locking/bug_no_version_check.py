"""does not check the version it saw, so a withdrawal based on a stale read still goes through."""
from sqlalchemy import select, update

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if amount < 1:
        raise ValueError("amount")
    return (update(Account).where(Account.id == account_id, Account.balance >= amount)
            .values(balance=Account.balance - amount, version=Account.version + 1))


def lock_account(account_id):
    return select(Account).where(Account.id == account_id).with_for_update()
