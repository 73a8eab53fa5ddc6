"""a call exactly `window` seconds ago still counts."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import FastAPI, Header, Response
from fastapi.responses import JSONResponse


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not limit >= 1:
            raise ValueError("limit must be >= 1")
        if not window > 0:
            raise ValueError("window must be > 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.calls: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        calls = self.calls.setdefault(key, deque())
        while calls and calls[0] < now - self.window:
            calls.popleft()
        return calls

    def allow(self, key: str) -> bool:
        with self.lock:
            now = self.clock()
            calls = self._prune(key, now)
            if len(calls) < self.limit:
                calls.append(now)
                return True
            return False

    def retry_after(self, key: str) -> float:
        with self.lock:
            now = self.clock()
            calls = self._prune(key, now)
            if len(calls) < self.limit:
                return 0.0
            return calls[0] + self.window - now

    def remaining(self, key: str) -> int:
        with self.lock:
            return self.limit - len(self._prune(key, self.clock()))


def create_app(limiter: RateLimiter) -> FastAPI:
    app = FastAPI()

    @app.get("/quote")
    def quote(response: Response, x_client_id: str | None = Header(None)):
        if x_client_id is None:
            return JSONResponse({"error": "missing X-Client-Id"}, status_code=400)
        if not limiter.allow(x_client_id):
            wait = limiter.retry_after(x_client_id)
            return JSONResponse({"error": "rate limit exceeded", "retry_after": wait}, status_code=429,
                                headers={"Retry-After": str(math.ceil(wait))})
        response.headers["X-RateLimit-Remaining"] = str(limiter.remaining(x_client_id))
        return {"quote": "The best way to predict the future is to invent it."}

    return app
