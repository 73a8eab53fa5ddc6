"""Hidden tests for the counter kata: a state machine against a plain model, and race scenarios whose raw
observations (every returned value, the final value) are judged here.

The race scenarios run in the worker (dojo/kinds/concurrency/worker.py): scenario threads share one learner
Counter and take turns under a scheduler that switches between them inside the learner's methods, at points
chosen from a seed. The same code with the same seed always gives the same observations, so a failure is
reproducible and its text is the same in every run. A locked counter gives the same observations however the
switches fall, so these checks cannot fail a correct counter. Each requirement runs TRIALS seeds and fails on
the first that shows a problem.
"""

from __future__ import annotations

import random
from collections import Counter as Multiset
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from dojo.testing import KataFailure, KataProxy, RemoteObject

THREADS, OPERATIONS, TRIALS, SECONDS = 4, 100, 20, 3.0
# A nudge towards the concept, never the code: hints and failures teach, the learner writes the fix.
LOCK_HINT = ("A read-modify-write is several steps, and another thread can run between any two of them. A "
             "threading.Lock makes a group of steps indivisible: which steps, the read of the value you return "
             "included, belong in it?")

amounts = st.integers(min_value=0, max_value=10**6) | st.sampled_from([0, 1, 2**64])
values = st.integers() | st.sampled_from([0, -1, 1, 2**70])
not_ints = st.one_of(st.booleans(), st.floats(), st.text(max_size=3), st.none(), st.sampled_from(["1", 1.0]),
                     st.lists(st.integers(), max_size=2))


class CounterMachine(RuleBasedStateMachine):
    """One thread, any sequence of calls: the learner's Counter must agree with a plain int."""

    def __init__(self, kata: KataProxy) -> None:
        super().__init__()
        self.kata = kata
        self.model = 0
        self.counter: RemoteObject

    @initialize(initial=values)
    def create(self, initial: int) -> None:
        self.counter = self.kata.create("Counter", initial)
        self.model = initial

    @rule()
    def increment_by_default(self) -> None:
        self.model += 1
        self.counter.increment.check(returns=self.model)

    @rule()
    def decrement_by_default(self) -> None:
        self.model -= 1
        self.counter.decrement.check(returns=self.model)

    @rule(amount=amounts)
    def increment(self, amount: int) -> None:
        self.model += amount
        self.counter.increment.check(amount, returns=self.model)

    @rule(amount=amounts)
    def decrement(self, amount: int) -> None:
        self.model -= amount
        self.counter.decrement.check(amount, returns=self.model)

    @rule(data=st.data(), new=values)
    def compare_and_set(self, data: st.DataObject, new: int) -> None:
        expected = data.draw(st.just(self.model) | values, label="expected")
        swapped = expected == self.model
        self.counter.compare_and_set.check(expected, new, returns=swapped)
        if swapped:
            self.model = new

    @rule(amount=not_ints, method=st.sampled_from(["increment", "decrement"]))
    def refuse_a_non_int(self, amount: Any, method: str) -> None:
        getattr(self.counter, method).check(amount, raises=TypeError)

    @rule(amount=st.integers(max_value=-1), method=st.sampled_from(["increment", "decrement"]))
    def refuse_a_negative_amount(self, amount: int, method: str) -> None:
        getattr(self.counter, method).check(amount, raises=ValueError)

    @invariant()
    def value_matches_the_model(self) -> None:
        if hasattr(self, "counter"):
            self.counter.check_attribute("value", returns=self.model)


@pytest.mark.group("sequential")
def test_behaves_like_a_plain_number_one_call_at_a_time(kata: KataProxy) -> None:
    """behaves like a plain number, one call at a time (any sequence of calls)"""
    run_state_machine_as_test(
        lambda: CounterMachine(kata),
        settings=settings(settings.default, max_examples=min(settings.default.max_examples, 60),
                          stateful_step_count=25),
    )


@pytest.mark.group("sequential")
def test_increment_and_decrement_change_the_value_by_one_by_default(kata: KataProxy) -> None:
    counter = kata.create("Counter", 5)
    counter.increment.check(returns=6)
    counter.decrement.check(returns=5)
    counter.decrement.check(returns=4)
    counter.check_attribute("value", returns=4)


