"""The last result of each kata, reused while nothing it depends on has changed.

A kata's result depends on the learner's module, the kata's tests, the checker (the parts of the `dojo`
package that decide results, and the kata's manifest entry), the Hypothesis profile, the databases and any extra pytest
options. All of it goes into one content hash, the kata's fingerprint; `progress` reuses a remembered
result only when the fingerprint is the same. Results live in `.dojo-results/` at the project root, beside
`.dojo-state.json` (git-ignored; deleting it only costs a rerun).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from dojo.manifest import ROOT, Kata
from dojo.trusted.results import TestResult
from dojo.trusted.submissions import Implementation

RESULTS = ROOT / ".dojo-results"
VERSION = 1


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed, so no two part lists collide
        digest.update(part)
    return digest.hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"<missing>"


# The code that decides a result: the worker, the trusted side and the kata's kind (the learner's loop, the
# grader, the classroom and the authoring tools only read results).
CHECKER = ("worker", "trusted", "kinds/__init__.py", "__init__.py", "manifest.py", "profiles.py", "scoring.py",
           "testing.py")


def _files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


@cache
def _checker(kind: str) -> str:
    """The checker's code for katas of `kind`, hashed once per process."""
    package = ROOT / "dojo"
    sources = [path for name in (*CHECKER, f"kinds/{kind}") for path in _files(package / name)]
    return _digest(part for path in sources for part in (str(path.relative_to(ROOT)).encode(), _read(path)))


def context_fingerprint(katas: Sequence[Kata], pytest_args: Sequence[str] = ()) -> str:
    """Everything a run of `katas` depends on except the learner's modules."""
    # KATA_PROFILE and CI choose the Hypothesis profile, KATA_DATABASE_URL adds a database.
    chosen = sorted(f"{name}={value}" for name, value in os.environ.items() if name.startswith("KATA_") or name == "CI")
    checker = [_checker(kind).encode() for kind in sorted({kind for kata in katas for kind in kata.kinds})]
    entries = [repr(kata).encode() for kata in katas]  # each kata's manifest entry: functions, limits, kind
    tests = [_read(path) for kata in katas for path in kata.test_files()]
    return _digest([*checker, *entries, *map(str.encode, chosen), *map(str.encode, pytest_args), *tests])


def fingerprint(kata: Kata, implementation: Implementation, pytest_args: Sequence[str] = ()) -> str:
    """Everything one kata's result depends on: its tests, the checker and the learner's module."""
    module = implementation.module_path(kata)
    return _digest([context_fingerprint([kata], pytest_args).encode(), _read(module)])


class Memory:
    """The remembered results: one small file per kata and module in one folder, so runs that finish at
    the same time (several terminals, tests) never overwrite each other's results."""

    def __init__(self, folder: Path = RESULTS) -> None:
        self.folder = folder

    def _file(self, kata: Kata, implementation: Implementation) -> tuple[Path, str]:
        module = str(implementation.module_path(kata).resolve())
        return self.folder / f"{kata.name}-{hashlib.sha256(module.encode()).hexdigest()[:16]}.json", module

    def recall(self, kata: Kata, implementation: Implementation, stamp: str) -> list[TestResult] | None:
        """The results remembered for this kata and module, if they were taken with this fingerprint."""
        path, module = self._file(kata, implementation)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["version"] != VERSION or entry["module"] != module or entry["fingerprint"] != stamp:
                return None
            return [TestResult.from_json(result) for result in entry["results"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def keep(self, entries: Sequence[tuple[Kata, Implementation, str, Sequence[TestResult]]]) -> None:
        """Remember each kata's complete results under its fingerprint, each file replaced in one step (a
        reader never sees half of one), and forget the results for folders that are gone."""
        try:
            self.folder.mkdir(exist_ok=True)
            for kata, implementation, stamp, results in entries:
                path, module = self._file(kata, implementation)
                entry = {"version": VERSION, "module": module, "fingerprint": stamp,
                         "results": [r.to_json() for r in results]}
                partial = path.with_name(f"{path.name}.{os.getpid()}")
                partial.write_text(json.dumps(entry), encoding="utf-8")
                partial.replace(path)
            self._forget_gone()
        except OSError:
            pass  # a read-only checkout still works; it only reruns more often

    def _forget_gone(self) -> None:
        for path in self.folder.glob("*.json"):
            try:
                gone = not Path(json.loads(path.read_text(encoding="utf-8"))["module"]).parent.is_dir()
            except (OSError, ValueError, KeyError, TypeError):
                gone = True
            if gone:
                path.unlink(missing_ok=True)
