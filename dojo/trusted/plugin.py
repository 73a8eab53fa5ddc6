"""The dojo's pytest plugin: which implementation is under test, under which Hypothesis profile, in which
cage; the `kata` fixture; the result records; and every kind's own plugin. One set of kata tests serves
the learner's stubs, the reference solutions and a student's submission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from dojo import kinds, manifest, profiles
from dojo.trusted.process import WorkerPool
from dojo.trusted.proxy import KataProxy
from dojo.trusted.submissions import Implementation

pytest_plugins = ["dojo.trusted.results", *kinds.plugins()]
IMPLEMENTATION = pytest.StashKey[Implementation]()
POOL = pytest.StashKey[WorkerPool]()  # set by whoever manages workers across sessions' worth of tests (a batch)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "kata dojo")
    group.addoption("--kata-impl", default="katas", metavar="katas|solutions|FOLDER",
                    help="code under test: the learner's katas/ (default), solutions/, or a submission folder")
    group.addoption("--kata-profile", default=profiles.default(), choices=profiles.NAMES,
                    help="Hypothesis profile (default: $KATA_PROFILE, 'ci' under CI, else 'learner')")
    group.addoption("--kata-sandbox", action="store_true",
                    help="run the code under test caged (bubblewrap: no network, no project files, uid nobody) "
                         "under the kata's limits; the grader sets this")
    group.addoption("--kata-memory-mb", type=int, default=None, help="override the katas' memory limits (sandbox)")
    group.addoption("--kata-cpu-seconds", type=int, default=None, help="override the katas' CPU limits (sandbox)")


def pytest_configure(config: pytest.Config) -> None:
    profiles.register()
    settings.load_profile(config.getoption("--kata-profile"))
    try:
        config.stash[IMPLEMENTATION] = Implementation.parse(config.getoption("--kata-impl"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str:
    implementation = config.stash[IMPLEMENTATION]
    return f"kata: implementation {implementation.label}, hypothesis profile {config.getoption('--kata-profile')}"


def make_pool(config: pytest.Config) -> WorkerPool:
    """The workers for the implementation under test, caged under the katas' limits with --kata-sandbox."""
    sandbox, overridden = None, frozenset[str]()
    if config.getoption("--kata-sandbox"):
        from dojo.grading.sandbox import Limits, Sandbox

        chosen = {"memory_mb": config.getoption("--kata-memory-mb"),
                  "cpu_seconds": config.getoption("--kata-cpu-seconds")}
        overridden = frozenset(name for name, value in chosen.items() if value is not None)
        sandbox = Sandbox.detect(Limits(**{name: chosen[name] for name in overridden}))
    return WorkerPool(config.stash[IMPLEMENTATION], sandbox, overridden)


@pytest.fixture(scope="session")
def kata_workers(pytestconfig: pytest.Config) -> Iterator[WorkerPool]:
    managed = pytestconfig.stash.get(POOL, None)
    if managed is not None:  # a batch of students: each student's pool is made and closed by the batch
        yield managed
        return
    pool = make_pool(pytestconfig)
    yield pool
    pool.close()


@pytest.fixture
def kata(request: pytest.FixtureRequest, kata_workers: WorkerPool) -> KataProxy:
    """The code under test for this test module's kata (named by the file: test_<kata>.py)."""
    name = Path(str(request.path)).stem.removeprefix("test_")
    return KataProxy(kata_workers, manifest.get(name))
