"""The trusted side of the worker boundary: start workers, call learner code, turn what comes back into
values or learner-facing failures.

Tests never see learner objects, only decoded plain data; a worker that dies, hangs or sends garbage
fails the current test with a clear message and is replaced for the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dojo import worker as wire
from dojo.manifest import ROOT, Kata
from dojo.sandbox import Sandbox

WORKER_SCRIPT = Path(wire.__file__).resolve()
# The dojo modules learner code may import (`from dojo.tables import Employee`); nothing else of the project.
LEARNER_API = ("tables.py",)
PR_SET_PDEATHSIG = 1
OUTPUT_LIMIT = 1024 * 1024
HANG_LIMIT = 2  # bytes of a worker's printed output kept; the rest is cut with a note


class KataFailure(AssertionError):
    """A failure written for the learner: the message is the whole story, no traceback needed."""


class NotStarted(KataFailure):
    """The learner's function still raises NotImplementedError."""


class LoadFailure(KataFailure):
    """The learner's module is missing, does not compile, fails on import or lacks a name."""


class WorkerTrouble(KataFailure):
    """The worker died, hung past the call deadline, or broke the protocol."""


class LearnerRaised(KataFailure):
    """The learner's code raised an exception it was not expected to raise."""

    def __init__(self, message: str, mro: Sequence[str]) -> None:
        super().__init__(message)
        self.mro = tuple(mro)

    def is_a(self, exception: type[BaseException]) -> bool:
        return exception.__name__ in self.mro


def display_path(path: Path) -> str:
    """A path as the learner typed it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def short_repr(value: Any, limit: int = 60) -> str:
    """repr() that stays readable for a million-character argument."""
    if isinstance(value, str | bytes) and len(value) > limit:
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{value[: limit // 2]!r}... ({len(value):,} {unit})"
    text = repr(value)
    return text if len(text) <= 4 * limit else text[: 4 * limit] + "..."


def call_text(function: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    shown = [short_repr(a) for a in args] + [f"{k}={short_repr(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(shown)})"


@dataclass(frozen=True)
class Implementation:
    """Which code is under test: the learner's stubs, the references, or a student's submission folder."""

    label: str
    folder: Path

    @classmethod
    def parse(cls, value: str) -> Implementation:
        if value in ("katas", "solutions"):
            return cls(value, ROOT / value)
        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise ValueError(f"--kata-impl {value!r}: expected 'katas', 'solutions' or a folder that exists")
        return cls(str(folder), folder.resolve())

    def module_path(self, kata: Kata) -> Path:
        """The learner's module for `kata`: `<folder>/<kata>.py`, or `<folder>/katas/<kata>.py` in a repo clone."""
        direct = self.folder / f"{kata.name}.py"
        nested = self.folder / "katas" / f"{kata.name}.py"
        return nested if not direct.exists() and nested.exists() else direct


def _load_failure(response: dict[str, Any], kata: Kata, shown: str) -> str:
    kind = response["load_error"]
    if kind == "syntax":
        return (f"{shown}, line {response.get('line')}: syntax error: {response.get('message')}\n"
                f"    {response.get('code', '')}\nFix that line and run the kata again.")
    if kind == "import":
        return f"Importing {shown} failed.\n{_raised_text(response['error'], shown)}"
    if kind == "missing":
        names = ", ".join(response.get("missing", []))
        return (f"{shown} does not define {names}. Keep the names and signatures from the stub; "
                f"the kata needs: {', '.join(kata.functions)}.")
    return f"{shown} could not be read: {response.get('message')}"


def _raised_text(error: dict[str, Any], shown: str) -> str:
    lines = [f"raised {error.get('type')}: {error.get('message')}".rstrip(": ")]
    for frame in error.get("frames", []):
        lines.append(f"  {shown}, line {frame.get('line')}, in {frame.get('function')}")
        if frame.get("code"):
            lines.append(f"    {frame['code']}")
    return "\n".join(lines)


