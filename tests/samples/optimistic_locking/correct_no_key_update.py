"""sets the version from the one it saw, and locks with FOR NO KEY UPDATE, which also makes other lockers wait."""
from sqlalchemy import and_, select, update

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if not amount >= 1:
        raise ValueError("nothing to withdraw")
    unchanged = and_(Account.id == account_id, Account.version == seen_version)
    return update(Account).where(unchanged, Account.balance - amount >= 0).values(
        {Account.balance: Account.balance - amount, Account.version: seen_version + 1})


def lock_account(account_id):
    return select(Account).filter_by(id=account_id).with_for_update(key_share=True)
