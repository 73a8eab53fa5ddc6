"""orders the duplicated emails by how often they occur, most first, instead of by email."""
from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.orm import aliased
from dojo.tables import User

def duplicate_emails():
    return select(User.email, func.count()).where(User.email.is_not(None)).group_by(User.email).having(func.count() > 1).order_by(func.count().desc())


def delete_duplicate_users():
    earlier = aliased(User)
    return delete(User).where(exists().where(earlier.email == User.email, earlier.id < User.id))
