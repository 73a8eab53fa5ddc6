"""The worker: the only process that imports and runs learner code.

Run as a script (`python -I main.py READ_FD WRITE_FD LIB`) from a folder of copies, so neither the
project nor the learner's folder is on `sys.path`; LIB holds the few modules learners may import from
the dojo (a kind's learner API, such as the SQL tables). It answers requests framed by `wire.py`, which
sits beside it. Standard library only: a kata's kind loads its own worker module, by path, before the
learner's module.
"""

from __future__ import annotations

import builtins
import importlib.util
import io
import linecache
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script's own folder off sys.path
# The copy of wire.py beside this script, importable once its folder is on the path.
from wire import (
    MAX_TEXT,
    ProtocolError,
    decode,
    encode,
    read_message,
    safe_repr,
    type_name,
    write_message,
)

del sys.path[0]  # learner code gets no other module of this folder


def describe_exception(error: BaseException, learner_file: str) -> dict[str, Any]:
    """Type, message and the frames of the learner's own file, so feedback points at their lines."""
    mro = [cls.__name__ if getattr(builtins, cls.__name__, None) is cls else type_name(cls)
           for cls in type(error).__mro__]
    try:
        message = str(error)
    except BaseException:
        message = "<str() of the exception failed>"
    frames = [
        {"line": frame.lineno, "function": frame.name, "code": (frame.line or "")[:MAX_TEXT]}
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == learner_file
    ]
    return {"type": mro[0], "mro": mro, "message": message[:MAX_TEXT], "frames": frames[-20:]}


class Session:
    """The worker's state: the learner module, and the operations the trusted side may ask for."""

    def __init__(self) -> None:
        self.module: Any = None
        self.path = ""
        self.kind: Any = None  # the kata kind's worker module, if it has one
        self.objects: list[Any] = []  # learner objects the trusted side refers to by index

    def load(self, path: str, name: str, functions: list[str], kind_module: str | None) -> dict[str, Any]:
        if kind_module:  # before the learner's code, so it cannot patch what the kind's module binds
            spec = importlib.util.spec_from_file_location("_dojo_kind", kind_module)
            if spec is None or spec.loader is None:
                raise ProtocolError(f"cannot load the kind's worker module {kind_module!r}")
            self.kind = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.kind)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return {"load_error": "unreadable", "message": f"cannot import {path}"}
        module = importlib.util.module_from_spec(spec)
        self.path = path
        try:
            source = Path(path).read_bytes()
            code = compile(source, path, "exec")
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

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "load":
            return self.load(request["path"], request["name"], request["functions"], request.get("kind_module"))
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
            if self.kind is None:
                raise ProtocolError("this kata's kind has no worker module")
            helper = getattr(self.kind, request["function"])

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


def main() -> None:
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    sys.path.insert(0, sys.argv[3])
    sys.stdin = io.StringIO()  # learner code that reads input gets end-of-file, not a hang
    session = Session()
    while True:
        try:
            request = read_message(read_fd)
        except EOFError:
            return
        response = session.handle(request)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            write_message(write_fd, response)
        except ProtocolError as error:
            write_message(write_fd, {"protocol_error": str(error)})


if __name__ == "__main__":
    main()
