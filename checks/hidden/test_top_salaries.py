"""Hidden tests for the top_salaries kata: whole generated tables, checked against a plain-Python oracle
written here from the contract, on whichever database the run uses (SQLite or PostgreSQL)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dojo.kinds.sql.database import Schema
from dojo.kinds.sql.tables import Employee
from dojo.testing import KataProxy

Row = dict[str, Any]

# Text PostgreSQL can store (no NUL, no lone surrogates), leaning on case and accent look-alikes.
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
NAMES = st.sampled_from(["Ann", "ann", "Bob", "Zoë", "Émile", "李", "O'Brien", ""]) | st.text(TEXT, max_size=6)
DEPARTMENTS = st.sampled_from(["IT", "it", "Sales", "Ops", "Ünits", "R&D"]) | st.text(TEXT, min_size=1, max_size=5)
SALARIES = st.one_of(
    st.none(),
    st.sampled_from([0, 1, -1, 100, 100, 90, 80]),  # ties and small values
    st.integers(-10_000, 10_000),
    st.integers(-(2**63), 2**63 - 1),
)


@st.composite
def employee_tables(draw: st.DrawFn, *, max_size: int = 30) -> list[Row]:
    """Employees with unique ids in random order, tied names, departments and salaries, and NULL salaries."""
    rows = draw(st.lists(st.fixed_dictionaries({"name": NAMES, "department": DEPARTMENTS, "salary": SALARIES}),
                         max_size=max_size))
    ids = draw(st.permutations(range(1, len(rows) + 1)))
    return [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]


def top_salaries(employees: list[Row], n: int) -> list[tuple[int]]:
    distinct = sorted({e["salary"] for e in employees if e["salary"] is not None}, reverse=True)
    return [(salary,) for salary in distinct[:n]]


def top_earners_by_department(employees: list[Row], n: int) -> list[tuple[str, str, int]]:
    kept = []
    for department in {e["department"] for e in employees}:
        staff = [e for e in employees if e["department"] == department and e["salary"] is not None]
        best = {s for (s,) in top_salaries(staff, n)}
        kept += [(e["department"], e["name"], e["salary"]) for e in staff if e["salary"] in best]
    # Code point order is the binary ("C") collation both databases use here.
    return sorted(kept, key=lambda row: (row[0], -row[2], row[1]))


def emp(id_: int, salary: int | None, department: str = "IT", name: str = "Ann") -> Row:
    return {"id": id_, "name": name, "department": department, "salary": salary}


TIES = [emp(1, 100), emp(2, 100), emp(3, 90), emp(4, 90), emp(5, 80), emp(6, 70)]
NULLS = [emp(1, None), emp(2, 5), emp(3, None), emp(4, 7)]


@pytest.mark.group("top_salaries")
@example(employees=[], n=3)
@example(employees=[emp(1, 42)], n=1)
@example(employees=[emp(1, None)], n=3)
@example(employees=TIES, n=3)
@example(employees=NULLS, n=1)
@example(employees=NULLS, n=3)
@example(employees=[emp(1, -5), emp(2, 0), emp(3, 2**63 - 1), emp(4, -(2**63))], n=2)
@given(employee_tables(), st.integers(1, 6))
def test_lists_the_n_highest_distinct_salaries_highest_first(
    kata: KataProxy, database: Schema, employees: list[Row], n: int
) -> None:
    outcome = database.run(kata, "top_salaries", n, tables={Employee: employees})
    outcome.expect_rows(top_salaries(employees, n))


@pytest.mark.group("top_salaries")
@given(employee_tables(), st.integers(1, 6))
def test_returns_at_most_n_strictly_decreasing_salaries_taken_from_the_table(
    kata: KataProxy, database: Schema, employees: list[Row], n: int
) -> None:
    outcome = database.run(kata, "top_salaries", n, tables={Employee: employees})
    salaries = [row[0] for row in outcome.rows]
    in_table = {e["salary"] for e in employees}
    problems = [
        (len(salaries) > n, f"more than n={n} rows"),
        (any(s is None for s in salaries), "a NULL salary"),
        (any(a <= b for a, b in pairwise(salaries)), "salaries that are not strictly decreasing"),
        (any(s not in in_table for s in salaries), "a salary nobody has"),
        (any(len(row) != 1 for row in outcome.rows), "more than one column"),
    ]
    for broken, what in problems:
        if broken:
            outcome.expect_rows(top_salaries(employees, n), what=f"rows ({what})")


@pytest.mark.group("top_salaries")
@given(st.integers(max_value=0))
def test_top_salaries_refuses_n_below_one_with_value_error(kata: KataProxy, n: int) -> None:
    kata.top_salaries.check(n, raises=ValueError)


@pytest.mark.group("top_salaries")
def test_top_salaries_defaults_to_three(kata: KataProxy, database: Schema) -> None:
    database.run(kata, "top_salaries", tables={Employee: TIES}).expect_rows([(100,), (90,), (80,)])


@pytest.mark.group("top_earners_by_department")
@example(employees=[], n=3)
@example(employees=TIES, n=2)
@example(employees=[*TIES, emp(7, 95, "Sales", "Zed"), emp(8, 95, "Sales", "Abe"), emp(9, None, "Sales")], n=1)
@example(employees=[emp(1, 10, "b"), emp(2, 10, "B"), emp(3, 10, "a", "z"), emp(4, 10, "a", "Z")], n=1)
@example(employees=[emp(1, 100, "IT"), emp(2, 90, "it"), emp(3, 80, "it")], n=1)
@example(employees=NULLS, n=1)
@given(employee_tables(), st.integers(1, 4))
def test_lists_each_departments_top_earners_ordered_by_department_salary_and_name(
    kata: KataProxy, database: Schema, employees: list[Row], n: int
) -> None:
    outcome = database.run(kata, "top_earners_by_department", n, tables={Employee: employees})
    outcome.expect_rows(top_earners_by_department(employees, n))


@pytest.mark.group("top_earners_by_department")
@given(employee_tables(max_size=12), st.integers(1, 3))
def test_everyone_paid_at_least_a_listed_colleague_is_listed_too(
    kata: KataProxy, database: Schema, employees: list[Row], n: int
) -> None:
    outcome = database.run(kata, "top_earners_by_department", n, tables={Employee: employees})
    lowest: dict[str, int] = {}
    for department, _, salary in outcome.rows:
        lowest[department] = min(salary, lowest.get(department, salary))
    missing = [e for e in employees if e["salary"] is not None and e["department"] in lowest
               and e["salary"] >= lowest[e["department"]]]
    if len(missing) != len(outcome.rows):
        outcome.expect_rows(top_earners_by_department(employees, n),
                            what="rows (someone paid as much as a listed colleague is missing)")


@pytest.mark.group("top_earners_by_department")
@given(st.integers(max_value=0))
def test_top_earners_refuses_n_below_one_with_value_error(kata: KataProxy, n: int) -> None:
    kata.top_earners_by_department.check(n, raises=ValueError)


@pytest.mark.group("top_earners_by_department")
def test_top_earners_defaults_to_three(kata: KataProxy, database: Schema) -> None:
    outcome = database.run(kata, "top_earners_by_department", tables={Employee: TIES})
    outcome.expect_rows(top_earners_by_department(TIES, 3))
