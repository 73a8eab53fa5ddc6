"""Hidden tests for the jwt_auth kata: the learner's app served in the worker on a real socket, with users made
there and a fake clock this side moves; tokens are read, forged and tampered with here, with PyJWT, and every
role is tried on every route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dojo.kinds.http.served import Served, serving_app
from dojo.testing import KataFailure, KataProxy

# 64 bytes or more, so PyJWT signs even HS512 with it without a warning about short keys.
SECRET = "hidden-tests-secret/" + "5f3a9c0e7b1d4286" * 4
OTHER_SECRET = "another-apps-secret/" + "a1b2c3d4e5f60718" * 4
# Whole seconds, long past: a token issued now is expired by the wall clock, so an app that lets PyJWT check exp
# against the wall clock refuses every token; and an int or a float iat read from clock() is the same number.
START = 1_000_000_000
LIFETIME = 900
ROLES = ("viewer", "editor", "admin")
# Names and passwords that a form encodes (&, =, +, %, spaces) or that are not ASCII.
USERS = [("ada", "correct horse battery staple", "admin"), ("grace", "hopper&co=1+1%", "editor"),
         ("linus", "zoë 名 😀", "viewer"), ("margaret.h", " spaces around ", "editor"), ("émile", "p", "viewer")]
PASSWORDS = {name: password for name, password, _ in USERS}
ROLE_OF = {name: role for name, _, role in USERS}
BY_ROLE = {"viewer": "linus", "editor": "grace", "admin": "ada"}


def is_bearer_challenge(response: httpx.Response) -> bool:
    """WWW-Authenticate names the Bearer scheme (case does not matter, parameters may follow)."""
    return response.headers.get("www-authenticate", "").lower().split()[:1] == ["bearer"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_with_hs256(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token whose header says anything, signed as HS256 with SECRET: only an app that ignores the header's
    algorithm and checks an HS256 signature accepts it."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@dataclass
class Api:
    """The learner's app, the time its clock reads (this side moves it), and how to call it."""

    app: Served
    now: float = START
    _admin: tuple[float, dict[str, str]] = (-1.0, {})

    def advance(self, seconds: float) -> None:
        self.app.advance(seconds)
        self.now += seconds

    def to_next_second(self) -> None:
        """Tokens are issued at whole seconds: an int iat and a float one then agree."""
        self.advance(int(self.now) + 1 - self.now)

    def login(self, username: str, password: str) -> httpx.Response:
        # grant_type as OAuth2 has it: both FastAPI's password form and its strict variant accept the request.
        return self.app.request("POST", "/token", data={"grant_type": "password", "username": username,
                                                        "password": password},
                                shown=f"(clock() reads {self.now}) the form username={username!r}, "
                                      f"password={password!r}")

    def token(self, username: str) -> str:
        response = self.login(username, PASSWORDS[username])
        self.app.expect_status(response, 200, "the right password gets a token")
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise self.app.fail(response, 'the body is {"access_token": <a JWT>, "token_type": "bearer"}')
        return body["access_token"]

    def forge(self, username: str, *, issued: float | None = None, key: str = SECRET, algorithm: str = "HS256",
              lifetime: float = LIFETIME) -> str:
        """A token as the app would issue it (signed here), with int claims; `issued` defaults to now."""
        iat = int(self.now if issued is None else issued)
        claims = {"sub": username, "role": ROLE_OF.get(username, "admin"), "iat": iat, "exp": iat + int(lifetime)}
        return jwt.encode(claims, key, algorithm=algorithm)

    def call(self, route: str, authorization: str | None, shown: str, *, article: Any = None) -> httpx.Response:
        """`route` as "GET /me"; DELETE goes to /articles/{article}; POST sends a title."""
        method, path = route.split()
        headers = {"Authorization": authorization} if authorization is not None else {}
        json_body = {"title": "Forged"} if method == "POST" else None
        path = path.replace("{id}", str(article))
        body = " and the JSON {'title': 'Forged'}" if json_body else ""
        return self.app.request(method, path, headers=headers, json=json_body,
                                shown=f"(clock() reads {self.now}) {shown}{body}")

    def admin(self) -> dict[str, str]:
        """An admin's Authorization header, from a token issued now (one per time the clock reads)."""
        if self._admin[0] != self.now:
            self._admin = (self.now, {"Authorization": f"Bearer {self.token('ada')}"})
        return self._admin[1]

    def create(self, title: str) -> dict[str, Any]:
        response = self.app.request("POST", "/articles", headers=self.admin(), json={"title": title},
                                    shown=f"with an admin's token, JSON {{'title': {title!r}}}")
        self.app.expect_status(response, 201, "an editor or an admin may create an article")
        body = response.json()
        if not isinstance(body, dict) or body.get("title") != title or "id" not in body:
            raise self.app.fail(response, f'the new article is {{"id": ..., "title": {title!r}}}')
        return body


