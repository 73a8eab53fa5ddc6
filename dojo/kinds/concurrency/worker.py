"""Worker side of the concurrency kind: run a scenario (threads sharing one learner object, each calling its
plan of methods) under a deterministic scheduler, and send back the raw observations: what every call
returned, every error, the final state. The trusted side judges them.

Why a scheduler: since CPython 3.10 a thread switch happens only after calls and on backward jumps, so
`self._value += amount` has no switch point between its read and its write, and free-running threads almost
never show a race. Yielding the GIL at random opcodes shows short races only: it never lets another thread
finish a whole call while one thread waits in a long window. And real threads make the observations differ
from run to run, so two gradings of the same code would give different feedback.

How it schedules (PCT, Burckhardt et al., "A randomized scheduler with probabilistic guarantees of finding
bugs", ASPLOS 2010, with change points drawn as gaps):
- The scenario threads take turns: one holds the baton and runs, the others wait. A thread can lose the
  baton only at a switch point: an opcode of a frame of the learner's file (sys.settrace with
  f_trace_opcodes) or an operation on a lock.
- Each thread gets a distinct random priority, and the baton is always with the runnable thread of highest
  priority. At a change point the running thread's priority drops below all others: it stays paused, wherever
  it is, until every other thread has finished, blocked, or dropped below it in turn. So one thread can be
  held inside any window for as long as the others take to make progress.
- PCT places d-1 change points uniformly over the run's k steps; k is not known beforehand here, so change
  points follow each other at random gaps (uniform, of mean G) counted in switch points over the whole run.
  Each seed draws G log-uniformly from GAPS, from a couple of opcodes (fine-grained interleavings) to tens.
  A run gets about k/G change points, far more than PCT's d-1: the races sought here are shallow (depth 2),
  but each is a window that recurs in every call, and every change point is another chance to land in one.
  A paused thread waits out a gap of every other thread (unless they block or finish first), so the others
  finish whole calls meanwhile; bench/race_rates.py measured a lower ceiling of GAPS catching more, long
  windows included. Past CHANGES change points the gaps grow with the run, so a long run costs a bounded
  number of thread handoffs.
- Every decision comes from the seed and the count of switch points, so the same code with the same seed runs
  the same interleaving and makes the same observations.

Locks: this module replaces `threading.Lock`, `RLock` and `Condition` when it loads, for good, before the
learner's module is imported. Installing them for good, rather than per scenario, means every lock the
learner's module makes (at import time too, or through `from threading import Lock`) and everything built on
those names (Event, Semaphore, Barrier, queue.Queue) is one the scheduler knows. Outside a scenario thread
they behave exactly as the real ones (each wraps a real lock). In a scenario thread an acquire that would
block marks the thread blocked on that lock and hands the baton on, and a release makes its waiters runnable.
When every unfinished thread is blocked, that is a deadlock and is reported at once (a timed wait times out
first, as the only thing left that could happen).

Code that blocks in something the scheduler does not know (a raw `_thread` lock, time.sleep, input/output)
would keep the baton while the others wait: when no switch point is reached for STALL seconds, the scenario
falls back to free running (threads run concurrently, no more forced switches) and says so.

Loaded before the learner's module, so the functions bound here are the real ones, whatever the learner's
code later patches.
"""

from __future__ import annotations

import _thread
import asyncio
import builtins
import contextlib
import inspect
import math
import random
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from types import FrameType
from typing import Any

from doubles import Doubles as CoreDoubles  # the worker core's shared doubles, already imported by main.py

_settrace = sys.settrace
_gettrace = sys.gettrace
_monotonic = time.monotonic
_get_ident = _thread.get_ident
_allocate_lock = _thread.allocate_lock
_Random = random.Random
_Thread = threading.Thread
_RealCondition = threading.Condition
_PyRLock = threading._PyRLock  # type: ignore[attr-defined]  # the pure-Python RLock, which ours extends

STALL = 1.0  # seconds without a switch point before a scenario gives up scheduling and runs freely
GAPS = (2.0, 50.0)  # range of the mean gap between change points, in switch points (log-uniform per seed)
CHANGES = 500  # past this many change points' worth of steps, gaps grow with the run (bounds the switches)
READY, BLOCKED, DONE = "ready", "blocked", "done"

Tracer = Callable[[FrameType, str, Any], Any]


class _Seats(_thread._local):
    """Per thread: the scheduler and index of a scenario thread (None elsewhere)."""

    seat: tuple[Scheduler, int] | None = None


