"""the app keeps its own copy of users: a user taken out of users keeps access."""

import time
from collections.abc import Callable, Mapping
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

from dojo.auth import User, verify_password

RANK = {"viewer": 1, "editor": 2, "admin": 3}


class Article(BaseModel):
    id: int
    title: str


class NewArticle(BaseModel):
    title: str


def create_app(secret: str, users: Mapping[str, User], clock: Callable[[], float] = time.time) -> FastAPI:
    users = dict(users)
    app = FastAPI()
    scheme = OAuth2PasswordBearer(tokenUrl="/token")
    articles: list[Article] = []
    last_id = 0

    def denied(detail: str) -> HTTPException:
        return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})

    def who(token: Annotated[str, Depends(scheme)]) -> tuple[str, str]:
        try:
            payload = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
            name, exp = payload["sub"], payload["exp"]
        except (jwt.PyJWTError, KeyError):
            raise denied("Could not validate credentials") from None
        if exp <= clock() or name not in users:
            raise denied("Could not validate credentials")
        return name, users[name].role

    def role_at_least(minimum: str) -> Callable[[tuple[str, str]], tuple[str, str]]:
        def dependency(current: Annotated[tuple[str, str], Depends(who)]) -> tuple[str, str]:
            if RANK[current[1]] < RANK[minimum]:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "Not enough privileges")
            return current
        return dependency

    @app.post("/token")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
        user = users.get(form.username)
        if not user or not verify_password(form.password, user.password_hash):
            raise denied("Incorrect username or password")
        issued = int(clock())
        claims = {"sub": form.username, "role": user.role, "iat": issued, "exp": issued + 15 * 60}
        return {"access_token": jwt.encode(claims, secret, algorithm="HS256"), "token_type": "bearer"}

    @app.get("/me")
    def me(current: Annotated[tuple[str, str], Depends(who)]):
        return {"username": current[0], "role": current[1]}

    @app.get("/articles", dependencies=[Depends(role_at_least("viewer"))])
    def list_articles() -> list[Article]:
        return articles

    @app.post("/articles", status_code=201, dependencies=[Depends(role_at_least("editor"))])
    def add_article(new: NewArticle) -> Article:
        nonlocal last_id
        last_id += 1
        article = Article(id=last_id, title=new.title)
        articles.append(article)
        return article

    @app.delete("/articles/{article_id}", status_code=204, dependencies=[Depends(role_at_least("admin"))])
    def remove_article(article_id: int) -> None:
        for index, article in enumerate(articles):
            if article.id == article_id:
                del articles[index]
                return
        raise HTTPException(404, "Article not found")

    return app
