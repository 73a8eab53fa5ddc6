from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.orm import aliased
from dojo.tables import User

def duplicate_emails():
    return text(
        "SELECT email, COUNT(*) AS n FROM users WHERE email IS NOT NULL "
        "GROUP BY email HAVING COUNT(*) > 1 ORDER BY email"
    )


def delete_duplicate_users():
    return text(
        "DELETE FROM users WHERE email IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM users WHERE email IS NOT NULL GROUP BY email)"
    )
