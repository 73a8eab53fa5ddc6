"""A thread-safe counter: "Multiple threads update the same object: how do you make sure the data is
written the way you want?"

Write `Counter`, a counter that many threads can share:

    counter = Counter(10)
    counter.increment()        -> 11   (returns the new value)
    counter.increment(5)       -> 16
    counter.decrement(20)      -> -4   (values may go negative)
    counter.value              -> -4   (a read-only property: `counter.value = 3` raises AttributeError)
    counter.compare_and_set(-4, 100) -> True   (the value was -4, so it is now 100)
    counter.compare_and_set(-4, 0)   -> False  (the value is 100, so nothing changes)

Rules:
- `amount` is an int >= 0 and defaults to 1. A bool is refused (True is an int in Python, but
  `increment(True)` is a bug): TypeError for anything that is not an int, ValueError for a negative int.
- Every method is atomic: when N threads call increment(1) at the same time on a counter at 0, the calls
  return exactly 1, 2, ..., N (each value once, in some order) and the counter ends at N. The value that
  increment/decrement returns is the one *that* call produced, not whatever the counter holds a moment
  later. compare_and_set checks and sets as one step: two threads can never both win with the same
  `expected`.

Why this needs a lock even though Python has a GIL: `self._value += amount` is a read, an add and a write.
A thread switch between the read and the write loses an update. On CPython 3.10+ such a switch is rare
(the interpreter switches only at calls and loop jumps), which makes the bug rare, not absent: the tests
force switches inside your methods and will find it. On free-threaded CPython (3.13t and later, no GIL)
threads run truly in parallel and the same code loses updates all the time; the lock is what makes it
correct on every Python. Use `threading.Lock` with `with self._lock:` around each read-modify-write,
and beware of taking a non-reentrant lock twice in one thread (a deadlock the tests will report).

What is graded: the behaviour above one call at a time (checked against a model), the TypeError and
ValueError rules, and the concurrent guarantees, checked with 4 threads released together.
"""


class Counter:
    """A counter that threads can share safely."""

    def __init__(self, initial: int = 0) -> None:
        # TODO: your code here
        raise NotImplementedError

    @property
    def value(self) -> int:
        """The current value (read-only)."""
        raise NotImplementedError

    def increment(self, amount: int = 1) -> int:
        """Add `amount` and return the new value."""
        raise NotImplementedError

    def decrement(self, amount: int = 1) -> int:
        """Subtract `amount` and return the new value."""
        raise NotImplementedError

    def compare_and_set(self, expected: int, new: int) -> bool:
        """Set the value to `new` if and only if it currently equals `expected`; say whether it did."""
        raise NotImplementedError
