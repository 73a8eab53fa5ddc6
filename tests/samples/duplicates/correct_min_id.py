from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.orm import aliased
from dojo.tables import User

def duplicate_emails():
    counted = select(User.email, func.count(User.id).label("n")).group_by(User.email).subquery()
    return select(counted.c.email, counted.c.n).where(counted.c.email.is_not(None), counted.c.n >= 2).order_by(counted.c.email)


def delete_duplicate_users():
    keep = select(func.min(User.id)).where(User.email.is_not(None)).group_by(User.email)
    return delete(User).where(User.email.is_not(None), User.id.not_in(keep))
