"""The learner's loop, timed as a learner meets it (`-- [RUNS]`, 5 by default; medians):

- `nox -s kata -- palindrome` (warm: venv reused) against bare pytest on the same tests and the same code;
- watch mode through a real terminal: from saving katas/palindrome.py to the "running" line, to the first
  requirement on screen, and to the kata's verdict, for the untouched stub and for a wrong solution;
- `nox -s progress` on an unchanged tree: the first run (nothing remembered) and the second (all reused).

`Terminal` (a command on a pseudo-terminal) also serves the tests that drive watch mode.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from dojo import manifest
from dojo.manifest import ROOT

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
CTRL_C = b"\x03"


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # so Ctrl-C typed at the terminal reaches the command, as in a shell


class Terminal:
    """`python -m dojo ARGS` on a pseudo-terminal, as a learner's shell runs it: the text on screen as it
    appears (escape codes left out), and keys typed at it."""

    def __init__(self, *args: str) -> None:
        master, slave = pty.openpty()
        termios.tcsetwinsize(master, (50, 200))
        env = {name: value for name, value in os.environ.items() if name not in ("NO_COLOR", "CI")}
        self.process = subprocess.Popen(
            ["nice", "-n", "10", sys.executable, "-m", "dojo", *args], cwd=ROOT, env={**env, "TERM": "xterm-256color"},
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True, preexec_fn=_controlling_terminal)
        os.close(slave)
        self.master = master
        self.raw = b""
        self.ended = False

    @property
    def text(self) -> str:
        return ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def wait_for(self, pattern: str, after: int = 0, seconds: float = 180) -> int:
        """Where `pattern` (a regex) first appears on screen after position `after`, once it has."""
        deadline = time.monotonic() + seconds
        while not (found := re.compile(pattern).search(self.text, after)):
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(f"never saw {pattern!r} on screen:\n{self.text}")
            self._read(0.1)
        return found.start()

    def _read(self, seconds: float) -> None:
        if select.select([self.master], [], [], seconds)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the command has ended and the terminal closed
                chunk = b""
            self.raw += chunk
            self.ended = not chunk

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def exit_status(self) -> int:
        while not self.ended:
            self._read(0.1)
        return self.process.wait(timeout=60)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def watch_figures(runs: int, pause: float) -> dict[str, list[tuple[float, float, float]]]:
    """Save-to-screen times (running line, first requirement, verdict) per kind of save, in a watch session
    over a copy of the stub; `pause` seconds after each verdict stand for the learner reading it."""
    stub = ROOT / "katas" / "palindrome.py"
    saves = {"stub": (stub, "not started yet"),
             "wrong": (ROOT / "tests" / "samples" / "palindrome" / "bug_lower.py",
                       r"palindrome: \d+ of 13 requirements met")}
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in saves}
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / "palindrome.py"
        shutil.copy(stub, module)
        terminal = Terminal("watch", "palindrome", f"--impl={folder}")
        try:
            position = terminal.wait_for("watching")
            for name in [name for _ in range(runs) for name in ("wrong", "stub")]:
                time.sleep(pause)
                source, verdict = saves[name]
                saved = time.perf_counter()
                shutil.copy(source, module)
                running = terminal.wait_for("running the tests", position)
                at_running = time.perf_counter() - saved
                first = terminal.wait_for(r"  [✓✗] |not started yet", running)
                at_first = time.perf_counter() - saved
                position = terminal.wait_for(verdict, first)
                figures[name].append((at_running, at_first, time.perf_counter() - saved))
                position = terminal.wait_for("watching", position)
            terminal.type(CTRL_C)
            terminal.wait_for("stopped watching.", position)
        finally:
            terminal.close()
    return figures


def progress_figures() -> tuple[float, float]:
    """`progress` over a copy of katas/ (the stubs): first run, then again with nothing changed."""
    with tempfile.TemporaryDirectory() as folder:
        for path in (ROOT / "katas").glob("*.py"):
            shutil.copy(path, folder)
        command = [sys.executable, "-m", "dojo", "progress", f"--impl={folder}"]
        first = timed(command, 1)
        second = timed(command, 1)
    return first, second


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 5
    kata = manifest.get("palindrome")
    nox = shutil.which("nox")
    if nox is None:
        sys.exit("nox is not on PATH")
    files = [str(path) for path in kata.test_files()]
    timed([nox, "-s", "kata", "--", "palindrome"], 1)  # warm the venv once
    loop = timed([nox, "-s", "kata", "--", "palindrome"], runs)
    bare = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files], runs)
    cache = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"learner loop ({runs} runs each, median; bytecode cache {cache}; code under test: katas/palindrome.py)")
    print(f"  nox -s kata -- palindrome: {loop:.2f} s; bare pytest on the same tests: {bare:.2f} s; "
          f"ratio {loop / bare:.2f}")
    print(f"watch mode, palindrome, save to screen ({runs} saves each, median; 3 s between a verdict and the "
          "next save)")
    for name, times in watch_figures(runs, pause=3.0).items():
        running, first, verdict = (statistics.median(column) for column in zip(*times, strict=True))
        print(f"  {name}: 'running' line {running:.2f} s, first requirement {first:.2f} s, verdict {verdict:.2f} s "
              f"(verdicts: {', '.join(f'{t[2]:.2f}' for t in times)})")
    first, second = progress_figures()
    print(f"progress over the stubs: first run {first:.2f} s, second run (unchanged, all reused) {second:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
