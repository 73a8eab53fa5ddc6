"""The worker process seen from the trusted side: start it with the learner's module, frame requests to it,
wait for answers with a deadline, and keep the hang policy (a call that hung fails fast the next time).

A worker that dies, hangs or sends garbage fails the current call with a clear message and is replaced
for the next one. The same code runs on Linux, macOS and Windows: the requests go down the worker's stdin
and the answers come up its stdout, read by a thread into a queue (which gives the deadline), and the
worker and whatever it starts are killed as one (a process group on POSIX, a job object on Windows).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from dojo import kinds
from dojo.manifest import Kata
from dojo.trusted.failures import WorkerTrouble, load_failure_text
from dojo.trusted.submissions import Implementation, display_path
from dojo.worker import wire

if TYPE_CHECKING:  # the cage is the grader's; learners never load it
    from dojo.grading.sandbox import Sandbox

WORKER_CORE = Path(wire.__file__).resolve().parent
OUTPUT_LIMIT = 1024 * 1024  # bytes of a worker's printed output kept; the rest is cut with a note
HANG_LIMIT = 2  # hangs of one learner function before every call of it fails at once
LOAD_TIMEOUT = 30.0  # seconds a learner's module may take to import
# How long before the deadline the worker writes down where it is: early enough to be on disk when the
# trusted side gives up, late enough that the learner's code is where it would have stayed.
DUMP_MARGIN = 0.5
# A frame line of faulthandler's dump: `  File "/path/x.py", line 7 in f`.
DUMP_FRAME = re.compile(r'^\s+File "(?P<file>.*)", line (?P<line>\d+) in (?P<function>.*)$')

Answer = dict[str, Any] | wire.ProtocolError | EOFError


class Hung(TimeoutError):
    """A request that did not finish in time; `where` says where the learner's code was when it was stopped
    (as lines of feedback, or '' when no thread was in the learner's file)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


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
        self._answers: queue.SimpleQueue[Answer] = queue.SimpleQueue()
        self._tree: ProcessTree | None = None

    @property
    def home(self) -> Path:
        return self._home

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def copy(self) -> Path:
        """The copy of the learner's module that the worker imports."""
        return self._home / f"{self.kata.name}.py"

    @property
    def dump(self) -> Path:
        """Where the worker writes every thread's stack just before a request's deadline."""
        return self._home / "hang.txt"

    def start(self) -> None:
        """Spawn the process and load the module; a load failure is kept in `load_failure`."""
        if not self.module_path.is_file():
            self.load_failure = (f"{self.shown} does not exist. Create it with: {', '.join(self.kata.functions)} "
                                 f"(in a fresh clone it is the kata's stub).")
            return
        inside = self._prepare_home()
        # UTF-8 mode: what learner code prints, and the files it opens, are UTF-8 on every platform.
        argv = [sys.executable, "-I", "-X", "utf8", str(inside / "main.py"), str(self.dump), str(self._home / "lib")]
        sandbox = self.sandbox
        self.process = subprocess.Popen(
            sandbox.command(argv, self._home) if sandbox else argv,
            bufsize=0,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._output,
            cwd=self._home,
            env={**os.environ, **sandbox.environment(self._home)} if sandbox else None,
            preexec_fn=sandbox.limits.apply if sandbox else None,  # the grader's cage: Linux only
            **ProcessTree.SEPARATE,
        )
        self._tree = ProcessTree(self.process)
        self._answers = queue.SimpleQueue()
        assert self.process.stdout is not None  # stdout=PIPE
        threading.Thread(target=_read_answers, args=(self.process.stdout, self._answers), daemon=True,
                         name=f"answers of {self.kata.name}").start()
        kind_modules = [self._home / "bin" / f"kind_{name}.py" for name in self.kata.kinds]
        request = {"op": "load", "path": str(self.copy), "name": self.kata.name,
                   "functions": list(self.kata.functions),
                   "kind_modules": [str(path) for path in kind_modules if path.exists()]}
        timeout = max(self.kata.call_timeout, LOAD_TIMEOUT)
        try:
            response = self.request(request, timeout=timeout)
        except Hung as hung:
            self.load_failure = (f"Importing {self.shown} did not work out: it did not finish loading within "
                                 f"{timeout:g} s.{hung.where}")
            return
        except WorkerTrouble as trouble:
            self.load_failure = f"Importing {self.shown} did not work out: {trouble}"
            return
        if "load_error" in response:
            self.load_failure = load_failure_text(response, self.kata, self.shown)

    def _prepare_home(self) -> Path:
        """The worker's folder: the worker scripts, a copy of the learner's module, and the dojo modules
        learners may import. In a sandbox it is the only project folder the worker can see."""
        scripts = self._home / "bin"
        if not scripts.exists():
            scripts.mkdir()
            for script in ("main.py", "wire.py", "doubles.py"):
                shutil.copy(WORKER_CORE / script, scripts / script)
            (self._home / "lib" / "dojo").mkdir(parents=True)
            (self._home / "lib" / "dojo" / "__init__.py").touch()
            for kind in map(kinds.get, self.kata.kinds):  # its kind, and the kinds it uses
                if (worker := kind.worker_path()) is not None:
                    shutil.copy(worker, scripts / f"kind_{kind.name}.py")
                for name in kind.learner_api:
                    shutil.copy(kind.folder / name, self._home / "lib" / "dojo" / name)
            self._home.chmod(0o755)  # readable by the sandbox's unprivileged user; the copies are 0644
        shutil.copy(self.module_path, self.copy)
        self.dump.write_bytes(b"")
        self.dump.chmod(0o666)  # written by the sandbox's unprivileged user
        return scripts

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its answer; raise Hung past the deadline, WorkerTrouble on death or
        garbage."""
        requests = self.process.stdin if self.process else None
        alarm = timeout - min(DUMP_MARGIN, timeout / 10)
        try:
            if requests is None:
                raise BrokenPipeError
            wire.write_message(requests.fileno(), {**message, "alarm": alarm})
        except OSError:  # a broken pipe: the worker is gone
            raise self._died() from None
        try:
            answer = self._answers.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise Hung(self._where_it_was()) from None
        if isinstance(answer, EOFError):
            raise self._died()
        if isinstance(answer, wire.ProtocolError):
            self.stop()
            raise WorkerTrouble(f"the worker running {self.shown} sent garbage ({answer}); it was restarted")
        return answer

    def _where_it_was(self) -> str:
        """Where each thread of the stopped worker was in the learner's file, from the dump it wrote just
        before the deadline, as lines of feedback."""
        try:
            dump = self.dump.read_text(encoding="ascii", errors="replace")
            source = self.copy.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        # faulthandler writes paths in ASCII, with backslash escapes for anything else.
        learner = str(self.copy).encode("ascii", "backslashreplace").decode("ascii")
        places: list[str] = []
        for stack in re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump):
            for found in map(DUMP_FRAME.match, stack.splitlines()):
                if found and found["file"] == learner:  # the innermost frame of the learner's file
                    line = int(found["line"])
                    code = source[line - 1].strip() if 0 < line <= len(source) else ""
                    place = f"{self.shown}, line {line}, in {found['function']}:\n    {code}"
                    if place not in places:
                        places.append(place)
                    break
        return "".join(f"\n{'It was' if not n else 'Another thread was'} at {place}" for n, place in enumerate(places))

    def _died(self) -> WorkerTrouble:
        code = self.process.wait() if self.process else None
        self.stop()
        how = f"killed by signal {signal.Signals(-code).name}" if code and code < 0 else f"exit status {code}"
        tail = self.take_output()[-500:]
        printed = f"\nLast output:\n{tail}" if tail.strip() else ""
        return WorkerTrouble(f"the process running {self.shown} ended ({how}) in the middle of a call: "
                             f"sys.exit(), os._exit() or a crash?{printed}")

    def take_output(self, until: int | None = None) -> str:
        """What the learner's code printed since the last look (capped), or up to byte `until` of the output."""
        self._output.flush()
        size = self._output.seek(0, os.SEEK_END)
        end = size if until is None else max(self._output_seen, min(until, size))
        self._output.seek(min(self._output_seen, end))
        data = self._output.read(max(0, min(end, OUTPUT_LIMIT) - self._output_seen))
        self._output_seen = end
        text = data.decode("utf-8", "replace").replace("\r\n", "\n")  # Windows ends printed lines with CRLF
        return text + ("\n[output cut at 1 MiB]" if end > OUTPUT_LIMIT and data else "")

    def batch(self, requests: list[dict[str, Any]], timeout: float) -> list[tuple[dict[str, Any], str]]:
        """Several requests in one round trip: each one's answer and what it printed."""
        response = self.request({"op": "batch", "requests": requests}, timeout)
        answers, printed = response.get("batch"), response.get("printed")
        if not (isinstance(answers, list) and isinstance(printed, list) and len(answers) == len(printed) ==
                len(requests) and all(isinstance(a, dict) for a in answers)
                and all(type(p) is int for p in printed)):
            self.stop()
            raise WorkerTrouble(f"the worker running {self.shown} sent garbage for a batch; it was restarted")
        return [(answer, self.take_output(until)) for answer, until in zip(answers, printed, strict=True)]

    def kill(self) -> None:
        """Kill the worker's process tree, from any thread: the thread waiting on it sees the end of its pipe."""
        if self._tree is not None:
            self._tree.kill()

    def stop(self) -> None:
        """Kill the worker and everything it started; safe to call twice."""
        if self.process is not None:
            if self._tree is not None:
                self._tree.kill()
            self.process.wait()
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process = None  # its stdout is closed by the thread reading it, at the end of the pipe

    def close(self) -> None:
        self.stop()
        self._output.close()
        shutil.rmtree(self._home, ignore_errors=True)


def _read_answers(stream: IO[bytes], answers: queue.SimpleQueue[Answer]) -> None:
    """Frames from the worker as they come, until the end of the pipe (or the first garbage)."""
    with stream:
        while True:
            try:
                answers.put(wire.read_message(stream.fileno()))
            except (EOFError, OSError):
                answers.put(EOFError())
                return
            except wire.ProtocolError as error:
                answers.put(error)
                return


class ProcessTree:
    """The worker and every process it starts, killed as one. On POSIX the worker leads a process group of its
    own; on Windows it is put in a job object that kills its processes when its last handle closes, so they
    also die with the trusted process. Either way the worker is out of the terminal's reach: Ctrl-C goes to
    the trusted process alone, which stops its workers itself."""

    if sys.platform == "win32":
        SEPARATE: dict[str, Any] = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    else:
        SEPARATE = {"start_new_session": True}

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.job = _job_for(process.pid) if sys.platform == "win32" else None

    def kill(self) -> None:
        if sys.platform == "win32":
            if self.job is not None:
                self.job.close()
                self.job = None
            with contextlib.suppress(OSError):
                self.process.kill()  # in case the job object could not be made
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


class _Job:
    """A Windows job object whose processes are killed when it is closed (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)."""

    def __init__(self, kernel32: Any, handle: int) -> None:
        self.kernel32 = kernel32
        self.handle = handle

    def close(self) -> None:
        self.kernel32.TerminateJobObject(self.handle, 1)
        self.kernel32.CloseHandle(self.handle)


def _job_for(pid: int) -> _Job | None:
    """A job object holding the process `pid`, or None if Windows refused one (then only the worker itself is
    killed). The worker starts nothing before its first request, so nothing escapes before it is assigned."""
    import ctypes
    from ctypes import wintypes

    class BasicLimits(ctypes.Structure):  # JOBOBJECT_BASIC_LIMIT_INFORMATION
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                    ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                    ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD),
                    ("SchedulingClass", wintypes.DWORD)]

    class ExtendedLimits(ctypes.Structure):  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION
        _fields_ = [("BasicLimitInformation", BasicLimits), ("IoInfo", ctypes.c_uint64 * 6),
                    ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                    ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, wintypes.LPCWSTR)
    kernel32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    kernel32.TerminateJobObject.argtypes = (wintypes.HANDLE, wintypes.UINT)
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return None
    limits = ExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    extended_limit_information = 9
    process = kernel32.OpenProcess(0x0100 | 0x0001, False, pid)  # PROCESS_SET_QUOTA | PROCESS_TERMINATE
    assigned = bool(process) and bool(
        kernel32.SetInformationJobObject(job, extended_limit_information, ctypes.byref(limits),
                                         ctypes.sizeof(limits))
        and kernel32.AssignProcessToJobObject(job, process))
    if process:
        kernel32.CloseHandle(process)
    if not assigned:
        kernel32.CloseHandle(job)
        return None
    return _Job(kernel32, job)


