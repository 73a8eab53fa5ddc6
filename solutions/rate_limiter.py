"""A sliding-window rate limiter that answers 429: the reference solution."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import FastAPI, Header, HTTPException, Response

QUOTE = "Errors should never pass silently."


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window above 0")
        self.limit, self.window, self.clock = limit, window, clock
        # Per key, the times of the calls that were allowed and are still in the window: never more than limit.
        self._allowed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._allowed.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:  # idle for a whole window: forgotten, so idle keys cost nothing
            del self._allowed[key]
        return times

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) >= self.limit:
                return False
            times.append(now)
            self._allowed[key] = times
            return True

    def retry_after(self, key: str) -> float:
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            return 0.0 if len(times) < self.limit else times[0] + self.window - now

    def _remaining(self, key: str) -> int:
        """How many more calls the window has room for now."""
        with self._lock:
            return self.limit - len(self._recent(key, self.clock()))


def create_app(limiter: RateLimiter) -> FastAPI:
    app = FastAPI(title="Quotes")

    @app.get("/quote")
    def quote(response: Response, x_client_id: str | None = Header(default=None)) -> dict[str, str]:
        if x_client_id is None:
            raise HTTPException(status_code=400, detail="X-Client-Id is required")
        if not limiter.allow(x_client_id):
            # Whole seconds, rounded up: a client that waits that long is let through.
            wait = math.ceil(limiter.retry_after(x_client_id))
            raise HTTPException(status_code=429, detail="Too many requests", headers={"Retry-After": str(wait)})
        response.headers["X-RateLimit-Remaining"] = str(limiter._remaining(x_client_id))
        return {"quote": QUOTE}

    return app
