"""Kinds of kata. Each kind is one folder here holding everything that kind needs on both sides of the
worker boundary, and an `__init__.py` whose `KIND` says what it ships:

- `worker`: a module of the folder that the worker loads (by path, before the learner's module) and whose
  functions tests call through `kata.helper(...)`; it runs beside learner code, so it is never trusted;
- `learner_api`: modules of the folder learners import as `dojo.<name>` (copied into the worker's path);
- `plugin`: a pytest plugin of the folder (options, fixtures) for the trusted test process;
- `extra`: the optional-dependency group of `pyproject.toml` the kind needs beyond the core;
- `hints`: a module of the folder whose `hint(kata, results)` gives one more hint, drawn from the learner's
  latest results (shown by `nox -s hint` after the manifest's hints);
- `templates`: the files `nox -s new` fills in for a kata of this kind; `scaffolded` names what its stub defines,
  from the kata's name (`{name}` as it is, `{Name}` in CamelCase);
- `autograder`: whether a Gradescope autograder zip, which carries a kata's test files and the package only,
  can grade the kind's katas.

A kata is of one kind and may use others (`uses` in the manifest): it then gets their worker modules, learner
APIs and dependencies too, and objects made by one kind's helper can be handed to another's as test doubles.
The core reads kinds only through this module; it never names one.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Kind:
    name: str
    summary: str
    worker: str | None = None
    learner_api: tuple[str, ...] = ()
    plugin: str | None = None
    extra: str | None = None
    hints: str | None = None
    autograder: bool = True
    scaffolded: str = "{name}"

    @property
    def folder(self) -> Path:
        return FOLDER / self.name

    def worker_path(self) -> Path | None:
        return self.folder / self.worker if self.worker else None

    def templates(self) -> Path:
        return self.folder / "templates"

    def defined(self, kata: str) -> str:
        """What a scaffolded stub of the kata `kata` defines for the learner to fill in."""
        return self.scaffolded.format(name=kata, Name="".join(part.title() for part in kata.split("_")))

    def hint_from(self, kata: Any, results: Sequence[Any]) -> str:
        """The kind's hint for `kata` from the learner's latest results ('' when it has none to give)."""
        if self.hints is None:
            return ""
        return str(importlib.import_module(f"dojo.kinds.{self.name}.{self.hints}").hint(kata, results))


def names() -> list[str]:
    """The kinds this checkout has (a student export keeps only the ones its katas use)."""
    return sorted(p.name for p in FOLDER.iterdir() if (p / "__init__.py").is_file())


@cache
def get(name: str) -> Kind:
    if name not in names():
        raise ValueError(f"there is no kata kind {name!r}; the kinds are: {', '.join(names())}")
    kind = importlib.import_module(f"dojo.kinds.{name}").KIND
    if not isinstance(kind, Kind) or kind.name != name:
        raise ValueError(f"dojo/kinds/{name}/__init__.py must define KIND = Kind({name!r}, ...)")
    return kind


def plugins() -> list[str]:
    """The pytest plugins of every kind present, as module names."""
    return [f"dojo.kinds.{kind.name}.{kind.plugin}" for kind in map(get, names()) if kind.plugin]


def requirements(katas: Iterable[Any], project: dict[str, Any]) -> list[str]:
    """What the katas need installed: `project`'s core dependencies (the `[project]` table of pyproject.toml)
    and the optional-dependency group of each kind the katas use, so an assignment of pure-Python katas
    installs neither SQLAlchemy nor FastAPI."""
    groups = sorted({get(name).extra for kata in katas for name in kata.kinds} - {None})
    optional = project.get("optional-dependencies", {})
    return [*project["dependencies"], *(requirement for group in groups for requirement in optional[group])]
