"""Many students in one trusted test process: the kata's tests are collected once, then run for each student
in turn, so pytest, Hypothesis, the plugins and the kinds' trusted modules start once per batch instead of once
per student.

Each student is graded exactly as a process of their own would grade them: the current folder is the student's
private folder (so their module shows as `<kata>.py`), the implementation under test is their copy, every test's
fixtures are torn down at the end of the student (the next student starts from nothing: a fresh pool of caged
workers, fresh databases), and a wall-clock limit stops the student: their workers are killed, the rest of
their tests are not run, and their result says they timed out, as a killed process would. A student's results
are written the moment the student is done; the grader re-grades on its own anyone a crashed batch left out.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from dojo.grading.replay import Replayer
from dojo.trusted.plugin import IMPLEMENTATION, POOL, make_pool
from dojo.trusted.results import ResultCollector
from dojo.trusted.submissions import Implementation


@dataclass(frozen=True)
class Student:
    folder: Path  # a private folder holding the student's module alone
    results: Path  # where their results go
    seconds: float  # wall-clock limit for their tests

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "results": str(self.results), "seconds": self.seconds}


def write_batch(path: Path, students: Sequence[Student]) -> None:
    path.write_text(json.dumps([student.to_json() for student in students]), encoding="utf-8")


def read_results(path: Path) -> tuple[dict[str, dict[str, Any]], bool] | None:
    """A student's recorded results by test id, and whether they ran out of time; None if never written."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {r["nodeid"]: r for r in data.get("results", [])}, bool(data.get("timed_out"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata")
    group.addoption("--kata-batch", type=Path, metavar="FILE",
                    help="grade every student listed in FILE (the grader writes it), in turn")
    group.addoption("--kata-replay", type=Path, metavar="FOLDER",
                    help="with --kata-batch: replay a test for a student who answers as a recorded run did "
                         "(transcripts shared through FOLDER); needs a derandomized profile")


@pytest.hookimpl(trylast=True)  # after the dojo plugin has loaded the Hypothesis profile
def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--kata-batch")
    if path:
        students = [Student(Path(s["folder"]), Path(s["results"]), float(s["seconds"]))
                    for s in json.loads(path.read_text(encoding="utf-8"))]
        folder = config.getoption("--kata-replay")
        if folder and not settings().derandomize:
            raise pytest.UsageError("--kata-replay needs a derandomized profile: other runs draw other examples")
        config.pluginmanager.register(Batch(students, Replayer(folder) if folder else None), "kata-batch")


class Batch:
    def __init__(self, students: list[Student], replayer: Replayer | None) -> None:
        self.students = students
        self.replayer = replayer
        self.expired = threading.Event()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        for student in self.students:
            self._grade(session, student)
        return True

    def _grade(self, session: pytest.Session, student: Student) -> None:
        config = session.config
        implementation = Implementation.parse(str(student.folder))
        config.stash[IMPLEMENTATION] = implementation
        pool = config.stash[POOL] = make_pool(config)
        collector = ResultCollector()
        collector.pytest_collection_modifyitems(session.items)
        config.pluginmanager.register(collector)
        self.expired.clear()
        timer = threading.Timer(student.seconds, self._expire, args=(pool,))
        timer.daemon = True
        os.chdir(student.folder)  # learner paths are shown relative to the current folder
        timer.start()
        try:
            items = session.items
            for index, item in enumerate(items):
                if self.expired.is_set():
                    break
                following = items[index + 1] if index + 1 < len(items) else None
                if self.replayer is not None:
                    self.replayer.run(item, following, pool)
                else:
                    item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        finally:
            timer.cancel()
            # Whatever is still set up (a stopped student's fixtures, those a replayed last test left) goes.
            session._setupstate.teardown_exact(None)
            pool.close()
            del config.stash[POOL]
            config.pluginmanager.unregister(collector)
        payload: dict[str, Any] = {"timed_out": True} if self.expired.is_set() else {
            "results": [r.to_json() for r in collector.ordered()], "collection_errors": collector.collection_errors}
        temporary = student.results.with_suffix(".tmp")
        temporary.write_text(json.dumps(payload), encoding="utf-8")
        temporary.replace(student.results)

    def _expire(self, pool: Any) -> None:
        """(Timer thread.) The student's time is up: stop their workers; their tests fail at once from here."""
        self.expired.set()
        pool.expire("stopped after the time limit")
