"""Hidden tests for the retry kata: the learner's decorator wraps a scripted function in the worker (plain
or async) whose calls raise or return as a generated schedule says, with every wait recorded instead of
slept; the trusted side compares the calls, the waits and what came out with a model of the contract
written here, and checks the metadata and the refusals of bad options."""

from __future__ import annotations

import builtins
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.testing import KataFailure, KataProxy, same, short_repr

NAMES = ["OSError", "TimeoutError", "ConnectionError", "ConnectionResetError", "ValueError", "KeyError"]
DELAYS = st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0, 10.0])
VALUES = st.none() | st.integers(-3, 100) | st.text(max_size=3) | st.tuples(st.integers(0, 3))
Step = list[Any]  # ["raise", exception name, message] or ["return", value]
Spec = dict[str, Any]


def fails(name: str, message: str = "flaky") -> Step:
    return ["raise", name, message]


def returns(value: Any) -> Step:
    return ["return", value]


def spec(attempts: int, on: list[str], base: float, cap: float, script: list[Step], *, is_async: bool = False,
         args: list[Any] | None = None, kwargs: dict[str, Any] | None = None) -> Spec:
    return {"factory": "retry", "async": is_async, "script": script, "args": args if args is not None else ["ACME"],
            "kwargs": kwargs or {},
            "options": {"attempts": attempts, "on": on, "base_delay": base, "max_delay": cap}}


@st.composite
def specs(draw: st.DrawFn, *, is_async: bool | None = None) -> Spec:
    """Options and a schedule that mostly fails with exceptions the options retry (subclasses included), at
    times with others, and may end in a success; arguments positional and by keyword."""
    on = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    retried = [name for name in NAMES if issubclass(getattr(builtins, name), tuple(getattr(builtins, n) for n in on))]
    failure = st.sampled_from(retried) if retried else st.sampled_from(NAMES)
    steps = st.one_of(failure.map(fails), failure.map(fails), st.sampled_from(NAMES).map(fails), VALUES.map(returns))
    return spec(draw(st.integers(1, 6)), on, draw(DELAYS), draw(DELAYS), draw(st.lists(steps, min_size=1, max_size=8)),
                is_async=draw(st.booleans()) if is_async is None else is_async,
                args=draw(st.lists(VALUES, max_size=2)),
                kwargs=draw(st.dictionaries(st.sampled_from(["timeout", "symbol"]), VALUES, max_size=2)))


def model(run: Spec) -> tuple[list[tuple[str, float]], Step]:
    """The contract: each try's call and the wait after it, and the step that ends the run."""
    options = run["options"]
    on = tuple(getattr(builtins, name) for name in options["on"])
    waiting = "async_sleep" if run["async"] else "sleep"
    timeline: list[tuple[str, float]] = []
    for tried in range(1, options["attempts"] + 1):
        move = run["script"][min(tried - 1, len(run["script"]) - 1)]
        timeline.append(("call", 0.0))
        if move[0] == "return" or not issubclass(getattr(builtins, move[1]), on) or tried == options["attempts"]:
            return timeline, move
        timeline.append((waiting, min(options["max_delay"], options["base_delay"] * 2 ** (tried - 1))))
    raise AssertionError("attempts >= 1")


def decorated(run: Spec) -> str:
    options = run["options"]
    on = "(" + ", ".join(options["on"]) + ("," if len(options["on"]) == 1 else "") + ")"
    kind = "an async def function" if run["async"] else "a plain function"
    steps = ", ".join(f"raise {s[1]}({s[2]!r})" if s[0] == "raise" else f"return {short_repr(s[1])}"
                      for s in run["script"])
    arguments = ", ".join([*map(short_repr, run["args"]), *(f"{k}={short_repr(v)}" for k, v in run["kwargs"].items())])
    return (f"Decorated {kind} with retry(attempts={options['attempts']}, on={on}, "
            f"base_delay={options['base_delay']}, max_delay={options['max_delay']}), its calls doing in turn: "
            f"{steps} (the last one again on any further call); then called it with ({arguments})")


def timeline_text(events: list[tuple[str, float]], end: str) -> str:
    return ", ".join("call" if name == "call" else f"{name}({seconds!r})" for name, seconds in events) + f" -> {end}"


def end_text(move: Step) -> str:
    return f"raises that {move[1]}" if move[0] == "raise" else f"returns {short_repr(move[1])}"


