"""Public tests for the retry kata: the prompt's worked example, every wait recorded instead of slept."""

import pytest

from dojo.testing import KataFailure, KataProxy

EXAMPLE = {"factory": "retry", "async": False, "args": ["ACME"], "kwargs": {},
           "options": {"attempts": 4, "on": ["TimeoutError", "ConnectionError"], "base_delay": 0.5, "max_delay": 1.0}}


@pytest.mark.group("backoff")
def test_two_timeouts_then_a_quote_waits_half_a_second_then_one_second(kata: KataProxy) -> None:
    run = {**EXAMPLE, "script": [["raise", "TimeoutError", "slow"], ["raise", "TimeoutError", "slow"],
                                 ["return", 42.0]]}
    report = kata.helper("decorate", run, description="retry(attempts=4, ...) around fetch_quote('ACME')")
    events = [event[0] if event[0] == "call" else f"{event[0]}({event[1]})" for event in report.get("timeline", [])]
    wanted = ["call", "sleep(0.5)", "call", "sleep(1.0)", "call"]
    if events != wanted or report.get("returned") != 42.0:
        raise KataFailure(f"fetch_quote('ACME') failing twice with TimeoutError, then returning 42.0: "
                          f"got {events} -> {report.get('returned', report.get('raised', report))}; "
                          f"expected {wanted} -> 42.0")


@pytest.mark.group("giving_up")
def test_four_timeouts_raise_the_fourth_after_three_waits(kata: KataProxy) -> None:
    run = {**EXAMPLE, "script": [["raise", "TimeoutError", f"try {n}"] for n in range(1, 5)]}
    report = kata.helper("decorate", run, description="retry(attempts=4, ...) around fetch_quote('ACME')")
    events = [event[0] if event[0] == "call" else f"{event[0]}({event[1]})" for event in report.get("timeline", [])]
    wanted = ["call", "sleep(0.5)", "call", "sleep(1.0)", "call", "sleep(1.0)", "call"]
    raised = report.get("raised") or {}
    came_out = f"{raised.get('type')}({raised.get('message')!r})" if raised else report
    if events != wanted or raised.get("type") != "TimeoutError" or raised.get("message") != "try 4":
        raise KataFailure(f"fetch_quote('ACME') failing 4 times with TimeoutError: got {events} -> "
                          f"{came_out}; expected {wanted} -> raises the 4th TimeoutError ('try 4')")
