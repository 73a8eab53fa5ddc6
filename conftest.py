"""Which implementation is under test, under which Hypothesis profile: one set of kata tests serves the
learner's stubs, the reference solutions and a student's submission."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from dojo import manifest, profiles
from dojo.remote import Implementation, KataProxy, WorkerPool
from dojo.sandbox import Limits, Sandbox

if TYPE_CHECKING:  # SQLAlchemy loads only when a SQL kata's test asks for a database
    from dojo.database import Database, Schema

pytest_plugins = ["dojo.pytest_plugin"]
IMPLEMENTATION = pytest.StashKey[Implementation]()


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
    group.addoption("--kata-db", metavar="URL", action="append", default=None,
                    help="database for the SQL katas, repeatable (default: SQLite in memory, and $KATA_DATABASE_URL "
                         "when set)")


def pytest_configure(config: pytest.Config) -> None:
    profiles.register()
    settings.load_profile(config.getoption("--kata-profile"))
    try:
        config.stash[IMPLEMENTATION] = Implementation.parse(config.getoption("--kata-impl"))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str:
    implementation = config.stash[IMPLEMENTATION]
    backends = " and ".join(backend(url) for url in database_urls(config))
    return (f"kata: implementation {implementation.label}, hypothesis profile {config.getoption('--kata-profile')}, "
            f"SQL on {backends}")



@pytest.fixture(scope="session")
def kata_workers(pytestconfig: pytest.Config) -> Iterator[WorkerPool]:
    sandbox, overridden = None, frozenset[str]()
    if pytestconfig.getoption("--kata-sandbox"):
        chosen = {"memory_mb": pytestconfig.getoption("--kata-memory-mb"),
                  "cpu_seconds": pytestconfig.getoption("--kata-cpu-seconds")}
        overridden = frozenset(name for name, value in chosen.items() if value is not None)
        sandbox = Sandbox.detect(Limits(**{name: chosen[name] for name in overridden}))
    pool = WorkerPool(pytestconfig.stash[IMPLEMENTATION], sandbox, overridden)
    yield pool
    pool.close()


@pytest.fixture
def kata(request: pytest.FixtureRequest, kata_workers: WorkerPool) -> KataProxy:
    """The code under test for this test module's kata (named by the file: test_<kata>.py)."""
    name = Path(str(request.path)).stem.removeprefix("test_")
    return KataProxy(kata_workers, manifest.get(name))


def database_urls(config: pytest.Config) -> list[str]:
    chosen = config.getoption("--kata-db")
    if chosen:
        return list(chosen)
    return ["sqlite://", *filter(None, [os.environ.get("KATA_DATABASE_URL")])]


def backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every SQL test runs once per configured database, so a bug that shows only on PostgreSQL is named as such.
    if "kata_database" in metafunc.fixturenames:
        urls = database_urls(metafunc.config)
        metafunc.parametrize("kata_database", urls, indirect=True, scope="session", ids=[backend(u) for u in urls])


@pytest.fixture(scope="session")
def kata_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    from dojo.database import Database, DatabaseSetupError

    database = Database(request.param)
    try:
        database.check()
    except DatabaseSetupError as error:
        pytest.fail(str(error), pytrace=False)
    yield database
    database.close()


@pytest.fixture
def database(kata_database: Database) -> Iterator[Schema]:
    """A clean schema with the kata tables, for this test only."""
    with kata_database.schema() as schema:
        yield schema