def run_retry(kata: KataProxy, run: Spec) -> dict[str, Any]:
    report = kata.helper("decorate", run, description=decorated(run))
    if not isinstance(report, dict):
        raise KataFailure(f"{decorated(run)}: the worker sent back {short_repr(report)}")
    if "decorate_error" in report:
        kind, message = report["decorate_error"]
        raise KataFailure(f"{decorated(run)}.\nDecorating raised {kind}: {message}, but these options are valid.")
    return report


def expect_contract(kata: KataProxy, run: Spec) -> None:
    """Fail unless the calls, the waits (to within 1e-9 s) and the outcome are the model's."""
    report = run_retry(kata, run)
    if report["coroutine_function"] is not run["async"]:
        raise KataFailure(f"{decorated(run)}.\ninspect.iscoroutinefunction(wrapper) is {report['coroutine_function']}; "
                          f"it must be {run['async']}, as it is of the decorated function.")
    expected, move = model(run)
    events: list[tuple[str, float]] = []
    for event in report["timeline"]:
        if event[0] == "call" and (event[1] != run["args"] or event[2] != run["kwargs"]):
            raise KataFailure(f"{decorated(run)}.\nThe function was called with args {short_repr(event[1])} and "
                              f"kwargs {short_repr(event[2])}: pass on exactly the arguments the wrapper got.")
        events.append(("call", 0.0) if event[0] == "call" else (event[0], event[1]))
    if "raised" in report:
        raised = report["raised"]
        end = f"raised {raised['type']}({raised['message']!r})"
    else:
        end = f"returned {short_repr(report['returned'])}"
    expected_end = end_text(move)
    waits_match = len(events) == len(expected) and all(
        name == want and type(seconds) in (int, float) and math.isclose(seconds, wait, rel_tol=0, abs_tol=1e-9)
        for (name, seconds), (want, wait) in zip(events, expected, strict=True))
    if move[0] == "return":
        outcome_ok = "returned" in report and same(report["returned"], move[1])
    else:
        outcome_ok = "raised" in report and report["raised"]["type"] == move[1] and report["raised"]["last"]
    if not (waits_match and outcome_ok):
        raise KataFailure(f"{decorated(run)}.\nWhat happened: {timeline_text(events, end)}\n"
                          f"Expected:      {timeline_text(expected, expected_end)}")
    if move[0] == "raise" and not report["raised"]["from_script"]:
        raise KataFailure(f"{decorated(run)}.\nThe {move[1]} came out without the function's own line in its "
                          "traceback: raise the exception as it is (a bare `raise`, or `raise error`).")


@pytest.mark.group("backoff")
@example(run=spec(4, ["TimeoutError", "ConnectionError"], 0.5, 1.0, [fails("TimeoutError"), fails("TimeoutError"),
                                                                       returns(42.0)]))
@example(run=spec(5, ["TimeoutError"], 0.5, 10.0, [fails("TimeoutError")] * 4 + [returns("ok")]))
@example(run=spec(6, ["ConnectionError"], 0.25, 1.0, [fails("ConnectionResetError")] * 5 + [returns(None)]))
@example(run=spec(3, ["OSError"], 1.0, 3.0, [fails("TimeoutError"), fails("ConnectionError"), returns(7)]))
@example(run=spec(2, ["TimeoutError"], 0.0, 0.0, [fails("TimeoutError"), returns((1,))],
                  args=[], kwargs={"symbol": "ACME", "timeout": 3}))
@given(run=specs(is_async=False))
def test_failures_it_retries_are_waited_out_longer_each_time_until_a_call_succeeds(kata: KataProxy, run: Spec) -> None:
    expect_contract(kata, run)


@pytest.mark.group("giving_up")
@example(run=spec(1, ["TimeoutError"], 0.5, 1.0, [fails("TimeoutError", "once")]))
@example(run=spec(2, ["TimeoutError"], 0.5, 1.0, [fails("TimeoutError", "first"), fails("TimeoutError", "second")]))
@example(run=spec(4, ["ConnectionError"], 0.5, 1.0, [fails("ConnectionResetError", str(n)) for n in range(4)]))
@example(run=spec(3, ["TimeoutError"], 0.5, 1.0, [fails("TimeoutError"), fails("KeyError", "other")]))
@example(run=spec(3, ["TimeoutError"], 0.5, 1.0, [fails("ValueError", "bad input")]))
@example(run=spec(3, [], 0.5, 1.0, [fails("TimeoutError", "nothing is retried")]))
@example(run=spec(3, ["ConnectionError"], 0.5, 1.0, [fails("TimeoutError", "an OSError, not a ConnectionError")]))
@given(run=specs(is_async=False).filter(lambda run: run["script"][-1][0] == "raise"))
def test_after_the_last_try_or_on_other_exceptions_the_very_exception_raised_comes_out(
    kata: KataProxy, run: Spec
) -> None:
    expect_contract(kata, run)


