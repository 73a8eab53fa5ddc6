"""The http kind: the learner's app served by uvicorn in the worker, reached over a real socket, and what it
raised while serving shown with the learner's line."""

from __future__ import annotations

import os
import shutil
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dojo import manifest
from dojo.kinds.http.served import serving
from dojo.trusted.failures import KataFailure
from dojo.trusted.process import WorkerPool
from dojo.trusted.proxy import KataProxy
from dojo.trusted.submissions import Implementation, display_path

KATA = manifest.get("file_upload")
# Line 10 raises: the folder it writes to is never created.
APP = """\
    from pathlib import Path

    from fastapi import FastAPI, UploadFile

    def create_app(storage_dir: Path, **options: object) -> FastAPI:
        app = FastAPI()

        @app.post("/files")
        async def upload(file: UploadFile) -> dict[str, str]:
            with open(storage_dir / "uploads" / str(file.filename), "wb") as out:
                out.write(await file.read())
            return {}

        return app
    """


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "file_upload.py").write_text(textwrap.dedent(APP), encoding="utf-8")
    return tmp_path


@pytest.fixture
def kata(folder: Path) -> Iterator[KataProxy]:
    pool = WorkerPool(Implementation("test", folder))
    yield KataProxy(pool, KATA)
    pool.close()


def test_a_500_shows_what_the_app_raised_and_the_learners_line(kata: KataProxy, folder: Path) -> None:
    with serving(kata) as app:
        response = app.upload(b"hello", filename="a.txt")
        failure = app.fail(response, "a valid upload is stored with 201")
    shown = display_path(folder / "file_upload.py")
    assert str(failure) == (
        "Sent POST /files with field 'file', filename 'a.txt', 5 bytes of text/plain.\n"
        "The response: 500\n"
        "    server: uvicorn\n"
        "    content-length: 21\n"
        "    content-type: text/plain; charset=utf-8\n"
        "    body: b'Internal Server Error'\n"
        "Your app raised FileNotFoundError: [Errno 2] No such file or directory: '<storage_dir>/uploads/a.txt'\n"
        f"  {shown}, line 10, in upload\n"
        '    with open(storage_dir / "uploads" / str(file.filename), "wb") as out:\n'
        "The rule: a valid upload is stored with 201")


def test_what_the_app_raised_is_shown_once(kata: KataProxy) -> None:
    with serving(kata) as app:
        app.upload(b"hello")
        assert "Your app raised FileNotFoundError" in str(app.fail(None, "the first failure"))
        assert "Your app raised" not in str(app.fail(None, "the next failure, with nothing raised since"))


def test_an_app_outside_the_cage_is_served_on_a_port_of_127_0_0_1(kata: KataProxy) -> None:
    with serving(kata) as app:
        assert app.unix_socket is None
        assert app.base_url.startswith("http://127.0.0.1:")
        with app.connect() as other:
            assert other.get("/openapi.json").status_code == 200


@pytest.mark.skipif(shutil.which("bwrap") is None or not hasattr(socket, "AF_UNIX"),
                    reason="the grader's cage needs bubblewrap (apt-get install bubblewrap) on Linux")
def test_a_caged_app_is_served_on_a_unix_socket_in_its_own_folder(folder: Path) -> None:
    from dojo.grading.sandbox import Limits, Sandbox

    pool = WorkerPool(Implementation("test", folder), Sandbox.detect(Limits()))
    try:
        with serving(KataProxy(pool, KATA)) as app:
            assert app.unix_socket is not None
            assert app.unix_socket.parent.parent == pool.worker(KATA).home
            with app.connect() as other:
                assert other.get("/openapi.json").status_code == 200
            with pytest.raises(KataFailure, match="Your app raised FileNotFoundError"):
                raise app.fail(app.upload(b"hello"), "a valid upload is stored")
    finally:
        pool.close()


def test_dojo_auth_hashes_are_salted_carry_their_cost_and_verify_only_their_password() -> None:
    from dojo.kinds.http.auth import hash_password, verify_password

    first, second = hash_password("zoë 名", iterations=1_000), hash_password("zoë 名", iterations=1_000)
    assert first != second
    assert first.startswith("pbkdf2_sha256$1000$")
    assert verify_password("zoë 名", first)
    assert verify_password("zoë 名", second)
    assert not verify_password("zoe 名", first)
    assert not any(verify_password("x", bad) for bad in ("", "x", "md5$1$00$00", "pbkdf2_sha256$x$zz$00"))


def test_test_doubles_are_made_in_the_worker_and_a_served_apps_clock_moves_on(folder: Path) -> None:
    (folder / "file_upload.py").write_text(textwrap.dedent("""\
        from fastapi import FastAPI

        def create_app(storage_dir, *, users, clock, allowed_types):
            app = FastAPI()

            @app.get("/")
            def look() -> dict:
                return {"dir": type(storage_dir).__name__, "users": {n: u.role for n, u in users.items()},
                        "now": clock(), "types": sorted(allowed_types), "frozen": type(allowed_types).__name__}

            return app
        """), encoding="utf-8")
    pool = WorkerPool(Implementation("test", folder))
    try:
        with serving(KataProxy(pool, KATA), users={"$users": [["ada", "pw", "admin"]]}, clock={"$clock": 0.5},
                     allowed_types=["b", "a"]) as app:
            app.advance(0.25)
            app.remove_user("ada")
            assert app.request("GET", "/").json() == {"dir": "PosixPath" if os.name != "nt" else "WindowsPath",
                                                      "users": {}, "now": 0.75, "types": ["a", "b"],
                                                      "frozen": "frozenset"}
    finally:
        pool.close()
