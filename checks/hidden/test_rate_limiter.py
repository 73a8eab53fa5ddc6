"""Hidden tests for the rate_limiter kata: the learner's limiter lives in the worker on a fake clock; sequences of
calls and clock moves run there and every answer is compared here with a plain model of the sliding window;
threads calling allow at once run on the concurrency kind's scheduler; a long run of calls is measured with
tracemalloc in the worker; and the learner's app is served around their own limiter and reached over real HTTP."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dojo.kinds.concurrency.testing import expect_value_error, run_threads, thread_errors
from dojo.kinds.http.served import Served, serving_app
from dojo.testing import KataFailure, KataProxy, short_repr

Op = tuple[Any, ...]  # ("allow", key), ("retry_after", key), ("advance", seconds)
KEYS = st.sampled_from(["ada", "bob"])
WINDOWS = st.sampled_from([0.5, 1.0, 2.5])
# Multiples of 1/8 s, so every sum is exact and "exactly window later" happens; 0.5, 1.0 and 2.5 are windows.
STEPS = st.sampled_from([0.125, 0.25, 0.5, 1.0, 2.5])
TRIALS, SECONDS = 20, 5.0
TOLERANCE = 1e-9


class Model:
    """The contract in plain Python: per key, the times of the calls that returned True."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window, self.now = limit, window, 0.0
        self.allowed: dict[str, list[float]] = {}

    def recent(self, key: str) -> list[float]:
        return [t for t in self.allowed.get(key, []) if self.now - self.window < t <= self.now]

    def allow(self, key: str) -> bool:
        if len(self.recent(key)) >= self.limit:
            return False
        self.allowed.setdefault(key, []).append(self.now)
        return True

    def retry_after(self, key: str) -> float:
        recent = self.recent(key)
        return 0.0 if len(recent) < self.limit else recent[0] + self.window - self.now

    def apply(self, op: Op) -> Any:
        name, *args = op
        if name == "advance":
            self.now += args[0]
            return None
        return self.allow(args[0]) if name == "allow" else self.retry_after(args[0])


def agrees(op: Op, got: Any, expected: Any) -> bool:
    if op[0] == "allow":
        return got is expected
    if op[0] == "retry_after":
        return type(got) in (int, float) and abs(got - expected) <= TOLERANCE
    return True


def shown(op: Op, now: float) -> str:
    name, *args = op
    if name == "advance":
        return f"(the clock moves on {args[0]} s: clock() is now {now})"
    return f"limiter.{name}({args[0]!r})"


def play(kata: KataProxy, limit: int, window: float, ops: list[Op]) -> None:
    """Run `ops` on the learner's RateLimiter(limit, window, clock) in one round trip; compare with the model."""
    description = f"RateLimiter({limit}, {window}, clock=clock)"
    handle = kata.helper("make", "RateLimiter", [limit, window], {"clock": {"$clock": 0.0}}, description=description)
    results = kata.helper("act", handle, [list(op) for op in ops], description=f"{len(ops)} calls on a RateLimiter")
    model = Model(limit, window)
    story = [f"limiter = {description}   # clock() is 0.0"]
    for op, got in zip(ops, results, strict=True):
        expected = model.apply(op)
        line = shown(op, model.now)
        if "raised" in got:
            story.append(f"{line}  -> raised {got['raised'][0]}: {got['raised'][1]}")
            wrong = True
        else:
            wrong = not agrees(op, got["returned"], expected)
            story.append(line if op[0] == "advance" else f"{line}  -> {short_repr(got['returned'])}")
        if wrong:
            why = ""
            if op[0] == "allow":
                recent = model.recent(op[1])
                why = (f": the calls for {op[1]!r} allowed in ({model.now - window}, {model.now}] were at "
                       f"{recent if not expected else recent[:-1]}")
            raise KataFailure("\n".join(["In order:", *("  " + line for line in story[-25:]),
                                         f"The last line should give {short_repr(expected)}{why}."]))


CALLS = st.lists(st.one_of(st.tuples(st.just("allow"), KEYS), st.tuples(st.just("allow"), KEYS),
                           st.tuples(st.just("retry_after"), KEYS), st.tuples(st.just("advance"), STEPS)),
                 max_size=30)


