"""Correct: a hand-made mutex from a threading.Condition (wait until not busy, then notify the next waiter)."""

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
        self._changed = threading.Condition(threading.Lock())
        self._busy = False

    def _enter(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._busy)
            self._busy = True

    def _leave(self):
        with self._changed:
            self._busy = False
            self._changed.notify()

    @property
    def value(self):
        self._enter()
        try:
            return self._value
        finally:
            self._leave()

    def _add(self, delta):
        self._enter()
        try:
            self._value += delta
            return self._value
        finally:
            self._leave()

    def increment(self, amount=1):
        return self._add(_checked(amount))

    def decrement(self, amount=1):
        return self._add(-_checked(amount))

    def compare_and_set(self, expected, new):
        self._enter()
        try:
            if self._value != expected:
                return False
            self._value = new
            return True
        finally:
            self._leave()
