"""Replaying a test for a student who answers as an earlier student did, instead of running it again.

Under the derandomized grading profile a kata test is a deterministic function of what its worker answers:
Hypothesis draws the same examples as long as the outcomes are the same, and the trusted checks compute the
same verdict from the same answers. So a real run is recorded as a transcript (every request the test sent to
the worker, the answer, what the learner's code printed with it, each worker start and discard, the pool's
memory of hangs and stubs before and after, and the test's reports), and the transcripts of a test form a tree
of requests branching on answers. A later student walks the tree: their worker answers the requests along a
recorded path, sent in batches; as long as every answer (and printed output) is one the tree knows, the next
request is known too; at a leaf, the recorded reports are the student's, exactly as a real run would have
made them. An answer the tree does not know means a real run, recorded in turn.

What a replayed verdict trusts: the answers of the student's own worker (nothing else crosses), compared on the
trusted side with answers that an earlier real run turned into that verdict; the worker is sent requests only
(the inputs the test would send it), never an earlier answer or an expected one. A worker may see, in a batch,
inputs that a run of its own would send only after it answered the earlier ones as the recorded path did.

Only tests whose every contact with the worker goes through the requests above are recorded: a test that shares
a folder with the worker (an app's storage), whose call hung or whose worker failed, or that asks from another
thread, is run for real for every student. Answers are compared with the worker's own folder written as
`<home>` (it differs from worker to worker). A student whose code answers differently depending on what it was
asked before (state kept across tests) may be graded along a path that a run of its own would have reached
differently; the tests the dojo ships hold no such traps for correct code.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport

from dojo import manifest
from dojo.manifest import Kata
from dojo.trusted.failures import KataFailure
from dojo.trusted.process import Hung, Worker, WorkerPool

MAX_BATCH = 2000  # requests per round trip


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _seen(answer: dict[str, Any], output: str, worker: Worker) -> str:
    """An answer and its output as compared: the worker's own folder written as <home>."""
    return _canonical([answer, output]).replace(str(worker.home), "<home>")


@dataclass
class Transcript:
    nodeid: str
    before: str  # the pool's memory of the kata when the test started (canonical JSON)
    events: list[list[str]]  # ["start", load failure], ["discard", ""], ["ask", request, answer and output]
    reports: list[dict[str, Any]]
    after: dict[str, Any]  # the pool's memory of the kata when the test ended

    def to_json(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "before": self.before, "events": self.events, "reports": self.reports,
                "after": self.after}

    def digest(self) -> str:
        return hashlib.sha256(_canonical(self.to_json()).encode()).hexdigest()[:24]


@dataclass
class Node:
    """A point in a test's run: what it does next (`step`: an event's first two fields), the nodes after it by
    what came back, or the transcript that ends there. `broken` when two runs disagreed about what comes next."""

    step: tuple[str, str] | None = None
    children: dict[str, Node] = field(default_factory=dict)
    end: Transcript | None = None
    broken: bool = False


class Tree:
    """Every recorded run of a kata's tests, by test and by the pool's memory when the test started."""

    def __init__(self) -> None:
        self.roots: dict[tuple[str, str], Node] = {}
        self.known: set[str] = set()

    def add(self, transcript: Transcript) -> None:
        node = self.roots.setdefault((transcript.nodeid, transcript.before), Node())
        for kind, what, came in transcript.events:
            if node.end is not None or (node.step is not None and node.step != (kind, what)):
                node.broken = True  # the same answers led two runs apart: this test is not a function of them
                return
            node.step = (kind, what)
            node = node.children.setdefault(came, Node())
        if node.step is not None or (node.end is not None and node.end.reports != transcript.reports):
            node.broken = True
            return
        node.end = transcript

    def root(self, nodeid: str, before: str) -> Node | None:
        return self.roots.get((nodeid, before))


class Store:
    """A kata's transcripts on disk, shared by the batches grading it in parallel: each real run adds a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.tree = Tree()

    def refresh(self) -> Tree:
        for path in sorted(self.folder.glob("*.json")):
            if path.stem not in self.tree.known:
                self.tree.known.add(path.stem)
                data = json.loads(path.read_text(encoding="utf-8"))
                self.tree.add(Transcript(**data))
        return self.tree

    def keep(self, transcript: Transcript) -> None:
        name = transcript.digest()
        if name in self.tree.known:
            return
        temporary = self.folder / f".{name}.tmp"
        temporary.write_text(_canonical(transcript.to_json()), encoding="utf-8")
        temporary.replace(self.folder / f"{name}.json")
        self.tree.known.add(name)
        self.tree.add(transcript)


class Recorder:
    """A pool's observer during one real run of one test: the transcript, unless something escaped it."""

    def __init__(self, kata: Kata) -> None:
        self.kata = kata
        self.events: list[list[str]] = []
        self.escaped = ""
        self.thread = threading.get_ident()

    def _mine(self, kata: Kata) -> bool:
        if threading.get_ident() != self.thread:
            self.escaped = "asked from another thread"
        return kata.name == self.kata.name

    def started(self, kata: Kata, worker: Worker) -> None:
        if self._mine(kata):
            self.events.append(["start", "", worker.load_failure.replace(str(worker.home), "<home>")])

    def answered(self, kata: Kata, worker: Worker, request: dict[str, Any], answer: dict[str, Any],
                 output: str) -> None:
        if self._mine(kata):
            self.events.append(["ask", _canonical(request), _seen(answer, output, worker)])

    def discarded(self, kata: Kata) -> None:
        if self._mine(kata):
            self.events.append(["discard", "", ""])

    def unobserved(self, why: str) -> None:
        self.escaped = why


