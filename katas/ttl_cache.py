"""A TTL + LRU cache with single-flight loading: "How do you handle cache expiration and invalidation?"
and "How does caching improve performance?"

A cache keeps answers that are slow to get (a database query, a call to another service) so the next
caller gets them at once. Two rules keep it honest and small: an entry expires `ttl` seconds after it was
set, and when the cache is full, the entry used least recently makes room. And when many threads miss the
same key at once, only one of them should do the slow load; the others wait for its answer ("single
flight"), instead of all hitting the database together (a "cache stampede").

TTLCache(maxsize, ttl, clock=time.monotonic): `maxsize >= 1` and `ttl > 0`, else ValueError. `clock()` is
the time now, in seconds; the cache never reads time any other way (the tests pass a fake clock).
  - get(key, default=None), set(key, value), delete(key) -> bool (whether a live entry was there),
    len(cache), key in cache.
  - An entry set at time t is live while clock() - t < ttl, and expired from t + ttl on; a get does not
    extend it. Expired entries are never returned and not counted by len or in.
  - When a set of a key that is not live would make more than maxsize live entries, the least recently used
    live entry is evicted. Use means: a get that finds the key, a get_or_load that finds it, and every set;
    `in`, len and misses are not uses. Setting a live key replaces its value, restarts its ttl, and evicts
    nothing.
  - get_or_load(key, loader): the live value, or else calls loader() once, stores what it returns (as set
    does) and returns it. If loader raises, nothing is stored and the exception propagates.
  - Thread-safe, with single flight: while one thread's loader runs for a key, other threads calling
    get_or_load for that key wait and then get its value, so loader runs once. If that loader raises, no
    waiting thread is left hanging: each raises too or loads again. Calls for other keys never wait for it.

    cache = TTLCache(maxsize=2, ttl=10.0, clock=clock)     # clock() is 0.0
    cache.set("a", 1); cache.set("b", 2)
    cache.get("a")          -> 1          ("a" is now the most recently used)
    cache.set("c", 3)                     (full: "b", used least recently, is evicted)
    "b" in cache            -> False
    (clock() is now 10.0)
    cache.get("a")          -> None       (set at 0.0, expired at 10.0)
    cache.get_or_load("a", lambda: 7) -> 7    (loaded once, stored)

What is graded: sequences of operations on a fake clock against a plain model of the contract (a Hypothesis
state machine, and pinned sequences for each rule above); threads on a scheduler that switches inside your
code: many threads missing one key (the loader runs once, all get its value), a loader that raises, and a
slow loader that must not hold up other keys.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    """A cache of at most `maxsize` live entries, each live for `ttl` seconds by `clock`, least recently
    used evicted first, loading each missing key once however many threads ask for it."""

    def __init__(self, maxsize: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        # TODO: your code here
        raise NotImplementedError

    def get(self, key: Hashable, default: Any = None) -> Any:
        raise NotImplementedError

    def set(self, key: Hashable, value: Any) -> None:
        raise NotImplementedError

    def delete(self, key: Hashable) -> bool:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        raise NotImplementedError

    def get_or_load(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        raise NotImplementedError
