"""Public tests for the optimistic_locking kata: the prompt's worked example, run on the real database."""

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import Account
from dojo.testing import KataProxy

EXAMPLE = [
    {"id": 1, "owner": "Ann", "balance": 100, "version": 3},
    {"id": 2, "owner": "Bob", "balance": 20, "version": 0},
]


@pytest.mark.group("withdraw")
def test_a_withdrawal_with_the_current_version_changes_the_row_once(kata: KataProxy, database: Schema) -> None:
    with database.filled({Account: EXAMPLE}) as filled:
        first = filled.execute(database.compile(kata, "withdraw", 1, 30, 3), inspect=Account)
        first.expect_rows([(1, "Ann", 70, 4), (2, "Bob", 20, 0)], what="rows of accounts after the first withdrawal")
        again = filled.execute(database.compile(kata, "withdraw", 1, 30, 3), inspect=Account)
        again.expect_rows([(1, "Ann", 70, 4), (2, "Bob", 20, 0)], what="rows of accounts after it ran again",
                          story="withdraw(1, 30, 3) had already run once: the version of account 1 is 4 now.")


@pytest.mark.group("withdraw")
def test_a_withdrawal_larger_than_the_balance_changes_nothing(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "withdraw", 2, 25, 0, tables={Account: EXAMPLE}, inspect=Account)
    outcome.expect_rows([(1, "Ann", 100, 3), (2, "Bob", 20, 0)], what="rows of accounts after it ran")


@pytest.mark.group("withdraw")
def test_refuses_an_amount_of_zero_with_value_error(kata: KataProxy) -> None:
    kata.withdraw.check(1, 0, 3, raises=ValueError)


@pytest.mark.group("lock_account")
def test_lock_account_selects_that_one_account(kata: KataProxy, database: Schema) -> None:
    database.run(kata, "lock_account", 2, tables={Account: EXAMPLE}).expect_rows([(2, "Bob", 20, 0)])
