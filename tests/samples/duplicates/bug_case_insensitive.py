from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.orm import aliased
from dojo.tables import User

def duplicate_emails():
    e = func.lower(User.email)
    return select(e, func.count()).where(User.email.is_not(None)).group_by(e).having(func.count() > 1).order_by(e)


def delete_duplicate_users():
    earlier = aliased(User)
    return delete(User).where(exists().where(earlier.email == User.email, earlier.id < User.id))
