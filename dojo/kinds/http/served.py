"""The trusted side of the http kind: serve the learner's app in the worker (built from the test's arguments, test
doubles made there), talk to it over a real socket with httpx (a port of 127.0.0.1, or a Unix socket for a caged
worker), move its fake clock, build multipart bodies byte by byte, look at a storage folder from outside, and
show what the app raised next to a failure."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dojo.trusted.failures import KataFailure, raised_text
from dojo.trusted.proxy import KataProxy
from dojo.trusted.submissions import display_path


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


def snapshot(folder: Path, leaving_out: Path | None = None) -> dict[str, bytes]:
    """Every file under `folder`, by relative path, with its content; nothing under `leaving_out`."""
    found = {}
    for root, folders, files in os.walk(folder):
        if leaving_out is not None:
            folders[:] = [name for name in folders if Path(root, name) != leaving_out]
        for name in files:
            path = Path(root, name)
            if path.is_file():
                found[str(path.relative_to(folder))] = path.read_bytes()
    return dict(sorted(found.items()))


@dataclass
class Served:
    """One running app: its client, its storage folder if it has one, and how the last exchange went (for
    feedback)."""

    kata: KataProxy
    client: httpx.Client
    storage: Path | None
    name: str  # the server's name in the worker
    base_url: str
    unix_socket: Path | None
    last: str = ""
    stuck: str = ""  # why the app stopped answering, once it has: later requests fail at once

    def _exchange(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Send a request; an app that does not answer within REQUEST_SECONDS (an endless loop in a handler
        blocks its event loop) fails this request, every later one at once, and counts as a hang of `serve`,
        so after a couple of them later tests fail at once too instead of waiting again."""
        if self.stuck:
            raise KataFailure(self.stuck)
        try:
            return send()
        except httpx.TimeoutException:
            self.stuck = (f"Sent {self.last}; the app did not answer within {REQUEST_SECONDS:g} s: an endless "
                          "loop, a wait that never ends, or far too slow? (An endless loop in an async handler "
                          "stops every other request too.)")
            self.kata.record_hang("serve", self.stuck)
            raise KataFailure(self.stuck) from None

    def connect(self, timeout: float = 30) -> httpx.Client:
        """Another client of the same app, for requests sent at the same time as others."""
        return _client(self.base_url, self.unix_socket, timeout)

    def upload(self, content: bytes, *, filename: str | None = "a.txt", content_type: str | None = "text/plain",
               field: str = "file") -> httpx.Response:
        body, header = multipart(content, filename=filename, content_type=content_type, field=field)
        self.last = (f"POST /files with field {field!r}, filename {filename!r}, {len(content):,} bytes of "
                     f"{content_type or 'no content type'}")
        return self._exchange(lambda: self.client.post("/files", content=body, headers={"Content-Type": header}))

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                data: dict[str, str] | None = None, json: Any = None, shown: str = "") -> httpx.Response:
        """Send a request; `shown` says in the learner's words what it carries (a form, a token) for feedback."""
        self.last = f"{method} {path}{f' {shown}' if shown else ''}"
        return self._exchange(lambda: self.client.request(method, path, headers=headers, data=data, json=json))

    def advance(self, seconds: float) -> None:
        """Move the app's fake clock on by `seconds`."""
        self.kata.helper("advance", self.name, seconds, description=f"moving the app's clock on by {seconds} s")

    def remove_user(self, username: str) -> None:
        """Take `username` out of the users the app was given (the very mapping passed to create_app)."""
        self.kata.helper("remove_user", self.name, username, description=f"removing the user {username!r}")

    def fail(self, response: httpx.Response | None, rule: str) -> KataFailure:
        """A failure that shows the request, the response, what the app raised meanwhile (with the learner's
        lines) and the rule it broke."""
        shown = ""
        if response is not None:
            # The Date header changes every second; leaving it out keeps feedback (and gradebooks) reproducible.
            headers = "\n".join(f"    {k}: {v}" for k, v in response.headers.items() if k.lower() != "date")
            body = response.content[:300]
            shown = f"\nThe response: {response.status_code}\n{headers}\n    body: {body!r}"
        # The storage folder's path and a random id change from run to run: shown as placeholders, the same
        # work gets the same feedback.
        shown += self.raised()
        if self.storage is not None:
            shown = shown.replace(str(self.storage), "<storage_dir>")
        if response is not None and (random_id := _random_id(response)) is not None:
            shown = shown.replace(random_id, "<random id>")
        return KataFailure(f"Sent {self.last}.{shown}\nThe rule: {rule}")

    def raised(self) -> str:
        """What the app raised while serving since the last look, with the learner's lines ('' if nothing)."""
        try:
            found = self.kata.helper("raised", self.name, description="asking the app what it raised")
        except KataFailure:
            return ""
        return _causes(self.kata, found)

    def expect_status(self, response: httpx.Response, status: int, rule: str) -> None:
        if response.status_code != status:
            raise self.fail(response, f"{rule} (expected status {status}, got {response.status_code})")


