"""gives up with its own RuntimeError instead of the function's last exception."""
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
                for k in range(attempts):
                    try:
                        return await function(*args, **kwargs)
                    except on as error:
                        if k == attempts - 1:
                            raise RuntimeError(f"gave up after {attempts} tries") from error
                        await async_sleep(min(max_delay, base_delay * 2 ** k))
            return awrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for k in range(attempts):
                try:
                    return function(*args, **kwargs)
                except on as error:
                    if k == attempts - 1:
                        raise RuntimeError(f"gave up after {attempts} tries") from error
                    sleep(min(max_delay, base_delay * 2 ** k))
        return wrapper
    return decorator
