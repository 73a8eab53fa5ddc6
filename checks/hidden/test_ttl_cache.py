"""Hidden tests for the ttl_cache kata: the learner's cache lives in the worker on a fake clock; sequences of
operations (a Hypothesis state machine, and pinned sequences for each rule) run there and every result is
compared here with a plain model of the contract; threads sharing one cache run on the concurrency kind's
scheduler, with loaders that are slow, fail, or wait for another key's loader."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from dojo.kinds.concurrency.testing import expect_value_error, run_threads
from dojo.testing import KataFailure, KataProxy, same, short_repr

Op = tuple[Any, ...]  # ("set", key, value), ("get", key), ("delete", key), ("len",), ("in", key),
#                       ("advance", seconds), ("load", key, value), ("load_fails", key)
KEYS = st.sampled_from(["a", "b", "c", "d"])
VALUES = st.integers(0, 9)
TTLS = st.sampled_from([1.0, 2.5])
# Multiples of 0.5, so sums are exact and "exactly ttl later" happens; 1.0 and 2.5 are the ttls themselves.
STEPS = st.sampled_from([0.5, 1.0, 1.5, 2.5])
TRIALS = 20  # seeds of the scheduler per thread requirement, as in the counter kata
SECONDS = 5.0


class Model:
    """The contract in plain Python: key -> (value, time set), least recently used first."""

    def __init__(self, maxsize: int, ttl: float) -> None:
        self.maxsize, self.ttl, self.now = maxsize, ttl, 0.0
        self.entries: OrderedDict[Any, tuple[Any, float]] = OrderedDict()

    def live(self, key: Any) -> bool:
        entry = self.entries.get(key)
        return entry is not None and self.now - entry[1] < self.ttl

    def store(self, key: Any, value: Any) -> None:
        if not self.live(key):
            for stale in [k for k in self.entries if not self.live(k)]:
                del self.entries[stale]
            if len(self.entries) >= self.maxsize:
                self.entries.popitem(last=False)
        self.entries[key] = (value, self.now)
        self.entries.move_to_end(key)

    def use(self, key: Any) -> Any:
        self.entries.move_to_end(key)
        return self.entries[key][0]

    def apply(self, op: Op) -> tuple[str, Any, int]:
        """What `op` must give: ("returned", value, loader calls), ("raised", type name, loader calls), or
        ("any", None, 0) when its result is not part of the contract (set, advance)."""
        name, *args = op
        if name == "advance":
            self.now += args[0]
        elif name == "set":
            self.store(*args)
        elif name == "get":
            return "returned", self.use(args[0]) if self.live(args[0]) else None, 0
        elif name == "delete":
            live = self.live(args[0])
            self.entries.pop(args[0], None)
            return "returned", live, 0
        elif name == "len":
            return "returned", sum(self.live(key) for key in self.entries), 0
        elif name == "in":
            return "returned", self.live(args[0]), 0
        elif self.live(args[0]):  # load or load_fails, on a live key: no loader call
            return "returned", self.use(args[0]), 0
        elif name == "load":
            self.store(*args)
            return "returned", args[1], 1
        else:
            return "raised", "ValueError", 1
        return "any", None, 0


def wire(op: Op) -> list[Any]:
    name, *args = op
    if name == "load":
        return ["get_or_load", args[0], {"$loader": {"key": args[0], "value": args[1]}}]
    if name == "load_fails":
        return ["get_or_load", args[0], {"$loader": {"key": args[0], "fails": ["ValueError", "no such quote"]}}]
    return [name, *args]


def shown(op: Op, now: float) -> str:
    name, *args = op
    return {
        "advance": lambda: f"(the clock moves on {args[0]} s: clock() is now {now})",
        "set": lambda: f"cache.set({args[0]!r}, {args[1]!r})",
        "get": lambda: f"cache.get({args[0]!r})",
        "delete": lambda: f"cache.delete({args[0]!r})",
        "len": lambda: "len(cache)",
        "in": lambda: f"{args[0]!r} in cache",
        "load": lambda: f"cache.get_or_load({args[0]!r}, loader)   # loader() returns {args[1]!r}",
        "load_fails": lambda: f"cache.get_or_load({args[0]!r}, loader)   # loader() raises ValueError",
    }[name]()


class Session:
    """One learner cache in the worker, the model beside it, and the story so far for failure messages."""

    def __init__(self, kata: KataProxy, maxsize: int, ttl: float) -> None:
        self.kata, self.model = kata, Model(maxsize, ttl)
        self.story = [f"cache = TTLCache(maxsize={maxsize}, ttl={ttl}, clock=clock)   # clock() is 0.0"]
        self.handle = kata.helper("make", "TTLCache", [maxsize, ttl], {"clock": {"$clock": 0.0}},
                                  description=f"TTLCache({maxsize}, {ttl}, clock=clock)")

    def play(self, ops: list[Op]) -> None:
        results = self.kata.helper("act", self.handle, [wire(op) for op in ops],
                                   description=f"{len(ops)} operations on a TTLCache")
        for op, got in zip(ops, results, strict=True):
            self.check(op, got)

    def check(self, op: Op, got: dict[str, Any]) -> None:
        outcome, value, loads = self.model.apply(op)
        line = shown(op, self.model.now)
        if "raised" in got:
            came = f"raised {got['raised'][0]}: {got['raised'][1]}"
        else:
            came = f"returned {short_repr(got.get('returned'))}"
        if op[0] in ("load", "load_fails"):
            came += f", loader called {got.get('loads')} time(s)"
        self.story.append(f"{line}  -> {came}" if op[0] not in ("advance", "set") or "raised" in got else line)
        if outcome == "any":
            wrong = "raised" in got
        elif outcome == "raised":
            wrong = got.get("raised", [None])[0] != value or got.get("loads") != loads
        else:
            wrong = "raised" in got or not same(got.get("returned"), value) or got.get("loads") != loads
        if wrong:
            wanted = ("no exception" if outcome == "any" else f"raises {value}" if outcome == "raised"
                      else f"returns {short_repr(value)}")
            if op[0] in ("load", "load_fails"):
                wanted += f", loader called {loads} time(s)"
            raise KataFailure("\n".join(["In order:", *("  " + line for line in self.story[-25:]),
                                         f"The last line should have: {wanted}."]))


def play(kata: KataProxy, maxsize: int, ttl: float, ops: list[Op]) -> None:
    Session(kata, maxsize, ttl).play(ops)


OPERATIONS = st.one_of(
    st.tuples(st.just("set"), KEYS, VALUES), st.tuples(st.just("get"), KEYS), st.tuples(st.just("delete"), KEYS),
    st.tuples(st.just("len")), st.tuples(st.just("in"), KEYS), st.tuples(st.just("advance"), STEPS),
    st.tuples(st.just("load"), KEYS, VALUES), st.tuples(st.just("load_fails"), KEYS))


@pytest.mark.group("expiry")
@example(ttl=2.5, ops=[("set", "a", 1), ("advance", 2.5), ("get", "a"), ("in", "a"), ("len",)])
@example(ttl=2.5, ops=[("set", "a", 1), ("advance", 1.5), ("get", "a"), ("advance", 1.0), ("get", "a")])
@example(ttl=1.0, ops=[("set", "a", 1), ("advance", 0.5), ("set", "a", 2), ("advance", 0.5), ("get", "a"),
                       ("advance", 0.5), ("get", "a")])
@example(ttl=1.0, ops=[("set", "a", 1), ("set", "b", 2), ("advance", 1.0), ("len",), ("delete", "a"),
                       ("in", "b")])
@example(ttl=1.0, ops=[("set", "a", 1), ("advance", 0.5), ("in", "a"), ("advance", 0.5), ("in", "a")])
@given(ttl=TTLS, ops=st.lists(st.one_of(st.tuples(st.just("set"), KEYS, VALUES), st.tuples(st.just("get"), KEYS),
                                         st.tuples(st.just("in"), KEYS), st.tuples(st.just("len")),
                                         st.tuples(st.just("advance"), STEPS)), max_size=20))
def test_an_entry_is_live_for_ttl_seconds_from_its_last_set_and_then_gone(
    kata: KataProxy, ttl: float, ops: list[Op]
) -> None:
    play(kata, 3, ttl, ops)


@pytest.mark.group("eviction")
@example(maxsize=2, ops=[("set", "a", 1), ("set", "b", 2), ("get", "a"), ("set", "c", 3), ("in", "a"), ("in", "b")])
@example(maxsize=2, ops=[("set", "a", 1), ("set", "b", 2), ("in", "a"), ("set", "c", 3), ("in", "a"), ("in", "b")])
@example(maxsize=2, ops=[("set", "a", 1), ("set", "b", 2), ("len",), ("get", "x"), ("set", "c", 3), ("in", "a")])
@example(maxsize=2, ops=[("set", "a", 1), ("set", "b", 2), ("load", "a", 5), ("set", "c", 3), ("in", "a"),
                         ("in", "b")])
@example(maxsize=2, ops=[("set", "a", 1), ("set", "b", 2), ("set", "a", 3), ("len",), ("get", "b"), ("get", "a")])
@example(maxsize=2, ops=[("set", "a", 1), ("advance", 0.5), ("set", "b", 2), ("advance", 0.5), ("set", "c", 3),
                         ("len",), ("in", "b")])
@example(maxsize=2, ops=[("set", "a", 1), ("advance", 0.5), ("set", "b", 2), ("get", "a"), ("advance", 0.5),
                         ("set", "c", 3), ("in", "b"), ("len",)])
@example(maxsize=1, ops=[("set", "a", 1), ("set", "b", 2), ("in", "a"), ("get", "b"), ("delete", "b"),
                         ("delete", "b")])
@given(maxsize=st.integers(1, 3), ops=st.lists(OPERATIONS, max_size=20))
def test_a_full_cache_evicts_the_least_recently_used_live_entry(kata: KataProxy, maxsize: int, ops: list[Op]) -> None:
    play(kata, maxsize, 1.0, ops)


@pytest.mark.group("loading")
@example(ops=[("load", "a", 1), ("load", "a", 2), ("get", "a")])
@example(ops=[("load_fails", "a"), ("in", "a"), ("len",), ("load", "a", 3)])
@example(ops=[("set", "a", 1), ("load_fails", "a"), ("advance", 1.0), ("load_fails", "a"), ("get", "a")])
@example(ops=[("load", "a", 0), ("advance", 1.0), ("load", "a", 4)])
@given(ops=st.lists(OPERATIONS, max_size=20))
def test_get_or_load_calls_the_loader_once_for_a_missing_key_and_stores_nothing_when_it_raises(
    kata: KataProxy, ops: list[Op]
) -> None:
    play(kata, 2, 1.0, ops)


class CacheMachine(RuleBasedStateMachine):
    """Any interleaving of operations and clock moves, one round trip per step, checked against the model."""

    kata: KataProxy

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(self.kata, 2, 1.0)

    @rule(op=OPERATIONS)
    def operate(self, op: Op) -> None:
        self.session.play([op])


@pytest.mark.group("eviction")
def test_a_state_machine_of_operations_and_clock_moves_agrees_with_the_model(kata: KataProxy) -> None:
    machine = type("Machine", (CacheMachine,), {"kata": kata})
    run_state_machine_as_test(machine)


@pytest.mark.group("loading")
@example(maxsize=0, ttl=1.0)
@example(maxsize=2, ttl=0.0)
@example(maxsize=2, ttl=-1.0)
@given(st.integers(-2, 3), st.sampled_from([-1.0, 0.0, 0.5, 10.0]))
def test_maxsize_below_one_or_a_ttl_not_above_zero_raise_value_error(kata: KataProxy, maxsize: int, ttl: float) -> None:
    expect_value_error(kata, "TTLCache", [maxsize, ttl], {"clock": {"$clock": 0.0}}, valid=maxsize >= 1 and ttl > 0,
                       description=f"TTLCache({maxsize}, {ttl}, clock=clock)")


# -- Threads -------------------------------------------------------------------------------------------------


def loader(key: str, value: Any, **behaviour: Any) -> dict[str, Any]:
    return {"$loader": {"key": key, "value": value, **behaviour}}


def threads_share(kata: KataProxy, plans: list[list[list[Any]]], seed: int, story: str, hint: str) -> dict[str, Any]:
    """Run threads sharing one TTLCache(10, 60.0) under the scheduler; fail on a hang or deadlock."""
    scenario = {"create": ["TTLCache", [10, 60.0, {"$clock": 0.0}]], "plans": plans, "seed": seed,
                "seconds": SECONDS, "final": None}
    return run_threads(kata, scenario, f"{story} (trial {seed + 1} of {TRIALS}, thread switches from seed {seed})",
                       hint)


def single_flight_trial(kata: KataProxy, seed: int) -> None:
    story = "4 threads call cache.get_or_load('quote', loader) at once; the loader takes its time and returns 42"
    result = threads_share(kata, [[["get_or_load", ["quote", loader("quote", 42, slow=True)]]]] * 4, seed, story,
                           "Waiting threads must be woken once the value is stored.")
    failed = [f"thread {i + 1}: {error}" for i, error in enumerate(result["errors"]) if error]
    if failed:
        raise KataFailure(f"{story}: {'; '.join(failed)}")
    if result.get("unsettled"):
        raise KataFailure(f"{story} (trial {seed + 1} of {TRIALS}): while the loader ran, the other threads never "
                          "stopped running: they spin instead of waiting. Let a waiting thread block on a "
                          "threading Event or Condition until the value is there.")
    got = [thread[0] for thread in result["returned"]]
    if len(result["loads"]) != 1 or got != [42] * 4:
        raise KataFailure(f"{story} (trial {seed + 1} of {TRIALS}): the loader ran {len(result['loads'])} "
                          f"times and the threads got {got}; expected 1 run and [42, 42, 42, 42]. While one "
                          "thread loads a key, the others must wait for its value.")


def failing_loader_trial(kata: KataProxy, seed: int) -> None:
    story = ("3 threads call cache.get_or_load('quote', loader) at once; the first loader run raises "
             "ConnectionError after taking its time, later runs return 7")
    spec = loader("quote", 7, slow=True, fails=["ConnectionError", "database down"], once=True)
    result = threads_share(kata, [[["get_or_load", ["quote", spec]]]] * 3, seed, story,
                           "Threads waiting for a loader that raised must be woken too.")
    outcomes = [error or f"returned {thread[0]!r}" for thread, error in zip(result["returned"], result["errors"],
                                                                           strict=True)]
    fine = all(o.startswith("ConnectionError") or o == "returned 7" for o in outcomes)
    if not fine or not any(o.startswith("ConnectionError") for o in outcomes):
        raise KataFailure(f"{story} (trial {seed + 1} of {TRIALS}): the threads got {outcomes}; each should "
                          "raise that ConnectionError or load again and get 7 (and the first one raises).")


def independent_keys_trial(kata: KataProxy, seed: int) -> None:
    story = ("thread 1 calls cache.get_or_load('a', loader) whose loader waits until key 'b' has loaded; once "
             "that loader has started, thread 2 calls cache.get_or_load('b', loader)")
    plans = [[["get_or_load", ["a", loader("a", 1, started="a started", after="b loaded")]]],
             [["$wait", ["a started"]], ["get_or_load", ["b", loader("b", 2, then="b loaded")]]]]
    result = threads_share(kata, plans, seed, story, "Is a lock held while a loader runs? Then every other key "
                           "waits for it: hold the lock only to look and to store.")
    failed = [f"thread {i + 1}: {error}" for i, error in enumerate(result["errors"]) if error]
    if failed or result["returned"] != [[1], [True, 2]]:
        got = "; ".join(failed) or f"thread 1 got {result['returned'][0]}, thread 2 {result['returned'][1][1:]}"
        raise KataFailure(f"{story}: {got}; expected [1] and [2].")


def mixed_operations_trial(kata: KataProxy, seed: int) -> None:
    story = ("3 threads share TTLCache(maxsize=2, ttl=1.0) on a clock that moves on 0.25 s at every reading; each "
             "sets, gets, loads, deletes and counts the keys 'a', 'b' and 'c' (thread n's values are 10n, 10n+1, "
             "10n+2)")
    plans = [[step for k, key in enumerate("abc") for step in (
        ["set", [key, 10 * n + k]], ["get", [key]], ["__contains__", [key]], ["__len__", []], ["delete", [key]],
        ["get_or_load", [key, loader(key, 10 * n + k)]], ["get", [key]], ["set", [key, 10 * n + k]],
        ["__len__", []])] for n in range(1, 4)]
    scenario = {"create": ["TTLCache", [2, 1.0, {"$clock": 0.0, "tick": 0.25}]], "plans": plans, "seed": seed,
                "seconds": SECONDS, "final": None}
    described = f"{story} (trial {seed + 1} of {TRIALS}, thread switches from seed {seed})"
    result = kata.helper("run_scenario", scenario, description=described)
    if "stuck" in result:
        kata.reset()
        raise KataFailure(f"{described}: {result['stuck']} of {len(plans)} threads never finished.")
    failed = [f"thread {i + 1}: {error}" for i, error in enumerate(result["errors"]) if error]
    if failed:
        raise KataFailure(f"{described}: {'; '.join(failed)}. Every method that reads or changes the entries must "
                          "hold the lock, or another thread changes them halfway.")
    stored = {10 * n + k for n in range(1, 4) for k in range(3)}
    for index, (plan, returned) in enumerate(zip(plans, result["returned"], strict=True)):
        for (name, args), value in zip(plan, returned, strict=True):
            got = name in ("get", "get_or_load") and value is not None
            wrong = ((name == "__len__" and not 0 <= value <= 2) or (got and value not in stored)
                     or (got and value % 10 != "abc".index(args[0])) or (name == "get_or_load" and value is None))
            if wrong:
                raise KataFailure(f"{described}: in thread {index + 1}, {name}({', '.join(map(repr, args))}) gave "
                                  f"{value!r}, which no order of these calls could give.")


def loads_and_sets_trial(kata: KataProxy, seed: int) -> None:
    story = ("in a TTLCache(maxsize=2, ...), thread 1 loads the keys 'k0' to 'k9' with get_or_load while thread 2 "
             "sets 's0' to 's9' and thread 3 counts the entries")
    plans = [[["get_or_load", [f"k{i}", loader(f"k{i}", i)]] for i in range(10)],
             [["set", [f"s{i}", i]] for i in range(10)], [["__len__", []]] * 20]
    scenario = {"create": ["TTLCache", [2, 60.0, {"$clock": 0.0}]], "plans": plans, "seed": seed,
                "seconds": SECONDS, "final": None}
    described = f"{story} (trial {seed + 1} of {TRIALS}, thread switches from seed {seed})"
    result = kata.helper("run_scenario", scenario, description=described)
    if "stuck" in result:
        kata.reset()
        raise KataFailure(f"{described}: {result['stuck']} of {len(plans)} threads never finished.")
    failed = [f"thread {i + 1}: {error}" for i, error in enumerate(result["errors"]) if error]
    counts = result["returned"][2]
    if failed or result["returned"][0] != list(range(10)) or any(not 0 <= n <= 2 for n in counts):
        raise KataFailure(f"{described}: {'; '.join(failed) or ''} loads gave {result['returned'][0]}, counts "
                          f"{counts}; expected 0 to 9 and never more than 2 entries. Storing a loaded value "
                          "changes the entries too: hold the lock for it.")


@pytest.mark.group("single_flight")
def test_threads_mixing_every_operation_never_break_the_cache(kata: KataProxy) -> None:
    for seed in range(TRIALS):
        mixed_operations_trial(kata, seed)
        loads_and_sets_trial(kata, seed)


@pytest.mark.group("single_flight")
def test_threads_missing_the_same_key_at_once_run_its_loader_once_and_all_get_its_value(kata: KataProxy) -> None:
    for seed in range(TRIALS):
        single_flight_trial(kata, seed)


@pytest.mark.group("single_flight")
def test_when_the_loader_raises_no_waiting_thread_hangs(kata: KataProxy) -> None:
    for seed in range(TRIALS):
        failing_loader_trial(kata, seed)


@pytest.mark.group("single_flight")
def test_a_slow_loader_for_one_key_does_not_hold_up_another_key(kata: KataProxy) -> None:
    for seed in range(TRIALS):
        independent_keys_trial(kata, seed)
