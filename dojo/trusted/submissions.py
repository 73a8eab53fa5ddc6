"""Where the code under test is: the learner's `katas/`, the references, or a submission folder, and the one
search order for a kata's module inside any of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dojo.manifest import ROOT, Kata

MAX_MODULE_BYTES = 1024 * 1024


def candidates(folder: Path, kata: Kata) -> tuple[Path, Path]:
    """Where a kata's module may be, in the order searched: `katas/<kata>.py` (a clone of the starter
    repository), then `<kata>.py` (a bare file, or the learner's own `katas/` folder)."""
    return folder / "katas" / f"{kata.name}.py", folder / f"{kata.name}.py"


def module_path(folder: Path, kata: Kata) -> Path:
    """The first candidate that exists (a link counts, so it can be refused by name), else the bare file."""
    found = [path for path in candidates(folder, kata) if path.exists() or path.is_symlink()]
    return found[0] if found else candidates(folder, kata)[1]


def read_module(folder: Path, kata: Kata) -> tuple[bytes | None, str]:
    """A student's module as bytes, or None and why: a regular file inside the student's folder, never a
    symbolic link out of it, never more than MAX_MODULE_BYTES."""
    path = module_path(folder, kata)
    relative = path.relative_to(folder)
    if not path.exists() and not path.is_symlink():
        return None, f"no {kata.name}.py (expected katas/{kata.name}.py or {kata.name}.py)"
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
        return None, f"{relative} is a symbolic link; only regular files in the student's folder are graded"
    if not path.is_file():
        return None, f"{relative} is not a regular file"
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"{relative} could not be read: {error.strerror}"
    if len(data) > MAX_MODULE_BYTES:
        return None, f"{relative} is larger than {MAX_MODULE_BYTES} bytes"
    return data, str(relative)


def display_path(path: Path) -> str:
    """A path as the learner typed it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Implementation:
    """Which code is under test: the learner's stubs, the references, or a student's submission folder."""

    label: str
    folder: Path

    @classmethod
    def parse(cls, value: str) -> Implementation:
        if value in ("katas", "solutions"):
            return cls(value, ROOT / value)
        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise ValueError(f"--kata-impl {value!r}: expected 'katas', 'solutions' or a folder that exists")
        return cls(str(folder), folder.resolve())

    def module_path(self, kata: Kata) -> Path:
        return module_path(self.folder, kata)
