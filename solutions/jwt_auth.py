"""JWT authentication with roles in FastAPI: the reference solution."""

import itertools
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

from dojo.auth import ROLES, User, verify_password

ALGORITHM = "HS256"
LIFETIME = 15 * 60  # seconds


class NewArticle(BaseModel):
    title: str


def create_app(secret: str, users: Mapping[str, User], clock: Callable[[], float] = time.time) -> FastAPI:
    app = FastAPI(title="Articles")
    # Answers a missing or non-Bearer Authorization header with 401 and WWW-Authenticate: Bearer by itself.
    bearer = OAuth2PasswordBearer(tokenUrl="token")
    articles: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    def unauthorized() -> HTTPException:
        return HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    def current_user(token: Annotated[str, Depends(bearer)]) -> tuple[str, User]:
        try:
            # One algorithm, named here: never the one the token's header asks for. PyJWT would check exp
            # against the wall clock; this app's time is clock(), so exp is checked below.
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                                options={"verify_exp": False, "require": ["sub", "exp"]})
        except jwt.InvalidTokenError:
            raise unauthorized() from None
        if clock() >= claims["exp"]:
            raise unauthorized()
        # Looked up on every request: a user taken out of `users` loses access at once, whatever tokens it holds.
        user = users.get(claims["sub"])
        if user is None:
            raise unauthorized()
        return claims["sub"], user

    def at_least(role: str) -> Callable[..., tuple[str, User]]:
        def check(who: Annotated[tuple[str, User], Depends(current_user)]) -> tuple[str, User]:
            if ROLES.index(who[1].role) < ROLES.index(role):
                raise HTTPException(status_code=403)
            return who

        return check

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
        user = users.get(form.username)
        if user is None or not verify_password(form.password, user.password_hash):
            # One answer for both: a different one would tell who has an account.
            raise unauthorized()
        now = clock()
        claims = {"sub": form.username, "role": user.role, "iat": now, "exp": now + LIFETIME}
        return {"access_token": jwt.encode(claims, secret, algorithm=ALGORITHM), "token_type": "bearer"}

    @app.get("/me")
    def me(who: Annotated[tuple[str, User], Depends(current_user)]) -> dict[str, str]:
        return {"username": who[0], "role": who[1].role}

    @app.get("/articles", dependencies=[Depends(at_least("viewer"))])
    def list_articles() -> list[dict[str, Any]]:
        return list(articles.values())

    @app.post("/articles", status_code=201, dependencies=[Depends(at_least("editor"))])
    def create_article(article: NewArticle) -> dict[str, Any]:
        created = {"id": next(ids), "title": article.title}
        articles[created["id"]] = created
        return created

    @app.delete("/articles/{article_id}", status_code=204, dependencies=[Depends(at_least("admin"))])
    def delete_article(article_id: int) -> None:
        if articles.pop(article_id, None) is None:
            raise HTTPException(status_code=404)

    return app
