"""The kata manifest (`katas.toml`): one ordered list of katas with their hints, points and limits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dojo import kinds

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "katas.toml"
DIFFICULTIES = ("easy", "medium", "hard")


class ManifestError(ValueError):
    """The manifest is malformed; the message names the kata and the field."""


@dataclass(frozen=True)
class Kata:
    name: str
    title: str
    difficulty: str
    functions: tuple[str, ...]
    hints: tuple[str, ...]
    points: dict[str, float] = field(hash=False)
    order: int
    call_timeout: float = 10.0
    time_limit: float = 60.0
    memory_mb: int = 1024
    kind: str = "function"
    uses: tuple[str, ...] = ()  # other kinds whose worker modules, learner APIs and dependencies it needs too

    @property
    def kinds(self) -> tuple[str, ...]:
        """Its kind, then the kinds it uses: the worker loads their modules in this order."""
        return (self.kind, *self.uses)

    @property
    def max_points(self) -> float:
        return float(sum(self.points.values()))

    def stub(self, root: Path = ROOT) -> Path:
        return root / "katas" / f"{self.name}.py"

    def reference(self, root: Path = ROOT) -> Path:
        return root / "solutions" / f"{self.name}.py"

    def public_tests(self, root: Path = ROOT) -> Path:
        return root / "checks" / "public" / f"test_{self.name}.py"

    def hidden_tests(self, root: Path = ROOT) -> Path:
        return root / "checks" / "hidden" / f"test_{self.name}.py"

    def test_files(self, root: Path = ROOT) -> list[Path]:
        """The public tests, then the hidden ones where this checkout has them (a student export does not)."""
        return [path for path in (self.public_tests(root), self.hidden_tests(root)) if path.exists()]


def _kata(entry: dict, order: int) -> Kata:
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ManifestError(f"kata #{order + 1} in {MANIFEST.name}: 'name' must be a Python identifier")
    where = f"kata {name!r} in {MANIFEST.name}"
    hints = entry.get("hints", [])
    if len(hints) < 2 or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ManifestError(f"{where}: needs at least two hints, none of them empty")
    if entry.get("difficulty") not in DIFFICULTIES:
        raise ManifestError(f"{where}: 'difficulty' must be one of {', '.join(DIFFICULTIES)}")
    points = entry.get("points", {})
    if not points or not all(isinstance(p, int | float) and p > 0 for p in points.values()):
        raise ManifestError(f"{where}: 'points' must map each test group to a positive number")
    functions = entry.get("functions", [])
    if not functions or not all(isinstance(f, str) and f.isidentifier() for f in functions):
        raise ManifestError(f"{where}: 'functions' must list the names the learner module defines")
    kind = entry.get("kind", "function")
    if kind not in kinds.names():
        raise ManifestError(f"{where}: 'kind' must be one of {', '.join(kinds.names())}, not {kind!r}")
    uses = entry.get("uses", [])
    if not isinstance(uses, list) or not set(uses) <= set(kinds.names()) - {kind} or len(set(uses)) < len(uses):
        raise ManifestError(f"{where}: 'uses' must list other kinds, each once, from {', '.join(kinds.names())}")
    known = {f.name for f in Kata.__dataclass_fields__.values()} - {"order"}
    if unknown := set(entry) - known:
        raise ManifestError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return Kata(
        name=name,
        title=entry.get("title", name),
        difficulty=entry["difficulty"],
        functions=tuple(functions),
        hints=tuple(hints),
        points={str(k): float(v) for k, v in points.items()},
        order=order,
        call_timeout=float(entry.get("call_timeout", 10.0)),
        time_limit=float(entry.get("time_limit", 60.0)),
        memory_mb=int(entry.get("memory_mb", 1024)),
        kind=kind,
        uses=tuple(uses),
    )


@cache
def load(path: Path = MANIFEST) -> tuple[Kata, ...]:
    """Every kata in manifest order."""
    with path.open("rb") as file:
        entries = tomllib.load(file).get("kata", [])
    katas = tuple(_kata(entry, order) for order, entry in enumerate(entries))
    names = [k.name for k in katas]
    if duplicated := {n for n in names if names.count(n) > 1}:
        raise ManifestError(f"{path.name}: kata(s) listed twice: {', '.join(sorted(duplicated))}")
    return katas


def get(name: str) -> Kata:
    """The kata called `name`, or an error that lists the ones there are."""
    for kata in load():
        if kata.name == name:
            return kata
    known = ", ".join(k.name for k in load())
    raise ManifestError(f"there is no kata called {name!r}; the katas are: {known}")