class Worker:
    """One worker process with the learner's module loaded in it."""

    def __init__(self, kata: Kata, module_path: Path, sandbox: Sandbox | None = None) -> None:
        self.kata = kata
        self.module_path = module_path
        self.sandbox = sandbox
        self.shown = display_path(module_path)
        self.process: subprocess.Popen[bytes] | None = None
        self.load_failure = ""
        self._home = Path(tempfile.mkdtemp(prefix=f"kata-{kata.name}-"))
        self._output = (self._home / "output.txt").open("w+b")
        self._output_seen = 0
        self._read_fd = -1
        self._write_fd = -1
        self._buffer = bytearray()

    @property
    def home(self) -> Path:
        return self._home

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Spawn the process and load the module; a load failure is kept in `load_failure`."""
        if not self.module_path.is_file():
            self.load_failure = (f"{self.shown} does not exist. Create it with: {', '.join(self.kata.functions)} "
                                 f"(in a fresh clone it is the kata's stub).")
            return
        inside = self._prepare_home()
        argv = [sys.executable, "-I", str(inside / "worker.py")]
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        argv += [str(to_child), str(from_child), str(self._home / "lib")]
        sandbox = self.sandbox
        self.process = subprocess.Popen(
            sandbox.command(argv, self._home) if sandbox else argv,
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            cwd=self._home,
            env={**os.environ, **sandbox.environment(self._home)} if sandbox else None,
            preexec_fn=_child_setup(sandbox),
            start_new_session=True,  # its own process group, so a kill takes its children too
        )
        os.close(to_child)
        os.close(from_child)
        self._write_fd, self._read_fd = from_parent, to_parent
        self._buffer.clear()
        request = {"op": "load", "path": str(self._home / f"{self.kata.name}.py"), "name": self.kata.name,
                   "functions": list(self.kata.functions), "extensions": list(self.kata.extensions)}
        try:
            response = self.request(request, timeout=max(self.kata.call_timeout, 30.0))
        except (WorkerTrouble, TimeoutError) as trouble:
            reason = str(trouble) or "it did not finish loading within 30 s"
            self.load_failure = f"Importing {self.shown} did not work out: {reason}"
            return
        if "load_error" in response:
            self.load_failure = _load_failure(response, self.kata, self.shown)

    def _prepare_home(self) -> Path:
        """The worker's folder: the worker scripts, a copy of the learner's module, and the dojo modules
        learners may import. In a sandbox it is the only project folder the worker can see."""
        scripts = self._home / "bin"
        if not scripts.exists():
            scripts.mkdir()
            for script in WORKER_SCRIPT.parent.glob("worker*.py"):
                shutil.copy(script, scripts / script.name)
            (self._home / "lib" / "dojo").mkdir(parents=True)
            (self._home / "lib" / "dojo" / "__init__.py").touch()
            for name in LEARNER_API:
                if WORKER_SCRIPT.with_name(name).exists():  # a student export without SQL katas has no tables
                    shutil.copy(WORKER_SCRIPT.with_name(name), self._home / "lib" / "dojo" / name)
            self._home.chmod(0o755)  # readable by the sandbox's unprivileged user; the copies are 0644
        shutil.copy(self.module_path, self._home / f"{self.kata.name}.py")
        return scripts

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its answer; raise WorkerTrouble on death, hang or garbage."""
        try:
            wire.write_message(self._write_fd, message)
        except (BrokenPipeError, OSError):
            raise self._died() from None
        try:
            return self._receive(timeout)
        except wire.ProtocolError as error:
            self.stop()
            raise WorkerTrouble(f"the worker running {self.shown} sent garbage ({error}); it was restarted") from None
        except EOFError:
            raise self._died() from None

    def _receive(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            if len(self._buffer) >= wire.HEADER.size:
                (size,) = wire.HEADER.unpack_from(self._buffer)
                if size > wire.MAX_MESSAGE:
                    raise wire.ProtocolError(f"a frame of {size} bytes")
                end = wire.HEADER.size + size
                if len(self._buffer) >= end:
                    body = bytes(self._buffer[wire.HEADER.size : end])
                    del self._buffer[:end]
                    return wire.parse_message(body)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._read_fd], [], [], remaining)[0]:
                self.stop()
                raise TimeoutError
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise EOFError
            self._buffer += chunk

    def _died(self) -> WorkerTrouble:
        code = self.process.wait() if self.process else None
        self.stop()
        how = f"killed by signal {signal.Signals(-code).name}" if code and code < 0 else f"exit status {code}"
        tail = self.take_output()[-500:]
        printed = f"\nLast output:\n{tail}" if tail.strip() else ""
        return WorkerTrouble(f"the process running {self.shown} ended ({how}) in the middle of a call: "
                             f"sys.exit(), os._exit() or a crash?{printed}")

    def take_output(self) -> str:
        """What the learner's code printed since the last look (capped)."""
        self._output.flush()
        size = self._output.seek(0, os.SEEK_END)
        self._output.seek(min(self._output_seen, size))
        data = self._output.read(max(0, min(size, OUTPUT_LIMIT) - self._output_seen))
        self._output_seen = size
        text = data.decode("utf-8", "replace")
        return text + ("\n[output cut at 1 MiB]" if size > OUTPUT_LIMIT and data else "")

    def stop(self) -> None:
        """Kill the whole process group; safe to call twice."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
        for fd in (self._read_fd, self._write_fd):
            if fd >= 0:
                os.close(fd)
        self._read_fd = self._write_fd = -1

    def close(self) -> None:
        self.stop()
        self._output.close()
        shutil.rmtree(self._home, ignore_errors=True)


def _child_setup(sandbox: Sandbox | None) -> Callable[[], None]:
    """Runs in the child before exec: die with the test process, then the sandbox's limits."""
    def setup() -> None:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if sandbox is not None:
            sandbox.limits.apply()

    return setup


