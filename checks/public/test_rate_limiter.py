"""Public tests for the rate_limiter kata: the prompt's example on a fake clock, and then over HTTP."""

import pytest

from dojo.kinds.http.served import serving_app
from dojo.testing import KataFailure, KataProxy


@pytest.mark.group("public")
def test_the_example_allows_two_calls_per_ten_seconds_for_each_key(kata: KataProxy) -> None:
    handle = kata.helper("make", "RateLimiter", [2, 10.0], {"clock": {"$clock": 0.0}},
                         description="RateLimiter(2, 10.0, clock=clock)")
    steps = [(["allow", "ada"], True), (["advance", 4.0], None), (["allow", "ada"], True), (["advance", 2.0], None),
             (["allow", "ada"], False), (["retry_after", "ada"], 4.0), (["allow", "bob"], True),
             (["advance", 4.0], None), (["allow", "ada"], True)]
    results = kata.helper("act", handle, [step for step, _ in steps], description="the prompt's example")
    for (step, expected), got in zip(steps, results, strict=True):
        if "raised" in got or got["returned"] != expected:
            raise KataFailure(f"In the prompt's example, limiter.{step[0]}({step[1]!r}) gave {got}; expected "
                              f"{expected!r}.")


@pytest.mark.group("public")
def test_the_example_app_answers_429_with_retry_after_in_whole_seconds(kata: KataProxy) -> None:
    limiter = {"$new": ["RateLimiter", [2, 10.0], {"clock": {"$clock": 10.0}}]}
    with serving_app(kata, [limiter], {}, description="create_app(RateLimiter(2, 10.0, clock=clock))") as app:
        ada = {"X-Client-Id": "ada"}
        app.expect_status(app.request("GET", "/quote", headers=ada, shown="with X-Client-Id: ada at 10.0"), 200,
                          "a call within the limit is answered")
        app.advance(4.0)
        second = app.request("GET", "/quote", headers=ada, shown="with X-Client-Id: ada at 14.0")
        app.expect_status(second, 200, "a call within the limit is answered")
        if second.headers.get("x-ratelimit-remaining") != "0":
            raise app.fail(second, "X-RateLimit-Remaining is the limit minus the calls allowed in the window: 0")
        app.advance(0.5)
        refused = app.request("GET", "/quote", headers=ada, shown="with X-Client-Id: ada at 14.5")
        app.expect_status(refused, 429, "a call beyond the limit gets 429 Too Many Requests")
        if refused.headers.get("retry-after") != "6":
            raise app.fail(refused, "Retry-After is the wait in whole seconds, rounded up: 5.5 s is 6")
        app.expect_status(app.request("GET", "/quote", shown="without X-Client-Id"), 400,
                          "a request without X-Client-Id gets 400")
