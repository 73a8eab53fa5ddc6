"""Retry with exponential backoff: "What are Python decorators? Provide a use case" and "How do you
accomplish async actions in python?"

Servers fail for a moment: a timeout, a reset connection. A client that tries again after a short wait,
waiting longer each time, gets through without hammering a server that is already struggling. Write that
once, as a decorator, for plain functions and for `async def` functions alike.

retry(*, attempts, on, base_delay, max_delay, sleep=time.sleep, async_sleep=asyncio.sleep) returns a
decorator. The function it decorates is called; when a call raises an exception that is an instance of one
of the classes in `on` (subclasses count), the wrapper waits min(max_delay, base_delay * 2**k) seconds
before try k + 2 (k = 0, 1, ...), and tries at most `attempts` times in all. When the last try fails too, the
wrapper raises that last exception itself, unchanged (the same object, with its traceback). Any other
exception propagates at once, untouched, with no wait. What the function returns, the wrapper returns; the
arguments it gets, the function gets.

    @retry(attempts=4, on=(TimeoutError, ConnectionError), base_delay=0.5, max_delay=1.0)
    def fetch_quote(symbol): ...

    fetch_quote("ACME") fails with TimeoutError twice, then returns 42.0:
        call, sleep(0.5), call, sleep(1.0), call -> 42.0      (0.5 * 2 = 1.0; the next wait would be capped at 1.0)
    If it fails all 4 times: call, sleep(0.5), call, sleep(1.0), call, sleep(1.0), call -> raises the 4th
    TimeoutError (no wait after the last try: nobody is going to call again).
    If it raises KeyError: one call, no wait, the KeyError propagates.

Waiting: a plain function's wrapper calls `sleep(seconds)`; an `async def` function's wrapper is itself an
`async def` function (inspect.iscoroutinefunction is true of it exactly when it is of the function) and
awaits `async_sleep(seconds)`, so the event loop runs other tasks meanwhile: time.sleep would freeze them all.
The tests pass their own sleep and async_sleep and record every wait: no test ever really waits.

Manners: the wrapper keeps the function's name, docstring, module, qualified name and attributes, and
`__wrapped__` (functools.wraps does all of this). `attempts < 1`, or a negative `base_delay` or `max_delay`,
raise ValueError when decorating.

What is graded: generated schedules of failures and successes, plain and async, against a model of the
contract: every call, every wait and its length, in order; what comes out (the very exception object the
function raised last); and the metadata.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def retry(*, attempts: int, on: tuple[type[Exception], ...], base_delay: float, max_delay: float,
          sleep: Callable[[float], object] = time.sleep,
          async_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> Callable[[Any], Any]:
    """Return a decorator that retries a plain or async function on the exceptions in `on`, at most
    `attempts` tries in all, waiting min(max_delay, base_delay * 2**k) before try k + 2."""
    # TODO: your code here
    raise NotImplementedError
