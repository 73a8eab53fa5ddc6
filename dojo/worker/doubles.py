"""Test doubles written as plain data: the trusted side puts `{"$clock": 0.0}` where an argument goes, and the
worker makes the double there, keeps it, and reports what it saw. Kinds add doubles of their own by
extending `Doubles.make`; this part is every kind's (a fake clock, and a learner object built from doubles, so
one kind's helper can hand an object of the learner's own to code another kind runs).

Standard library only: the worker core ships it beside main.py, which imports it before any kind's module, so a
kind's worker module imports it as `doubles`.
"""

from __future__ import annotations

from typing import Any


class FakeClock:
    """A clock only the test moves: `clock()` is the time; `advance` moves it on, and so does every reading
    by `tick` seconds (0 unless the test asks: a clock that runs while threads use it)."""

    def __init__(self, now: float, tick: float = 0.0) -> None:
        self.now, self.tick = now, tick

    def __call__(self) -> float:
        now, self.now = self.now, self.now + self.tick
        return now


class Doubles:
    """Makes the doubles of one test's arguments and keeps them. A dict with exactly one key starting with "$" is
    a double's spec, made by `make`: `{"$clock": start}` (with `"tick"`: it moves on at every reading) is a
    FakeClock; `{"$new": [class name, args, kwargs]}` an object of the learner's module built from resolved
    arguments (a learner's RateLimiter on a fake clock, handed to their create_app). Other tags are left as they
    are, and lists and plain dicts are resolved item by item."""

    def __init__(self, module: Any = None) -> None:
        self.module = module  # the learner's module, for `$new`
        self.clocks: list[FakeClock] = []

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            tags = [key for key in value if isinstance(key, str) and key.startswith("$")]
            if len(tags) == 1:
                return self.make(tags[0], value)
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def make(self, tag: str, spec: dict[str, Any]) -> Any:
        if tag == "$clock" and set(spec) <= {"$clock", "tick"}:
            self.clocks.append(FakeClock(float(spec["$clock"]), float(spec.get("tick", 0.0))))
            return self.clocks[-1]
        if tag == "$new" and len(spec) == 1 and self.module is not None:
            name, args, kwargs = spec["$new"]
            return getattr(self.module, name)(*self.resolve(args), **self.resolve(kwargs))
        return spec

    def advance(self, seconds: float) -> None:
        """Move every clock made here on by `seconds`."""
        for clock in self.clocks:
            clock.now += seconds
