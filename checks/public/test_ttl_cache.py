"""Public tests for the ttl_cache kata: the prompt's worked example on a fake clock."""

import pytest

from dojo.testing import KataFailure, KataProxy

ANY = object()  # a step whose result the example does not look at


@pytest.mark.group("eviction")
def test_the_example_evicts_the_least_recently_used_and_expires_at_ttl(kata: KataProxy) -> None:
    handle = kata.helper("make", "TTLCache", [2, 10.0], {"clock": {"$clock": 0.0}},
                         description="TTLCache(maxsize=2, ttl=10.0, clock=clock)")
    steps = [(["set", "a", 1], ANY), (["set", "b", 2], ANY), (["get", "a"], 1), (["set", "c", 3], ANY),
             (["in", "b"], False), (["advance", 10.0], ANY), (["get", "a"], None),
             (["get_or_load", "a", {"$loader": {"key": "a", "value": 7}}], 7)]
    results = kata.helper("act", handle, [step for step, _ in steps], description="the prompt's example")
    for (step, expected), got in zip(steps, results, strict=True):
        if "raised" in got or (expected is not ANY and got["returned"] != expected):
            name, *args = step
            raise KataFailure(f"In the prompt's example, the step {name} {args[:1]} gave {got}; expected "
                              f"{'no exception' if expected is ANY else repr(expected)}.")
