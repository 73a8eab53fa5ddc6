"""Bug: increment reads the value it returns after releasing the lock (and a small loop)."""

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
        self._checksum = 0

    @property
    def value(self):
        with self._lock:
            return self._value

    def increment(self, amount=1):
        amount = _checked(amount)
        with self._lock:
            self._value += amount
        checksum = amount
        for i in range(20):
            checksum = (checksum * 31 + i) % 1_000_003
        self._checksum = checksum
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