@pytest.mark.group("window")
# A burst just before a window's edge and another at it: a fixed window lets both through.
@example(limit=3, window=1.0, ops=[("advance", 0.875), *[("allow", "ada")] * 3, ("advance", 0.125),
                                   *[("allow", "ada")] * 3, ("advance", 0.875), ("allow", "ada")])
# Calls exactly window apart: the first one has just left the window.
@example(limit=1, window=1.0, ops=[("allow", "ada"), ("advance", 1.0), ("allow", "ada"), ("advance", 0.5),
                                   ("allow", "ada")])
# A refused call counts for nothing.
@example(limit=1, window=1.0, ops=[("allow", "ada"), ("advance", 0.5), ("allow", "ada"), ("advance", 0.5),
                                   ("allow", "ada")])
# Keys are independent.
@example(limit=1, window=2.5, ops=[("allow", "ada"), ("allow", "bob"), ("allow", "ada"), ("allow", "bob")])
# retry_after: exact, from the oldest call in the window, 0.0 once a call would pass, and it counts nothing.
@example(limit=2, window=2.5, ops=[("allow", "ada"), ("advance", 1.0), ("allow", "ada"), ("retry_after", "ada"),
                                   ("advance", 0.5), ("retry_after", "ada"), ("advance", 1.0), ("retry_after", "ada"),
                                   ("allow", "ada"), ("retry_after", "bob")])
@example(limit=2, window=1.0, ops=[("retry_after", "ada"), ("allow", "ada"), ("retry_after", "ada"),
                                   ("allow", "ada"), ("allow", "ada"), ("retry_after", "ada")])
@given(limit=st.integers(1, 3), window=WINDOWS, ops=CALLS)
def test_allow_and_retry_after_follow_the_sliding_window_exactly(
    kata: KataProxy, limit: int, window: float, ops: list[Op]
) -> None:
    play(kata, limit, window, ops)


@pytest.mark.group("window")
@example(limit=0, window=1.0)
@example(limit=1, window=0.0)
@example(limit=2, window=-1.0)
@given(st.integers(-2, 3), st.sampled_from([-1.0, 0.0, 0.125, 10.0]))
def test_a_limit_below_one_or_a_window_not_above_zero_raise_value_error(
    kata: KataProxy, limit: int, window: float
) -> None:
    expect_value_error(kata, "RateLimiter", [limit, window], {"clock": {"$clock": 0.0}},
                       valid=limit >= 1 and window > 0, description=f"RateLimiter({limit}, {window}, clock=clock)")


# -- Memory --------------------------------------------------------------------------------------------------

LONG_RUN = 100_000  # an unbounded record would hold 62,500 times (about 2 MiB) by the end
KEPT_KIB = 64  # what the times of `limit` calls may cost, with room for the learner's own bookkeeping


@pytest.mark.group("memory")
def test_a_long_run_of_calls_for_one_key_keeps_its_memory_bounded(kata: KataProxy) -> None:
    description = "RateLimiter(5, 1.0, clock=clock)"
    handle = kata.helper("make", "RateLimiter", [5, 1.0], {"clock": {"$clock": 0.0}}, description=description)
    # 8 calls a second, 5 allowed: a warm-up, then the long run, measured.
    _, long = kata.helper("act", handle, [["repeat", 1_000, 0.125, "allow", "ada"],
                                          ["repeat", LONG_RUN, 0.125, "allow", "ada"]],
                          description=f"{LONG_RUN:,} calls limiter.allow('ada'), one every 0.125 s")
    allowed, kib = long["returned"]
    if allowed != LONG_RUN * 5 // 8 or kib > KEPT_KIB:
        raise KataFailure(f"limiter = {description}; after {LONG_RUN:,} calls of limiter.allow('ada'), one every "
                          f"0.125 s, {allowed:,} were allowed (expected {LONG_RUN * 5 // 8:,}) and the memory your "
                          f"code kept grew by {kib:,} KiB (expected at most {KEPT_KIB}): only the times of the calls "
                          "still in the window are needed.")


