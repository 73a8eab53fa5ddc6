"""The worker: the only process that imports and runs learner code.

Run as a script (`python -I worker.py READ_FD WRITE_FD LIB`), so neither the project nor the learner's
folder is on `sys.path`; LIB holds the few modules learners may import from the dojo (its tables).
It speaks length-prefixed JSON over two pipes; `dojo.remote` is the other end.
Values cross as tagged JSON of a few exact types; anything else is described, never pickled.

This file imports the standard library only (kata extensions load their own dependencies), and the
trusted side imports it for the wire format, so both ends share one encoder.
"""

from __future__ import annotations

import base64
import builtins
import importlib.util
import io
import json
import linecache
import math
import os
import re
import struct
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")
MAX_MESSAGE = 64 * 1024 * 1024
MAX_TEXT = 2000  # characters of a message or repr that cross the boundary


class ProtocolError(Exception):
    """A frame or value that does not follow the wire format."""


# -- the wire format, shared by both ends --------------------------------------------------------------------


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-ready form of `value` that keeps exact types (bool is not int, tuple is not list)."""
    kind = type(value)
    if depth > 100:
        raise ProtocolError("nested too deeply")
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"$": "tuple", "v": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind in (bytes, bytearray):
        return {"$": kind.__name__, "v": base64.b64encode(value).decode("ascii")}
    return {"$": "object", "type": _type_name(kind), "repr": _safe_repr(value)}


class Unencodable:
    """What a value that cannot cross the boundary turns into on the trusted side."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return f"<a {self.type_name} object: {self.text}>"


def decode(data: Any) -> Any:
    """The inverse of `encode`; strict, because the data comes from untrusted code."""
    if data is None or type(data) in (bool, int, str, float):
        return data
    if type(data) is list:
        return [decode(item) for item in data]
    if type(data) is dict:
        tag, payload = data.get("$"), data.get("v")
        if tag == "float" and payload in ("nan", "inf", "-inf"):
            return float(payload)
        if tag == "tuple" and type(payload) is list:
            return tuple(decode(item) for item in payload)
        if tag == "dict" and type(payload) is list:
            return {_hashable(decode(k)): decode(v) for k, v in (_pair(item) for item in payload)}
        if tag in ("bytes", "bytearray") and type(payload) is str:
            raw = base64.b64decode(payload, validate=True)
            return raw if tag == "bytes" else bytearray(raw)
        if tag == "object" and type(data.get("type")) is str and type(data.get("repr")) is str:
            return Unencodable(data["type"][:200], data["repr"][:MAX_TEXT])
    raise ProtocolError(f"not a value of the wire format: {str(data)[:200]}")


def _pair(item: Any) -> tuple[Any, Any]:
    if type(item) is not list or len(item) != 2:
        raise ProtocolError("a dict entry must be a [key, value] pair")
    return item[0], item[1]


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError as error:
        raise ProtocolError("unhashable dict key") from error
    return key


def write_message(fd: int, message: dict[str, Any]) -> None:
    body = json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(f"message of {len(body)} bytes is over the {MAX_MESSAGE} byte limit")
    view = memoryview(HEADER.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view) :]


def parse_message(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"not JSON: {error}") from error
    if type(message) is not dict:
        raise ProtocolError("a message must be a JSON object")
    return message


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


def read_message(fd: int) -> dict[str, Any]:
    """Blocking read of one message (the worker's side; the trusted side reads with a deadline)."""
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes is over the limit")
    return parse_message(_read_exactly(fd, size))


# -- the worker's side ----------------------------------------------------------------------------------------


def _type_name(kind: type) -> str:
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "?")
    return name if module in ("builtins", "") else f"{module}.{name}"


def _safe_repr(value: Any) -> str:
    try:
        text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # addresses change from run to run
    except BaseException:
        return "<repr failed>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def describe_exception(error: BaseException, learner_file: str) -> dict[str, Any]:
    """Type, message and the frames of the learner's own file, so feedback points at their lines."""
    mro = [cls.__name__ if getattr(builtins, cls.__name__, None) is cls else _type_name(cls)
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
        self.extensions: dict[str, Any] = {}
        self.objects: list[Any] = []  # learner objects the trusted side refers to by index

    def load(self, path: str, name: str, functions: list[str], extensions: list[str]) -> dict[str, Any]:
        for extension in extensions:  # before the learner's code, so it cannot patch what they bind
            self.extension(extension)
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

    def extension(self, name: str) -> Any:
        """A worker-side helper module of a kata (e.g. compiling SQL), loaded by path from this folder."""
        if name not in self.extensions:
            path = Path(__file__).with_name(f"worker_{name}.py")
            spec = importlib.util.spec_from_file_location(f"_dojo_worker_{name}", path)
            if spec is None or spec.loader is None or not name.isidentifier():
                raise ProtocolError(f"no worker extension {name!r}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.extensions[name] = module
        return self.extensions[name]

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "load":
            return self.load(request["path"], request["name"], request["functions"], request["extensions"])
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
        elif op == "ext":
            helper = getattr(self.extension(request["extension"]), request["function"])

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
            return {"returned": {"$": "object", "type": _type_name(type(result)), "repr": _safe_repr(result)}}


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
