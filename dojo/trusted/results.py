"""Learner-facing failure reports, and the record of every kata test's result.

A failure raised as `KataFailure` is shown as its message plus Hypothesis's smallest failing input,
instead of a traceback through the test and the RPC layers. `ResultCollector` keeps one record per test
for the learner's summary and the grader.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from dojo.scoring import Outcome
from dojo.trusted.failures import KataFailure


def requirement(name: str, doc: str | None = None) -> str:
    """The sentence a test name spells: test_ignores_case -> 'ignores case'."""
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    base = name.split("[", 1)[0].removeprefix("test_").removeprefix("Test")
    return base.replace("_", " ").strip()


def _flatten(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _flatten(inner)]
    return [error]


def falsifying_input(error: BaseException) -> str:
    """Hypothesis's minimal example for this failure, as `name=value` lines, or ''."""
    for note in getattr(error, "__notes__", []):
        if note.startswith("Falsifying example:"):
            lines = note.splitlines()[1:-1]
            return "\n".join(line.strip().rstrip(",") for line in lines if line.strip())
    return ""


def learner_message(error: BaseException) -> str | None:
    """The learner-facing text for a failure made of KataFailures, else None (show pytest's report)."""
    leaves = _flatten(error)
    if not all(isinstance(leaf, KataFailure) for leaf in leaves):
        return None
    parts: list[str] = []
    for leaf in leaves:
        example = falsifying_input(leaf)
        part = str(leaf) + (f"\nSmallest failing input:\n    {example}" if example else "")
        if part not in parts:
            parts.append(part)
    if len(parts) > 1:
        return f"{len(parts)} different failures:\n\n" + "\n\n".join(parts)
    return parts[0]


def kata_of(path: Path) -> str:
    return path.stem.removeprefix("test_")


def group_of(item: pytest.Item) -> str:
    """The points group: a `group` marker's name, else the folder (public or hidden)."""
    marker = item.get_closest_marker("group")
    return str(marker.args[0]) if marker else item.path.parent.name


@dataclass
class TestResult:
    nodeid: str
    kata: str
    group: str
    requirement: str
    outcome: Outcome
    message: str = ""
    kind: str = ""  # the KataFailure class behind a failure (LoadFailure, NotStarted, ...), if any


class ResultCollector:
    """A pytest plugin object that records one result per test item (setup, call and teardown merged)."""

    def __init__(self) -> None:
        self.results: dict[str, TestResult] = {}
        self.collection_errors: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            doc = getattr(getattr(item, "obj", None), "__doc__", None)
            if isinstance(item.parent, pytest.Class):
                name, doc = item.parent.name, getattr(item.parent.obj, "__doc__", None)
            else:
                name = item.name
            sentence = requirement(name, doc)
            callspec = getattr(item, "callspec", None)
            if callspec is not None:
                sentence += f" ({callspec.id})"
            self.results[item.nodeid] = TestResult(
                item.nodeid, kata_of(item.path), group_of(item), sentence, Outcome.PENDING)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.results.get(report.nodeid)
        if record is None or record.outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.NOT_STARTED):
            return
        if report.when == "call" and report.passed:
            record.outcome = Outcome.PASSED
        elif report.skipped:
            record.outcome, record.message = Outcome.SKIPPED, _skip_reason(report)
        elif report.failed:
            record.kind = getattr(report, "kata_kind", "")
            record.outcome = Outcome.NOT_STARTED if record.kind == "NotStarted" else (
                Outcome.FAILED if report.when == "call" else Outcome.ERROR)
            record.message = report.longreprtext

    def ordered(self) -> Iterable[TestResult]:
        return self.results.values()

    def write(self, path: Path) -> None:
        payload = {"results": [asdict(r) for r in self.ordered()], "collection_errors": self.collection_errors}
        path.write_text(json.dumps(payload, indent=1), encoding="utf-8")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr or "")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("kata").addoption("--kata-results", metavar="FILE", type=Path,
                                      help="write every kata test's outcome and message to FILE as JSON")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--kata-results"):
        config.pluginmanager.register(ResultCollector(), "kata-results")


def pytest_unconfigure(config: pytest.Config) -> None:
    collector = config.pluginmanager.get_plugin("kata-results")
    if isinstance(collector, ResultCollector):
        collector.write(config.getoption("--kata-results"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and report.failed:
        message = learner_message(call.excinfo.value)
        if message is not None:
            report.longrepr = message
            kinds = {type(e).__name__ for e in _flatten(call.excinfo.value)}
            report.kata_kind = kinds.pop() if len(kinds) == 1 else "KataFailure"
    return report
