"""counts tries, keeps the last error and raises it itself; the delay doubles as it goes."""
import asyncio
import time
from functools import wraps
from inspect import iscoroutinefunction


def retry(*, attempts, on, base_delay, max_delay, sleep=time.sleep, async_sleep=asyncio.sleep):
    if attempts < 1:
        raise ValueError("attempts < 1")
    if min(base_delay, max_delay) < 0:
        raise ValueError("negative delay")

    def decorator(function):
        if iscoroutinefunction(function):
            @wraps(function)
            async def run_async(*args, **kwargs):
                delay = base_delay
                tries = 0
                while True:
                    tries += 1
                    try:
                        return await function(*args, **kwargs)
                    except Exception as error:
                        if not isinstance(error, on) or tries >= attempts:
                            raise error
                    await async_sleep(min(delay, max_delay))
                    delay *= 2
            return run_async

        @wraps(function)
        def run(*args, **kwargs):
            delay = base_delay
            tries = 0
            while True:
                tries += 1
                try:
                    return function(*args, **kwargs)
                except Exception as error:
                    if not isinstance(error, on) or tries >= attempts:
                        raise error
                sleep(min(delay, max_delay))
                delay *= 2
        return run
    return decorator
