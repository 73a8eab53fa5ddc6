"""writes the UPDATE by hand with text() and bound parameters (the lock stays a select(), which each dialect writes its own way)."""
from sqlalchemy import select, text

from dojo.tables import Account


def withdraw(account_id, amount, seen_version):
    if amount <= 0:
        raise ValueError(amount)
    return text("UPDATE accounts SET balance = balance - :amount, version = :seen + 1 "
                "WHERE id = :id AND version = :seen AND balance >= :amount").bindparams(
        amount=amount, seen=seen_version, id=account_id)


def lock_account(account_id):
    return select(Account).where(Account.id == account_id).with_for_update(of=Account)
