"""`nox -s new`: a scaffolded kata is wired end to end and fails the kata-set checks, each failure naming the
file and what to write there, until it is filled in; the checks hold for every kata on main."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from dojo import kinds, manifest
from dojo.authoring.scaffold import MARKER, problems, scaffold
from dojo.manifest import ROOT, Kata


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project with the real manifest and nothing else: a scaffold touches only what it writes."""
    shutil.copy(ROOT / "katas.toml", tmp_path / "katas.toml")
    for folder in ("katas", "solutions", "checks/public", "checks/hidden", "tests/samples"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


def scaffolded(root: Path, name: str, kind: str) -> tuple[list[Path], Kata]:
    written = scaffold(name, kind, root)
    manifest.load.cache_clear()  # the manifest was read (and cached) before the new entry was appended
    return written, next(k for k in manifest.load(root / "katas.toml") if k.name == name)


@pytest.mark.parametrize("kind", kinds.names())
def test_a_new_kata_of_any_kind_is_wired_end_to_end_and_its_python_parses(root: Path, kind: str) -> None:
    written, kata = scaffolded(root, "leaky_bucket", kind)
    assert kata.kind == kind
    assert {p.relative_to(root).as_posix() for p in written} == {
        "katas/leaky_bucket.py", "solutions/leaky_bucket.py", "checks/public/test_leaky_bucket.py",
        "checks/hidden/test_leaky_bucket.py", "tests/samples/leaky_bucket/README.md", "katas.toml"}
    for path in (kata.stub(root), kata.reference(root), kata.public_tests(root), kata.hidden_tests(root)):
        ast.parse(path.read_text(encoding="utf-8"), str(path))
        assert "$" not in path.read_text(encoding="utf-8"), f"{path.name}: a template placeholder was left"


def test_a_new_kata_fails_the_checks_naming_each_thing_to_write(root: Path) -> None:
    _, kata = scaffolded(root, "scaffold_demo", "function")
    found = "\n".join(problems(kata, root))
    for expected in ("katas.toml, kata 'scaffold_demo': hint 1 is still a placeholder",
                     "katas/scaffold_demo.py, line", "solutions/scaffold_demo.py, line",
                     "checks/public/test_scaffold_demo.py, line", "checks/hidden/test_scaffold_demo.py, line",
                     "tests/samples/scaffold_demo/: 0 correct and 0 buggy samples"):
        assert expected in found, found
    assert MARKER in found


def test_a_name_that_exists_or_is_not_an_identifier_is_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="already a kata called 'palindrome'"):
        scaffold("palindrome", "function", root)
    with pytest.raises(ValueError, match="lower-case Python identifier"):
        scaffold("rate-limiter", "function", root)


def test_a_test_in_a_group_without_points_and_points_without_tests_are_named(root: Path) -> None:
    _, kata = scaffolded(root, "grouping_demo", "function")
    kata.public_tests(root).write_text(
        "import pytest\n\n\n@pytest.mark.group('backoff')\ndef test_waits_longer_each_time(kata):\n    pass\n",
        encoding="utf-8")
    found = "\n".join(problems(kata, root))
    assert "tests test_waits_longer_each_time are in group 'backoff', which has no points" in found
    assert "points group 'public' has no tests" in found


@pytest.mark.parametrize("kata", manifest.load(), ids=lambda k: k.name)
def test_every_kata_is_complete_its_groups_have_points_and_its_points_have_tests(kata: Kata) -> None:
    missing = problems(kata)
    assert not missing, f"kata {kata.name!r} is not complete:\n" + "\n".join(missing)
