"""The worker: the only process that imports and runs learner code.

Run as a script (`python -I -X utf8 main.py HANG_FILE LIB`) from a folder of copies, so neither the project
nor the learner's folder is on `sys.path`; LIB holds the few modules learners may import from the dojo (a
kind's learner API, such as the SQL tables). It answers requests framed by `wire.py`, which sits beside it,
on its own stdin and stdout: the pipes every platform gives a child process. Standard library only: a kata's
kind loads its own worker module, by path, before the learner's module.
"""

from __future__ import annotations

import _thread
import faulthandler
import importlib.util
import io
import linecache
import os
import queue
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script's own folder off sys.path
# The copies of wire.py and doubles.py beside this script, importable once its folder is on the path; a kind's
# worker module imports them from sys.modules.
import doubles  # noqa: F401
from wire import (
    MAX_TEXT,
    ProtocolError,
    decode,
    describe_exception,
    encode,
    read_message,
    safe_repr,
    type_name,
    write_message,
)

del sys.path[0]  # learner code gets no other module of this folder
PR_SET_PDEATHSIG = 1
SIGKILL = 9


class Session:
    """The worker's state: the learner module, and the operations the trusted side may ask for."""

    def __init__(self) -> None:
        self.module: Any = None
        self.path = ""
        self.kinds: list[Any] = []  # the worker modules of the kata's kind and of the kinds it uses
        self.objects: list[Any] = []  # learner objects the trusted side refers to by index

    def load(self, path: str, name: str, functions: list[str], kind_modules: list[str]) -> dict[str, Any]:
        for number, kind_module in enumerate(kind_modules):  # before the learner's code: it cannot patch them
            spec = importlib.util.spec_from_file_location(f"_dojo_kind_{number}", kind_module)
            if spec is None or spec.loader is None:
                raise ProtocolError(f"cannot load the kind's worker module {kind_module!r}")
            self.kinds.append(importlib.util.module_from_spec(spec))
            spec.loader.exec_module(self.kinds[-1])
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return {"load_error": "unreadable", "message": f"cannot import {path}"}
        module = importlib.util.module_from_spec(spec)
        self.path = path
        try:
            source = Path(path).read_bytes()
            # dont_inherit: learner code gets no __future__ flag of this module (string annotations would hide
            # the local names FastAPI resolves a closure's dependencies by)
            code = compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            return {"load_error": "syntax", "message": error.msg, "line": error.lineno,
                    "code": (error.text or "").rstrip("\n")[:MAX_TEXT]}
        except (OSError, ValueError) as error:
            return {"load_error": "unreadable", "message": str(error)}
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException as error:  # anything the learner's module does at import is theirs to see
            return {"load_error": "import", "error": describe_exception(error, path)}
        self.module = module
        missing = [f for f in functions if not callable(getattr(module, f, None))]
        return {"load_error": "missing", "missing": missing} if missing else {}

    def call(self, function: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        target = getattr(self.module, function)
        return target(*decode(args), **decode(kwargs))

    def locate(self, function: str, args: list[Any], kwargs: dict[str, Any]) -> list[Any] | None:
        """Call again, watching for the line where the learner's function returned: feedback can then
        point at the learner's own `return` line."""
        target = getattr(self.module, function)
        code = getattr(target, "__code__", None)
        found: list[int] = []

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "return" and frame.f_code is code:
                found.append(frame.f_lineno)

        sys.setprofile(profile)
        try:
            target(*decode(args), **decode(kwargs))
        finally:
            sys.setprofile(None)
        if not found:
            return None
        return [found[-1], linecache.getline(self.path, found[-1]).strip()[:MAX_TEXT]]

    def batch(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        """Several requests in one round trip, answered in order; after each, how far the output file has
        grown, so the trusted side can tell what each one printed."""
        answers, printed = [], []
        for request in requests:
            if request.get("op") in ("load", "batch"):
                raise ProtocolError(f"{request.get('op')!r} cannot be part of a batch")
            answers.append(self.handle(request))
            sys.stdout.flush()
            sys.stderr.flush()
            printed.append(os.fstat(2).st_size)
        return {"batch": answers, "printed": printed}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "batch":
            return self.batch(request["requests"])
        if op == "load":
            return self.load(request["path"], request["name"], request["functions"], request["kind_modules"])
        runner: Callable[[], Any]
        if op == "call":
            def runner() -> Any:
                return self.call(request["function"], request["args"], request["kwargs"])
        elif op == "locate":
            def runner() -> Any:
                return self.locate(request["function"], request["args"], request["kwargs"])
        elif op == "create":
            def runner() -> Any:
                self.objects.append(self.call(request["function"], request["args"], request["kwargs"]))
                return len(self.objects) - 1
        elif op == "method":
            def runner() -> Any:
                method = getattr(self.objects[request["handle"]], request["name"])
                return method(*decode(request["args"]), **decode(request["kwargs"]))
        elif op == "getattr":
            def runner() -> Any:
                return getattr(self.objects[request["handle"]], request["name"])
        elif op == "setattr":
            def runner() -> Any:
                return setattr(self.objects[request["handle"]], request["name"], decode(request["value"]))
        elif op == "kind":
            # The first of the kinds' modules that has the helper: the kata's own kind, then those it uses.
            found = [getattr(kind, request["function"]) for kind in self.kinds if hasattr(kind, request["function"])]
            if not found:
                raise ProtocolError(f"no worker module of this kata's kinds has a helper {request['function']!r}")
            helper = found[0]

            def runner() -> Any:
                return helper(self.module, *decode(request["args"]))
        else:
            raise ProtocolError(f"unknown operation {op!r}")
        try:
            result = runner()
        except NotImplementedError as error:
            return {"not_implemented": describe_exception(error, self.path)}
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: the trusted side reports them
            return {"raised": describe_exception(error, self.path)}
        try:
            return {"returned": encode(result)}
        except (ProtocolError, RecursionError):
            return {"returned": {"$": "object", "type": type_name(type(result)), "repr": safe_repr(result)}}


def take_protocol_pipes() -> tuple[int, int]:
    """The requests arrive on stdin and the answers leave on stdout. Both move to private descriptors (not
    inherited by processes the learner starts), then stdin reads as empty and fd 1 joins fd 2, the output
    file: whatever learner code prints, through `print` or a C library writing to fd 1, lands there and never
    in the middle of a frame. (On Windows, Python puts the standard descriptors in binary mode at startup, and
    duplicates keep it, so frames pass byte for byte.)"""
    requests, answers = os.dup(0), os.dup(1)
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    os.dup2(2, 1)
    sys.stdin = io.StringIO()  # learner code that reads input gets end-of-file, not a hang
    return requests, answers


def receive(requests: int, inbox: queue.SimpleQueue[dict[str, Any] | ProtocolError]) -> None:
    """Read requests as they come, in a thread of their own. The end of the pipe means the trusted process is
    gone (or done with this worker): exit at once, even while learner code is busy in the main thread, so a
    worker never outlives the process that started it, on any platform."""
    while True:
        try:
            inbox.put(read_message(requests))
        except (EOFError, OSError):
            os._exit(0)
        except ProtocolError as error:
            inbox.put(error)
            return


def die_with_parent() -> None:
    """Linux's parent-death signal, as an extra: it also stops learner code that holds the interpreter in one
    long C call, where the reading thread never gets to run. Elsewhere the end of the request pipe does."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, SIGKILL)


def arm(hang_file: BinaryIO, alarm: Any) -> None:
    """Shortly before the trusted side gives up on this request, write every thread's stack to `hang_file`:
    a call that never returns can then say where the learner's code was when it was stopped."""
    hang_file.seek(0)
    hang_file.truncate()
    if type(alarm) in (int, float) and alarm > 0:
        faulthandler.dump_traceback_later(alarm, file=hang_file)


def main() -> None:
    requests, answers = take_protocol_pipes()
    hang_file = open(sys.argv[1], "wb", buffering=0)  # noqa: SIM115  (open for the life of the process)
    sys.path.insert(0, sys.argv[2])
    die_with_parent()
    inbox: queue.SimpleQueue[dict[str, Any] | ProtocolError] = queue.SimpleQueue()
    # A bare thread: it does not show in threading.enumerate(), which learner code may count.
    _thread.start_new_thread(receive, (requests, inbox))
    session = Session()
    while True:
        request = inbox.get()
        if isinstance(request, ProtocolError):
            raise request
        arm(hang_file, request.pop("alarm", None))
        response = session.handle(request)
        faulthandler.cancel_dump_traceback_later()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            write_message(answers, response)
        except ProtocolError as error:
            write_message(answers, {"protocol_error": str(error)})


if __name__ == "__main__":
    main()