def _causes(kata: KataProxy, errors: Any) -> str:
    """Exceptions as the worker describes them, as lines of feedback that point at the learner's lines (the data
    is untrusted: anything not shaped like a described exception is left out)."""
    if not isinstance(errors, list):
        return ""
    shown = display_path(kata.module_path)
    return "".join(f"\nYour app {raised_text(error, shown)}" for error in errors
                   if isinstance(error, dict) and isinstance(frames := error.get("frames", []), list)
                   and all(isinstance(frame, dict) for frame in frames))


REQUEST_SECONDS = 30  # how long a request may wait for the app's answer


def _client(base_url: str, unix_socket: Path | None, timeout: float) -> httpx.Client:
    # No proxy from the environment: the app is on this machine. Plain HTTP: no certificates to load (httpx loads
    # the CA bundle for every transport that may verify, 80 ms each).
    transport = httpx.HTTPTransport(uds=str(unix_socket) if unix_socket else None, verify=False)
    return httpx.Client(transport=transport, base_url=base_url, timeout=timeout, trust_env=False)


def _random_id(response: httpx.Response) -> str | None:
    """The id a JSON response carries, when it is long enough to be a random one."""
    try:
        data = response.json()
    except ValueError:
        return None
    file_id = data.get("id") if isinstance(data, dict) else None
    return file_id if isinstance(file_id, str) and len(file_id) >= 16 else None


@contextmanager
def serving_app(kata: KataProxy, args: list[Any], kwargs: dict[str, Any], *, description: str,
                storage: Path | None = None) -> Iterator[Served]:
    """The learner's `create_app(*args, **kwargs)` served in the worker for the length of the block; the
    arguments are plain data, with test doubles (`{"$clock": 0.0}`, `{"$users": [...]}`, see the kind's
    worker) made in the worker. `description` is the call as feedback shows it."""
    kata.unobserved("an app served over a socket")  # its answers come over HTTP, not as the worker's
    # A caged worker has a network of its own: only a socket file in its folder reaches it from here.
    unix_socket = kata.workspace() / "app.sock" if kata.caged else None
    started = kata.helper("serve", args, kwargs, str(unix_socket) if unix_socket else None, description=description)
    if not isinstance(started, dict) or not isinstance(started.get("serving"), str):
        why, raised = (started.get("error"), started.get("raised")) if isinstance(started, dict) else (started, None)
        raise KataFailure(f"create_app could not be served: {why}{_causes(kata, raised)}")
    port = started.get("port")
    if unix_socket is not None:
        base_url = "http://kata"
    elif type(port) is int and 0 < port < 65536:
        base_url = f"http://127.0.0.1:{port}"
    else:
        raise KataFailure(f"Called {description}; the worker answered with no port to connect to")
    with _client(base_url, unix_socket, timeout=REQUEST_SECONDS) as client:
        served = Served(kata, client, storage, started["serving"], base_url, unix_socket)
        try:
            yield served
        finally:
            if served.stuck:
                kata.reset()  # the worker with the stuck app goes; the next test gets a fresh one
            else:
                try:
                    kata.helper("stop", started["serving"], description="stopping the server")
                except KataFailure:
                    kata.reset()


@contextmanager
def serving(kata: KataProxy, storage: Path | None = None, **options: Any) -> Iterator[Served]:
    """An upload app: the learner's `create_app(storage, **options)` served for the length of the block."""
    storage = storage or kata.workspace() / "storage"
    kwargs = {k: ({"$frozenset": v} if k == "allowed_types" else v) for k, v in options.items()}
    with serving_app(kata, [{"$path": str(storage)}], kwargs, storage=storage,
                     description=f"create_app({storage.name!r}, **{options!r})") as served:
        yield served


def peak_memory_kib(kata: KataProxy, *, reset: bool = False) -> int:
    """Memory the worker's Python code allocated, in KiB: `reset=True` starts a new measurement and returns the
    current level, `reset=False` the peak since (the measurement ends with the served app). The same on
    every platform (tracemalloc)."""
    return int(kata.helper("peak_memory_kib", reset, description="reading the worker's peak memory"))
