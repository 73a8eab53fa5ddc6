"""Worker-side helper of the file_upload kata: serve the learner's app with uvicorn on a Unix socket (it
crosses the sandbox's network namespace, a TCP port would not), in a thread of the worker, and report the
worker's peak memory. Loaded before the learner's module, so the functions bound here are the real ones."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

_open = open
_servers: dict[str, tuple[uvicorn.Server, threading.Thread]] = {}


def serve(module: Any, storage_dir: str, socket: str, options: dict[str, Any]) -> dict[str, Any]:
    """Build the learner's app and serve it until `stop`; returns once the socket accepts connections."""
    kwargs = {k: (frozenset(v) if k == "allowed_types" else v) for k, v in options.items()}
    app = module.create_app(Path(storage_dir), **kwargs)
    server = uvicorn.Server(uvicorn.Config(app, uds=socket, log_level="warning", lifespan="on",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            return {"error": "the app did not start serving within 10 s"}
        time.sleep(0.01)
    _servers[socket] = (server, thread)
    return {"serving": socket}


def stop(module: Any, socket: str) -> bool:
    server, thread = _servers.pop(socket, (None, None))
    if server is None or thread is None:
        return False
    server.should_exit = True
    thread.join(10)
    return not thread.is_alive()


def peak_memory_kib(module: Any, reset: bool) -> int:
    """The worker's peak resident set size (VmHWM) since the last reset; `reset` first lowers the mark to the
    current size. (getrusage's ru_maxrss would not do: it keeps the parent's peak across fork and exec.)"""
    if reset:
        with _open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    with _open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")
