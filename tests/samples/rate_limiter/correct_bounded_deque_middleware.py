"""Rate limiter: deque(maxlen=limit) per key (the oldest falls out by itself), an RLock, and the limit applied
in an HTTP middleware."""

import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(limit, bool) or limit < 1 or window <= 0:
            raise ValueError(f"need limit >= 1 and window > 0, got {limit} and {window}")
        self._limit, self._window, self._clock = limit, window, clock
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.RLock()

    def _in_window(self, key: str, now: float) -> list[float]:
        times = self._times.get(key, ())
        return [t for t in times if t > now - self._window]

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self._clock()
            if len(self._in_window(key, now)) >= self._limit:
                return False
            self._times.setdefault(key, deque(maxlen=self._limit)).append(now)
            # forget keys nobody has called for a whole window
            for other in [k for k, times in self._times.items() if times[-1] <= now - self._window]:
                del self._times[other]
            return True

    def retry_after(self, key: str) -> float:
        with self._lock:
            now = self._clock()
            recent = self._in_window(key, now)
            return 0.0 if len(recent) < self._limit else max(0.0, recent[0] + self._window - now)

    def state(self, key: str) -> tuple[int, int]:
        with self._lock:
            return self._limit, len(self._in_window(key, self._clock()))


def create_app(limiter: RateLimiter) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def limit(request: Request, call_next):
        client = request.headers.get("x-client-id")
        if client is None:
            return JSONResponse({"detail": "X-Client-Id header required"}, status_code=400)
        if not limiter.allow(client):
            wait = limiter.retry_after(client)
            seconds = int(wait) if wait == int(wait) else int(wait) + 1
            return JSONResponse({"detail": "Too Many Requests"}, status_code=429,
                                headers={"Retry-After": str(seconds)})
        response = await call_next(request)
        most, used = limiter.state(client)
        response.headers["X-RateLimit-Remaining"] = str(most - used)
        return response

    @app.get("/quote")
    async def quote() -> dict[str, str]:
        return {"quote": "Premature optimization is the root of all evil."}

    return app