_seats = _Seats()


class Scheduler:
    """One scenario's baton: which thread runs, which are blocked on which lock, and when to switch.

    Every method but `watch` is called by scenario threads, and by the holder of the baton unless the
    scheduler runs freely; `released` may come from any thread."""

    def __init__(self, threads: int, seed: int) -> None:
        self._rng = _Random(seed)
        self._mutex = _allocate_lock()
        self._turns = [_RealCondition(self._mutex) for _ in range(threads)]
        self._ended = _RealCondition(self._mutex)
        self._priority = self._rng.sample(range(threads, 2 * threads), threads)
        self._mean_gap = math.exp(self._rng.uniform(math.log(GAPS[0]), math.log(GAPS[1])))
        self._state = [READY] * threads
        self._waiting_on: list[Lock | None] = [None] * threads
        self._timed = [False] * threads
        self._timed_out = [False] * threads
        self._arrived = 0
        self._dirty = False  # a release made a thread runnable since the holder last chose
        self.idents: dict[int, int] = {}
        self.holder: int | None = None
        self.steps = 0
        self.next_change = self._gap()
        self.switches = 0
        self.finished = 0
        self.free = False
        self.deadlock = False

    def _gap(self) -> int:
        # A switch costs a real thread handoff (~10 us): a long run (long windows, big critical sections)
        # keeps about CHANGES * (1 + ln(steps / (CHANGES * mean gap))) change points, not steps / mean gap.
        mean = max(self._mean_gap, self.steps / CHANGES)
        return self._rng.randint(1, max(1, round(2 * mean) - 1))

    # -- called by scenario threads ---------------------------------------------------------------------------

    def enter(self, index: int) -> None:
        """Wait until every thread has arrived and this one is given the baton."""
        with self._mutex:
            self.idents[_get_ident()] = index
            self._arrived += 1
            if self._arrived == len(self._turns):
                self._hand_to(self._best())
            self._wait_turn(index)

    def point(self, index: int) -> None:
        """A switch point: count it; at a change point (or after a release woke a thread), choose again."""
        if self.free:
            return
        self.steps += 1
        if self.steps >= self.next_change or self._dirty:
            with self._mutex:
                if self.free:
                    return
                if self.steps >= self.next_change:
                    self.next_change = self.steps + self._gap()
                    self._priority[index] = min(self._priority) - 1
                self._dirty = False
                self._hand_to(self._best())
                self._wait_turn(index)

    def acquire(self, lock: Lock, index: int, blocking: bool, timeout: float) -> bool:
        self.point(index)
        while not lock._real.acquire(False):
            if not blocking or timeout == 0:
                return False
            timed_out = self._block(index, lock, timeout > 0)
            if self.free:
                return lock._real.acquire(True, timeout)
            if timed_out:
                return False
        return True

    def pause(self, index: int) -> None:
        """A forced change point: the thread drops below all others and waits until each of them has finished,
        blocked, or dropped below it in turn (a slow step of the test's own, such as a loader taking its time)."""
        if self.free:
            return
        with self._mutex:
            if self.free:
                return
            self._priority[index] = min(self._priority) - 1
            self._hand_to(self._best())
            self._wait_turn(index)

    def settled(self, index: int) -> bool:
        """Whether every other thread has finished or is blocked."""
        return all(state is not READY for i, state in enumerate(self._state) if i != index)

    def leave(self, index: int) -> None:
        with self._mutex:
            self._state[index] = DONE
            self.finished += 1
            if self.free:
                self._ended.notify_all()
            else:
                self._hand_to(self._pick())

    # -- called by any thread ---------------------------------------------------------------------------------

    def released(self, lock: Lock) -> None:
        """Make the threads blocked on `lock` runnable; they try again in priority order."""
        with self._mutex:
            for index, waited in enumerate(self._waiting_on):
                if waited is lock:
                    self._state[index], self._waiting_on[index] = READY, None
                    self._dirty = True
            if self._dirty and self.holder is None and not (self.free or self.deadlock):
                self._hand_to(self._best())  # all were blocked, on a lock held outside the scenario

    def watch(self, threads: list[threading.Thread], seconds: float) -> None:
        """(Main thread.) Return when the scenario has ended, deadlocked or run out of time; on a stall, let
        the threads run freely."""
        deadline = _monotonic() + seconds
        with self._mutex:
            seen = -1
            while not (self.free or self.deadlock or self.finished == len(self._turns)):
                left = deadline - _monotonic()
                if left <= 0:
                    return
                if self.steps == seen:
                    self.free = True
                    for turn in self._turns:
                        turn.notify_all()
                    break
                seen = self.steps
                self._ended.wait(min(STALL, left))
        if not self.deadlock:
            for each in threads:
                each.join(max(0.0, deadline - _monotonic()))

    # -- the rest: the mutex is held --------------------------------------------------------------------------

    def _wait_turn(self, index: int) -> None:
        while self.holder != index and not self.free:
            self._turns[index].wait()

    def _hand_to(self, index: int | None) -> None:
        if index != self.holder:
            self.switches += 1
            self.holder = index
            if index is not None:
                self._turns[index].notify()

    def _best(self) -> int | None:
        ready = [i for i, state in enumerate(self._state) if state is READY]
        return max(ready, key=self._priority.__getitem__, default=None)

    def _block(self, index: int, lock: Lock, timed: bool) -> bool:
        """Wait, without the baton, until `lock` is released; say whether the wait timed out instead."""
        with self._mutex:
            if self.free:
                return False
            self._state[index], self._waiting_on[index], self._timed[index] = BLOCKED, lock, timed
            lock._scheduler = self
            if not lock._real.locked():  # released meanwhile by a thread outside the scenario
                self._state[index], self._waiting_on[index] = READY, None
                return False
            self._hand_to(self._pick())
            self._wait_turn(index)
            timed_out, self._timed_out[index] = self._timed_out[index], False
            return timed_out

    def _pick(self) -> int | None:
        """The next holder when the current one blocks or ends; None when no thread can run."""
        best = self._best()
        if best is not None:
            return best
        unfinished = [i for i, state in enumerate(self._state) if state is not DONE]
        timed = [i for i in unfinished if self._timed[i]]
        if timed:  # nothing else can happen, so a timed wait runs out
            chosen = max(timed, key=self._priority.__getitem__)
            self._state[chosen], self._waiting_on[chosen], self._timed_out[chosen] = READY, None, True
            return chosen
        # All blocked, each on a lock held by a scenario thread: none can ever go on. Otherwise a thread outside
        # the scenario holds one of those locks, and its release hands the baton on.
        owners = {getattr(self._waiting_on[i], "_owner", None) for i in unfinished}
        self.deadlock = bool(unfinished) and owners <= self.idents.keys()
        if not unfinished or self.deadlock:
            self._ended.notify_all()
        return None


