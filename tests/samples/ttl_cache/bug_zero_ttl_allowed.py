"""accepts ttl=0."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    def __init__(self, maxsize: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        if ttl < 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        self._maxsize = maxsize
        self._ttl = ttl
        self._clock = clock
        # key -> (value, time set), least recently used first.
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()
        # Keys whose loader is running, each with the Event its waiters wait on.
        self._loading: dict[Hashable, threading.Event] = {}

    def _live(self, key: object, now: float) -> bool:
        """Whether `key` has a live entry; an expired one is dropped on the way."""
        entry = self._entries.get(key)
        if entry is None:
            return False
        if now - entry[1] >= self._ttl:
            del self._entries[key]
            return False
        return True

    def _purge(self, now: float) -> None:
        for key in [key for key, (_, set_at) in self._entries.items() if now - set_at >= self._ttl]:
            del self._entries[key]

    def _store(self, key: Hashable, value: Any) -> None:
        now = self._clock()
        if not self._live(key, now):
            # Expired entries take no room: drop them before deciding whether one live entry must go.
            self._purge(now)
            if len(self._entries) >= self._maxsize:
                self._entries.popitem(last=False)
        self._entries[key] = (value, now)
        self._entries.move_to_end(key)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if not self._live(key, self._clock()):
                return default
            self._entries.move_to_end(key)
            return self._entries[key][0]

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._store(key, value)

    def delete(self, key: Hashable) -> bool:
        with self._lock:
            live = self._live(key, self._clock())
            if live:
                del self._entries[key]
            return live

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return self._live(key, self._clock())

    def get_or_load(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if self._live(key, self._clock()):
                    self._entries.move_to_end(key)
                    return self._entries[key][0]
                loading = self._loading.get(key)
                if loading is None:
                    loading = self._loading[key] = threading.Event()
                    break
            # Another thread is loading this key: wait for it outside the lock (other keys go on), then look
            # again; if its loader failed, the key is still missing and this thread loads it.
            loading.wait()
        try:
            value = loader()
            with self._lock:
                self._store(key, value)
            return value
        finally:
            with self._lock:
                del self._loading[key]
            loading.set()
