"""Top salaries: the reference solution."""

from sqlalchemy import Executable, func, select

from dojo.tables import Employee


def top_salaries(n: int = 3) -> Executable:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    # IS NOT NULL matters on PostgreSQL, where NULL would come first in a descending order.
    return (
        select(Employee.salary)
        .where(Employee.salary.is_not(None))
        .distinct()
        .order_by(Employee.salary.desc())
        .limit(n)
    )


def top_earners_by_department(n: int = 3) -> Executable:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    # DENSE_RANK gives tied salaries the same rank and skips no rank, so "n highest distinct" is rank <= n.
    rank = func.dense_rank().over(partition_by=Employee.department, order_by=Employee.salary.desc())
    ranked = (
        select(Employee.department, Employee.name, Employee.salary, rank.label("salary_rank"))
        .where(Employee.salary.is_not(None))
        .subquery()
    )
    return (
        select(ranked.c.department, ranked.c.name, ranked.c.salary)
        .where(ranked.c.salary_rank <= n)
        .order_by(ranked.c.department, ranked.c.salary.desc(), ranked.c.name)
    )