# -- Threads -------------------------------------------------------------------------------------------------


def threads_share(kata: KataProxy, limiter: list[Any], plans: list[list[list[Any]]], seed: int,
                  story: str) -> tuple[dict[str, Any], str]:
    """Threads sharing one RateLimiter(*limiter) under the scheduler: the observations, and the trial's story."""
    scenario = {"create": ["RateLimiter", limiter], "plans": plans, "seed": seed, "seconds": SECONDS, "final": None}
    described = f"{story} (trial {seed + 1} of {TRIALS}, thread switches from seed {seed})"
    return run_threads(kata, scenario, described), described


def one_key_trial(kata: KataProxy, seed: int) -> None:
    story = "6 threads call limiter.allow('ada') 3 times each at once, on RateLimiter(5, 60.0) with the clock still"
    result, described = threads_share(kata, [5, 60.0, {"$clock": 0.0}], [[["allow", ["ada"]]] * 3] * 6, seed, story)
    got = [sum(value is True for value in thread or []) for thread in result["returned"]]
    if thread_errors(result) or sum(got) != 5:
        raise KataFailure(f"{described}: {'; '.join(thread_errors(result)) or 'the threads were allowed'} {got} "
                          f"calls, {sum(got)} in all; expected exactly 5 in all. Between counting the calls in the "
                          "window and recording a new one, another thread can count too: those steps belong "
                          "together.")


def two_keys_trial(kata: KataProxy, seed: int) -> None:
    story = ("on RateLimiter(2, 60.0) with the clock still, threads 1 and 2 call limiter.allow('ada') twice each "
             "and limiter.retry_after('ada'), threads 3 and 4 the same for 'bob', all at once")
    plans = [[["allow", [key]], ["allow", [key]], ["retry_after", [key]]] for key in ("ada", "ada", "bob", "bob")]
    result, described = threads_share(kata, [2, 60.0, {"$clock": 0.0}], plans, seed, story)
    if thread_errors(result):
        raise KataFailure(f"{described}: {'; '.join(thread_errors(result))}")
    for key, threads in (("ada", result["returned"][:2]), ("bob", result["returned"][2:])):
        allowed = sum(value is True for thread in threads for value in thread[:2])
        waits = [thread[2] for thread in threads]
        if allowed != 2 or not all(type(w) in (int, float) and 0 <= w <= 60.0 for w in waits):
            raise KataFailure(f"{described}: {key!r} was allowed {allowed} calls and "
                              f"retry_after gave {waits}; expected 2 calls allowed per key, and waits between 0 and "
                              "60. Every method that reads or changes the recorded calls must hold the lock.")


def moving_clock_trial(kata: KataProxy, seed: int) -> None:
    story = ("on RateLimiter(1, 0.5) with a clock that moves on 0.125 s at every reading, 4 threads each call "
             "limiter.allow('ada') and limiter.retry_after('ada') in turn, 16 times, all at once")
    plans = [[["allow", ["ada"]], ["retry_after", ["ada"]]] * 16] * 4
    result, described = threads_share(kata, [1, 0.5, {"$clock": 0.0, "tick": 0.125}], plans, seed, story)
    failed = thread_errors(result)
    waits = [wait for thread in result["returned"] if thread for wait in thread[1::2]]
    if failed or not all(type(w) in (int, float) and 0 <= w <= 0.5 for w in waits):
        raise KataFailure(f"{described}: {'; '.join(failed) or f'retry_after gave {waits}'}. Calls that drop old "
                          "times from the record change it too: every method that reads or changes the record "
                          "must hold the lock.")


@pytest.mark.group("threads")
def test_threads_calling_allow_at_once_never_get_more_than_limit_through(kata: KataProxy) -> None:
    for seed in range(TRIALS):
        one_key_trial(kata, seed)
        two_keys_trial(kata, seed)
        moving_clock_trial(kata, seed)


# -- The app over HTTP ---------------------------------------------------------------------------------------

LIMIT, WINDOW = 2, 2.5


