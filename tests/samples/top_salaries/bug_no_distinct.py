from sqlalchemy import func, select, text, literal_column
from dojo.tables import Employee

def top_salaries(n=3):
    if n < 1:
        raise ValueError(n)
    return select(Employee.salary).where(Employee.salary.is_not(None)).order_by(Employee.salary.desc()).limit(n)


def top_earners_by_department(n=3):
    if n < 1:
        raise ValueError(n)
    rank = func.dense_rank().over(partition_by=Employee.department, order_by=Employee.salary.desc())
    sub = select(Employee.department, Employee.name, Employee.salary, rank.label("r")).where(Employee.salary.is_not(None)).subquery()
    return select(sub.c.department, sub.c.name, sub.c.salary).where(sub.c.r <= n).order_by(sub.c.department, sub.c.salary.desc(), sub.c.name)
