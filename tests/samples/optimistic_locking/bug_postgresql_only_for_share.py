"""takes a shared lock (FOR SHARE), which a second locker shares instead of waiting for it."""
from sqlalchemy import select, update

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if amount < 1:
        raise ValueError("amount")
    return (update(Account)
            .where(Account.id == account_id, Account.version == seen_version, Account.balance >= amount)
            .values(balance=Account.balance - amount, version=Account.version + 1))


def lock_account(account_id):
    return select(Account).where(Account.id == account_id).with_for_update(read=True)
