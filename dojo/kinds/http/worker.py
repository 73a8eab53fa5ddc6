"""Worker side of the http kind: build the learner's app from the test's arguments (test doubles resolved here),
serve it with uvicorn in a thread of the worker, move its fake clocks and change its users while it serves,
record what it raises, and measure the memory it allocates. Loaded before the learner's module, so the
functions bound here are the real ones.

The app listens on a Unix socket when the trusted side names one (a caged worker's network namespace lets a
socket file through, not a port), else on a free port of 127.0.0.1, which every platform has (Python has no
Unix sockets on Windows).
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple

import uvicorn
from doubles import Doubles  # the worker core's own modules, already imported by main.py
from wire import describe_exception

from dojo.auth import User, hash_password  # this kind's learner API, on the worker's path

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

KEPT = 5  # exceptions kept per server between two looks; the first ones explain the rest
SETTLE = 2.0  # seconds to wait for requests in progress (a handler that hangs) before reporting
# Test users' passwords are hashed at a low cost: a login in a test then costs a millisecond, not a third of a
# second, and verify_password reads the cost from the hash.
TEST_ITERATIONS = 1_000
_socket = socket.socket
_unix = getattr(socket, "AF_UNIX", None)


class Recorder:
    """An ASGI wrapper around the learner's app that keeps what the app raised (type, message, the learner's
    frames), so a 500 can be shown with its cause. It re-raises: the server answers exactly as it would
    without it."""

    def __init__(self, app: ASGIApp, learner_file: str) -> None:
        self.app = app
        self.learner_file = learner_file
        self.raised: list[dict[str, Any]] = []
        self.requests = 0  # requests the app is still handling
        self.settled = threading.Condition()

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        counted = scope.get("type") != "lifespan"  # the lifespan call lasts as long as the server
        with self.settled:
            self.requests += counted
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            with self.settled:
                if len(self.raised) < KEPT:
                    self.raised.append(describe_exception(error, self.learner_file))
            raise
        finally:
            with self.settled:
                self.requests -= counted
                self.settled.notify_all()

    def take(self) -> list[dict[str, Any]]:
        """What the app raised so far, once the requests it is handling are done: a framework sends its 500
        before the exception reaches this wrapper, so the client may see the response first."""
        with self.settled:
            self.settled.wait_for(lambda: self.requests == 0, timeout=SETTLE)
            found, self.raised = self.raised, []
        return found


class AppDoubles(Doubles):
    """The shared doubles (a fake clock), and the values an app factory takes that plain data cannot be:
    `{"$path": text}` a Path, `{"$frozenset": [items]}` a frozenset, and `{"$users": [[name, password, role],
    ...]}` a dict of dojo.auth Users by name, kept so a test can take a user away while the app serves."""

    def __init__(self, module: Any) -> None:
        super().__init__(module)
        self.users: list[dict[str, User]] = []

    def make(self, tag: str, spec: dict[str, Any]) -> Any:
        payload = spec[tag]
        if tag == "$path":
            return Path(payload)
        if tag == "$frozenset":
            return frozenset(self.resolve(payload))
        if tag == "$users":
            self.users.append({name: User(hash_password(password, iterations=TEST_ITERATIONS), role)
                               for name, password, role in payload})
            return self.users[-1]
        return super().make(tag, spec)


class Running(NamedTuple):  # not a dataclass: this module is loaded by path, outside sys.modules
    server: uvicorn.Server
    thread: threading.Thread
    recorder: Recorder
    unix_socket: str | None
    doubles: AppDoubles


_servers: dict[str, Running] = {}


def serve(module: Any, args: list[Any], kwargs: dict[str, Any], unix_socket: str | None) -> dict[str, Any]:
    """Build the learner's app, `create_app(*args, **kwargs)` with the test doubles in them made here, and serve
    it until `stop`; returns once it accepts connections, with the name the other helpers know it by and, on
    127.0.0.1, the port."""
    doubles = AppDoubles(module)
    app = module.create_app(*doubles.resolve(args), **doubles.resolve(kwargs))
    recorder = Recorder(app, str(module.__file__))
    if unix_socket:
        if _unix is None:
            return {"error": "this platform has no Unix sockets"}
        listener = _socket(_unix, socket.SOCK_STREAM)
        listener.bind(unix_socket)
        name, port = unix_socket, None
    else:
        # IPPROTO_TCP named, or asyncio leaves Nagle's algorithm on: 40 ms per request (measured).
        listener = _socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        name = f"127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(recorder, log_level="warning", lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            return {"error": "the app did not start serving within 10 s", "raised": recorder.raised}
        time.sleep(0.01)
    _servers[name] = Running(server, thread, recorder, unix_socket, doubles)
    return {"serving": name, "port": port}


def advance(module: Any, name: str, seconds: float) -> None:
    """Move the served app's fake clocks on by `seconds`."""
    _servers[name].doubles.advance(seconds)


def remove_user(module: Any, name: str, username: str) -> None:
    """Take `username` out of the users the served app was given, as an administrator would."""
    for users in _servers[name].doubles.users:
        users.pop(username, None)


def raised(module: Any, name: str) -> list[dict[str, Any]]:
    """What the app raised since the last look (the first few), as described exceptions."""
    running = _servers.get(name)
    return running.recorder.take() if running is not None else []


def stop(module: Any, name: str) -> bool:
    running = _servers.pop(name, None)
    if tracemalloc.is_tracing():  # a measurement ends with its server
        tracemalloc.stop()
    if running is None:
        return False
    running.server.should_exit = True
    running.thread.join(10)
    if running.unix_socket:
        Path(running.unix_socket).unlink(missing_ok=True)
    return not running.thread.is_alive()


def peak_memory_kib(module: Any, reset: bool) -> int:
    """Memory allocated by Python code in the worker (the server's thread and the app's included), in KiB:
    with `reset`, a new measurement starts and the current level is returned; without, the peak since.

    tracemalloc sees every allocation of Python objects and buffers, on every platform, and its peak can be
    reset at will; resident-set figures cannot be on macOS or Windows, and carry the allocator's caching."""
    if reset:
        if not tracemalloc.is_tracing():
            tracemalloc.start()
        tracemalloc.reset_peak()
        return tracemalloc.get_traced_memory()[0] // 1024
    if not tracemalloc.is_tracing():
        raise RuntimeError("no memory measurement was started (call with reset=True first)")
    return tracemalloc.get_traced_memory()[1] // 1024
