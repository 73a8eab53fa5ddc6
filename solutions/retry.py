"""Retry with exponential backoff: the reference solution."""

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


def retry(*, attempts: int, on: tuple[type[Exception], ...], base_delay: float, max_delay: float,
          sleep: Callable[[float], object] = time.sleep,
          async_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> Callable[[Any], Any]:
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if base_delay < 0 or max_delay < 0:
        raise ValueError(f"delays must not be negative, got base_delay={base_delay}, max_delay={max_delay}")

    def delay(tried: int) -> float:
        return min(max_delay, base_delay * 2 ** (tried - 1))

    def decorator(function: Any) -> Any:
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                for tried in range(1, attempts):
                    try:
                        return await function(*args, **kwargs)
                    except on:
                        pass  # waited out below; anything else propagates untouched
                    await async_sleep(delay(tried))
                # The last try is outside the handler: its failure reaches the caller as it is.
                return await function(*args, **kwargs)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for tried in range(1, attempts):
                try:
                    return function(*args, **kwargs)
                except on:
                    pass
                sleep(delay(tried))
            return function(*args, **kwargs)

        return wrapper

    return decorator
