"""Hidden tests for the optimistic_locking kata: generated account tables and schedules of clients that
read an account and withdraw with the version they read, run step by step on every configured database
against a plain-Python model of the accounts written here from the contract; on PostgreSQL, clients that
run at the same time, each on its own connection in READ COMMITTED, and the row lock of lock_account,
seen through a lock timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Connection, CursorResult, select
from sqlalchemy.exc import DBAPIError

from dojo.kinds.sql.database import Filled, Outcome, Schema, execute
from dojo.kinds.sql.tables import Account
from dojo.testing import KataProxy

Row = dict[str, Any]
# Long enough for PostgreSQL to start waiting on a lock, short enough to try a few locks in a test.
LOCK_TIMEOUT = "100ms"
OWNERS = st.sampled_from(["Ann", "Bob", "O'Brien", "Zoë"])


@st.composite
def account_tables(draw: st.DrawFn, *, max_size: int = 4) -> list[Row]:
    """Accounts with unique ids, small balances (zero included) and small versions that often coincide, so
    a statement that forgets its account or its version changes the wrong rows."""
    ids = draw(st.lists(st.integers(1, 9), min_size=1, max_size=max_size, unique=True))
    return [{"id": i, "owner": draw(OWNERS), "balance": draw(st.integers(0, 120)), "version": draw(st.integers(0, 4))}
            for i in ids]


def account(id_: int, balance: int, version: int, owner: str = "Ann") -> Row:
    return {"id": id_, "owner": owner, "balance": balance, "version": version}


def table_rows(accounts: list[Row]) -> list[tuple[int, str, int, int]]:
    return [(a["id"], a["owner"], a["balance"], a["version"]) for a in sorted(accounts, key=lambda a: a["id"])]


def withdrawn(accounts: list[Row], account_id: int, amount: int, seen_version: int) -> tuple[int, list[Row]]:
    """The contract: how many rows the withdrawal changes (0 or 1), and the accounts afterwards."""
    after = []
    changed = 0
    for a in accounts:
        if a["id"] == account_id and a["version"] == seen_version and a["balance"] >= amount:
            changed = 1
            a = {**a, "balance": a["balance"] - amount, "version": a["version"] + 1}
        after.append(a)
    return changed, after


def expect_withdrawal(outcome: Outcome, changed: int, after: list[Row], story: str = "") -> None:
    """The rows afterwards, then the number of rows the database says the statement changed."""
    outcome.expect_rows(table_rows(after), what="rows of accounts after it ran", story=story)
    if outcome.rowcount != changed:
        lead = f"{story}\n" if story else ""
        raise outcome.fail(f"{lead}The database says it changed {outcome.rowcount} row(s); expected {changed}: a "
                           "client reads that number to know whether its withdrawal happened.")


@st.composite
def withdrawals(draw: st.DrawFn) -> tuple[list[Row], int, int, int]:
    """Accounts and a withdrawal aimed at one of them (now and then at no account): an amount at, just
    under or just over its balance, and a seen version equal to its version, or one off."""
    accounts = draw(account_tables())
    target = draw(st.sampled_from(accounts))
    account_id = target["id"] if draw(st.integers(0, 9)) else draw(st.integers(1, 10))
    balance, version = target["balance"], target["version"]
    amount = draw(st.sampled_from([balance, balance + 1, balance - 1, 1]).filter(lambda a: a >= 1)
                  | st.integers(1, 130))
    seen = draw(st.sampled_from([version, version, version - 1, version + 1]) | st.integers(0, 5))
    return accounts, account_id, amount, seen


SAME_VERSIONS = [account(1, 50, 2), account(2, 50, 2, "Bob"), account(3, 50, 2, "Zoë")]


@pytest.mark.group("withdraw")
@example(case=([account(1, 30, 0)], 1, 30, 0))  # the whole balance
@example(case=([account(1, 30, 0)], 1, 31, 0))  # one more than the balance
@example(case=([account(1, 30, 0)], 1, 1, 0))
@example(case=([account(1, 30, 3)], 1, 10, 2))  # a version read before someone else's update
@example(case=([account(1, 30, 3)], 1, 10, 4))
@example(case=(SAME_VERSIONS, 2, 20, 2))  # the other accounts share the version and the balance
@example(case=(SAME_VERSIONS, 4, 20, 2))  # no such account
@given(withdrawals())
def test_a_withdrawal_changes_that_account_only_if_its_version_is_the_one_seen_and_the_balance_covers_it(
    kata: KataProxy, database: Schema, case: tuple[list[Row], int, int, int]
) -> None:
    accounts, account_id, amount, seen = case
    outcome = database.run(kata, "withdraw", account_id, amount, seen, tables={Account: accounts}, inspect=Account)
    expect_withdrawal(outcome, *withdrawn(accounts, account_id, amount, seen))


@pytest.mark.group("withdraw")
@example(amount=0)
@example(amount=-1)
@given(st.integers(max_value=0))
def test_an_amount_below_one_raises_value_error(kata: KataProxy, amount: int) -> None:
    kata.withdraw.check(1, amount, 0, raises=ValueError)


@dataclass
class Client:
    """One client of the schedule: it withdraws `amounts` from `account` one after the other, each time
    reading first, and retrying from the read when its withdrawal changed no row."""

    name: str
    account: int
    amounts: list[int]
    seen: int | None = None  # the version it read and has not used yet

    @property
    def finished(self) -> bool:
        return not self.amounts


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[Row], list[tuple[int, list[int]]], list[int]]:
    """Accounts, clients (the account each uses and the amounts it withdraws), and which client takes its
    next step when: two clients that read before either writes is the lost update waiting to happen."""
    accounts = draw(account_tables(max_size=2))
    count = draw(st.integers(2, 4))
    clients = [(draw(st.sampled_from([a["id"] for a in accounts])), draw(st.lists(st.integers(1, 60), min_size=1,
                                                                                     max_size=3)))
               for _ in range(count)]
    order = draw(st.lists(st.integers(0, count - 1), max_size=24))
    return accounts, clients, order


def step(kata: KataProxy, database: Schema, filled: Filled, client: Client, model: list[Row],
         story: list[str]) -> list[Row]:
    """One step of one client, checked against the model; returns the model afterwards."""
    amount = client.amounts[0]
    if client.seen is None:
        balance, version = filled.connection.execute(
            select(Account.balance, Account.version).where(Account.id == client.account)).one()
        if balance < amount:
            story.append(f"  client {client.name} reads balance {balance}, too little for {amount}: gives it up")
            client.amounts.pop(0)
        else:
            story.append(f"  client {client.name} reads balance {balance}, version {version} of account "
                         f"{client.account}")
            client.seen = version
        return model
    seen, client.seen = client.seen, None
    outcome = filled.execute(database.compile(kata, "withdraw", client.account, amount, seen), inspect=Account)
    changed, after = withdrawn(model, client.account, amount, seen)
    story.append(f"  client {client.name} runs withdraw({client.account}, {amount}, {seen})")
    expect_withdrawal(outcome, changed, after, "Clients so far:\n" + "\n".join(story))
    story[-1] += ": changed 1 row" if changed else ": changed no row, will read again"
    if changed:
        client.amounts.pop(0)
    return after


@pytest.mark.group("withdraw")
@example(case=([account(1, 100, 0)], [(1, [30]), (1, [50])], [0, 1, 0, 1]))  # both read, then both write
@example(case=([account(1, 40, 0)], [(1, [30]), (1, [30])], [0, 1, 0, 1]))  # the second one no longer fits
@example(case=([account(1, 100, 5), account(2, 100, 5, "Bob")], [(1, [10, 10]), (2, [10]), (1, [5])],
               [0, 1, 2, 2, 0, 1]))
@given(schedules())
def test_interleaved_clients_lose_no_update_and_never_overdraw(
    kata: KataProxy, database: Schema, case: tuple[list[Row], list[tuple[int, list[int]]], list[int]]
) -> None:
    """clients interleaved step by step lose no update, never overdraw, and the version counts withdrawals"""
    accounts, plans, order = case
    clients = [Client("ABCD"[k], account_id, list(amounts)) for k, (account_id, amounts) in enumerate(plans)]
    model, story = accounts, [f"  accounts at the start: {table_rows(accounts)}"]
    with database.filled({Account: accounts}) as filled:
        # The schedule first, then every client in turn until all are done (each step is checked, so a
        # client only retries when another one's withdrawal really changed its account).
        turns = [*order, *[k for _ in range(40) for k in range(len(clients))]]
        for turn in turns:
            if not clients[turn].finished:
                model = step(kata, database, filled, clients[turn], model, story)


def compiled_withdrawals(kata: KataProxy, database: Schema, account: Row, wanted: list[list[int]]) -> dict[
        tuple[int, int], Outcome]:
    """Every withdraw statement the clients may need, compiled before they start (the worker serves one
    call at a time): per amount and seen version."""
    versions = range(account["version"], account["version"] + sum(map(len, wanted)) + 1)
    return {(amount, version): database.compile(kata, "withdraw", account["id"], amount, version)
            for amount in {a for amounts in wanted for a in amounts} for version in versions}


@dataclass
class Attempt:
    client: int
    amount: int
    seen: tuple[int, int]  # (balance, version) read before the withdrawal
    changed: int


def run_client(connection: Connection, number: int, account_id: int, amounts: list[int],
               statements: dict[tuple[int, int], Outcome], start: threading.Barrier | None) -> list[Attempt]:
    """A client on its own connection: read in one transaction, withdraw in the next, retry from the read
    while the withdrawal changes no row and the balance still covers the amount."""
    attempts: list[Attempt] = []
    if start is not None:
        start.wait()
    for amount in amounts:
        for _ in range(100):
            with connection.begin():
                balance, version = connection.execute(
                    select(Account.balance, Account.version).where(Account.id == account_id)).one()
            if balance < amount:
                break
            with connection.begin():
                changed = execute(connection, statements[amount, version]).rowcount
            attempts.append(Attempt(number, amount, (balance, version), changed))
            if changed:
                break
    return attempts


CROWDS = [
    (account(1, 100, 0), [[10, 20, 5], [15, 15], [30, 1, 1], [25]]),
    (account(1, 50, 7, "Bob"), [[20, 20], [20, 20], [20], [5, 5, 5]]),  # more is wanted than there is
    (account(3, 12, 1, "Zoë"), [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]),
]


@pytest.mark.group("withdraw")
@pytest.mark.checked_on_postgresql("running the clients at the same time")
def test_clients_withdrawing_at_the_same_time_lose_no_update(kata: KataProxy, database: Schema) -> None:
    """clients that withdraw at the same time lose no update and never overdraw"""
    for start, wanted in CROWDS:
        crowd(kata, database, start, wanted)


def crowd(kata: KataProxy, database: Schema, start: Row, wanted: list[list[int]]) -> None:
    """Clients withdrawing `wanted` from one account: on PostgreSQL all at once, each on its own connection."""
    statements = compiled_withdrawals(kata, database, start, wanted)
    results: list[list[Attempt] | DBAPIError] = [[] for _ in wanted]
    with database.committed({Account: [start]}):
        if database.backend == "postgresql":
            with ExitStack() as stack:
                connections = [stack.enter_context(database.connect()) for _ in wanted]
                barrier = threading.Barrier(len(wanted))

                def client(number: int) -> None:
                    try:
                        results[number] = run_client(connections[number], number, start["id"], wanted[number],
                                                     statements, barrier)
                    except DBAPIError as error:
                        results[number] = error

                threads = [threading.Thread(target=client, args=(k,)) for k in range(len(wanted))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
        else:  # SQLite's test database is one connection: the clients take turns
            for number, amounts in enumerate(wanted):
                results[number] = run_client(database.connection, number, start["id"], amounts, statements, None)
        final = database.connection.execute(select(Account).where(Account.id == start["id"])).one()
        database.connection.rollback()
    statement = next(iter(statements.values()))
    for result in results:
        if isinstance(result, DBAPIError):
            raise statement.fail(f"The database refused it: {str(result.orig).strip().splitlines()[0]}", tables=False)
    expect_no_lost_update(statement, start, [a for client in results for a in client], tuple(final))


def expect_no_lost_update(statement: Outcome, start: Row, attempts: list[Attempt], final: tuple[Any, ...]) -> None:
    succeeded = [a for a in attempts if a.changed == 1]
    balance = start["balance"] - sum(a.amount for a in succeeded)
    version = start["version"] + len(succeeded)
    versions_used = [a.seen[1] for a in succeeded]
    problems = [
        (any(a.changed not in (0, 1) for a in attempts), "a withdrawal changed more than one row"),
        (len(set(versions_used)) != len(versions_used), "two withdrawals based on the same version both changed "
                                                        "the row: one of them worked from a stale read"),
        (final[2] < 0, "the balance went below zero"),
        (final[2] != balance, f"the balance is {final[2]}, but the withdrawals that changed a row add up to "
                              f"{start['balance']} - {start['balance'] - balance} = {balance}: an update was lost"),
        (final[3] != version, f"the version is {final[3]}, but {len(succeeded)} withdrawals changed the row, "
                              f"from version {start['version']}: expected {version}"),
    ]
    found = [what for broken, what in problems if broken]
    if found:
        story = "\n".join(f"  client {'ABCD'[a.client]} read balance {a.seen[0]}, version {a.seen[1]}, withdrew "
                          f"{a.amount}: {'changed a row' if a.changed else 'changed no row'}" for a in attempts)
        raise statement.fail(f"{len(attempts)} withdrawals by {len({a.client for a in attempts})} clients at the "
                             f"same time, each on its own connection, on account {table_rows([start])}:\n{story}\n"
                             f"In the end {final}: {'; '.join(found)}.", tables=False)


@pytest.mark.group("lock_account")
@example(accounts=SAME_VERSIONS, account_id=2)
@example(accounts=SAME_VERSIONS, account_id=7)
@given(account_tables(), st.integers(1, 9))
def test_lock_account_selects_that_one_account_whole(
    kata: KataProxy, database: Schema, accounts: list[Row], account_id: int
) -> None:
    outcome = database.run(kata, "lock_account", account_id, tables={Account: accounts}, read_only=True)
    outcome.expect_rows(table_rows([a for a in accounts if a["id"] == account_id]))


def attempt(connection: Connection, run: Callable[[Connection], CursorResult[Any]]) -> tuple[str, Any]:
    """Run a statement in a transaction of its own under a lock timeout: ("waited", None) if it waited for
    a lock until the timeout, ("refused", message) if it failed otherwise, else ("ran", its rows or rowcount)."""
    transaction = connection.begin()
    try:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        result = run(connection)
        return "ran", [tuple(row) for row in result.fetchall()] if result.returns_rows else result.rowcount
    except DBAPIError as error:
        message = str(error.orig).strip().splitlines()[0]
        return ("waited", None) if "lock timeout" in message else ("refused", message)
    finally:
        transaction.rollback()


LOCKED = [account(1, 100, 3), account(2, 20, 0, "Bob")]


def what_it_did(how: str, result: Any) -> str:
    return {"waited": "it waited", "refused": f"it stopped at once: {result}",
            "ran": f"it went ahead at once, giving {result!r}"}[how]


@pytest.mark.group("lock_account")
@pytest.mark.checked_on_postgresql("the lock itself")
def test_a_locked_account_makes_others_wait_until_the_transaction_ends_and_only_that_account(
    kata: KataProxy, database: Schema
) -> None:
    first, other = database.compile(kata, "lock_account", 1), database.compile(kata, "lock_account", 2)
    if database.backend != "postgresql":  # SQLite has no row locks
        with database.filled({Account: LOCKED}) as filled:
            filled.execute(first).expect_rows(table_rows(LOCKED[:1]))
        return
    rows = {a["id"]: [table_rows([a])[0]] for a in LOCKED}
    with database.committed({Account: LOCKED}), database.connect() as holder, database.connect() as second:
        holder.begin()
        execute(holder, first).fetchall()
        same = attempt(second, lambda c: execute(c, first))
        update = attempt(second, lambda c: c.exec_driver_sql("UPDATE accounts SET balance = balance WHERE id = 1"))
        elsewhere = attempt(second, lambda c: execute(c, other))
        holder.rollback()
        released = attempt(second, lambda c: execute(c, first))
    found = [f"  {what}: {what_it_did(*result)}." for result, wanted, what in [
        (same, ("waited", None), "a second transaction running lock_account(1) should wait for the first one"),
        (update, ("waited", None), "an UPDATE of account 1 from a second transaction should wait for the lock"),
        (elsewhere, ("ran", rows[2]), "lock_account(2) in a second transaction should go ahead and select account 2"),
        (released, ("ran", rows[1]), "once the first transaction has ended, lock_account(1) should go ahead"),
    ] if result != wanted]
    if found:
        raise first.fail("A first transaction ran lock_account(1) and kept its transaction open:\n" + "\n".join(found),
                         tables=False)