class WorkerPool:
    """One live worker per kata for a test session; a dead one is replaced on the next call."""

    def __init__(self, implementation: Implementation, sandbox: Sandbox | None = None,
                 overridden: frozenset[str] = frozenset()) -> None:
        self.implementation = implementation
        self.sandbox = sandbox
        self.overridden = overridden  # Limits fields set by the grader, which win over the manifest
        self._workers: dict[str, Worker] = {}
        # Requests that hung, and the failure they gave: asked again (in a later test), they fail at once.
        self.hung: dict[str, str] = {}
        # Hangs per learner function: past HANG_LIMIT, every call of that function fails at once, so a
        # deadlocked submission costs seconds, not a timeout per test.
        self.hangs: dict[str, list[str]] = {}
        # Learner functions seen raising NotImplementedError, per kata, with the learner-facing message.
        self.not_started: dict[str, dict[str, str]] = {}

    def worker(self, kata: Kata) -> Worker:
        current = self._workers.get(kata.name)
        if current is not None and (current.alive or current.load_failure):
            return current
        if current is not None:
            current.close()
        sandbox = self.sandbox
        if sandbox is not None:  # the kata's own limits, unless the grader overrode them
            sandbox = replace(sandbox, limits=replace(sandbox.limits, **{
                name: value for name, value in (("memory_mb", kata.memory_mb), ("cpu_seconds", int(kata.time_limit)))
                if name not in self.overridden}))
        fresh = Worker(kata, self.implementation.module_path(kata), sandbox)
        self._workers[kata.name] = fresh
        fresh.start()
        return fresh

    def discard(self, kata: Kata) -> None:
        worker = self._workers.pop(kata.name, None)
        if worker is not None:
            worker.close()

    def close(self) -> None:
        for each in self._workers.values():
            each.close()
        self._workers.clear()


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
        try:
            response = worker.request(message, timeout=self.kata.call_timeout)
        except TimeoutError:
            # Later calls in this test fail at once, so Hypothesis does not wait out the deadline per example.
            self._poisoned = self._pool.hung[key] = (
                f"Called {description}; it did not return within {self.kata.call_timeout:g} s: "
                f"an endless loop, a deadlock, a wait that never ends, or far too slow?")
            self.record_hang(function, self._poisoned)
            raise WorkerTrouble(self._poisoned) from None
        self.last_output = worker.take_output()
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
            text = f"Called {description}; {_raised_text(raised, worker.shown)}"
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

    def extension(self, extension: str, function: str, *args: Any, description: str) -> Any:
        """Run a worker-side helper of the kata (dojo/worker_<extension>.py) on the learner's module."""
        message = {"op": "ext", "extension": extension, "function": function, "args": wire.encode(list(args))}
        return self._send(description, message)

    def workspace(self) -> Path:
        """A fresh folder both sides can use (inside the worker's own folder, so a sandbox shows it too)."""
        worker = self._pool.worker(self.kata)
        if worker.load_failure:
            raise LoadFailure(worker.load_failure)
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


def describe(value: Any) -> str:
    """A value for a failure message; the type is named where a repr could hide it."""
    if isinstance(value, wire.Unencodable):
        return f"a {value.type_name} object ({value.text})"
    shown = short_repr(value)
    if type(value) in (bool, type(None)):
        return shown
    article = {int: "an int", float: "a float"}.get(type(value))
    return f"{shown} ({article})" if article else shown