class Lock:
    """threading.Lock, whose operations are switch points of a scenario thread and which blocks it through
    the scheduler. Elsewhere, the real lock it wraps."""

    __slots__ = ("_owner", "_real", "_scheduler")

    def __init__(self) -> None:
        self._real = _allocate_lock()
        self._owner: int | None = None  # who acquired it: tells a deadlock from a wait on an outside thread
        self._scheduler: Scheduler | None = None  # the last scheduler a thread blocked on this lock through

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        seat = _seats.seat
        if seat is None or seat[0].free:
            got = self._real.acquire(blocking, timeout)
        else:
            if (not blocking and timeout != -1) or (timeout < 0 and timeout != -1):
                return self._real.acquire(blocking, timeout)  # raises the real lock's ValueError
            got = seat[0].acquire(self, seat[1], blocking, timeout)
        if got:
            self._owner = _get_ident()
        return got

    __enter__ = acquire

    def release(self) -> None:
        self._real.release()
        self._owner = None
        if self._scheduler is not None:
            self._scheduler.released(self)
        seat = _seats.seat
        if seat is not None:
            seat[0].point(seat[1])

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def locked(self) -> bool:
        return self._real.locked()

    def _is_owned(self) -> bool:
        # What Condition concludes for a plain lock (locked at all), without the acquire(False) it tries.
        return self._real.locked()

    def _at_fork_reinit(self) -> None:
        self._real._at_fork_reinit()  # type: ignore[attr-defined]
        self._owner = None

    def __repr__(self) -> str:
        return f"<{'locked' if self.locked() else 'unlocked'} threading.Lock object at {id(self):#x}>"


class RLock(_PyRLock):  # type: ignore[misc,valid-type]
    """threading.RLock: the standard library's pure-Python RLock, on a Lock the scheduler knows."""

    def __init__(self) -> None:
        super().__init__()
        self._block = Lock()


