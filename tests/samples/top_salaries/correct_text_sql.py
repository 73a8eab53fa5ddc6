from sqlalchemy import func, select, text, literal_column
from dojo.tables import Employee

def top_salaries(n: int = 3):
    if n < 1:
        raise ValueError("n must be >= 1")
    return text(
        "SELECT DISTINCT salary FROM employee WHERE salary IS NOT NULL ORDER BY salary DESC LIMIT :n"
    ).bindparams(n=n)


def top_earners_by_department(n: int = 3):
    if n < 1:
        raise ValueError("n must be >= 1")
    return text(
        "SELECT department, name, salary FROM ("
        " SELECT department, name, salary,"
        " DENSE_RANK() OVER (PARTITION BY department ORDER BY salary DESC) AS r"
        " FROM employee WHERE salary IS NOT NULL) ranked"
        " WHERE r <= :n ORDER BY department, salary DESC, name"
    ).bindparams(n=n)
