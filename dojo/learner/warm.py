"""Watch mode's warm trusted process: started before the learner's next save, it imports pytest, the plugins
and the kata's tests, collects them, and waits. Told to go, it runs the tests (the worker reads the learner's
module only then) and sends each result as a line of JSON the moment its test ends.

One process per run, so nothing carries over from one run to the next (Hypothesis's settings and example
database included): each run is a fresh `nox -s kata` that did its slow start early.

`python -m dojo.learner.warm --impl=IMPL NAME...` is that process; `WarmRun` is the watcher's handle on it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from dojo import manifest
from dojo.learner import runner
from dojo.learner.memory import context_fingerprint
from dojo.manifest import Kata
from dojo.trusted.results import TestResult

GO = "go\n"


class _Relay:
    """The listener inside the warm process: each result out as a JSON line; after collection, the gate."""

    def __init__(self, channel: TextIO, gate: TextIO) -> None:
        self.channel = channel
        self.gate = gate
        self.expected = -1  # tests collected (none yet)
        self.sent = 0

    @property
    def complete(self) -> bool:
        return self.sent == self.expected

    def collected(self, results: Sequence[TestResult], errors: Sequence[str]) -> None:
        self.expected = len(results)
        self._send({"collected": [r.to_json() for r in results], "errors": list(errors)})
        if self.gate.readline() != GO:
            os._exit(0)  # the watcher moved on or is gone; no test has started, so nothing needs cleaning up

    def finished(self, result: TestResult) -> None:
        self.sent += 1
        self._send({"finished": result.to_json()})

    def _send(self, message: dict[str, Any]) -> None:
        self.channel.write(json.dumps(message) + "\n")
        self.channel.flush()


def main(argv: Sequence[str]) -> int:
    # Ctrl-C reaches every process on the terminal; the watcher handles it and stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The watcher's pipes, kept aside: pytest captures the standard streams while tests run, and whatever
    # else prints must not mix with the results.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    gate = os.fdopen(os.dup(sys.stdin.fileno()), "r", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    impl, names = argv[0].removeprefix("--impl="), argv[1:]
    relay = _Relay(channel, gate)
    runner.collect([manifest.get(name) for name in names], impl, listener=relay)
    return 0 if relay.complete else 1


@dataclass(frozen=True)
class Message:
    """What a run sent: {"collected": ...} or {"finished": ...}; None when the process has ended."""

    run: WarmRun
    data: dict[str, Any] | None


class WarmRun:
    """A warm process for `katas`. Its messages reach `events` only once it was told to go, in order."""

    def __init__(self, katas: Sequence[Kata], impl: str, events: queue.Queue[Any]) -> None:
        self.katas = list(katas)
        self.tests = context_fingerprint(self.katas)
        self._events = events
        self._held: list[Message] = []
        self._lock = threading.Lock()
        self.started = False
        self.stopped = False
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (open for the life of the process)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dojo.learner.warm", f"--impl={impl}", *(k.name for k in self.katas)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, encoding="utf-8")
        threading.Thread(target=self._relay, daemon=True).start()

    def _relay(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._post(json.loads(line))
        self.process.wait()
        self._post(None)

    def _post(self, data: dict[str, Any] | None) -> None:
        with self._lock:
            (self._events.put if self.started else self._held.append)(Message(self, data))

    def ready_for(self, katas: Sequence[Kata]) -> bool:
        """Still alive, for these katas, and their tests and the checker unchanged since it started."""
        return self.process.poll() is None and self.katas == list(katas) and self.tests == context_fingerprint(katas)

    def go(self) -> None:
        with self._lock:
            self.started = True
            for message in self._held:
                self._events.put(message)
            self._held.clear()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(GO)
            self.process.stdin.flush()
        except OSError:
            pass  # it has ended already; that news is on its way to the events

    def failed(self) -> str:
        """What the process printed, when it ended without finishing (a bug in the dojo, not the learner's)."""
        if self.stopped or self.process.returncode == 0:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace").strip() or f"exit status {self.process.returncode}"

    def stop(self) -> None:
        self.stopped = True
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):  # a broken pipe: it ended before reading
            self.process.stdin.close()
        self._log.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
