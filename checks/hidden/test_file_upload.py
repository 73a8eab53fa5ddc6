"""Hidden tests for the file_upload kata: the learner's app served in the worker on a real socket, generated
bytes and filenames, and the storage folder inspected from outside after every request."""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from dojo.kinds.http.served import Served, multipart, peak_memory_kib, serving, snapshot
from dojo.testing import KataFailure, KataProxy

ALLOWED = ["text/plain", "image/png", "image/jpeg", "application/pdf"]
LIMIT = 1000
MiB = 1024 * 1024


def cleaned(name: str) -> str:
    """The contract's filename rule, written here so no reference is imported."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in last if unicodedata.category(c) != "Cc") or "upload"


def disposition_filename(header: str) -> tuple[str, str | None]:
    """Parse Content-Disposition as RFC 6266 does: the type, and filename* (UTF-8) before filename."""
    kind, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for match in re.finditer(r'\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        key, value = match.group(1).lower(), match.group(2).strip()
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[key] = value
    if "filename*" in params:
        charset, _, encoded = params["filename*"].partition("''")
        if charset.lower() == "utf-8":
            return kind.strip().lower(), unquote(encoded, encoding="utf-8", errors="strict")
    name = params.get("filename")
    return kind.strip().lower(), name if name is None or name.isascii() else None


def _leading_run(first: str, second: str) -> int:
    """How many characters two strings share at their start."""
    pairs = enumerate(zip(first, second, strict=False))
    return next((i for i, (a, b) in pairs if a != b), min(len(first), len(second)))


def unguessable(file_id: object) -> bool:
    """uuid4 in any usual spelling, or 32+ hex digits, or 22+ URL-safe base64 characters."""
    if not isinstance(file_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", file_id):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{32,}", file_id):
        return True
    try:
        return uuid.UUID(file_id).version == 4
    except ValueError:
        pass
    return len(file_id) >= 22 and not file_id.isdigit()


# Path tricks, quotes, backslashes, control characters (CR and LF cannot travel in a header), non-ASCII.
PIECES = ["..", "../", "..\\", "/", "\\", "C:\\", "/etc/", '"', "'", "\x00", "\t", "\x7f", "\x85", "é", "名",
          "😀", " ", ".txt", ".json", ".bin", "%2e", "a", "B"]
filenames = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=40),
    st.integers(200, 300).map(lambda n: "long" * (n // 4) + ".txt"),
)
content_types = st.sampled_from(ALLOWED).flatmap(
    lambda t: st.sampled_from([t, t.upper(), t.title(), f"{t}; charset=utf-8", f"{t.upper()};q=1",
                               f"{t} ; charset=utf-8"]))


@pytest.fixture
def app(kata: KataProxy) -> Iterator[Served]:
    """The learner's app with the default settings, served for one test (all its examples)."""
    with serving(kata) as served:
        yield served


@pytest.fixture
def small_app(kata: KataProxy) -> Iterator[Served]:
    """The learner's app with max_bytes=LIMIT."""
    with serving(kata, max_bytes=LIMIT) as served:
        yield served


def walk_outside(served: Served) -> dict[str, bytes]:
    """Everything in the worker's folder but the storage folder and the socket: where an escape would land."""
    home = served.storage.parent.parent
    return {k: v for k, v in snapshot(home, leaving_out=served.storage).items() if not k.endswith(".sock")}


