"""Bug: increment reads the value it returns after releasing the lock (and some bookkeeping)."""

import threading

def _checked(amount):
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int")
    if amount < 0:
        raise ValueError("amount must be >= 0")
    return amount


class Counter:
    def __init__(self, initial=0):
        self._value = initial
        self._lock = threading.Lock()
        self._history = []

    @property
    def value(self):
        with self._lock:
            return self._value

    def increment(self, amount=1):
        amount = _checked(amount)
        with self._lock:
            self._value += amount
        kind = "increment" if amount else "no-op"
        entry = kind + " by " + str(amount)
        self._history.append(entry)
        self._history = self._history[-10:]
        return self._value

    def decrement(self, amount=1):
        amount = _checked(amount)
        with self._lock:
            self._value -= amount
            return self._value

    def compare_and_set(self, expected, new):
        with self._lock:
            if self._value != expected:
                return False
            self._value = new
            return True
