"""JWT authentication with roles: "Explain how token-based authentication works", "How do you implement
role-based access control (RBAC) in a FastAPI application?", "Why don't you need to store a session when
using JWT?"

Write `create_app(secret, users, clock=time.time)` returning a FastAPI app. `users` maps a username to a
`dojo.auth.User` (its `password_hash`, made by `dojo.auth.hash_password`, and its `role`: one of
`dojo.auth.ROLES`, "viewer" < "editor" < "admin"). Check a password with `dojo.auth.verify_password`.
`clock()` is the time in seconds: read it, never the wall clock, for every time the app needs.

POST /token   (an OAuth2 password form: the fields username and password)
    200 {"access_token": <a JWT>, "token_type": "bearer"}; the JWT is signed with HS256 and `secret`, and
    carries sub (the username), role (the user's), iat (clock() now) and exp (iat + 15 minutes).
    A wrong username or a wrong password: 401, and the same body for both (no hint of who has an account).
Every other route needs the header `Authorization: Bearer <token>`, with a token that is
    signed by `secret` with HS256 (no other algorithm, and never "none"), not expired by clock() (a token
    presented at or after its exp is expired), and for a user who is still in `users`.
    Without such a token: 401 with the header WWW-Authenticate: Bearer.
GET /me                 200 {"username": ..., "role": ...}, for any role
GET /articles           200, the list of articles; needs viewer or above
POST /articles          JSON {"title": ...}: 201, the new article {"id": ..., "title": ...}; needs editor or above
DELETE /articles/{id}   204; an unknown id gives 404; needs admin
    A valid token whose role is below the route's: 403.

Example (clock() reads 1000000000.0, users = {"ada": User(hash_password("correct horse"), "editor")}):
    POST /token  username=ada&password=correct+horse
    -> 200 {"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEiLC...", "token_type": "bearer"}
       whose claims are {"sub": "ada", "role": "editor", "iat": 1000000000.0, "exp": 1000000900.0}
    POST /articles  Authorization: Bearer eyJhbGci...   {"title": "Tokens"}  -> 201 {"id": 1, "title": "Tokens"}
    DELETE /articles/1  Authorization: Bearer eyJhbGci...  -> 403 (an editor is not an admin)
    GET /me  (no Authorization header)  -> 401, WWW-Authenticate: Bearer
    ... and once clock() reads 1000000900.0, the same token gets 401 on every route.

Sign and check tokens with PyJWT (`import jwt`), never by hand. A token is only as safe as the code that
checks it, and hand-rolled checks are where the known attacks live: a header that says "alg": "none", a
signature compared with == (which leaks, byte by byte, how much of it was right), a header that names another
algorithm. A well-kept library has met every one of these, and is fixed and reviewed when the next one comes.

What is graded: every rule above, over real HTTP, with tokens the tests forge and tamper with (other secrets,
other algorithms, "none", changed claims, expired by the app's clock, users who are gone), and every role on
every route. The tests move clock() themselves: no test waits.
"""

import time
from collections.abc import Callable, Mapping

from fastapi import FastAPI

from dojo.auth import User


def create_app(secret: str, users: Mapping[str, User], clock: Callable[[], float] = time.time) -> FastAPI:
    """Return the FastAPI app that logs users in with JWTs and serves articles by role."""
    # TODO: your code here
    raise NotImplementedError
