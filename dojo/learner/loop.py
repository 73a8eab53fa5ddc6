"""The learner's loop around the runner: progress, hints, the reference after solving, and watch mode.

Hints shown are remembered in `.dojo-state.json` at the project root (git-ignored; delete it to start over);
each kata's last result in `.dojo-results/` (see `memory`).
"""

from __future__ import annotations

import ast
import difflib
import json
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from dojo import kinds, manifest
from dojo.learner import runner
from dojo.learner.memory import Memory, fingerprint
from dojo.learner.warm import Message, WarmRun
from dojo.manifest import ROOT, Kata
from dojo.trusted.results import TestResult
from dojo.trusted.submissions import Implementation, display_path

STATE = ROOT / ".dojo-state.json"


def load_state(path: Path = STATE) -> dict[str, dict[str, int]]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"hints": {}}
    return state if isinstance(state, dict) and isinstance(state.get("hints"), dict) else {"hints": {}}


def hint(name: str, path: Path = STATE) -> int:
    """Show the next hint for `name`, and remember that it was shown."""
    kata = manifest.get(name)
    state = load_state(path)
    shown = int(state["hints"].get(kata.name, 0))
    if shown >= len(kata.hints):
        print(f"{kata.name}: that was the last hint ({len(kata.hints)} of {len(kata.hints)}). All of them:")
        for number, text in enumerate(kata.hints, 1):
            print(f"  {number}. {text}")
        _hint_from_results(kata)
        return 0
    print(f"{kata.name}, hint {shown + 1} of {len(kata.hints)}:\n  {kata.hints[shown]}")
    state["hints"][kata.name] = shown + 1
    path.write_text(json.dumps(state, indent=1), encoding="utf-8")
    if shown + 1 < len(kata.hints):
        print(f"Still stuck? `nox -s hint -- {kata.name}` again shows the next one.")
    _hint_from_results(kata)
    return 0


def _hint_from_results(kata: Kata) -> None:
    """A hint the kata's kind draws from the learner's latest results, when it has one (a tests kata: an input
    on which a bug their tests let through goes wrong)."""
    kind = kinds.get(kata.kind)
    if kind.hints is None:
        return
    results = runner.latest([kata], "katas", lambda _: None)[0].results
    if text := kind.hint_from(kata, results):
        print(text)


def progress(impl: str = "katas") -> int:
    """A table of every kata with its status for the learner's current code, and what to do next."""
    console = runner.console()
    reports = runner.latest(manifest.load(), impl, lambda text: console.print(text, markup=False))
    table = Table(title="Your katas", show_lines=False)
    for column in ("#", "kata", "difficulty", "points", "status", "hints"):
        table.add_column(column)
    hints = load_state()["hints"]
    for report in reports:
        kata = report.kata
        style = "green" if report.solved else ("dim" if report.not_started else "yellow")
        table.add_row(str(kata.order + 1), f"{kata.name}: {kata.title}", kata.difficulty, f"{kata.max_points:g}",
                      f"[{style}]{runner.status(report)}[/]", f"{hints.get(kata.name, 0)}/{len(kata.hints)}")
    console.print(table)
    solved = sum(r.solved for r in reports)
    met = sum(r.passed for r in reports)
    total = sum(len(r.results) for r in reports)
    hidden = any(r.has_hidden for r in reports)
    width = 30
    filled = round(width * met / total) if total else 0
    console.print(f"[{'#' * filled}{'.' * (width - filled)}] {solved} of {len(reports)} katas "
                  f"{'solved' if hidden else 'pass their public tests'}, {met} of {total} requirements met",
                  markup=False)
    upcoming = next((r.kata for r in reports if not r.solved), None)
    if upcoming is None:
        console.print(_all_done(hidden), markup=False)
    else:
        console.print(f"Next: {upcoming.name} ({upcoming.title}): open katas/{upcoming.name}.py, then "
                      f"`nox -s kata -- {upcoming.name}` (or `nox -s watch`).", markup=False)
    return 0


def _all_done(hidden: bool) -> str:
    if hidden:
        return "Every kata is solved. Compare yours with the references: `nox -s solution -- NAME`."
    return f"Every kata: {runner.PUBLIC_ONLY}."


