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
# A test whose check needs a real server (a row lock, a query plan) marks it; on SQLite it checks the rest.
ON_POSTGRESQL = "checked_on_postgresql"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("kata").addoption(
        "--kata-db", metavar="URL", action="append", default=None,
        help=f"database for the SQL katas, repeatable (default: SQLite in memory, and ${ENVIRONMENT} when set)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{ON_POSTGRESQL}(what): what of this SQL test only PostgreSQL can show "
                                       "(a lock, a query plan); its runs on other databases say so in their name")


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
        marker = metafunc.definition.get_closest_marker(ON_POSTGRESQL)
        ids = [backend(url) if marker is None or backend(url) == "postgresql"
               else f"{backend(url)}; {marker.args[0]} is checked on PostgreSQL" for url in urls]
        # A run without PostgreSQL still passes such a test on what SQLite can show (a skip would cost the
        # learner the requirement), and its name says where the rest is checked.
        metafunc.parametrize("kata_database", urls, indirect=True, scope="session", ids=ids)


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