@pytest.mark.group("sequential")
@example(amount=True)
@example(amount=1.0)
@example(amount="1")
@given(not_ints)
def test_refuses_amounts_that_are_not_ints_with_type_error(kata: KataProxy, amount: Any) -> None:
    counter = kata.create("Counter", 5)
    counter.increment.check(amount, raises=TypeError)
    counter.decrement.check(amount, raises=TypeError)
    counter.check_attribute("value", returns=5, because="a refused call must not change the value")


@pytest.mark.group("sequential")
@given(st.integers(max_value=-1))
def test_refuses_negative_amounts_with_value_error(kata: KataProxy, amount: int) -> None:
    counter = kata.create("Counter", 5)
    counter.increment.check(amount, raises=ValueError)
    counter.decrement.check(amount, raises=ValueError)
    counter.check_attribute("value", returns=5, because="a refused call must not change the value")


@pytest.mark.group("sequential")
@example(initial=5, expected=3, new=5)
@example(initial=0, expected=1, new=0)
@given(values, values, values)
def test_compare_and_set_with_another_expected_value_changes_nothing(
    kata: KataProxy, initial: int, expected: int, new: int
) -> None:
    if expected == initial:
        expected += 1
    counter = kata.create("Counter", initial)
    counter.compare_and_set.check(expected, new, returns=False)
    counter.check_attribute("value", returns=initial, because="a compare_and_set that fails changes nothing")


@pytest.mark.group("sequential")
def test_value_is_read_only(kata: KataProxy) -> None:
    counter = kata.create("Counter", 5)
    try:
        counter.set("value", 9)
    except KataFailure as error:
        if "AttributeError" not in str(error):
            raise
    else:
        raise KataFailure("Set Counter(5).value = 9; it was accepted; expected AttributeError "
                          "(value is a read-only property: define it with @property and no setter).")


Trial = Callable[[KataProxy, int], None]


def in_every_trial(kata: KataProxy, trial: Trial) -> None:
    """A race requirement is met only when every trial passes: run them in order, stop at the first failure."""
    for seed in range(TRIALS):
        trial(kata, seed)


def trial_text(seed: int) -> str:
    return f"trial {seed + 1} of {TRIALS}, thread switches from seed {seed}"


def race(kata: KataProxy, plans: list[list[list[Any]]], initial: int, seed: int) -> dict[str, Any]:
    """Run one scenario in the worker and fail on what needs no model: deadlocks, hangs, errors, a removed
    tracer, code the scheduler could not switch around."""
    scenario = {"create": ["Counter", [initial]], "plans": plans, "seed": seed, "seconds": SECONDS}
    described = f"{len(plans)} threads sharing Counter({initial}) ({trial_text(seed)})"
    result = kata.helper("run_scenario", scenario, description=described)
    if "stuck" in result:
        kata.reset()  # its threads are stuck for good: the next call gets a fresh worker
        if result.get("deadlock"):
            raise KataFailure(f"{described}: {result['stuck']} of {len(plans)} threads were each waiting for a "
                              "lock held by one of them: a deadlock. A threading.Lock taken twice by the same "
                              "thread never lets go (does a method that holds the lock call another that takes "
                              "it?).")
        message = (f"{described}: {result['stuck']} of {len(plans)} threads did not finish within {SECONDS:g} s: "
                   "an endless loop, a deadlock, a wait that never ends, or far too slow?")
        kata.record_hang("run_scenario", message)
        raise KataFailure(message)
    for index, error in enumerate(result["errors"]):
        if error:
            raise KataFailure(f"{described}: a call in thread {index + 1} raised {error}")
    if result["untraced"]:
        raise KataFailure(f"{described}: your code removed the test's trace function (sys.settrace); "
                          "the concurrency tests cannot run without it.")
    if result.get("free_running"):
        raise KataFailure(f"{described}: a thread stopped inside your code, waiting on something the test "
                          "cannot switch threads around (time.sleep, a lock from _thread or multiprocessing, input "
                          "or output), so the test could not check it. Use threading's Lock, RLock or Condition, "
                          "and do not sleep or wait for input in the methods.")
    return result


