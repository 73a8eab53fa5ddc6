"""JWT authentication: the Authorization header parsed by hand in one dependency, Form fields, uuid ids in a dict."""

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated

import jwt
from fastapi import Body, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from dojo.auth import ROLES, User, verify_password

FIFTEEN_MINUTES = 900.0


class Unauthorized(Exception):
    pass


def create_app(secret: str, users: Mapping[str, User], clock: Callable[[], float] = time.time) -> FastAPI:
    app = FastAPI()
    articles: dict[str, dict] = {}

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, error: Unauthorized) -> JSONResponse:
        return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    def authenticate(authorization: str | None, needed: str) -> tuple[str, User]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized()
        try:
            claims = jwt.decode(token, key=secret, algorithms=["HS256"],
                                options={"verify_exp": False, "verify_iat": False})
        except jwt.InvalidTokenError:
            raise Unauthorized() from None
        user = users.get(claims.get("sub"))
        if user is None or not isinstance(claims.get("exp"), int | float) or clock() >= claims["exp"]:
            raise Unauthorized()
        if ROLES.index(user.role) < ROLES.index(needed):
            raise HTTPException(status_code=403, detail="Forbidden")
        return claims["sub"], user

    @app.post("/token")
    def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> JSONResponse:
        user = users.get(username)
        if user is not None and verify_password(password, user.password_hash):
            now = clock()
            token = jwt.encode({"sub": username, "role": user.role, "iat": now, "exp": now + FIFTEEN_MINUTES},
                               secret, algorithm="HS256")
            return JSONResponse({"access_token": token, "token_type": "bearer"})
        return JSONResponse({"detail": "Invalid credentials"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})

    @app.get("/me")
    def me(authorization: Annotated[str | None, Header()] = None) -> dict:
        name, user = authenticate(authorization, "viewer")
        return {"username": name, "role": user.role}

    @app.get("/articles")
    def all_articles(authorization: Annotated[str | None, Header()] = None) -> list:
        authenticate(authorization, "viewer")
        return list(articles.values())

    @app.post("/articles", status_code=201)
    def new_article(title: Annotated[str, Body(embed=True)],
                    authorization: Annotated[str | None, Header()] = None) -> dict:
        authenticate(authorization, "editor")
        article = {"id": uuid.uuid4().hex, "title": title}
        articles[article["id"]] = article
        return article

    @app.delete("/articles/{article_id}")
    def drop_article(article_id: str, authorization: Annotated[str | None, Header()] = None) -> Response:
        authenticate(authorization, "admin")
        if articles.pop(article_id, None) is None:
            raise HTTPException(status_code=404, detail="Not found")
        return Response(status_code=204)

    return app