def check_stored(served: Served, response: httpx.Response, content: bytes, filename: str, media: str) -> str:
    served.expect_status(response, 201, "a valid upload is stored with 201")
    try:
        body = response.json()
    except ValueError:
        raise served.fail(response, "POST /files answers with JSON") from None
    expected = {"filename": cleaned(filename), "content_type": media, "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest()}
    if not isinstance(body, dict) or set(body) != {"id", *expected}:
        raise served.fail(response, 'the JSON has exactly the keys "id", "filename", "content_type", "size", "sha256"')
    for key, value in expected.items():
        if body[key] != value:
            raise served.fail(response, f"{key!r} must be {value!r} (the filename is the last path component, "
                                        "without control characters, or 'upload' when empty)")
    if not unguessable(body["id"]):
        raise served.fail(response, "the id is opaque, URL-safe and has at least 128 random bits")
    if response.headers.get("location") != f"/files/{body['id']}":
        raise served.fail(response, "the Location header is /files/{id}")
    return str(body["id"])


def check_download(served: Served, file_id: str, content: bytes, filename: str, media: str) -> None:
    response = served.request("GET", f"/files/{file_id}")
    served.expect_status(response, 200, "a stored file can be downloaded")
    if response.content != content:
        raise served.fail(response, "GET returns exactly the uploaded bytes")
    if response.headers.get("content-type", "").split(";")[0].strip().lower() != media:
        raise served.fail(response, f"Content-Type is the stored type {media!r}")
    kind, name = disposition_filename(response.headers.get("content-disposition", ""))
    if kind != "attachment" or name != cleaned(filename):
        raise served.fail(response, f"Content-Disposition is attachment with the filename {cleaned(filename)!r} "
                                    "(RFC 6266: filename*=UTF-8''... for a non-ASCII name)")


@example(content=b"", filename="empty.txt", media="text/plain")
@example(content=b"x", filename="", media="text/plain")
@example(content=b"x", filename="../../etc/passwd", media="text/plain")
@example(content=b"x", filename="C:\\Users\\me\\report.pdf", media="application/pdf")
@example(content=b"\x00\xff", filename='quote"and\\backslash.png', media="image/png")
@example(content=b"x", filename="bad\x00name\x7f.txt", media="text/plain")
@example(content=b"x", filename="résumé 名.txt", media="TEXT/PLAIN; charset=utf-8")
@example(content=b"x", filename="a/", media="text/plain")
@example(content=b"x", filename="a.png", media="image/png ; name=a.png")
@given(content=st.binary(max_size=3000), filename=filenames, media=content_types)
def test_any_bytes_and_any_filename_round_trip(app: Served, content: bytes, filename: str, media: str) -> None:
    # No bytes and no name is what a browser sends when no file was chosen: frameworks read it as "no file"
    # (and the multipart parser already drops a Windows path, so a name ending in a backslash is no name).
    assume(content or cleaned(filename) != "upload")
    before = walk_outside(app)
    bare = media.split(";")[0].strip().lower()
    file_id = check_stored(app, app.upload(content, filename=filename, content_type=media), content, filename, bare)
    check_download(app, file_id, content, filename, bare)
    if walk_outside(app) != before:
        raise app.fail(None, "nothing is written outside storage_dir")


@given(marker=st.text("abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=10))
def test_no_client_text_reaches_any_stored_path(app: Served, marker: str) -> None:
    filename = f"{marker}.{marker[::-1]}"
    app.expect_status(app.upload(b"data", filename=filename), 201, "a valid upload is stored")
    for path in snapshot(app.storage):
        if marker in path or marker[::-1] in path:
            raise app.fail(None, f"stored names are chosen by the server; {path!r} carries the client's "
                                 f"filename {filename!r} (or its extension)")


@example(size=LIMIT)
@example(size=LIMIT + 1)
@example(size=LIMIT - 1)
@example(size=0)
@given(size=st.integers(0, 3 * LIMIT))
def test_accepts_exactly_max_bytes_and_refuses_one_more_without_a_trace(small_app: Served, size: int) -> None:
    app = small_app
    before = snapshot(app.storage) if app.storage.exists() else {}
    response = app.upload(b"z" * size, filename="f.txt")
    if size <= LIMIT:
        app.expect_status(response, 201, f"up to max_bytes={LIMIT} bytes are accepted")
    else:
        app.expect_status(response, 413, f"more than max_bytes={LIMIT} bytes are refused with 413")
        after = snapshot(app.storage) if app.storage.exists() else {}
        if after != before:
            raise app.fail(response, "a refused upload leaves no trace under storage_dir")


def test_without_max_bytes_the_limit_is_one_mebibyte(kata: KataProxy) -> None:
    with serving(kata) as app:
        app.expect_status(app.upload(b"z" * MiB, filename="f.txt"), 201,
                          "with the default max_bytes=1_048_576, exactly 1 MiB is accepted")
        app.expect_status(app.upload(b"z" * (MiB + 1), filename="f.txt"), 413,
                          "with the default max_bytes=1_048_576, one byte more is refused with 413")


@example(media="text/html")
@example(media="image/svg+xml")
@example(media="application/octet-stream")
@example(media="text/plain2")
@given(media=st.from_regex(r"[a-z]{1,8}/[a-z0-9.+-]{1,12}", fullmatch=True).filter(lambda t: t not in ALLOWED))
def test_refuses_types_outside_allowed_types_with_415(app: Served, media: str) -> None:
    before = snapshot(app.storage) if app.storage.exists() else {}
    app.expect_status(app.upload(b"data", filename="f", content_type=media), 415,
                      "a content type outside allowed_types is refused with 415")
    if (snapshot(app.storage) if app.storage.exists() else {}) != before:
        raise app.fail(None, "a refused upload leaves no trace under storage_dir")


def test_honours_its_own_allowed_types(kata: KataProxy) -> None:
    with serving(kata, allowed_types=["application/zip"]) as app:
        app.expect_status(app.upload(b"PK", filename="a.zip", content_type="application/zip"), 201,
                          "allowed_types decides what is accepted")
        app.expect_status(app.upload(b"hi", filename="a.txt", content_type="text/plain"), 415,
                          "a type outside allowed_types is refused, even a default one")


def test_a_request_without_the_file_field_gets_422(kata: KataProxy) -> None:
    with serving(kata) as app:
        app.expect_status(app.upload(b"data", field="document"), 422, "without a 'file' field the answer is 422")


def test_ids_are_unguessable_and_differ_for_the_same_content(kata: KataProxy) -> None:
    with serving(kata) as app:
        ids = [check_stored(app, app.upload(b"same", filename="same.txt"), b"same", "same.txt", "text/plain")
               for _ in range(5)]
        if len(set(ids)) != len(ids):
            raise app.fail(None, f"every upload gets its own random id; the same content gave {ids}")
        # Random ids share no long run at either end; a counter or a clock padded to length does.
        for first, second in itertools.combinations(ids, 2):
            shared = max(_leading_run(first, second), _leading_run(first[::-1], second[::-1]))
            if shared >= 8:
                raise app.fail(None, f"ids must be random (128 bits or more), not predictable: {first!r} and "
                                     f"{second!r} share {shared} characters")


@example(file_id="0" * 32)
@example(file_id="..%252Fsecret.txt")
@example(file_id="%252e%252e%252fsecret.txt")
@example(file_id="%2e%2e")
@example(file_id="secret.txt")
@example(file_id="a" * 300)
@given(file_id=st.text("abcdef0123456789.%-_", min_size=1, max_size=40).filter(
    # One path segment once the server decodes it; anything else is the router's business, not the app's.
    lambda t: "/" not in unquote(t) and unquote(t) not in (".", "..")))
def test_unknown_or_malformed_ids_get_404_and_never_leave_storage(app: Served, file_id: str) -> None:
    (app.storage.parent / "secret.txt").write_bytes(b"TOP SECRET")
    response = app.request("GET", f"/files/{file_id}")
    if response.status_code != 404 or b"TOP SECRET" in response.content:
        raise app.fail(response, "an unknown or malformed id gets 404, and no id reaches outside storage_dir")
    deleted = app.request("DELETE", f"/files/{file_id}")
    if deleted.status_code != 404 or not (app.storage.parent / "secret.txt").exists():
        raise app.fail(deleted, "DELETE of an unknown or malformed id gets 404 and touches nothing else")


def test_delete_removes_the_file(kata: KataProxy) -> None:
    with serving(kata) as app:
        file_id = check_stored(app, app.upload(b"bye", filename="b.txt"), b"bye", "b.txt", "text/plain")
        app.expect_status(app.request("DELETE", f"/files/{file_id}"), 204, "DELETE answers 204")
        app.expect_status(app.request("GET", f"/files/{file_id}"), 404, "after DELETE, GET gives 404")
        app.expect_status(app.request("DELETE", f"/files/{file_id}"), 404, "a second DELETE gives 404")


def test_a_new_app_over_the_same_folder_still_serves_earlier_uploads(kata: KataProxy) -> None:
    storage = kata.workspace() / "kept"
    with serving(kata, storage) as first:
        name = "Ünïcode notes.pdf"
        file_id = check_stored(first, first.upload(b"%PDF-1", filename=name, content_type="application/pdf"),
                               b"%PDF-1", name, "application/pdf")
    with serving(kata, storage) as second:
        check_download(second, file_id, b"%PDF-1", name, "application/pdf")


def test_twenty_concurrent_uploads_are_all_stored_and_served(kata: KataProxy) -> None:
    with serving(kata) as app:
        contents = [bytes([n]) * (1000 + 37 * n) for n in range(20)]
        responses: list[httpx.Response | None] = [None] * 20

        def send(index: int) -> None:
            body, header = multipart(contents[index], filename=f"f{index}.txt", content_type="text/plain")
            with app.connect(timeout=60) as client:
                responses[index] = client.post("/files", content=body, headers={"Content-Type": header})

        threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        app.last = "20 uploads at once"
        ids = []
        for index, response in enumerate(responses):
            if response is None:
                raise app.fail(None, "all 20 concurrent uploads get an answer")
            ids.append(check_stored(app, response, contents[index], f"f{index}.txt", "text/plain"))
        if len(set(ids)) != 20:
            raise app.fail(None, "20 concurrent uploads get 20 different ids")
        for index, file_id in enumerate(ids):
            check_download(app, file_id, contents[index], f"f{index}.txt", "text/plain")


def test_a_large_upload_is_streamed_not_held_in_memory(kata: KataProxy, tmp_path: Path) -> None:
    size = 32 * MiB
    source = tmp_path / "big.bin"
    with source.open("wb") as out:
        for block in range(32):
            out.write(bytes([block]) * MiB)
    with serving(kata, max_bytes=64 * MiB) as app:
        baseline = peak_memory_kib(kata, reset=True)
        boundary = "kataboundary7f3a"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
                "Content-Type: application/pdf\r\n\r\n").encode()

        def body() -> Iterator[bytes]:
            yield head
            with source.open("rb") as file:
                while chunk := file.read(256 * 1024):
                    yield chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        response = app.client.post("/files", content=body(),
                                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        app.last = "POST /files with a 32 MiB file, streamed from disk"
        app.expect_status(response, 201, "a 32 MiB upload under a 64 MiB limit is stored")
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if response.json().get("sha256") != digest or response.json().get("size") != size:
            raise app.fail(response, "size and sha256 describe the whole upload")
        grown = (peak_memory_kib(kata) - baseline) / 1024
        if grown > 16:
            raise KataFailure(f"Uploading 32 MiB raised the server's peak memory by {grown:.0f} MiB.\n"
                              "The rule: read the upload in chunks (await file.read(65536) in a loop), hashing "
                              "and writing as you go, never the whole file at once.")
