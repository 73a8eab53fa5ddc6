"""Which implementation is under test, under which Hypothesis profile: one set of kata tests serves the
learner's stubs, the reference solutions and a student's submission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from dojo import manifest, profiles
from dojo.remote import Implementation, KataProxy, WorkerPool

pytest_plugins = ["dojo.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "kata dojo")
    group.addoption("--kata-impl", default="katas", metavar="katas|solutions|FOLDER",
                    help="code under test: the learner's katas/ (default), solutions/, or a submission folder")
    group.addoption("--kata-profile", default=profiles.default(), choices=profiles.NAMES,
                    help="Hypothesis profile (default: $KATA_PROFILE, 'ci' under CI, else 'learner')")


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


IMPLEMENTATION = pytest.StashKey[Implementation]()


@pytest.fixture(scope="session")
def kata_workers(pytestconfig: pytest.Config) -> Iterator[WorkerPool]:
    pool = WorkerPool(pytestconfig.stash[IMPLEMENTATION])
    yield pool
    pool.close()


@pytest.fixture
def kata(request: pytest.FixtureRequest, kata_workers: WorkerPool) -> KataProxy:
    """The code under test for this test module's kata (named by the file: test_<kata>.py)."""
    name = Path(str(request.path)).stem.removeprefix("test_")
    return KataProxy(kata_workers, manifest.get(name))
