"""Run katas' tests against an implementation and tell the learner, kata by kata and requirement by
requirement as each test ends, what is still wrong."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from dojo import manifest, scoring
from dojo.learner.memory import Memory, fingerprint
from dojo.manifest import ROOT, Kata
from dojo.scoring import Outcome
from dojo.trusted.results import ResultCollector, ResultListener, TestResult, cause
from dojo.trusted.submissions import Implementation, display_path

Line = tuple[str, str]  # (style, text): the text alone reads well; styles only colour it
# Where there are no hidden tests (a student export), passing is never called "solved".
PUBLIC_ONLY = "public tests pass; hidden tests run at grading"


@dataclass
class KataReport:
    kata: Kata
    results: list[TestResult]
    has_hidden: bool

    @property
    def passed(self) -> int:
        return sum(r.outcome == Outcome.PASSED for r in self.results)

    @property
    def solved(self) -> bool:
        return bool(self.results) and self.passed == len(self.results)

    @property
    def not_started(self) -> bool:
        failing = [r for r in self.results if r.outcome != Outcome.PASSED]
        return bool(failing) and all(r.outcome == Outcome.NOT_STARTED for r in failing) and self.passed == 0

    @property
    def complete(self) -> bool:
        """Every test ran to the end (an interrupted run leaves some pending)."""
        return bool(self.results) and all(r.outcome != Outcome.PENDING for r in self.results)


def status(report: KataReport) -> str:
    """A kata's state in a few words."""
    if report.solved:
        return "solved" if report.has_hidden else PUBLIC_ONLY
    if report.not_started:
        return "not started"
    return f"{report.passed} of {len(report.results)} requirements met"


def select(names: Sequence[str]) -> list[Kata]:
    """The named katas in the order given, or all of them in manifest order."""
    return [manifest.get(name) for name in names] if names else list(manifest.load())


class _Stamps:
    """Each kata's fingerprint, taken as the tests start: in watch mode that is long after collection, just
    before the worker reads the learner's module."""

    def __init__(self, katas: Sequence[Kata], implementation: Implementation, pytest_args: Sequence[str]) -> None:
        self.katas, self.implementation, self.pytest_args = katas, implementation, pytest_args
        self.taken: dict[str, str] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self) -> None:
        self.taken = {k.name: fingerprint(k, self.implementation, self.pytest_args) for k in self.katas}


def collect(katas: Sequence[Kata], impl: str, pytest_args: Sequence[str] = (),
            listener: ResultListener | None = None) -> tuple[list[KataReport], list[str]]:
    """Run the katas' public and hidden tests in this process (the learner's code runs in workers), tell
    `listener` about each result as its test ends, and remember each kata's complete result for `progress`.
    Raises KeyboardInterrupt when the run was interrupted."""
    implementation = Implementation.parse(impl)
    files = [str(path) for kata in katas for path in kata.test_files()]
    collector = ResultCollector(listener)
    stamps = _Stamps(katas, implementation, pytest_args)
    args = [*files, f"--kata-impl={impl}", "-p", "no:terminal", f"--rootdir={ROOT}", *pytest_args]
    code = pytest.main(args, plugins=[collector, stamps])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    reports = [
        KataReport(kata, [r for r in collector.ordered() if r.kata == kata.name], kata.hidden_tests().exists())
        for kata in katas
    ]
    if code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        Memory().keep([(r.kata, implementation, stamps.taken[r.kata.name], r.results) for r in reports
                       if r.complete and r.kata.name in stamps.taken and r.kata.name not in collector.uncollected])
    return reports, collector.collection_errors


def latest(katas: Sequence[Kata], impl: str, say: Callable[[str], None]) -> list[KataReport]:
    """Each kata's result for the code as it is now: the last one where neither the learner's module nor
    anything else it depends on changed since (and `say` so), else a fresh run, told kata by kata."""
    implementation = Implementation.parse(impl)
    memory = Memory()
    found: dict[str, KataReport] = {}
    for kata in katas:
        remembered = memory.recall(kata, implementation, fingerprint(kata, implementation))
        if remembered is not None:
            found[kata.name] = KataReport(kata, remembered, kata.hidden_tests().exists())
            say(f"{kata.name}: unchanged since the last run: reused")
    stale = [kata for kata in katas if kata.name not in found]
    if stale:
        say(f"checking {', '.join(k.name for k in stale)}...")
        feed = Feed(stale, implementation, done=lambda report: say(f"{report.kata.name}: checked: {status(report)}"))
        reports, _ = collect(stale, impl, listener=feed)
        found.update((report.kata.name, report) for report in reports)
    return [found[kata.name] for kata in katas]