def report_record(report: TestReport) -> dict[str, Any]:
    """What a result record and the terminal read of a report, as plain data."""
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple):
        longrepr = [str(longrepr[0]), longrepr[1], str(longrepr[2])]
    elif longrepr is not None:
        longrepr = report.longreprtext
    return {"when": report.when, "outcome": report.outcome, "longrepr": longrepr,
            "kata_kind": getattr(report, "kata_kind", ""), "duration": 0.0}


def _report(item: pytest.Item, record: dict[str, Any]) -> TestReport:
    longrepr = record["longrepr"]
    report = TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, record["outcome"],
                        tuple(longrepr) if isinstance(longrepr, list) else longrepr, record["when"])
    if record["kata_kind"]:
        report.kata_kind = record["kata_kind"]  # type: ignore[attr-defined]
    return report


class Replayer:
    """Runs a batch's tests by replay where it can, and records the real runs where it cannot."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stores: dict[str, Store] = {}
        self.replayed = 0
        self.real = 0

    def store(self, kata: Kata) -> Store:
        if kata.name not in self.stores:
            self.stores[kata.name] = Store(self.folder / kata.name)
        return self.stores[kata.name]

    def run(self, item: pytest.Item, following: pytest.Item | None, pool: WorkerPool) -> None:
        """One test for the current student: replayed if their worker answers along a recorded path, else run
        for real (and recorded, if everything it saw of the worker was seen through its requests)."""
        kata = manifest.get(Path(str(item.path)).stem.removeprefix("test_"))
        store = self.store(kata)
        before = _canonical(pool.policy(kata))
        node = store.refresh().root(item.nodeid, before)
        if node is not None and self._walk(node, item, kata, pool):
            self.replayed += 1
            return
        self.real += 1
        recorder = Recorder(kata)
        reports: list[TestReport] = []
        before = _canonical(pool.policy(kata))  # a walk that went astray may have started the worker
        pool.observer = recorder
        # Replayed tests set nothing up: take down what the last real one left that this one does not need.
        item.session._setupstate.teardown_exact(item)
        with _collecting(item, reports):
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        pool.observer = None
        if not recorder.escaped and reports:
            store.keep(Transcript(item.nodeid, before, recorder.events, [report_record(r) for r in reports],
                                  pool.policy(kata)))

    def _walk(self, node: Node, item: pytest.Item, kata: Kata, pool: WorkerPool) -> bool:
        """Follow the student's answers down the tree from `node`; at a leaf, emit its reports."""
        while node.end is None:
            if node.broken or node.step is None:
                return False
            kind = node.step[0]
            if kind == "start":
                if pool.policy(kata)["worker"] is not None:
                    return False
                worker = pool.worker(kata)
                following = node.children.get(worker.load_failure.replace(str(worker.home), "<home>"))
            elif kind == "discard":
                pool.discard(kata)
                following = node.children.get("")
            else:
                following = self._asks(node, kata, pool)
            if following is None:
                return False
            node = following
        if node.broken:
            return False
        transcript = node.end
        pool.restore(kata, transcript.after)
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for record in transcript.reports:
            item.ihook.pytest_runtest_logreport(report=_report(item, record))
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _asks(self, node: Node, kata: Kata, pool: WorkerPool) -> Node | None:
        """Send the requests along the first recorded path from `node` in one round trip, then go down by the
        answers as far as they follow that path: the node reached, or None where an answer is new."""
        if pool.policy(kata)["worker"] != "":  # no worker up, or one whose module did not load
            return None
        chain: list[tuple[Node, str]] = []
        walker: Node | None = node
        while walker is not None and walker.step is not None and walker.step[0] == "ask" and not walker.broken \
                and len(chain) < MAX_BATCH:
            chain.append((walker, walker.step[1]))
            walker = next(iter(walker.children.values()), None)
        worker = pool.worker(kata)
        try:
            answers = worker.batch([json.loads(request) for _, request in chain], timeout=kata.call_timeout)
        except (Hung, KataFailure):
            worker.stop()
            return None
        current = node
        for (expected, _), (answer, output) in zip(chain, answers, strict=True):
            if current is not expected:  # the answers left the batch's path: the rest was asked in vain
                break
            following = current.children.get(_seen(answer, output, worker))
            if following is None:
                return None
            current = following
        return current


class _collecting:
    """Collect an item's reports while its protocol runs."""

    def __init__(self, item: pytest.Item, reports: list[TestReport]) -> None:
        self.item, self.reports = item, reports

    def pytest_runtest_logreport(self, report: TestReport) -> None:
        if report.nodeid == self.item.nodeid:
            self.reports.append(report)

    def __enter__(self) -> None:
        self.item.config.pluginmanager.register(self)

    def __exit__(self, *exc_info: object) -> None:
        self.item.config.pluginmanager.unregister(self)