ROUTES = {"GET /me": "viewer", "GET /articles": "viewer", "POST /articles": "editor",
          "DELETE /articles/{id}": "admin"}


@pytest.fixture
def api(kata: KataProxy) -> Iterator[Api]:
    users = {"$users": [list(user) for user in USERS]}
    description = (f"create_app(secret, users, clock)  # users: {', '.join(f'{n!r} ({r})' for n, _, r in USERS)}; "
                   f"clock() reads {START}")
    with serving_app(kata, [SECRET, users], {"clock": {"$clock": START}}, description=description) as served:
        yield Api(served)


# -- POST /token ---------------------------------------------------------------------------------------------


@pytest.mark.group("login")
@example(name="ada", wait=0)
@example(name="linus", wait=1)
@example(name="margaret.h", wait=0)
@example(name="émile", wait=3600)
@given(name=st.sampled_from(list(PASSWORDS)), wait=st.integers(0, 10**6))
def test_the_right_password_gets_an_hs256_token_with_sub_role_iat_and_exp_15_minutes_later(
    api: Api, name: str, wait: int
) -> None:
    api.advance(wait)
    api.to_next_second()
    response = api.login(name, PASSWORDS[name])
    api.app.expect_status(response, 200, "the right password gets a token")
    try:
        body = response.json()
    except ValueError:
        raise api.app.fail(response, "POST /token answers with JSON") from None
    if not isinstance(body, dict) or body.get("token_type") != "bearer" or not isinstance(body.get("access_token"),
                                                                                           str):
        raise api.app.fail(response, 'the body is {"access_token": <a JWT>, "token_type": "bearer"}')
    token = body["access_token"]
    try:
        header = jwt.get_unverified_header(token)
        # exp and iat are checked below against the app's clock, not against this machine's.
        claims = jwt.decode(token, SECRET, algorithms=["HS256"],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidTokenError as error:
        raise api.app.fail(response, f"the token is a JWT signed with HS256 and the app's secret (PyJWT: {error})"
                           ) from None
    expected = {"sub": name, "role": ROLE_OF[name], "iat": api.now, "exp": api.now + LIFETIME}
    numbers_ok = all(type(claims.get(key)) in (int, float) for key in ("iat", "exp"))
    if header.get("alg") != "HS256" or not numbers_ok or any(claims.get(k) != v for k, v in expected.items()):
        raise api.app.fail(response, f"the token's header says alg HS256 and its claims include {expected} "
                                     f"(iat is clock() at login, exp 15 minutes later); they were {header} and "
                                     f"{claims}")


WRONG_LOGINS = st.one_of(
    # a user's name with a password that is not theirs
    st.tuples(st.sampled_from(list(PASSWORDS)), st.one_of(
        st.sampled_from([password for _, password, _ in USERS]),
        st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12))),
    # a name that is nobody's, with anyone's password
    st.tuples(st.one_of(st.sampled_from(["nobody", "ADA", "Ada", "ada ", "linus2", "grace\t"]),
                        st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)),
              st.sampled_from([password for _, password, _ in USERS])),
).filter(lambda login: PASSWORDS.get(login[0]) != login[1])


@pytest.mark.group("login")
@example(login=("ada", "correct horse battery stapl"))
@example(login=("ada", "Correct horse battery staple"))
@example(login=("grace", "hopper&co=1+1"))
@example(login=("linus", "correct horse battery staple"))
@example(login=("nobody", "correct horse battery staple"))
@example(login=("ADA", "correct horse battery staple"))
@example(login=("margaret.h", "spaces around"))
@given(login=WRONG_LOGINS)
def test_a_wrong_username_or_password_gets_401_with_one_same_body_for_both(api: Api, login: tuple[str, str]) -> None:
    unknown = api.login("no-such-user-at-all", "whatever it is")
    api.app.expect_status(unknown, 401, "a username nobody has gets 401")
    response = api.login(*login)
    api.app.expect_status(response, 401, "a wrong username or password gets 401")
    if response.content != unknown.content:
        raise api.app.fail(response, f"a wrong password and an unknown username get the same body, or the body "
                                     f"tells who has an account (for an unknown username it was {unknown.content!r})")


# -- Which tokens open the routes ----------------------------------------------------------------------------


