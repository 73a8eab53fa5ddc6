"""a plain dict with a use counter for recency, one Condition for every waiter."""
import threading
import time


class TTLCache:
    def __init__(self, maxsize, ttl, clock=time.monotonic):
        if not maxsize >= 1 or not ttl > 0:
            raise ValueError("maxsize >= 1 and ttl > 0")
        self.maxsize, self.ttl, self.clock = maxsize, ttl, clock
        self.data = {}  # key -> [value, set_at, last_use]
        self.uses = 0
        self.cond = threading.Condition()
        self.loading = set()

    def _expired(self, key, now):
        return now - self.data[key][1] >= self.ttl

    def _find(self, key):
        if key in self.data and self._expired(key, self.clock()):
            del self.data[key]
        return key in self.data

    def _use(self, key):
        self.uses += 1
        self.data[key][2] = self.uses
        return self.data[key][0]

    def _put(self, key, value):
        now = self.clock()
        if not self._find(key):
            for k in [k for k in self.data if self._expired(k, now)]:
                del self.data[k]
            if len(self.data) >= self.maxsize:
                del self.data[min(self.data, key=lambda k: self.data[k][2])]
        self.uses += 1
        self.data[key] = [value, now, self.uses]

    def get(self, key, default=None):
        with self.cond:
            return self._use(key) if self._find(key) else default

    def set(self, key, value):
        with self.cond:
            self._put(key, value)

    def delete(self, key):
        with self.cond:
            if self._find(key):
                del self.data[key]
                return True
            return False

    def __len__(self):
        with self.cond:
            return sum(1 for k in list(self.data) if self._find(k))

    def __contains__(self, key):
        with self.cond:
            return self._find(key)

    def get_or_load(self, key, loader):
        with self.cond:
            while True:
                if self._find(key):
                    return self._use(key)
                if key not in self.loading:
                    self.loading.add(key)
                    break
                self.cond.wait()
        try:
            value = loader()
        except BaseException:
            with self.cond:
                self.loading.discard(key)
                self.cond.notify_all()
            raise
        with self.cond:
            self._put(key, value)
            self.loading.discard(key)
            self.cond.notify_all()
        return value
