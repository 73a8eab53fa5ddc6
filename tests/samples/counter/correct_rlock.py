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
        self._lock = threading.RLock()

    @property
    def value(self):
        with self._lock:
            return self._value

    def increment(self, amount=1):
        with self._lock:
            self._value += _checked(amount)
            return self.value

    def decrement(self, amount=1):
        return self._add(-_checked(amount))

    def _add(self, delta):
        with self._lock:
            self._value += delta
            return self._value

    def compare_and_set(self, expected, new):
        with self._lock:
            if self.value == expected:
                self._value = new
                return True
            return False
