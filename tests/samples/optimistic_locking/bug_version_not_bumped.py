"""checks the version but never moves it on, so a second client that read the same version also succeeds."""
from sqlalchemy import select, update

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if amount < 1:
        raise ValueError("amount")
    return (update(Account)
            .where(Account.id == account_id, Account.version == seen_version, Account.balance >= amount)
            .values(balance=Account.balance - amount))


def lock_account(account_id):
    return select(Account).where(Account.id == account_id).with_for_update()
