"""What a concurrency kata's tests import from its kind: learner objects made on test doubles and checked for the
ValueError their contract asks for, and thread scenarios run in the worker (`run_scenario`), with threads that
never finished, a deadlock, or a fall back to free running turned into the learner's failure."""

from __future__ import annotations

from typing import Any

from dojo.testing import KataFailure, KataProxy, LearnerRaised


def expect_value_error(kata: KataProxy, name: str, args: list[Any], kwargs: dict[str, Any], *, valid: bool,
                       description: str) -> None:
    """Make the learner's `name(*args, **kwargs)` (doubles in the arguments): it must raise ValueError unless
    `valid`, and not raise when it is."""
    try:
        kata.helper("make", name, args, kwargs, description=description)
    except LearnerRaised as raised:
        if valid or not raised.is_a(ValueError):
            raise
        return
    if not valid:
        raise KataFailure(f"Called {description}; it returned an object: expected ValueError.")


def run_threads(kata: KataProxy, scenario: dict[str, Any], described: str, hint: str = "") -> dict[str, Any]:
    """The scenario's observations; `described` says what ran (and which trial), `hint` what to look at when the
    threads got stuck."""
    result = kata.helper("run_scenario", scenario, description=described)
    if "stuck" in result:
        kata.reset()  # its threads are stuck for good: the next call gets a fresh worker
        kind = "were each waiting for one another: a deadlock" if result.get("deadlock") else "never finished"
        raise KataFailure(f"{described}: {result['stuck']} of {len(scenario['plans'])} threads {kind}. {hint}".rstrip())
    if result.get("free_running"):
        raise KataFailure(f"{described}: a thread waited inside your code on something the test cannot switch "
                          "threads around (time.sleep, a lock from _thread or multiprocessing): use threading's "
                          "Lock, RLock, Condition or Event.")
    return result


def thread_errors(result: dict[str, Any]) -> list[str]:
    """What each thread that raised raised, as 'thread N: Type: message'."""
    return [f"thread {i + 1}: {error}" for i, error in enumerate(result["errors"]) if error]
