"""What tests hold: proxies for the learner's functions and objects, which run in the worker and give
back plain data, and the check that compares a call with its expectation in the learner's words."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dojo.manifest import Kata
from dojo.trusted.failures import (
    KataFailure,
    LearnerRaised,
    LoadFailure,
    NotStarted,
    WorkerTrouble,
    call_text,
    describe,
    raised_text,
    short_repr,
)
from dojo.trusted.process import HANG_LIMIT, Hung, WorkerPool
from dojo.trusted.submissions import display_path
from dojo.worker import wire


class KataProxy:
    """What a test calls: `kata.is_palindrome(text)` runs in the worker and returns plain data."""

    def __init__(self, pool: WorkerPool, kata: Kata) -> None:
        self._pool = pool
        self.kata = kata
        untouched = pool.not_started.get(kata.name, {})
        if set(untouched) >= set(kata.functions):
            # Every function is still the stub: say so at once instead of running (and shrinking) each test.
            raise NotStarted(next(iter(untouched.values())))
        self._poisoned = ""
        self.last_output = ""

    @property
    def module_path(self) -> Path:
        return self._pool.implementation.module_path(self.kata)

    @property
    def caged(self) -> bool:
        """Whether the worker runs in the grader's cage (no network of the host, its own folder only)."""
        return self._pool.sandbox is not None

    def __getattr__(self, name: str) -> RemoteFunction:
        kata = self.__dict__.get("kata")
        if kata is not None and name in kata.functions:
            return RemoteFunction(self, name)
        raise AttributeError(f"kata {getattr(kata, 'name', '?')!r} has no function {name!r}")

    def record_hang(self, function: str, message: str) -> None:
        """Count a hang of `function` (also one a worker-side helper detected, such as stuck threads)."""
        self._pool.hangs.setdefault(f"{self.kata.name}:{function}", []).append(message)

    def _send(self, description: str, message: dict[str, Any]) -> Any:
        key = f"{self.kata.name}:{json.dumps(message, sort_keys=True)}"
        function = str(message.get("function") or message.get("name"))
        earlier = self._pool.hangs.get(f"{self.kata.name}:{function}", [])
        if self._poisoned or key in self._pool.hung:
            raise WorkerTrouble(self._poisoned or self._pool.hung[key])
        if len(earlier) >= HANG_LIMIT:
            raise WorkerTrouble(f"Not run: {function} hung {len(earlier)} times already. The first time:\n"
                                f"{earlier[0]}")
        worker = self._pool.worker(self.kata)
        if worker.load_failure:
            raise LoadFailure(worker.load_failure)
        observer = self._pool.observer
        try:
            response = worker.request(message, timeout=self.kata.call_timeout)
        except Hung as hung:
            if observer is not None:
                observer.unobserved("a call hung")
            # Later calls in this test fail at once, so Hypothesis does not wait out the deadline per example.
            self._poisoned = self._pool.hung[key] = (
                f"Called {description}; it did not return within {self.kata.call_timeout:g} s: "
                f"an endless loop, a deadlock, a wait that never ends, or far too slow?{hung.where}")
            self.record_hang(function, self._poisoned)
            raise WorkerTrouble(self._poisoned) from None
        except WorkerTrouble:
            if observer is not None:
                observer.unobserved("the worker failed")
            raise
        self.last_output = worker.take_output()
        if observer is not None:
            observer.answered(self.kata, worker, message, response, self.last_output)
        if "returned" in response:
            try:
                return wire.decode(response["returned"])
            except wire.ProtocolError as error:
                worker.stop()
                raise WorkerTrouble(f"Called {description}; the worker sent garbage ({error})") from None
        if "not_implemented" in response:
            text = (f"not started yet: open {worker.shown} and write {description.split('(')[0]}"
                    f" (it still raises NotImplementedError).")
            self._pool.not_started.setdefault(self.kata.name, {})[function] = text
            raise NotStarted(text)
        if "raised" in response:
            raised = response["raised"]
            text = f"Called {description}; {raised_text(raised, worker.shown)}"
            mro = raised.get("mro", [])
            raise LearnerRaised(text + self.printed(), mro if isinstance(mro, list) else [])
        if "protocol_error" in response:
            raise WorkerTrouble(f"Called {description}; its result could not be sent back: "
                                f"{response['protocol_error']}")
        worker.stop()
        raise WorkerTrouble(f"Called {description}; the worker sent an answer of no known kind")

    def locate(self, function: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
        """Where the learner's function returned for these arguments, as a line of feedback ('' if unknown)."""
        message = {"op": "locate", "function": function,
                   "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)}
        try:
            found = self._send(call_text(function, args, kwargs), message)
        except KataFailure:
            return ""
        if not (isinstance(found, list) and len(found) == 2 and type(found[0]) is int):
            return ""
        shown = display_path(self.module_path)
        return f"\nIt returned that at {shown}, line {found[0]}:\n    {found[1]}"

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        message = {"op": "call", "function": function,
                   "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)}
        return self._send(call_text(function, args, kwargs), message)

    def create(self, function: str, *args: Any, **kwargs: Any) -> RemoteObject:
        """Call a class (or factory) of the learner's module and keep the object in the worker."""
        message = {"op": "create", "function": function,
                   "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)}
        text = call_text(function, args, kwargs)
        handle = self._send(text, message)
        if type(handle) is not int:
            raise WorkerTrouble(f"Called {text}; the worker sent garbage instead of an object handle")
        return RemoteObject(self, handle, text)

    def helper(self, function: str, *args: Any, description: str) -> Any:
        """Run a function of the kata kind's worker module (e.g. compile a statement, serve an app) on the
        learner's module; what it returns is plain data, and as untrusted as anything from the worker."""
        message = {"op": "kind", "function": function, "args": wire.encode(list(args))}
        return self._send(description, message)

    def unobserved(self, why: str) -> None:
        """Tell whoever watches this pool's requests (the grader's replay) that the test also reaches the worker
        another way, so its verdict is not only a function of the answers."""
        if self._pool.observer is not None:
            self._pool.observer.unobserved(why)

    def workspace(self) -> Path:
        """A fresh folder both sides can use (inside the worker's own folder, so a sandbox shows it too)."""
        worker = self._pool.worker(self.kata)
        if worker.load_failure:
            raise LoadFailure(worker.load_failure)
        self.unobserved("a folder shared with the worker")
        folder = Path(tempfile.mkdtemp(prefix="ws-", dir=worker.home))
        folder.chmod(0o777)  # the sandbox's unprivileged user writes here
        return folder

    def reset(self) -> None:
        """Throw the worker away (its threads may be stuck); the next call starts a fresh one."""
        self._pool.discard(self.kata)

    def printed(self) -> str:
        text = self.last_output.strip()
        return f"\nYour code printed:\n{text[-1500:]}" if text else ""


class RemoteObject:
    """A learner object living in the worker: `obj.method(args)`, `obj.get("attribute")`, `obj.set(...)`."""

    def __init__(self, proxy: KataProxy, handle: int, text: str) -> None:
        self._proxy = proxy
        self._handle = handle
        self.text = text

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self._proxy, name, owner=self)

    def get(self, name: str) -> Any:
        message = {"op": "getattr", "handle": self._handle, "name": name}
        return self._proxy._send(f"{self.text}.{name}", message)

    def check_attribute(self, name: str, *, returns: Any = None, raises: type[BaseException] | None = None,
                        because: str = "") -> Any:
        """Read an attribute (a property runs learner code) and compare, as RemoteFunction.check does."""
        return expect(f"{self.text}.{name}", lambda: self.get(name), self._proxy,
                      returns=returns, raises=raises, because=because)

    def set(self, name: str, value: Any) -> None:
        message = {"op": "setattr", "handle": self._handle, "name": name, "value": wire.encode(value)}
        self._proxy._send(f"{self.text}.{name} = {short_repr(value)}", message)


class RemoteFunction:
    """A learner function as tests see it: call it, or check it against an expectation in one line."""

    def __init__(self, proxy: KataProxy, name: str, owner: RemoteObject | None = None) -> None:
        self.proxy = proxy
        self.name = name
        self.owner = owner
        self.shown = f"{owner.text}.{name}" if owner else name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.owner is None:
            return self.proxy.call(self.name, *args, **kwargs)
        message = {"op": "method", "handle": self.owner._handle, "name": self.name,
                   "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)}
        return self.proxy._send(call_text(self.shown, args, kwargs), message)

    def check(self, *args: Any, returns: Any = None, raises: type[BaseException] | None = None,
              because: str = "", **kwargs: Any) -> Any:
        """Call, and fail with "Called f(x); returned ...; expected ..." unless the result is exactly `returns`
        (same type and value) or the call raised `raises`."""
        where = None if self.owner else (lambda: self.proxy.locate(self.name, args, kwargs))
        return expect(call_text(self.shown, args, kwargs), lambda: self(*args, **kwargs), self.proxy,
                      returns=returns, raises=raises, because=because, where=where)


def expect(called: str, thunk: Callable[[], Any], proxy: KataProxy, *, returns: Any,
           raises: type[BaseException] | None, because: str, where: Callable[[], str] | None = None) -> Any:
    """Run `thunk` (one call into learner code) and compare with the expectation, in the learner's words."""
    reason = f", because {because}" if because else ""
    if raises is not None:
        try:
            result = thunk()
        except LearnerRaised as error:
            if error.is_a(raises):
                return None
            raise KataFailure(f"{error}\nExpected {raises.__name__} instead{reason}.") from None
        printed = proxy.printed()
        raise KataFailure(f"Called {called}; returned {describe(result)}; expected it to raise "
                          f"{raises.__name__}{reason}.{where() if where else ''}{printed}")
    result = thunk()
    if not same(result, returns):
        printed = proxy.printed()
        raise KataFailure(f"Called {called}; returned {describe(result)}; expected {describe(returns)}{reason}."
                          f"{where() if where else ''}{printed}")
    return result


def same(actual: Any, expected: Any) -> bool:
    """Equal in value and in type, all the way down: 1 is not True, a list is not a tuple."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, list | tuple):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], v) for k, v in expected.items())
    return bool(actual == expected)
