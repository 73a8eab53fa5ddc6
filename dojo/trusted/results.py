"""Learner-facing failure reports, and the record of every kata test's result.

A failure raised as `KataFailure` is shown as its message plus Hypothesis's smallest failing input,
instead of a traceback through the test and the RPC layers. `ResultCollector` keeps one record per test
for the learner's summary and the grader, and hands each record to a listener the moment its test ends.
`cause` says which failures share one root cause, so a learner reads each cause once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestResult:
        return cls(**{**data, "outcome": Outcome(data["outcome"])})


class ResultListener(Protocol):
    """Told about results as they happen: what was collected, then each test as soon as it has ended."""

    def collected(self, results: Sequence[TestResult], errors: Sequence[str]) -> None: ...

    def finished(self, result: TestResult) -> None: ...


class ResultCollector:
    """A pytest plugin object that records one result per test item (setup, call and teardown merged)."""

    def __init__(self, listener: ResultListener | None = None) -> None:
        self.results: dict[str, TestResult] = {}
        self.collection_errors: list[str] = []
        self.uncollected: set[str] = set()  # katas with a test module that could not be collected
        self.listener = listener

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
            self.uncollected.add(kata_of(Path(report.nodeid)))

    def pytest_collection_finish(self) -> None:
        if self.listener is not None:
            self.listener.collected(list(self.results.values()), list(self.collection_errors))

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

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        # Setup, call and teardown have all been reported: the record is final.
        record = self.results.get(nodeid)
        if record is not None and self.listener is not None:
            self.listener.finished(record)

    def ordered(self) -> Iterable[TestResult]:
        return self.results.values()

    def write(self, path: Path) -> None:
        payload = {"results": [r.to_json() for r in self.ordered()], "collection_errors": self.collection_errors}
        path.write_text(json.dumps(payload, indent=1), encoding="utf-8")


@dataclass(frozen=True)
class Cause:
    """What a failure comes from. Failures with the same `key` share one root cause: the learner reads the
    first in full and a one-line reference for the others. `place` says in words what they share ('' when
    the messages are simply identical)."""

    key: str
    place: str = ""


_SEVERAL = re.compile(r"\d+ different failures:\n")  # learner_message's text for several failures in one test
_SQL = re.compile(r"\ACalled (?P<function>\w+)\(.*?\); on (?P<backend>\w+) it compiled to:\n"
                  r"(?P<sql>(?:    (?!with parameters ).*\n)+)")
_RETURNED = re.compile(r"^It returned that at (?P<path>.+), line (?P<line>\d+):$", re.MULTILINE)
_RAISED = re.compile(r"\braised (?P<type>[\w.]+)")
_FRAME = re.compile(r"^ +(?P<path>.+), line (?P<line>\d+), in \S+$", re.MULTILINE)
_HUNG = re.compile(r"\A(?:Called (?:.*\.)?(?P<called>\w+)\(.*; it did not return within "
                   r"|Not run: (?P<named>\w+) hung )")


def cause(message: str, kind: str = "") -> Cause:
    """The root cause of one failure, from its message: the same SQL statement (whatever its parameters),
    the same exception from the same line of the learner's code (raised by a call, or by an app while it
    served a request), the same line returning the same kind of wrong answer (a value where an error was
    expected, or a wrong value), the same function hanging. A module that does not load, a stub not
    started, and anything else are one cause only when the messages are identical."""
    text = message.strip()
    if kind in ("LoadFailure", "NotStarted") or _SEVERAL.match(text):
        return Cause(text)
    if sql := _SQL.match(text):
        function, backend = sql["function"], sql["backend"]
        return Cause(f"sql:{function}:{backend}:{sql['sql']}", f"the same SQL statement from {function}, on {backend}")
    if (raised := _RAISED.search(text)) and (frames := _FRAME.findall(text, raised.end())):
        path, line = frames[-1]  # the innermost of the learner's lines
        return Cause(f"raised:{raised['type']}:{path}:{line}", f"{raised['type']} raised at {path}, line {line}")
    if returned := _RETURNED.search(text):
        wrong = "no error" if "expected it to raise" in text.split("\n", 1)[0] else "a wrong value"
        path, line = returned["path"], returned["line"]
        return Cause(f"returned:{wrong}:{path}:{line}", f"{wrong} returned at {path}, line {line}")
    if hung := _HUNG.match(text):
        function = hung["called"] or hung["named"]
        return Cause(f"hung:{function}", f"{function} does not return")
    return Cause(text)


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
