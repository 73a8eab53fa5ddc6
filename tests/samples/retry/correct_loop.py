"""a loop with the last try outside the handler, one wrapper per kind of function."""
import asyncio
import functools
import inspect
import time


def retry(*, attempts, on, base_delay, max_delay, sleep=time.sleep, async_sleep=asyncio.sleep):
    if attempts < 1 or base_delay < 0 or max_delay < 0:
        raise ValueError("bad retry options")

    def decorator(function):
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def awrapper(*args, **kwargs):
                for k in range(attempts - 1):
                    try:
                        return await function(*args, **kwargs)
                    except on:
                        await async_sleep(min(max_delay, base_delay * 2 ** k))
                return await function(*args, **kwargs)
            return awrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for k in range(attempts - 1):
                try:
                    return function(*args, **kwargs)
                except on:
                    sleep(min(max_delay, base_delay * 2 ** k))
            return function(*args, **kwargs)
        return wrapper
    return decorator
