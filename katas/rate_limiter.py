"""A rate limiter that answers 429: "What is a 429 HTTP status code, and when would you use it?", "Explain how
rate limiting works in APIs".

Task 1: `RateLimiter(limit, window, clock=time.monotonic)`: at most `limit` calls per `window` seconds for
each key, over a sliding window. `limit >= 1` and `window > 0`, else ValueError.
    allow(key) -> bool: True if and only if fewer than `limit` calls for `key` returned True at clock times t
        with now - window < t <= now (now is clock()). Keys are independent; a refused call counts for nothing.
    retry_after(key) -> float: 0.0 if a call now would be allowed, else the exact time until one would be.
    Memory stays bounded however long it runs: a million calls for one key keep at most `limit` times for it
    (a key idle for a whole window may be forgotten).
    Thread-safe: calls from many threads at once never let more than `limit` through in a window.
Task 2: `create_app(limiter) -> FastAPI` around your own RateLimiter:
    GET /quote  200 JSON {"quote": <some text>}; each request counts under its X-Client-Id header;
        no X-Client-Id header: 400;
        refused: 429 with a JSON error body and Retry-After: the seconds to wait, a whole number, rounded up;
        allowed: the header X-RateLimit-Remaining: limit minus the calls allowed in the current window,
        this one included.

Example (limit=2, window=10.0, clock() reads 0.0 at first):
    allow("ada") -> True          (at 0.0)
    allow("ada") -> True          (at 4.0)
    allow("ada") -> False         (at 6.0: two calls in (-4.0, 6.0] already)
    retry_after("ada") -> 4.0     (at 6.0: the call at 0.0 leaves the window at 10.0)
    allow("bob") -> True          (another key)
    allow("ada") -> True          (at 10.0: the call at 0.0 is out of (0.0, 10.0])
    And over HTTP, with that limiter: GET /quote, X-Client-Id: ada, at 14.0 -> 200, X-RateLimit-Remaining: 0;
    at 14.5 -> 429, Retry-After: 6 (the call at 10.0 leaves the window at 20.0).

A fixed window (counting calls per whole 10 s slot) is not this rule: it lets 2 * limit calls through when they
come just before and just after a slot's edge.

What is graded: every rule above, against a plain model of the sliding window on a fake clock (calls exactly
`window` apart, bursts at a window's edge, retry_after to within 1e-9 s), the memory of a long run of calls,
threads calling allow at once (the tests switch threads inside your code), and the app over real HTTP. The
tests move the clock themselves: no test waits.
"""

import time
from collections.abc import Callable

from fastapi import FastAPI


class RateLimiter:
    """At most `limit` allowed calls per key in any `window` seconds by `clock`."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        # TODO: your code here
        raise NotImplementedError

    def allow(self, key: str) -> bool:
        """Whether a call for `key` is allowed now; an allowed call counts, a refused one does not."""
        raise NotImplementedError

    def retry_after(self, key: str) -> float:
        """0.0 if a call for `key` would be allowed now, else the seconds until one would be."""
        raise NotImplementedError


def create_app(limiter: RateLimiter) -> FastAPI:
    """Return the FastAPI app that serves GET /quote within `limiter`'s limits."""
    raise NotImplementedError
