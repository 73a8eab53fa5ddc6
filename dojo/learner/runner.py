"""Run katas' tests against an implementation and tell the learner, kata by kata, what is still wrong."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from dojo import manifest, scoring
from dojo.manifest import ROOT, Kata
from dojo.scoring import Outcome
from dojo.trusted.results import ResultCollector, TestResult
from dojo.trusted.submissions import Implementation, display_path


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


def select(names: Sequence[str]) -> list[Kata]:
    """The named katas in the order given, or all of them in manifest order."""
    return [manifest.get(name) for name in names] if names else list(manifest.load())


def collect(katas: Sequence[Kata], impl: str, pytest_args: Sequence[str] = ()) -> tuple[list[KataReport], list[str]]:
    """Run the katas' public and hidden tests in this process (the learner's code runs in workers)."""
    files = [str(path) for kata in katas for path in kata.test_files()]
    collector = ResultCollector()
    args = [*files, f"--kata-impl={impl}", "-p", "no:terminal", f"--rootdir={ROOT}", *pytest_args]
    pytest.main(args, plugins=[collector])
    reports = [
        KataReport(kata, [r for r in collector.ordered() if r.kata == kata.name], kata.hidden_tests().exists())
        for kata in katas
    ]
    return reports, collector.collection_errors


def console() -> Console:
    """Colour on a terminal; plain text when piped, under CI, or with NO_COLOR set."""
    plain = bool(os.environ.get("NO_COLOR") or os.environ.get("CI"))
    return Console(no_color=plain, highlight=False, soft_wrap=True)


def _marks() -> tuple[str, str]:
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    return ("✓", "✗") if encoding.startswith("utf") else ("+", "x")


def render(report: KataReport, implementation: Implementation) -> list[tuple[str, str]]:
    """The learner's view of one kata as (style, line) pairs: each requirement, what broke it, and what to
    do next. The text alone reads well; styles only colour it."""
    kata = report.kata
    ok, bad = _marks()
    where = display_path(implementation.module_path(kata))
    lines = [("bold", f"== {kata.name}: {kata.title} ({where})")]
    if report.not_started:
        lines.append(("yellow", f"{kata.name}: not started yet: open {where}, read the prompt in its docstring, "
                                "and replace `raise NotImplementedError` with your code."))
        return lines
    shown: dict[str, str] = {}
    for result in report.results:
        tag = f" [{result.group}]"
        if result.outcome == Outcome.PASSED:
            lines.append(("green", f"  {ok} {result.requirement}{tag}"))
            continue
        lines.append(("red", f"  {bad} {result.requirement}{tag}"))
        message = result.message.strip() or result.outcome
        if message in shown:
            lines.append(("dim", f"      (the same failure as: {shown[message]})"))
        else:
            shown[message] = result.requirement
            lines.extend(("", "      " + line) for line in message.splitlines())
    total = len(report.results)
    if report.solved and report.has_hidden:
        lines.append(("bold green", f"{kata.name}: solved: all {total} requirements met."))
    elif report.solved:
        lines.append(("bold green", f"{kata.name}: public tests passed; hidden tests run when your work is graded."))
    else:
        lines.append(("bold", f"{kata.name}: {report.passed} of {total} requirements met. "
                              f"Stuck? Run `nox -s hint -- {kata.name}` for a hint."))
    return lines


def points(report: KataReport) -> float:
    """Points earned on the tests that ran here (the grader scores the same way, with the hidden tests)."""
    return scoring.points(report.kata.points, ((r.group, r.outcome == Outcome.PASSED) for r in report.results))


def summary_table(reports: Sequence[KataReport]) -> str:
    """Markdown for a CI job summary: kata, status, points from the tests that ran."""
    lines = ["| kata | status | points (tests run here) |", "| --- | --- | --- |"]
    for report in reports:
        status = ("solved" if report.solved and report.has_hidden else "public tests passed" if report.solved
                  else "not started" if report.not_started else f"{report.passed} of {len(report.results)} passing")
        lines.append(f"| {report.kata.name} | {status} | {points(report):.1f} of {report.kata.max_points:g} |")
    return "\n".join(lines) + "\n"


def main(names: Sequence[str], impl: str = "katas", pytest_args: Sequence[str] = (),
         summary: Path | None = None) -> int:
    """Run and report; exit status 0 only when every test of every named kata passed."""
    katas = select(names)
    implementation = Implementation.parse(impl)
    reports, errors = collect(katas, impl, pytest_args)
    out = console()
    for error in errors:
        out.print(f"The kata's tests could not be collected (a bug in the dojo, not in your code):\n{error}",
                  markup=False)
    for report in reports:
        for style, line in render(report, implementation):
            out.print(Text(line, style=style))
    if summary is not None:
        with summary.open("a", encoding="utf-8") as file:
            file.write(summary_table(reports))
    everything_passed = not errors and all(r.solved for r in reports)
    return 0 if everything_passed else 1