def code_lines(source: str) -> list[str]:
    """The source's lines without its docstrings: the stub's prompt and contracts are not the learner's
    code, so a diff with the reference should not count them."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) or not node.body:
            continue
        first = node.body[0]
        alone = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                 and isinstance(first.value.value, str) and first.end_lineno is not None
                 and not lines[first.lineno - 1][: first.col_offset].strip()
                 and not lines[first.end_lineno - 1][first.end_col_offset or 0 :].strip())
        if alone:
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    return [line for number, line in enumerate(lines, 1) if number not in docstrings]


def solution(name: str, impl: str = "katas") -> int:
    """The reference, once the learner's own code passes; refused before that (as rustlings does)."""
    kata = manifest.get(name)
    (report,) = runner.latest([kata], impl, print)
    if not report.solved:
        print(f"{kata.name}: solve it first; the reference is shown once your code passes every test "
              f"({report.passed} of {len(report.results)} requirements met now). "
              f"`nox -s hint -- {kata.name}` helps without giving it away.")
        return 1
    mine = Implementation.parse(impl).module_path(kata)
    if not kata.reference().exists():
        print(f"{kata.name}: {runner.PUBLIC_ONLY}. The reference solutions are not part of this repository; "
              "your instructor shares them after grading.")
        return 0
    reference = kata.reference().read_text(encoding="utf-8")
    print(f"{kata.name}: solved. The reference solution ({display_path(kata.reference())}):\n")
    print(reference)
    diff = list(difflib.unified_diff(code_lines(mine.read_text(encoding="utf-8")), code_lines(reference),
                                     fromfile=f"yours ({display_path(mine)})", tofile="reference", lineterm="", n=1))
    if diff:
        print("Differences worth studying (yours, then the reference; docstrings left out): how each handles the "
              "type check, the edge cases and the cost on large inputs, and why the reference comments say what "
              "they say.\n")
        print("\n".join(diff))
    return 0


@dataclass(frozen=True)
class Saved:
    path: Path
    paths: frozenset[Path]  # every watched module


def _contents(paths: Iterable[Path]) -> list[bytes | None]:
    found: list[bytes | None] = []
    for path in sorted(paths):
        try:
            found.append(path.read_bytes())
        except OSError:
            found.append(None)
    return found


class _Saves:
    """Saves of the watched modules, posted to `events` from a thread (watchfiles blocks while it waits).
    The folders are watched, not the files, so an editor that saves by replacing the file is seen too."""

    def __init__(self, paths: Iterable[Path], events: queue.Queue[Any]) -> None:
        self.paths = frozenset(path.resolve() for path in paths)
        self._events = events
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        from watchfiles import Change, watch

        def wanted(change: Change, path: str) -> bool:
            return change != Change.deleted and Path(path).resolve() in self.paths

        folders = sorted({path.parent for path in self.paths})
        for changes in watch(*folders, watch_filter=wanted, stop_event=self._stop, debounce=400, step=30,
                             recursive=False, raise_interrupt=False):
            self._events.put(Saved(Path(min(path for _, path in changes)).resolve(), self.paths))

    def close(self) -> None:
        self._stop.set()