def bad_tokens(api: Api) -> dict[str, Callable[[], str | None]]:
    """Authorization headers that must all be refused, by what is wrong with them."""
    now = int(api.now)
    valid = api.forge("ada")
    head, payload, _ = valid.split(".")
    linus = api.forge("linus").split(".")
    claims = {"sub": "ada", "role": "admin", "iat": now, "exp": now + LIFETIME}
    return {
        "no Authorization header": lambda: None,
        "the token alone, without 'Bearer '": lambda: valid,
        "Basic credentials instead of a token": lambda: "Basic " + base64.b64encode(
            b"ada:correct horse battery staple").decode(),
        "a valid token under another scheme ('Token ...')": lambda: f"Token {valid}",
        "'Bearer' and nothing after it": lambda: "Bearer",
        "Bearer not-a-jwt": lambda: "Bearer not-a-jwt",
        "a token without its signature part": lambda: f"Bearer {head}.{payload}",
        "a token whose parts are not base64": lambda: "Bearer !!!.@@@.###",
        "a token signed with another secret": lambda: "Bearer " + api.forge("ada", key=OTHER_SECRET),
        "an unsigned token, alg 'none'": lambda: "Bearer " + jwt.encode(claims, None, algorithm="none"),
        "a token whose header says alg 'none', with an HS256 signature": lambda: "Bearer " + signed_with_hs256(
            {"alg": "none", "typ": "JWT"}, claims),
        "a token whose header says RS256, with an HS256 signature": lambda: "Bearer " + signed_with_hs256(
            {"alg": "RS256", "typ": "JWT"}, claims),
        "a token signed with the secret, but HS384": lambda: "Bearer " + api.forge("ada", algorithm="HS384"),
        "a token signed with the secret, but HS512": lambda: "Bearer " + api.forge("ada", algorithm="HS512"),
        "a viewer's token whose claims were swapped for an admin's, its signature kept": lambda: (
            f"Bearer {linus[0]}.{payload}.{linus[2]}"),
        "a token with its signature cut short": lambda: f"Bearer {valid[:-4]}",
        "a token whose exp is now": lambda: "Bearer " + api.forge("ada", issued=now - LIFETIME),
        "a token that expired an hour ago": lambda: "Bearer " + api.forge("ada", issued=now - LIFETIME - 3600),
        "a validly signed token for 'mallory', who is not in users": lambda: "Bearer " + api.forge("mallory"),
        "a validly signed token with no sub": lambda: "Bearer " + jwt.encode(
            {k: v for k, v in claims.items() if k != "sub"}, SECRET, algorithm="HS256"),
        "a validly signed token for 'ADA' (users has 'ada')": lambda: "Bearer " + api.forge("ADA"),
    }


@pytest.mark.group("tokens")
def test_missing_malformed_forged_or_expired_tokens_get_401_with_www_authenticate_bearer_on_every_route(
    api: Api
) -> None:
    api.advance(12345)
    article = api.create("Kept")["id"]
    for what, authorization in bad_tokens(api).items():
        for route in ROUTES:
            response = api.call(route, authorization(), f"with {what}", article=article)
            if response.status_code != 401 or not is_bearer_challenge(response):
                raise api.app.fail(response, "a request without a valid token gets 401 with the header "
                                             "WWW-Authenticate: Bearer")


@pytest.mark.group("tokens")
@example(age=0.0)
@example(age=899.875)
@example(age=900.0)
@example(age=900.125)
@example(age=1800.0)
@given(age=st.integers(0, 1800 * 8).map(lambda eighths: eighths / 8))
def test_a_token_opens_the_routes_until_its_exp_by_the_apps_clock_and_never_from_exp_on(api: Api, age: float) -> None:
    api.to_next_second()
    issued = api.now
    token = api.token("grace")
    api.advance(age)
    response = api.call("GET /me", f"Bearer {token}", f"with grace's token, issued when clock() read {issued}")
    if age < LIFETIME:
        api.app.expect_status(response, 200, "a token is valid until its exp, 15 minutes after it was issued")
    elif response.status_code != 401 or not is_bearer_challenge(response):
        raise api.app.fail(response, "a token presented at or after its exp (by clock()) is expired: 401 with "
                                     "WWW-Authenticate: Bearer")


@pytest.mark.group("tokens")
def test_a_user_taken_out_of_users_gets_401_with_a_token_issued_before(api: Api) -> None:
    token = api.token("grace")
    api.app.expect_status(api.call("GET /me", f"Bearer {token}", "with grace's token"), 200,
                          "a valid token opens GET /me")
    api.app.remove_user("grace")
    for route in ROUTES:
        response = api.call(route, f"Bearer {token}", "with grace's token, after grace was taken out of users",
                            article=1)
        if response.status_code != 401 or not is_bearer_challenge(response):
            raise api.app.fail(response, "a token for a user no longer in users gets 401 with WWW-Authenticate: "
                                         "Bearer: look the user up on every request")
    api.app.expect_status(api.login("grace", PASSWORDS["grace"]), 401, "a user no longer in users cannot log in")


# -- Roles ---------------------------------------------------------------------------------------------------