def _listed(numbers: list[int], limit: int = 8) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def increments_trial(kata: KataProxy, seed: int) -> None:
    initial = 1000 * seed
    total = THREADS * OPERATIONS
    plans = [[["increment", [1]]] * OPERATIONS for _ in range(THREADS)]
    result = race(kata, plans, initial, seed)
    returned = [value for thread in result["returned"] for value in thread]
    expected = list(range(initial + 1, initial + total + 1))
    counts = Multiset(returned)
    problems = []
    if result["final"] != initial + total:
        lost = initial + total - result["final"] if type(result["final"]) is int else "?"
        problems.append(f"expected the final value {initial + total}, got {result['final']!r}: {lost} updates lost")
    if sorted(returned, key=repr) != sorted(expected, key=repr):
        twice = sorted(v for v, n in counts.items() if n > 1 and type(v) is int)
        never = sorted(set(expected) - set(counts))
        if twice:
            problems.append(f"values returned more than once: {_listed(twice)}")
        if never:
            problems.append(f"values never returned: {_listed(never)}")
    if problems:
        raise KataFailure(f"{THREADS} threads each called increment(1) {OPERATIONS} times on Counter({initial}), "
                          f"all at once ({trial_text(seed)}):\n  " + "\n  ".join(problems) + f"\n{LOCK_HINT}")


def chain_trial(kata: KataProxy, seed: int) -> None:
    rng = random.Random(seed)
    calls = [[(rng.choice(["increment", "decrement"]), rng.randint(0, 3)) for _ in range(OPERATIONS)]
             for _ in range(THREADS)]
    initial = rng.randint(-50, 50)
    result = race(kata, [[[name, [amount]] for name, amount in plan] for plan in calls], initial, seed)
    change = sum(amount if name == "increment" else -amount for plan in calls for name, amount in plan)
    # Whatever the order, the calls form one chain from the initial to the final value: each call starts
    # where the one before it ended. So the values calls started from, plus the final value, equal the
    # values calls ended at, plus the initial value.
    started, ended = Multiset([result["final"]]), Multiset([initial])
    for plan, returned in zip(calls, result["returned"], strict=True):
        for (name, amount), value in zip(plan, returned, strict=True):
            if type(value) is not int:
                raise KataFailure(f"{name}({amount}) returned {value!r} under contention ({trial_text(seed)}); "
                                  "expected an int")
            ended[value] += 1
            started[value - amount if name == "increment" else value + amount] += 1
    if result["final"] != initial + change:
        raise KataFailure(f"{THREADS} threads made {THREADS * OPERATIONS} mixed increment/decrement calls on "
                          f"Counter({initial}), all at once ({trial_text(seed)}): expected the final value "
                          f"{initial + change}, got {result['final']!r}.\n{LOCK_HINT}")
    if started != ended:
        raise KataFailure(f"{THREADS} threads made mixed increment/decrement calls on Counter({initial}), all at "
                          f"once ({trial_text(seed)}): the returned values do not chain up, so some call returned "
                          f"a value another call produced (or lost one).\n{LOCK_HINT}")


def compare_and_set_trial(kata: KataProxy, seed: int) -> None:
    wins_each = OPERATIONS // 4
    initial = -7 * seed
    plans = [[["cas_increment", [wins_each]]] for _ in range(THREADS)]
    result = race(kata, plans, initial, seed)
    wins = [seen for thread in result["returned"] for seen in thread[0]]
    total = THREADS * wins_each
    twice = sorted(v for v, n in Multiset(wins).items() if n > 1)
    if twice or len(wins) != total or result["final"] != initial + total:
        detail = f"two threads both won compare_and_set(v, v + 1) for v = {_listed(twice)}" if twice else (
            f"{len(wins)} swaps succeeded and the final value is {result['final']!r}; expected "
            f"{total} and {initial + total}")
        raise KataFailure(f"{THREADS} threads each looped `v = counter.value; counter.compare_and_set(v, v + 1)` "
                          f"until {wins_each} swaps succeeded, on Counter({initial}), all at once "
                          f"({trial_text(seed)}): {detail}.\n"
                          "Another thread changed the value between the comparison and the write: the two must "
                          "happen as one indivisible step.")


@pytest.mark.group("concurrent")
def test_concurrent_increments_return_each_value_once_and_lose_none(kata: KataProxy) -> None:
    in_every_trial(kata, increments_trial)


@pytest.mark.group("concurrent")
def test_concurrent_increments_and_decrements_add_up(kata: KataProxy) -> None:
    in_every_trial(kata, chain_trial)


@pytest.mark.group("concurrent")
def test_concurrent_compare_and_set_lets_one_thread_win_each_value(kata: KataProxy) -> None:
    in_every_trial(kata, compare_and_set_trial)