def console() -> Console:
    """Colour on a terminal; plain text when piped, under CI, or with NO_COLOR set."""
    plain = bool(os.environ.get("NO_COLOR") or os.environ.get("CI"))
    return Console(no_color=plain, highlight=False, soft_wrap=True)


def printer(out: Console) -> Callable[[Line], None]:
    def show(line: Line) -> None:
        try:
            out.print(Text(line[1], style=line[0]))
        except SystemExit:  # rich's answer to a closed pipe (`| head`): stop the run, as Ctrl-C would
            raise KeyboardInterrupt from None

    return show


def _marks() -> tuple[str, str]:
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    return ("✓", "✗") if encoding.startswith("utf") else ("+", "x")


def _indented(message: str) -> list[Line]:
    return [("", "      " + line) for line in message.splitlines()]


class KataView:
    """One kata's lines for the learner, made as its results arrive. Each cause is told once: the first
    failure in full, a later failure with the same cause (`results.cause`) as one line that points at it.
    A module that does not load is told once for the whole kata, and a kata whose every test met the stub
    says only that (its results are held until the kata turns out to be started)."""

    def __init__(self, kata: Kata, implementation: Implementation, has_hidden: bool) -> None:
        self.report = KataReport(kata, [], has_hidden)
        self.where = display_path(implementation.module_path(kata))
        self._unshown: list[TestResult] = []
        self._first: dict[str, str] = {}  # cause -> the requirement whose failure showed it in full
        self._unloaded = 0

    def header(self) -> list[Line]:
        kata = self.report.kata
        return [("bold", f"== {kata.name}: {kata.title} ({self.where})")]

    def add(self, result: TestResult) -> list[Line]:
        self.report.results.append(result)
        self._unshown.append(result)
        if all(r.outcome == Outcome.NOT_STARTED for r in self.report.results):
            return []
        lines = [line for held in self._unshown for line in self._lines(held)]
        self._unshown.clear()
        return lines

    def _lines(self, result: TestResult) -> list[Line]:
        ok, bad = _marks()
        tag = f" [{result.group}]"
        if result.outcome == Outcome.PASSED:
            return [("green", f"  {ok} {result.requirement}{tag}")]
        message = result.message.strip() or str(result.outcome)
        found = cause(message, result.kind)
        first = self._first.get(found.key)
        if first is None:
            self._first[found.key] = result.requirement
        if result.kind == "LoadFailure":
            self._unloaded += 1
            if first is not None:
                return []
            return [("red", f"  {bad} no requirement can be checked until {self.where} loads:"),
                    *_indented(message)]
        lines = [("red", f"  {bad} {result.requirement}{tag}")]
        if first is None:
            return lines + _indented(message)
        if not found.place:
            return [*lines, ("dim", f"      (the same failure as: {first})")]
        summary = message.split("\n", 1)[0]
        summary = "" if summary.endswith(":") else summary + " "
        return [*lines, ("", f'      {summary}Same cause as "{first}": {found.place}.')]

    def finish(self) -> list[Line]:
        report, kata = self.report, self.report.kata
        if report.not_started:
            return [("yellow", f"{kata.name}: not started yet: open {self.where}, read the prompt in its docstring, "
                               "and replace `raise NotImplementedError` with your code.")]
        lines = [line for held in self._unshown for line in self._lines(held)]
        total = len(report.results)
        if report.solved and report.has_hidden:
            return [*lines, ("bold green", f"{kata.name}: solved: all {total} requirements met.")]
        if report.solved:
            return [*lines, ("bold green", f"{kata.name}: {PUBLIC_ONLY}.")]
        unloaded = f" ({self._unloaded} not checked until the module loads)" if self._unloaded else ""
        return [*lines, ("bold", f"{kata.name}: {report.passed} of {total} requirements met{unloaded}. "
                                 f"Stuck? Run `nox -s hint -- {kata.name}` for a hint.")]