@dataclass
class Api:
    """The learner's app around their own RateLimiter(2, 2.5) on a fake clock, and the model beside it."""

    app: Served
    model: Model = field(default_factory=lambda: Model(LIMIT, WINDOW))
    clients: Iterator[int] = field(default_factory=itertools.count)

    def quote(self, client: str | None) -> httpx.Response:
        headers = {"X-Client-Id": client} if client is not None else {}
        return self.app.request("GET", "/quote", headers=headers,
                                shown=f"(clock() reads {self.model.now}) with "
                                      f"{f'X-Client-Id: {client}' if client is not None else 'no X-Client-Id'}")


@pytest.fixture
def api(kata: KataProxy) -> Iterator[Api]:
    limiter = {"$new": ["RateLimiter", [LIMIT, WINDOW], {"clock": {"$clock": 0.0}}]}
    description = f"create_app(RateLimiter({LIMIT}, {WINDOW}, clock=clock))  # clock() reads 0.0"
    with serving_app(kata, [limiter], {}, description=description) as served:
        yield Api(served)


def check_answer(api: Api, response: httpx.Response, allowed: bool, retry: float, remaining: int) -> None:
    try:
        body = response.json()
    except ValueError:
        raise api.app.fail(response, "GET /quote answers with JSON") from None
    if not allowed:
        api.app.expect_status(response, 429, f"a refused request gets 429 (the limiter's limit is {LIMIT} calls in "
                                             f"{WINDOW} s)")
        if response.headers.get("retry-after") != str(math.ceil(retry)):
            raise api.app.fail(response, f"Retry-After is the wait in whole seconds, rounded up: the limiter says "
                                         f"{retry} s, so {math.ceil(retry)}")
        if not isinstance(body, dict):
            raise api.app.fail(response, "a 429 has a JSON error body (an object)")
        return
    api.app.expect_status(response, 200, "an allowed request gets 200")
    if not isinstance(body, dict) or not isinstance(body.get("quote"), str) or not body["quote"]:
        raise api.app.fail(response, 'the body is {"quote": <some text>}')
    if response.headers.get("x-ratelimit-remaining") != str(remaining):
        raise api.app.fail(response, f"X-RateLimit-Remaining is the limit minus the calls allowed in the current "
                                     f"window, this one included: {remaining}")


HTTP_STEPS = st.lists(st.one_of(st.tuples(st.just("get"), st.sampled_from([0, 1])),
                                st.tuples(st.just("advance"), STEPS), st.tuples(st.just("anonymous"))), max_size=10)


@pytest.mark.group("http")
# Each example is a dozen requests over a socket: fewer than the profile's examples, the pinned ones first.
@settings(max_examples=min(settings.default.max_examples, 50))
# Retry-After when the wait is 2.5 s, exactly 1.0 s and 0.125 s: 3, 1 and 1.
@example(steps=[("get", 0), ("get", 0), ("get", 0), ("advance", 1.5), ("get", 0), ("advance", 0.875), ("get", 0)])
@example(steps=[("get", 0), ("advance", 1.5), ("get", 0), ("get", 0), ("get", 1), ("advance", 1.0), ("get", 0)])
@example(steps=[("anonymous",), ("get", 0), ("anonymous",), ("get", 0), ("get", 0)])
@given(steps=HTTP_STEPS)
def test_get_quote_answers_200_within_the_limit_and_429_with_retry_after_beyond_it(
    api: Api, steps: list[tuple[Any, ...]]
) -> None:
    # Client ids this example alone uses: what earlier examples did to the limiter does not matter.
    clients = [f"client-{next(api.clients)}" for _ in range(2)]
    for step in steps:
        if step[0] == "advance":
            api.app.advance(step[1])
            api.model.now += step[1]
        elif step[0] == "anonymous":
            api.app.expect_status(api.quote(None), 400, "a request without X-Client-Id gets 400 (and counts for "
                                                        "no client)")
        else:
            client = clients[step[1]]
            response = api.quote(client)
            allowed = api.model.allow(client)
            check_answer(api, response, allowed, api.model.retry_after(client),
                         LIMIT - len(api.model.recent(client)))
