"""Worker-side helper of the counter kata: run a concurrency scenario on one learner Counter and send back
the raw observations (every returned value, every error, the final value). The trusted side judges them.

Why tracing: since CPython 3.10 a thread switch happens only after calls and on backward jumps, so
`self._value += amount` has no switch point between its read and its write and brute force never loses an
update. Each scenario thread therefore traces the frames of the learner's file opcode by opcode and yields
the GIL (`time.sleep(0)`) on a seeded random half of the opcodes. A lock makes the outcome independent of
where the switches fall, so a correct counter cannot fail this way.

Loaded before the learner's module, so the functions bound here are the real ones.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

_sleep = time.sleep
_settrace = sys.settrace
_gettrace = sys.gettrace
_monotonic = time.monotonic
_Thread = threading.Thread
_Barrier = threading.Barrier

Tracer = Callable[[FrameType, str, Any], Any]


def _tracer(path: str, rng: random.Random, yield_rate: float) -> Tracer:
    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode" and rng.random() < yield_rate:
            _sleep(0)
        return local

    def global_(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == path:
            frame.f_trace_opcodes = True
            return local
        return None

    return global_


def _perform(counter: Any, operation: list[Any]) -> Any:
    name, argument = operation
    if name == "increment":
        return counter.increment(argument)
    if name == "decrement":
        return counter.decrement(argument)
    if name == "cas_increment":
        # Read, then try to swap in value + 1, until `argument` swaps succeeded: every win is recorded.
        wins = []
        for _ in range(argument * 1000):
            seen = counter.value
            if counter.compare_and_set(seen, seen + 1) is True:
                wins.append(seen)
                if len(wins) == argument:
                    break
        return wins
    raise ValueError(f"unknown operation {name!r}")


def run_scenario(module: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    """Start one thread per plan, release them together, and report what each call returned."""
    path = module.__file__
    plans: list[list[list[Any]]] = scenario["plans"]
    seconds = float(scenario["seconds"])
    counter = module.Counter(scenario["initial"])
    barrier = _Barrier(len(plans))
    returned: list[list[Any] | None] = [None] * len(plans)
    errors: list[str | None] = [None] * len(plans)
    untraced = [False] * len(plans)

    def thread(index: int) -> None:
        tracer = _tracer(path, random.Random(scenario["seed"] * 1009 + index), scenario["yield_rate"])
        _settrace(tracer)
        try:
            barrier.wait(seconds)
            returned[index] = [_perform(counter, operation) for operation in plans[index]]
        except BaseException as error:  # reported, not raised: the other threads' observations still count
            errors[index] = f"{type(error).__name__}: {error}"
        finally:
            untraced[index] = _gettrace() is not tracer
            _settrace(None)

    threads = [_Thread(target=thread, args=(i,), daemon=True) for i in range(len(plans))]
    deadline = _monotonic() + seconds
    for each in threads:
        each.start()
    for each in threads:
        each.join(max(0.0, deadline - _monotonic()))
    stuck = sum(each.is_alive() for each in threads)
    if stuck:
        return {"stuck": stuck, "seconds": seconds}
    return {"returned": returned, "errors": errors, "final": counter.value, "untraced": any(untraced)}