class _Watch:
    """Watch mode: the run on screen, a warm run waiting for the next save, and the saves."""

    def __init__(self, impl: str) -> None:
        self.impl = impl
        self.implementation = Implementation.parse(impl)
        self.out = runner.console()
        self.events: queue.Queue[Any] = queue.Queue()
        self.current: WarmRun | None = None
        self.spare: WarmRun | None = None
        self.saves: _Saves | None = None
        self.feed: runner.Feed | None = None
        self.contents: list[bytes | None] = []  # the watched modules as the run on screen started

    def run(self, chosen: Sequence[Kata]) -> int:
        follow = not chosen
        katas = list(chosen) or self._unsolved(after=None)
        if not katas:
            self.out.print(_all_done(any(k.hidden_tests().exists() for k in manifest.load())), markup=False)
            return 0
        self._start(katas, "first run", clear=True)
        while True:
            event = self._next_event()
            if isinstance(event, Saved):
                if self.saves is None or event.paths != self.saves.paths:
                    continue  # from the files of a kata watched before
                if self.current is not None and self.contents == _contents(event.paths):
                    continue  # the run under way already reads this content (an editor may write twice)
                when = time.strftime("%H:%M:%S")
                self._start(katas, f"{display_path(event.path)} saved at {when}", clear=True)
            elif isinstance(event, Message) and event.run is self.current and self.feed is not None:
                if event.data is None:
                    katas = self._ended(katas, follow)
                    if not katas:
                        return 0
                elif "collected" in event.data:
                    self.feed.collected([TestResult.from_json(r) for r in event.data["collected"]],
                                        event.data["errors"])
                else:
                    self.feed.finished(TestResult.from_json(event.data["finished"]))

    def _next_event(self) -> Saved | Message:
        while True:
            try:
                return self.events.get(timeout=0.2)  # a timeout keeps Ctrl-C prompt on every platform
            except queue.Empty:
                continue

    def _start(self, katas: list[Kata], why: str, clear: bool) -> None:
        """Run `katas` now: on the warm run if it is still good for them, else on a new one."""
        paths = frozenset(self.implementation.module_path(k).resolve() for k in katas)
        if self.saves is None or self.saves.paths != paths:
            if self.saves is not None:
                self.saves.close()
            self.saves = _Saves(paths, self.events)
        if self.current is not None:  # saved again during a run: its result would be out of date
            self.current.stop()
        run, self.spare = self.spare, None
        if run is None or not run.ready_for(katas):
            if run is not None:
                run.stop()
            run = WarmRun(katas, self.impl, self.events)
        self.current = run
        if clear:
            self.out.clear()
        self.out.print(f"{', '.join(k.name for k in katas)}: running the tests ({why})...", markup=False)
        self.feed = runner.Feed(katas, self.implementation, runner.printer(self.out))
        self.contents = _contents(paths)
        run.go()

    def _ended(self, katas: list[Kata], follow: bool) -> list[Kata]:
        """The run on screen has ended: what to watch next (nothing when every kata is solved)."""
        run, feed = self.current, self.feed
        assert run is not None
        assert feed is not None
        self.current = None
        failure = run.failed()
        run.stop()
        feed.close()
        if failure:
            self.out.print(f"The test process stopped unexpectedly (a bug in the dojo, not in your code):\n{failure}",
                           markup=False)
        if follow and not failure and all(view.report.solved for view in feed.views):
            following = self._unsolved(after=katas[-1])
            if not following:
                self.out.print(_all_done(any(view.report.has_hidden for view in feed.views)), markup=False)
                return []
            self.out.print("")
            self._start(following, "the next kata", clear=False)
            return following
        shown = ", ".join(display_path(self.implementation.module_path(k)) for k in katas)
        self.out.print(f"\nwatching {shown}: save to run again (Ctrl-C to stop)", markup=False)
        self.spare = WarmRun(katas, self.impl, self.events)
        return katas

    def _unsolved(self, after: Kata | None) -> list[Kata]:
        """The next kata not known to be solved (from the last results): after `after`, then from the top."""
        katas = manifest.load()
        start = after.order + 1 if after is not None else 0
        memory = Memory()
        for kata in (*katas[start:], *katas[:start]):
            if kata == after:
                continue
            remembered = memory.recall(kata, self.implementation, fingerprint(kata, self.implementation))
            if remembered is None or not runner.KataReport(kata, remembered, True).solved:
                return [kata]
        return []

    def close(self) -> None:
        for run in (self.current, self.spare):
            if run is not None:
                run.stop()
        self.current = self.spare = None
        if self.saves is not None:
            self.saves.close()


def watch(names: Sequence[str], impl: str = "katas") -> int:
    """Rerun katas each time their files are saved, each requirement shown as its test ends; without a name,
    follow the next unsolved kata. Ctrl-C stops it at any moment."""
    session = _Watch(impl)
    try:
        return session.run([manifest.get(name) for name in names])
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not break the cleanup
        session.close()
        print("\nstopped watching.", flush=True)
        return 0
    finally:
        session.close()


def run(command: str, names: Sequence[str], impl: str) -> int:
    try:
        if command == "hint":
            return hint(names[0]) if names else _usage("hint")
        if command == "solution":
            return solution(names[0], impl) if names else _usage("solution")
        if command == "progress":
            return progress(impl)
    except KeyboardInterrupt:
        print("\nstopped.")
        return 130
    if command == "watch":
        return watch(names, impl)
    raise ValueError(command)


def _usage(command: str) -> int:
    print(f"usage: nox -s {command} -- NAME (one of: {', '.join(k.name for k in manifest.load())})",
          file=sys.stderr)
    return 2
