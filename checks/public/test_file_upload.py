"""Public tests for the file_upload kata: the happy path and two refusals, over a real socket."""

import hashlib

from dojo.kinds.http.served import serving
from dojo.testing import KataProxy


def test_an_upload_can_be_downloaded_again(kata: KataProxy) -> None:
    with serving(kata) as app:
        response = app.upload(b"hello", filename="../../notes/report.txt", content_type="text/plain")
        app.expect_status(response, 201, "POST /files stores the file")
        stored = response.json()
        expected = {"filename": "report.txt", "content_type": "text/plain", "size": 5,
                    "sha256": hashlib.sha256(b"hello").hexdigest()}
        if {k: stored.get(k) for k in expected} != expected or response.headers.get("location") != (
                f"/files/{stored.get('id')}"):
            raise app.fail(response, f"the JSON must hold {expected} and an id; Location must be /files/{{id}}")
        download = app.request("GET", f"/files/{stored['id']}")
        app.expect_status(download, 200, "GET /files/{id} returns the upload")
        if download.content != b"hello":
            raise app.fail(download, "GET /files/{id} returns exactly the bytes uploaded")


def test_a_refused_type_gets_415(kata: KataProxy) -> None:
    with serving(kata) as app:
        app.expect_status(app.upload(b"<html>", filename="x.html", content_type="text/html"), 415,
                          "types outside allowed_types are refused")


def test_an_unknown_id_gets_404(kata: KataProxy) -> None:
    with serving(kata) as app:
        app.expect_status(app.request("GET", "/files/" + "0" * 32), 404, "an unknown id is not found")
