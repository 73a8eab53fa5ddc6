from sqlalchemy import func, select, text, literal_column
from dojo.tables import Employee

from sqlalchemy.orm import aliased


def top_salaries(n=3):
    if n < 1:
        raise ValueError(n)
    salaries = select(Employee.salary).where(Employee.salary.is_not(None)).group_by(Employee.salary).subquery()
    return select(salaries.c.salary).order_by(salaries.c.salary.desc()).limit(n)


def top_earners_by_department(n=3):
    if n < 1:
        raise ValueError(n)
    other = aliased(Employee)
    higher = (
        select(func.count(other.salary.distinct()))
        .where(other.department == Employee.department, other.salary > Employee.salary)
        .scalar_subquery()
    )
    return (
        select(Employee.department, Employee.name, Employee.salary)
        .where(Employee.salary.is_not(None), higher < n)
        .order_by(Employee.department, Employee.salary.desc(), Employee.name)
    )
