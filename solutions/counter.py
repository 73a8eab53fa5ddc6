"""A thread-safe counter: the reference solution."""

import threading


def _checked(amount: int) -> int:
    # bool is a subclass of int, so it must be refused before the int check lets it through.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    return amount


class Counter:
    def __init__(self, initial: int = 0) -> None:
        self._value = initial
        self._lock = threading.Lock()

    @property
    def value(self) -> int:
        with self._lock:
            return self._value

    def increment(self, amount: int = 1) -> int:
        amount = _checked(amount)
        # The new value is returned from inside the lock: read after release, it may be another thread's.
        with self._lock:
            self._value += amount
            return self._value

    def decrement(self, amount: int = 1) -> int:
        amount = _checked(amount)
        with self._lock:
            self._value -= amount
            return self._value

    def compare_and_set(self, expected: int, new: int) -> bool:
        with self._lock:
            if self._value != expected:
                return False
            self._value = new
            return True
