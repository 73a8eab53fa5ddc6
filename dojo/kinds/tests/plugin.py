"""The tests kind's pytest plugin: the `suite` fixture, a learner's test module graded once per session against
every bug that the session's tests of its kata ask about."""

from __future__ import annotations

from pathlib import Path

import pytest

from dojo import manifest
from dojo.kinds.tests.testing import Suspect, Verdict
from dojo.trusted.process import WorkerPool


class Verdicts:
    """One verdict per tests kata, made when its first test asks: by then every bug of the kata is known (the
    session's collected tests name them), so all of them meet the learner's module in one shuffled round."""

    def __init__(self, pool: WorkerPool, items: list[pytest.Item]) -> None:
        self.pool = pool
        self.items = items
        self.made: dict[str, Verdict] = {}

    def of(self, name: str) -> Verdict:
        if name not in self.made:
            bugs = {}
            for item in self.items:
                bug = getattr(item, "callspec", None) and item.callspec.params.get("bug")
                if isinstance(bug, Suspect) and Path(str(item.path)).stem.removeprefix("test_") == name:
                    bugs[bug.name] = bug
            self.made[name] = Verdict(self.pool, manifest.get(name), list(bugs.values()))
        return self.made[name]


@pytest.fixture(scope="session")
def verdicts(request: pytest.FixtureRequest, kata_workers: WorkerPool) -> Verdicts:
    return Verdicts(kata_workers, request.session.items)


@pytest.fixture
def suite(request: pytest.FixtureRequest, verdicts: Verdicts) -> Verdict:
    """The learner's test module for this test module's kata (test_<kata>.py), graded against every bug."""
    if verdicts.pool.observer is not None:  # every test, the first one's verdict serving the others included
        verdicts.pool.observer.unobserved("the verdict comes from workers of its own, which a replay cannot see")
    return verdicts.of(Path(str(request.path)).stem.removeprefix("test_"))
