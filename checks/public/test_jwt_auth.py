"""Public tests for the jwt_auth kata: the prompt's example over a real socket, on a clock the test moves."""

from dojo.kinds.http.served import serving_app
from dojo.testing import KataProxy

SECRET = "public-example-secret-" + "0123456789abcdef" * 3  # HS256 wants 32 bytes or more
NOW = 1_000_000_000.0


def test_the_example_logs_in_creates_an_article_and_expires_after_15_minutes(kata: KataProxy) -> None:
    users = {"$users": [["ada", "correct horse", "editor"]]}
    description = f"create_app(secret, {{'ada': User(hash_password('correct horse'), 'editor')}}, clock)  # {NOW}"
    with serving_app(kata, [SECRET, users], {"clock": {"$clock": NOW}}, description=description) as app:
        login = app.request("POST", "/token", data={"username": "ada", "password": "correct horse"},
                            shown="username=ada&password=correct+horse")
        app.expect_status(login, 200, "the right password gets a token")
        body = login.json()
        if not isinstance(body, dict) or body.get("token_type") != "bearer" or "access_token" not in body:
            raise app.fail(login, 'the body is {"access_token": ..., "token_type": "bearer"}')
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        created = app.request("POST", "/articles", headers=bearer, json={"title": "Tokens"},
                              shown="with ada's token, JSON {'title': 'Tokens'}")
        app.expect_status(created, 201, "an editor may create an article")
        if created.json().get("title") != "Tokens" or "id" not in created.json():
            raise app.fail(created, 'the new article is {"id": ..., "title": "Tokens"}')
        denied = app.request("DELETE", f"/articles/{created.json()['id']}", headers=bearer, shown="with ada's token")
        app.expect_status(denied, 403, "an editor is not an admin: deleting needs admin")
        anonymous = app.request("GET", "/me", shown="without an Authorization header")
        app.expect_status(anonymous, 401, "every route but /token needs a token")
        if anonymous.headers.get("www-authenticate", "").lower().split()[:1] != ["bearer"]:
            raise app.fail(anonymous, "a 401 says how to authenticate: WWW-Authenticate: Bearer")
        app.advance(900)
        late = app.request("GET", "/me", headers=bearer, shown=f"with ada's token, once clock() reads {NOW + 900}")
        app.expect_status(late, 401, "a token is expired from its exp on (iat + 15 minutes) by the app's clock")