class Condition(_RealCondition):  # type: ignore[misc,valid-type]
    """threading.Condition whose wait() blocks on a Lock the scheduler knows (the standard wait() allocates
    a raw lock); its default lock is our RLock, through the name `RLock` in threading."""

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = Lock()
        waiter.acquire()
        self._waiters.append(waiter)  # type: ignore[attr-defined]
        saved_state = self._release_save()  # type: ignore[attr-defined]
        gotit = False
        try:
            if timeout is None:
                gotit = waiter.acquire()
            else:
                gotit = waiter.acquire(True, timeout) if timeout > 0 else waiter.acquire(False)
            return gotit
        finally:
            self._acquire_restore(saved_state)  # type: ignore[attr-defined]
            if not gotit:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)  # type: ignore[attr-defined]


threading.Lock = Lock  # type: ignore[assignment,misc]
threading.RLock = RLock  # type: ignore[assignment,misc]
threading.Condition = Condition  # type: ignore[misc]


def _tracer(path: str, scheduler: Scheduler, index: int) -> Tracer:
    point = scheduler.point

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            point(index)
        return local

    def global_(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == path:
            frame.f_trace_lines = False
            frame.f_trace_opcodes = True
            return local
        return None

    return global_


# -- Composite operations: a test's own sequence of calls, named in a plan like a method ------------------------

def _cas_increment(counter: Any, wins_wanted: int) -> list[Any]:
    """counter kata: read the value, then try to swap in value + 1, until `wins_wanted` swaps succeeded; every
    win is recorded as the value seen. Bounded, so a compare_and_set that never succeeds cannot loop forever."""
    wins = []
    for _ in range(wins_wanted * 1000):
        seen = counter.value
        if counter.compare_and_set(seen, seen + 1) is True:
            wins.append(seen)
            if len(wins) == wins_wanted:
                break
    return wins


COMPOSITES: dict[str, Callable[..., Any]] = {"cas_increment": _cas_increment}


def _perform(shared: Any, step: list[Any], doubles: Doubles) -> Any:
    name, args = step
    if name == "$wait":  # a step of the test's own: wait for an event a loader sets
        return doubles.event(args[0]).wait()
    composite = COMPOSITES.get(name)
    if composite is not None:
        return composite(shared, *args)
    return getattr(shared, name)(*doubles.resolve(args))


# -- Test doubles: a fake clock and recording loaders, written in the test's plain data --------------------------

SLOW_ROUNDS = 200  # how many times a slow loader lets the other threads run before it returns anyway


class Doubles(CoreDoubles):
    """The shared doubles (a fake clock) and `{"$loader": {...}}` in arguments, keeping what they saw: a
    loader records each call (its key) in `loads`. A loader spec says what the loader does:
    `value` to return; `fails` ([exception name, message]) to raise instead (with `once`, only on the first
    call for its `key`); `started` (an event name) to set that event as it starts; `slow` to let every other
    scenario thread run (until each finished or blocked) first; `after` to wait for an event, and `then` to set
    one once loaded. A plan's step `["$wait", [event name]]` waits for an event too."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[Any] = []
        self.failed: set[Any] = set()
        self.events: dict[str, threading.Event] = {}
        self.unsettled = 0  # slow loaders that gave up waiting for the other threads to finish or block

    def make(self, tag: str, spec: dict[str, Any]) -> Any:
        if tag == "$loader" and len(spec) == 1:
            return self._loader(spec["$loader"])
        return super().make(tag, spec)

    def event(self, name: str) -> threading.Event:
        return self.events.setdefault(name, threading.Event())  # a scheduler-aware Event (our Condition)

    def _loader(self, spec: dict[str, Any]) -> Callable[[], Any]:
        def load() -> Any:
            self.loads.append(spec.get("key"))
            if spec.get("started"):
                self.event(spec["started"]).set()
            seat = _seats.seat
            if spec.get("slow") and seat is not None:
                scheduler, index = seat
                for _ in range(SLOW_ROUNDS):
                    if scheduler.settled(index):
                        break
                    scheduler.pause(index)
                else:  # another thread kept running all along: busy, or spinning while it waits
                    self.unsettled += 1
            if spec.get("after"):
                self.event(spec["after"]).wait()
            if spec.get("fails") and not (spec.get("once") and spec.get("key") in self.failed):
                self.failed.add(spec.get("key"))
                name, message = spec["fails"]
                raise getattr(builtins, name if name in EXCEPTIONS else "RuntimeError")(message)
            if spec.get("then"):
                self.event(spec["then"]).set()
            return spec.get("value")

        return load


_made: list[tuple[Any, Doubles]] = []  # learner objects made by `make`, by handle, with their doubles


def make(module: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> int:
    """Construct the learner's class `name` with doubles in its arguments; return a handle for `act`."""
    doubles = Doubles()
    _made.append((getattr(module, name)(*doubles.resolve(args), **{k: doubles.resolve(v) for k, v in kwargs.items()}),
                  doubles))
    return len(_made) - 1


def _repeat(shared: Any, doubles: Doubles, count: int, seconds: float, method: str, *args: Any) -> list[int]:
    """Call `method(*args)` `count` times, the clocks moving on `seconds` before each call: how many calls
    returned True, and by how many KiB the memory allocated during the run and still held at its end grew.
    tracemalloc sees every allocation of Python objects, exactly and on every platform, and only while the run
    lasts; resident-set figures would carry the allocator's caching."""
    call = getattr(shared, method)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        allowed = 0
        for _ in range(count):
            doubles.advance(seconds)
            allowed += call(*args) is True
        return [allowed, max(0, tracemalloc.get_traced_memory()[0] - before) // 1024]
    finally:
        tracemalloc.stop()


def act(module: Any, handle: int, operations: list[list[Any]]) -> list[dict[str, Any]]:
    """Run operations on a made object, in one round trip: `["advance", seconds]` moves its clocks on, `["len"]`
    is len(obj), `["in", key]` is `key in obj`, `["repeat", count, seconds, method, *args]` a long run of calls
    measured (see `_repeat`), anything else a method call with doubles in its arguments.
    Each gives `{"returned": value}` or `{"raised": [type, message]}`, and `"loads"`: the loader calls it made."""
    shared, doubles = _made[handle]
    results: list[dict[str, Any]] = []
    for name, *args in operations:
        before = len(doubles.loads)
        try:
            if name == "advance":
                doubles.advance(args[0])
                outcome: dict[str, Any] = {"returned": None}
            elif name == "len":
                outcome = {"returned": len(shared)}
            elif name == "repeat":
                outcome = {"returned": _repeat(shared, doubles, *args)}
            elif name == "in":
                outcome = {"returned": args[0] in shared}
            else:
                outcome = {"returned": getattr(shared, name)(*doubles.resolve(args))}
        except NotImplementedError:
            raise  # an untouched stub: the worker reports it as not started
        except Exception as error:
            outcome = {"raised": [type(error).__name__, str(error)]}
        results.append({**outcome, "loads": len(doubles.loads) - before})
    return results


def run_scenario(module: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    """Make the shared object (`"create": [class name, args]`), run one thread per plan (a list of
    `[method or composite, args]`, with test doubles in the arguments) under a Scheduler seeded with `"seed"`,
    and report what each call returned, each thread's error, the loaders' calls, and the `"final"` attribute
    of the object (default `value`)."""
    path = module.__file__
    plans: list[list[list[Any]]] = scenario["plans"]
    seconds = float(scenario["seconds"])
    name, args = scenario["create"]
    doubles = Doubles()
    shared = getattr(module, name)(*doubles.resolve(args))
    scheduler = Scheduler(len(plans), int(scenario["seed"]))
    returned: list[list[Any] | None] = [None] * len(plans)
    errors: list[str | None] = [None] * len(plans)
    untraced = [False] * len(plans)

    def thread(index: int) -> None:
        tracer = _tracer(path, scheduler, index)
        _seats.seat = (scheduler, index)
        _settrace(tracer)
        try:
            scheduler.enter(index)
            returned[index] = [_perform(shared, step, doubles) for step in plans[index]]
        except BaseException as error:  # reported, not raised: the other threads' observations still count
            errors[index] = f"{type(error).__name__}: {error}"
        finally:
            untraced[index] = _gettrace() is not tracer
            _settrace(None)
            _seats.seat = None
            scheduler.leave(index)

    threads = [_Thread(target=thread, args=(i,), daemon=True) for i in range(len(plans))]
    for each in threads:
        each.start()
    scheduler.watch(threads, seconds)
    stuck = len(plans) - scheduler.finished if scheduler.deadlock else sum(each.is_alive() for each in threads)
    if stuck:
        return {"stuck": stuck, "seconds": seconds, "deadlock": scheduler.deadlock,
                "free_running": scheduler.free}
    attribute = scenario.get("final", "value")  # None: the object has no final state worth reporting
    final = getattr(shared, attribute) if attribute else None
    return {"returned": returned, "errors": errors, "final": final, "loads": doubles.loads,
            "unsettled": doubles.unsettled,
            "untraced": any(untraced), "free_running": scheduler.free,
            "steps": scheduler.steps, "switches": scheduler.switches}


# -- Decorators on fake time: a learner's decorator factory applied to a scripted function -----------------------

# The exceptions a script may raise and a test may name in the factory's options: builtins only, with subclass
# relations worth testing (TimeoutError and ConnectionError are OSErrors; ConnectionResetError a ConnectionError).
EXCEPTIONS = ("OSError", "TimeoutError", "ConnectionError", "ConnectionResetError", "ValueError", "KeyError")
SCRIPTED = {"__name__": "fetch_quote", "__qualname__": "QuoteClient.fetch_quote", "__module__": "quotes",
            "__doc__": "Fetch a quote from a flaky server."}


def decorate(module: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """Call the learner's decorator factory `spec["factory"]` with `spec["options"]` (exception names under
    "on" become the builtin classes; `sleep` and `async_sleep` become recorders), apply the decorator to a
    scripted function (`async def` when `spec["async"]`) whose successive calls raise or return as the steps of
    `spec["script"]` say (`["raise", name, message]`, `["return", value]`; the last step repeats), call what it
    returns with `spec["args"]` and `spec["kwargs"]`, and report: the factory's signature, the wrapper's
    metadata, the timeline of calls and sleeps, and what came out (an exception by type and message, and
    whether it is the very object the script raised last, raised from the script's own line)."""
    factory = getattr(module, spec["factory"])
    timeline: list[list[Any]] = []
    raised: list[BaseException] = []
    script: list[list[Any]] = spec["script"]

    def step(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        move = script[min(sum(event[0] == "call" for event in timeline), len(script) - 1)]
        timeline.append(["call", list(args), kwargs])
        if move[0] == "raise":
            raised.append(getattr(builtins, move[1])(move[2]))
            raise raised[-1]
        return move[1]

    def scripted(*args: Any, **kwargs: Any) -> Any:
        return step(args, kwargs)

    async def scripted_async(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return step(args, kwargs)

    def sleep(seconds: Any) -> None:
        timeline.append(["sleep", seconds])

    async def async_sleep(seconds: Any) -> None:
        timeline.append(["async_sleep", seconds])

    target = scripted_async if spec["async"] else scripted
    for name, value in SCRIPTED.items():
        setattr(target, name, value)
    target.marker = "kept"  # type: ignore[attr-defined]  # functools.wraps copies __dict__ too
    report: dict[str, Any] = {"signature": _signature(factory)}
    options = {"sleep": sleep, "async_sleep": async_sleep, **spec["options"]}
    if isinstance(options.get("on"), list):
        options["on"] = tuple(getattr(builtins, name) for name in options["on"] if name in EXCEPTIONS)
    try:
        wrapped = factory(**options)(target)
    except NotImplementedError:
        raise  # an untouched stub: the worker reports it as not started
    except Exception as error:  # a refusal at decoration time is what some tests want to see
        return {**report, "decorate_error": [type(error).__name__, str(error)]}
    report["coroutine_function"] = inspect.iscoroutinefunction(wrapped)
    report["metadata"] = {**{name: getattr(wrapped, name, None) for name in SCRIPTED},
                          "marker": getattr(wrapped, "marker", None),
                          "__wrapped__": getattr(wrapped, "__wrapped__", None) is target}
    try:
        result = wrapped(*spec["args"], **spec["kwargs"])
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
    except Exception as error:
        origin = {step.__code__}
        report["raised"] = {"type": type(error).__name__, "message": str(error),
                            "last": bool(raised) and error is raised[-1],
                            "from_script": any(tb.tb_frame.f_code in origin for tb in _frames(error.__traceback__))}
    else:
        report["returned"] = result
    report["timeline"] = timeline
    return report


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _frames(tb: Any) -> list[Any]:
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    return frames


def _signature(factory: Any) -> dict[str, Any]:
    """Each parameter's kind, and for `sleep` and `async_sleep` whether the default is the real one."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}
    real = {"sleep": time.sleep, "async_sleep": asyncio.sleep}
    return {name: [parameter.kind.name, name in real and parameter.default is real[name]]
            for name, parameter in parameters.items()}