class Observer(Protocol):
    """Told of everything the trusted side sees of a worker during a test (the grader's replay records it)."""

    def started(self, kata: Kata, worker: Worker) -> None: ...

    def answered(self, kata: Kata, worker: Worker, request: dict[str, Any], answer: dict[str, Any],
                 output: str) -> None: ...

    def discarded(self, kata: Kata) -> None: ...

    def unobserved(self, why: str) -> None:
        """Something the test saw of the worker does not go through the events above (a shared folder, a hang)."""


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
        self.expired = ""  # why no worker may run any more (the student's time is up), once it is so
        self.observer: Observer | None = None

    def policy(self, kata: Kata) -> dict[str, Any]:
        """What this pool remembers about `kata` that decides how a test goes before anything is asked of the
        worker: hangs, functions not started, and whether a worker is up (and how its module loaded)."""
        prefix = f"{kata.name}:"
        current = self._workers.get(kata.name)
        return {"hung": {k: v for k, v in self.hung.items() if k.startswith(prefix)},
                "hangs": {k: v for k, v in self.hangs.items() if k.startswith(prefix)},
                "not_started": self.not_started.get(kata.name, {}),
                "worker": None if current is None or not (current.alive or current.load_failure)
                else current.load_failure}

    def restore(self, kata: Kata, policy: dict[str, Any]) -> None:
        """Take on what another pool remembered about `kata` after the same test (its worker aside)."""
        prefix = f"{kata.name}:"
        for memory, saved in ((self.hung, policy["hung"]), (self.hangs, policy["hangs"])):
            for key in [k for k in memory if k.startswith(prefix)]:
                del memory[key]
            memory.update(saved)
        self.not_started[kata.name] = dict(policy["not_started"])

    def expire(self, reason: str) -> None:
        """No more workers: kill the running ones (from any thread) and refuse new ones with `reason`."""
        self.expired = reason
        for worker in list(self._workers.values()):
            worker.kill()

    def worker(self, kata: Kata) -> Worker:
        if self.expired:
            raise WorkerTrouble(self.expired)
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
        if self.observer is not None:
            self.observer.started(kata, fresh)
        return fresh

    def discard(self, kata: Kata) -> None:
        if self.observer is not None:
            self.observer.discarded(kata)
        worker = self._workers.pop(kata.name, None)
        if worker is not None:
            worker.close()

    def close(self) -> None:
        for each in self._workers.values():
            each.close()
        self._workers.clear()
