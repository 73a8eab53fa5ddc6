"""The wire format both ends of the worker boundary speak: length-prefixed JSON frames whose values are
tagged so they keep their exact types (bool is not int, tuple is not list). Anything else is described,
never pickled.

Standard library only: the worker loads this file by path from its own folder, and the trusted side
imports it, so both ends share one encoder.
"""

from __future__ import annotations

import base64
import builtins
import datetime
import json
import math
import os
import re
import struct
import traceback
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
    if kind is datetime.datetime:
        return {"$": "datetime", "v": value.isoformat()}
    return {"$": "object", "type": type_name(kind), "repr": safe_repr(value)}


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
        if tag == "datetime" and type(payload) is str:
            try:
                return datetime.datetime.fromisoformat(payload)
            except ValueError as error:
                raise ProtocolError(f"not an ISO datetime: {payload[:100]!r}") from error
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


def describe_exception(error: BaseException, learner_file: str) -> dict[str, Any]:
    """An exception as it crosses: type, message and the frames of the learner's own file, so feedback points
    at their lines. The worker sends it for a call that raised; a kind's worker module for what the learner's
    code raised elsewhere (in a request handler, say)."""
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


def type_name(kind: type) -> str:
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "?")
    return name if module in ("builtins", "") else f"{module}.{name}"


def safe_repr(value: Any) -> str:
    try:
        text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # addresses change from run to run
    except BaseException:
        return "<repr failed>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."