@pytest.mark.group("async")
@example(run=spec(3, ["TimeoutError"], 0.5, 1.0, [fails("TimeoutError"), returns("ok")], is_async=True))
@example(run=spec(3, ["TimeoutError"], 0.5, 10.0, [fails("TimeoutError")] * 3, is_async=True))
@example(run=spec(2, ["TimeoutError"], 0.5, 1.0, [fails("KeyError")], is_async=True))
@example(run=spec(1, ["TimeoutError"], 0.5, 1.0, [returns(5)], is_async=True, args=[], kwargs={"symbol": "X"}))
@given(run=specs(is_async=True))
def test_async_functions_are_retried_awaiting_async_sleep_between_tries(kata: KataProxy, run: Spec) -> None:
    expect_contract(kata, run)


@pytest.mark.group("manners")
@pytest.mark.parametrize("is_async", [False, True], ids=["plain", "async"])
def test_the_wrapper_keeps_the_functions_name_docstring_attributes_and_wrapped(kata: KataProxy, is_async: bool) -> None:
    run = spec(2, ["TimeoutError"], 0.5, 1.0, [returns(1)], is_async=is_async)
    report = run_retry(kata, run)
    wanted = {"__name__": "fetch_quote", "__qualname__": "QuoteClient.fetch_quote", "__module__": "quotes",
              "__doc__": "Fetch a quote from a flaky server.", "marker": "kept", "__wrapped__": True}
    lost = [name for name, value in wanted.items() if report["metadata"].get(name) != value]
    if lost:
        got = {name: report["metadata"].get(name) for name in lost}
        raise KataFailure(f"{decorated(run)}.\nThe wrapper lost the function's {', '.join(lost)} (it has {got}): "
                          "decorate the wrapper with functools.wraps(function).")
    if report["coroutine_function"] is not is_async:
        raise KataFailure(f"{decorated(run)}.\ninspect.iscoroutinefunction(wrapper) is {report['coroutine_function']}; "
                          f"it must be {is_async}, as it is of the decorated function.")


@pytest.mark.group("manners")
@example(attempts=0, base=0.5, cap=1.0)
@example(attempts=-1, base=0.5, cap=1.0)
@example(attempts=3, base=-0.5, cap=1.0)
@example(attempts=3, base=0.5, cap=-1.0)
@given(st.integers(-5, 6), st.sampled_from([-1.0, -0.25, 0.0, 0.5]), st.sampled_from([-2.0, -0.5, 0.0, 1.0]))
def test_fewer_than_one_attempt_or_a_negative_delay_raise_value_error_when_decorating(
    kata: KataProxy, attempts: int, base: float, cap: float
) -> None:
    run = spec(attempts, ["TimeoutError"], base, cap, [returns(1)])
    report = kata.helper("decorate", run, description=decorated(run))
    invalid = attempts < 1 or base < 0 or cap < 0
    refused = report.get("decorate_error")
    if invalid and (refused is None or refused[0] != "ValueError"):
        what = f"raised {refused[0]}" if refused else "was accepted"
        raise KataFailure(f"{decorated(run)}.\nDecorating {what}; it must raise ValueError when decorating.")
    if not invalid and refused is not None:
        raise KataFailure(f"{decorated(run)}.\nDecorating raised {refused[0]}: {refused[1]}, but these options "
                          "are valid.")


@pytest.mark.group("manners")
def test_options_are_keyword_only_and_waits_default_to_time_sleep_and_asyncio_sleep(kata: KataProxy) -> None:
    report = run_retry(kata, spec(1, ["TimeoutError"], 0.0, 0.0, [returns(1)]))
    signature = report["signature"]
    names = ["attempts", "on", "base_delay", "max_delay", "sleep", "async_sleep"]
    positional = [name for name in names if signature.get(name, ["KEYWORD_ONLY"])[0] != "KEYWORD_ONLY"]
    missing = [name for name in names if name not in signature]
    if missing or positional:
        raise KataFailure(f"retry's parameters must be keyword-only (`retry(*, attempts, ...)`): "
                          f"{', '.join(missing)} missing, {', '.join(positional) or 'none'} positional.")
    for name, real in (("sleep", "time.sleep"), ("async_sleep", "asyncio.sleep")):
        if not signature[name][1]:
            raise KataFailure(f"retry's `{name}` must default to {real}, so code that passes none really waits.")