@pytest.mark.group("roles")
def test_each_route_admits_its_role_and_those_above_and_answers_403_to_those_below(api: Api) -> None:
    for role in ROLES:
        name = BY_ROLE[role]
        for how, token in (("a token from POST /token", api.token(name)), ("a token signed by the tests, with "
                                                                             "int iat and exp", api.forge(name))):
            shown = f"with {how} for {name!r} ({role})"
            for route, needed in ROUTES.items():
                article = api.create("To delete")["id"]
                response = api.call(route, f"Bearer {token}", shown, article=article)
                if ROLES.index(role) < ROLES.index(needed):
                    api.app.expect_status(response, 403, f"{route} needs {needed} or above: a valid token with a "
                                                         "lower role gets 403")
                    continue
                expected = {"GET /me": 200, "GET /articles": 200, "POST /articles": 201,
                            "DELETE /articles/{id}": 204}[route]
                api.app.expect_status(response, expected, f"{route} is open to {needed} and above")
                if route == "GET /me" and response.json() != {"username": name, "role": role}:
                    raise api.app.fail(response, f'GET /me answers {{"username": {name!r}, "role": {role!r}}}')
    viewer = f"Bearer {api.token('linus')}"
    response = api.call("DELETE /articles/{id}", viewer, "with a viewer's token, for an id no article has",
                        article=10**9)
    api.app.expect_status(response, 403, "a role below the route's gets 403 before anything else is looked at")


# -- Articles ------------------------------------------------------------------------------------------------

TITLES = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
STEPS = st.lists(st.one_of(st.tuples(st.just("create"), TITLES), st.tuples(st.just("delete"), st.integers(0, 5)),
                           st.tuples(st.just("delete unknown")), st.tuples(st.just("list"))), max_size=12)


@pytest.mark.group("articles")
# Each example is a dozen requests over a socket: fewer than the profile's examples, the pinned ones first.
@settings(max_examples=min(settings.default.max_examples, 50))
@example(steps=[("create", "a"), ("create", "b"), ("delete", 0), ("list",), ("create", "c"), ("list",)])
@example(steps=[("create", "a"), ("delete", 0), ("delete", 0), ("delete unknown",), ("list",)])
@example(steps=[("create", "same"), ("create", "same"), ("list",), ("delete", 1), ("list",)])
@given(steps=STEPS)
def test_articles_are_listed_created_and_deleted_by_id(api: Api, steps: list[tuple[Any, ...]]) -> None:
    token = api.admin()

    def listed() -> list[Any]:
        response = api.app.request("GET", "/articles", headers=token, shown="with an admin's token")
        api.app.expect_status(response, 200, "GET /articles lists the articles")
        if not isinstance(response.json(), list):
            raise api.app.fail(response, "GET /articles answers with a JSON list")
        return response.json()

    def delete(article: Any, wanted: int, why: str) -> None:
        response = api.app.request("DELETE", f"/articles/{article}", headers=token, shown="with an admin's token")
        api.app.expect_status(response, wanted, why)
        if wanted == 204 and response.content:
            raise api.app.fail(response, "a 204 has no body")

    for article in listed():  # what earlier examples left: each example starts from no article at all
        delete(article["id"], 204, "DELETE /articles/{id} deletes an existing article with 204")
    # One article, so the kind of ids the app gives is known: from here on every answer must agree with the model.
    model = [api.create("First")]
    deleted: list[Any] = []
    for step in steps:
        if step[0] == "create":
            created = api.create(step[1])
            if any(article["id"] == created["id"] for article in model):
                raise KataFailure(f"POST /articles gave the new article {created}; an article with that id is "
                                  f"still there ({model}): every article needs an id of its own")
            model.append(created)
        elif step[0] == "list":
            got = listed()
            if sorted(json.dumps(a, sort_keys=True) for a in got) != sorted(
                    json.dumps(a, sort_keys=True) for a in model):
                raise KataFailure(f"GET /articles gave {got}; expected the articles created and not deleted, as "
                                  f"POST gave them: {model}")
        else:
            if step[0] == "delete" and model:
                article = model.pop(step[1] % len(model))["id"]
                deleted.append(article)
                wanted, why = 204, "DELETE /articles/{id} deletes an existing article with 204"
            else:
                article = deleted[-1] if deleted and step[0] == "delete" else unknown_id(
                    [*deleted, *(a["id"] for a in model)])
                wanted, why = 404, "DELETE /articles/{id} for an id no article has gives 404"
            delete(article, wanted, why)


def unknown_id(ids: list[Any]) -> Any:
    """An id of the same kind as the app's (`ids` are some it gave) that no article has had yet."""
    if all(type(i) is int for i in ids):
        return max(ids) + 1000
    return "no-such-article-0123456789"
