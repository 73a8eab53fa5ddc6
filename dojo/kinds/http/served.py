"""The trusted side of the file_upload kata: serve the learner's app in the worker, talk to it over a real
Unix socket with httpx, build multipart bodies byte by byte, and look at the storage folder from outside."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dojo.trusted.failures import KataFailure
from dojo.trusted.proxy import KataProxy


def multipart(content: bytes, *, filename: str | None, content_type: str | None,
              field: str = "file") -> tuple[bytes, str]:
    """A multipart/form-data body with exactly this filename (quotes and backslashes escaped as in a quoted
    string, other characters sent as UTF-8), since httpx would percent-encode or drop odd names."""
    boundary = secrets.token_hex(16)
    disposition = f'form-data; name="{field}"'
    if filename is not None:
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        disposition += f'; filename="{escaped}"'
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    body = head.encode("utf-8") + b"\r\n" + content + f"\r\n--{boundary}--\r\n".encode("ascii")
    return body, f"multipart/form-data; boundary={boundary}"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path, with its content."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Served:
    """One running app: its client, its storage folder, and how the last exchange went (for feedback)."""

    kata: KataProxy
    client: httpx.Client
    storage: Path
    socket: Path
    options: dict[str, Any]
    last: str = ""

    def upload(self, content: bytes, *, filename: str | None = "a.txt", content_type: str | None = "text/plain",
               field: str = "file") -> httpx.Response:
        body, header = multipart(content, filename=filename, content_type=content_type, field=field)
        response = self.client.post("/files", content=body, headers={"Content-Type": header})
        self.last = (f"POST /files with field {field!r}, filename {filename!r}, {len(content):,} bytes of "
                     f"{content_type or 'no content type'}")
        return response

    def request(self, method: str, path: str) -> httpx.Response:
        response = self.client.request(method, path)
        self.last = f"{method} {path}"
        return response

    def fail(self, response: httpx.Response | None, rule: str) -> KataFailure:
        """A failure that shows the request, the response and the rule it broke."""
        shown = ""
        if response is not None:
            # The Date header changes every second; leaving it out keeps feedback (and gradebooks) reproducible.
            headers = "\n".join(f"    {k}: {v}" for k, v in response.headers.items() if k.lower() != "date")
            body = response.content[:300]
            shown = f"\nThe response: {response.status_code}\n{headers}\n    body: {body!r}"
            # A random id changes from run to run: shown as a placeholder, the same work gets the same feedback.
            if (random_id := _random_id(response)) is not None:
                shown = shown.replace(random_id, "<random id>")
        return KataFailure(f"Sent {self.last}.{shown}\nThe rule: {rule}")

    def expect_status(self, response: httpx.Response, status: int, rule: str) -> None:
        if response.status_code != status:
            raise self.fail(response, f"{rule} (expected status {status}, got {response.status_code})")


def _random_id(response: httpx.Response) -> str | None:
    """The id a JSON response carries, when it is long enough to be a random one."""
    try:
        data = response.json()
    except ValueError:
        return None
    file_id = data.get("id") if isinstance(data, dict) else None
    return file_id if isinstance(file_id, str) and len(file_id) >= 16 else None


@contextmanager
def serving(kata: KataProxy, storage: Path | None = None, **options: Any) -> Iterator[Served]:
    """The learner's create_app(storage, **options) served in the worker for the length of the block."""
    workspace = kata.workspace()
    storage = storage or workspace / "storage"
    socket = workspace / "app.sock"
    started = kata.helper("serve", str(storage), str(socket), options,
                             description=f"create_app({storage.name!r}, **{options!r})")
    if not isinstance(started, dict) or "serving" not in started:
        why = started.get("error") if isinstance(started, dict) else started
        raise KataFailure(f"create_app could not be served: {why}")
    transport = httpx.HTTPTransport(uds=str(socket))
    with httpx.Client(transport=transport, base_url="http://kata", timeout=30) as client:
        try:
            yield Served(kata, client, storage, socket, options)
        finally:
            try:
                kata.helper("stop", str(socket), description="stopping the server")
            except KataFailure:
                kata.reset()


def peak_memory_kib(kata: KataProxy, *, reset: bool = False) -> int:
    """The worker's peak resident memory since the last reset (reset=True starts a new measurement)."""
    return int(kata.helper("peak_memory_kib", reset, description="reading the worker's peak memory"))
