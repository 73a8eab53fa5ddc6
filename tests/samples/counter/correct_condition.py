import threading

def _checked(amount):
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int")
    if amount < 0:
        raise ValueError("amount must be >= 0")
    return amount


class Counter:
    def __init__(self, initial: int = 0) -> None:
        self._value = initial
        self._changed = threading.Condition()

    @property
    def value(self) -> int:
        return self._value

    def _apply(self, delta):
        with self._changed:
            self._value = self._value + delta
            new = self._value
            self._changed.notify_all()
            return new

    def increment(self, amount: int = 1) -> int:
        return self._apply(_checked(amount))

    def decrement(self, amount: int = 1) -> int:
        return self._apply(-_checked(amount))

    def compare_and_set(self, expected: int, new: int) -> bool:
        with self._changed:
            current = self._value
            if current != expected:
                return False
            self._value = new
            return True
