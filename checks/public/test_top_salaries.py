"""Public tests for the top_salaries kata: the prompt's worked example, run on the real database."""

import pytest

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import Employee
from dojo.testing import KataProxy

EXAMPLE = [
    {"id": 1, "name": "Ann", "department": "IT", "salary": 100},
    {"id": 2, "name": "Bob", "department": "IT", "salary": 100},
    {"id": 3, "name": "Chloé", "department": "IT", "salary": 90},
    {"id": 4, "name": "Dan", "department": "Sales", "salary": 80},
    {"id": 5, "name": "Eve", "department": "Sales", "salary": None},
    {"id": 6, "name": "Fay", "department": "Sales", "salary": 70},
]


@pytest.mark.group("top_salaries")
def test_top_three_distinct_salaries_of_the_example(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "top_salaries", 3, tables={Employee: EXAMPLE})
    outcome.expect_rows([(100,), (90,), (80,)])


@pytest.mark.group("top_salaries")
def test_an_empty_table_gives_no_rows(kata: KataProxy, database: Schema) -> None:
    database.run(kata, "top_salaries", 3, tables={Employee: []}).expect_rows([])


@pytest.mark.group("top_earners_by_department")
def test_top_earner_of_each_department_keeps_ties(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "top_earners_by_department", 1, tables={Employee: EXAMPLE})
    outcome.expect_rows([("IT", "Ann", 100), ("IT", "Bob", 100), ("Sales", "Dan", 80)])


@pytest.mark.group("top_earners_by_department")
def test_refuses_n_below_one_with_value_error(kata: KataProxy) -> None:
    kata.top_earners_by_department.check(0, raises=ValueError)
