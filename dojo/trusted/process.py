"""The worker process seen from the trusted side: start it with the learner's module, frame requests to it,
wait for answers with a deadline, and keep the hang policy (a call that hung fails fast the next time).

A worker that dies, hangs or sends garbage fails the current call with a clear message and is replaced
for the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dojo import kinds
from dojo.manifest import Kata
from dojo.trusted.failures import WorkerTrouble, load_failure_text
from dojo.trusted.submissions import Implementation, display_path
from dojo.worker import wire

if TYPE_CHECKING:  # the cage is the grader's; learners never load it
    from dojo.grading.sandbox import Sandbox

WORKER_CORE = Path(wire.__file__).resolve().parent
PR_SET_PDEATHSIG = 1
OUTPUT_LIMIT = 1024 * 1024  # bytes of a worker's printed output kept; the rest is cut with a note
HANG_LIMIT = 2  # hangs of one learner function before every call of it fails at once


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
        argv = [sys.executable, "-I", str(inside / "main.py")]
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
        kind_module = self._home / "bin" / "kind.py"
        request = {"op": "load", "path": str(self._home / f"{self.kata.name}.py"), "name": self.kata.name,
                   "functions": list(self.kata.functions),
                   "kind_module": str(kind_module) if kind_module.exists() else None}
        try:
            response = self.request(request, timeout=max(self.kata.call_timeout, 30.0))
        except (WorkerTrouble, TimeoutError) as trouble:
            reason = str(trouble) or "it did not finish loading within 30 s"
            self.load_failure = f"Importing {self.shown} did not work out: {reason}"
            return
        if "load_error" in response:
            self.load_failure = load_failure_text(response, self.kata, self.shown)

    def _prepare_home(self) -> Path:
        """The worker's folder: the worker scripts, a copy of the learner's module, and the dojo modules
        learners may import. In a sandbox it is the only project folder the worker can see."""
        scripts = self._home / "bin"
        if not scripts.exists():
            scripts.mkdir()
            for script in ("main.py", "wire.py"):
                shutil.copy(WORKER_CORE / script, scripts / script)
            kind = kinds.get(self.kata.kind)
            if (worker := kind.worker_path()) is not None:
                shutil.copy(worker, scripts / "kind.py")
            (self._home / "lib" / "dojo").mkdir(parents=True)
            (self._home / "lib" / "dojo" / "__init__.py").touch()
            for name in kind.learner_api:
                shutil.copy(kind.folder / name, self._home / "lib" / "dojo" / name)
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
