"""Top salaries: "Write a query to fetch the top 3 highest salaries from an employee table."

You write SQLAlchemy 2 statements; the tests run them on SQLite and on PostgreSQL. Each function
*returns* a statement (`select(...)`, or `text("...")` with bound parameters) and never runs it.

The table (import it, do not define it): `from dojo.tables import Employee`

    employee
    id | name  | department | salary
    ---+-------+------------+-------
     1 | Ann   | IT         | 100
     2 | Bob   | IT         | 100
     3 | Chloé | IT         |  90
     4 | Dan   | Sales      |  80
     5 | Eve   | Sales      | NULL
     6 | Fay   | Sales      |  70

Task 1: top_salaries(n=3) -> rows of one column: the n highest DISTINCT salaries, highest first.
NULL salaries (not disclosed) never count. Fewer rows when there are fewer distinct salaries.
    top_salaries(3) on the table above -> (100,), (90,), (80,)

Task 2: top_earners_by_department(n=3) -> rows (department, name, salary) of every employee whose
salary is among the n highest distinct non-NULL salaries of their own department, ordered by
department, then salary highest first, then name.
    top_earners_by_department(1) -> ('IT', 'Ann', 100), ('IT', 'Bob', 100), ('Sales', 'Dan', 80)

Both raise ValueError when n < 1 (in Python, before building any SQL).

Watch out: PostgreSQL sorts NULLs *first* in a descending order, SQLite sorts them last; text is
compared by code point ("Zoë" < "ann" < "Émile"). Ties must not cost anyone their place.
"""

from sqlalchemy import Executable

from dojo.tables import Employee  # noqa: F401  (you will need it)


def top_salaries(n: int = 3) -> Executable:
    """Return a statement selecting the n highest distinct non-NULL salaries, highest first."""
    # TODO: your code here
    raise NotImplementedError


def top_earners_by_department(n: int = 3) -> Executable:
    """Return a statement selecting (department, name, salary) of each department's top earners."""
    # TODO: your code here
    raise NotImplementedError
