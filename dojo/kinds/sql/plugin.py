"""The SQL kind's pytest plugin: which databases the SQL tests run on, one session-wide connection per
database, and a clean schema per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # SQLAlchemy loads only when a SQL kata's test asks for a database
    from dojo.kinds.sql.database import Database, Schema

ENVIRONMENT = "KATA_DATABASE_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("kata").addoption(
        "--kata-db", metavar="URL", action="append", default=None,
        help=f"database for the SQL katas, repeatable (default: SQLite in memory, and ${ENVIRONMENT} when set)")


def database_urls(chosen: list[str] | None = None) -> list[str]:
    """The databases SQL tests run on: the chosen ones, else SQLite in memory and $KATA_DATABASE_URL."""
    if chosen:
        return list(chosen)
    return ["sqlite://", *filter(None, [os.environ.get(ENVIRONMENT)])]


def backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def pytest_report_header(config: pytest.Config) -> str:
    return "kata: SQL on " + " and ".join(backend(url) for url in database_urls(config.getoption("--kata-db")))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every SQL test runs once per configured database, so a bug that shows only on PostgreSQL is named as such.
    if "kata_database" in metafunc.fixturenames:
        urls = database_urls(metafunc.config.getoption("--kata-db"))
        metafunc.parametrize("kata_database", urls, indirect=True, scope="session", ids=[backend(u) for u in urls])


@pytest.fixture(scope="session")
def kata_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    from dojo.kinds.sql.database import Database, DatabaseSetupError

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
