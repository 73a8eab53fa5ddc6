"""What goes wrong, in the learner's words: the failure types every kind raises, and the text helpers that
describe calls, values and exceptions that came back from the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dojo.manifest import Kata
from dojo.worker import wire


class KataFailure(AssertionError):
    """A failure written for the learner: the message is the whole story, no traceback needed."""


class NotStarted(KataFailure):
    """The learner's function still raises NotImplementedError."""


class LoadFailure(KataFailure):
    """The learner's module is missing, does not compile, fails on import or lacks a name."""


class WorkerTrouble(KataFailure):
    """The worker died, hung past the call deadline, or broke the protocol."""


class LearnerRaised(KataFailure):
    """The learner's code raised an exception it was not expected to raise."""

    def __init__(self, message: str, mro: Sequence[str]) -> None:
        super().__init__(message)
        self.mro = tuple(mro)

    def is_a(self, exception: type[BaseException]) -> bool:
        return exception.__name__ in self.mro


def short_repr(value: Any, limit: int = 60) -> str:
    """repr() that stays readable for a million-character argument."""
    if isinstance(value, str | bytes) and len(value) > limit:
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{value[: limit // 2]!r}... ({len(value):,} {unit})"
    text = repr(value)
    return text if len(text) <= 4 * limit else text[: 4 * limit] + "..."


def call_text(function: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    shown = [short_repr(a) for a in args] + [f"{k}={short_repr(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(shown)})"


def describe(value: Any) -> str:
    """A value for a failure message; the type is named where a repr could hide it."""
    if isinstance(value, wire.Unencodable):
        return f"a {value.type_name} object ({value.text})"
    shown = short_repr(value)
    if type(value) in (bool, type(None)):
        return shown
    article = {int: "an int", float: "a float"}.get(type(value))
    return f"{shown} ({article})" if article else shown


def load_failure_text(response: dict[str, Any], kata: Kata, shown: str) -> str:
    kind = response["load_error"]
    if kind == "syntax":
        return (f"{shown}, line {response.get('line')}: syntax error: {response.get('message')}\n"
                f"    {response.get('code', '')}\nFix that line and run the kata again.")
    if kind == "import":
        return f"Importing {shown} failed.\n{raised_text(response['error'], shown)}"
    if kind == "missing":
        names = ", ".join(response.get("missing", []))
        return (f"{shown} does not define {names}. Keep the names and signatures from the stub; "
                f"the kata needs: {', '.join(kata.functions)}.")
    return f"{shown} could not be read: {response.get('message')}"


def raised_text(error: dict[str, Any], shown: str) -> str:
    lines = [f"raised {error.get('type')}: {error.get('message')}".rstrip(": ")]
    for frame in error.get("frames", []):
        lines.append(f"  {shown}, line {frame.get('line')}, in {frame.get('function')}")
        if frame.get("code"):
            lines.append(f"    {frame['code']}")
    return "\n".join(lines)