def render(report: KataReport, implementation: Implementation) -> list[Line]:
    """The learner's view of one finished kata as (style, line) pairs: each requirement, what broke it, and
    what to do next."""
    view = KataView(report.kata, implementation, report.has_hidden)
    lines = view.header()
    for result in report.results:
        lines += view.add(result)
    return lines + view.finish()


class Feed:
    """Results of several katas shown kata by kata, each requirement as its test ends (a `ResultListener`).
    pytest may interleave katas (tests that share a session-wide database run together), so a kata's
    results wait until the katas before it are finished. `done` hears of each kata as it finishes."""

    def __init__(self, katas: Sequence[Kata], implementation: Implementation,
                 show: Callable[[Line], None] | None = None, done: Callable[[KataReport], None] | None = None) -> None:
        self.views = [KataView(kata, implementation, kata.hidden_tests().exists()) for kata in katas]
        self._show = show or (lambda line: None)
        self._done = done or (lambda report: None)
        self._waiting: dict[str, list[TestResult]] = {kata.name: [] for kata in katas}
        self._expected: dict[str, int] | None = None  # tests per kata, once collected
        self._current = 0
        self._headed = False

    def collected(self, results: Sequence[TestResult], errors: Sequence[str]) -> None:
        for error in errors:
            self._show(("", f"The kata's tests could not be collected (a bug in the dojo, not in your code):\n{error}"))
        self._expected = dict.fromkeys(self._waiting, 0)
        for result in results:
            if result.kata in self._expected:
                self._expected[result.kata] += 1
        self._advance()

    def finished(self, result: TestResult) -> None:
        if result.kata in self._waiting:
            self._waiting[result.kata].append(result)
            self._advance()

    def close(self) -> None:
        """Finish the katas still open (a broken run may leave tests without a result)."""
        self._expected = {view.report.kata.name: 0 for view in self.views}
        self._advance()

    def _advance(self) -> None:
        while self._expected is not None and self._current < len(self.views):
            view = self.views[self._current]
            name = view.report.kata.name
            if not self._headed:
                self._headed = True
                self._emit(view.header())
            for result in self._waiting[name]:
                self._emit(view.add(result))
            self._waiting[name].clear()
            if len(view.report.results) < self._expected[name]:
                return
            self._emit(view.finish())
            self._done(view.report)
            self._current += 1
            self._headed = False

    def _emit(self, lines: list[Line]) -> None:
        for line in lines:
            self._show(line)


def points(report: KataReport) -> float:
    """Points earned on the tests that ran here (the grader scores the same way, with the hidden tests)."""
    return scoring.points(report.kata.points, ((r.group, r.outcome == Outcome.PASSED) for r in report.results))


def summary_table(reports: Sequence[KataReport]) -> str:
    """Markdown for a CI job summary: kata, status, points from the tests that ran."""
    lines = ["| kata | status | points (tests run here) |", "| --- | --- | --- |"]
    for report in reports:
        lines.append(f"| {report.kata.name} | {status(report)} | {points(report):.1f} of {report.kata.max_points:g} |")
    return "\n".join(lines) + "\n"


def main(names: Sequence[str], impl: str = "katas", pytest_args: Sequence[str] = (),
         summary: Path | None = None) -> int:
    """Run and report as the tests end; exit status 0 only when every test of every named kata passed."""
    katas = select(names)
    out = console()
    feed = Feed(katas, Implementation.parse(impl), printer(out))
    try:
        reports, errors = collect(katas, impl, pytest_args, feed)
    except KeyboardInterrupt:
        out.print("\nstopped.")
        return 130
    feed.close()
    if summary is not None:
        with summary.open("a", encoding="utf-8") as file:
            file.write(summary_table(reports))
    everything_passed = not errors and all(r.solved for r in reports)
    return 0 if everything_passed else 1
