"""The manifest, the stubs, the references and the tests agree (rustlings' `dev check`, statically)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dojo import manifest
from dojo.manifest import Kata, ManifestError

KATAS = manifest.load()


def signatures(path: Path) -> dict[str, str]:
    """Top-level functions and classes of a module, with their arguments, read without importing it."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = ast.unparse(node.args)
        elif isinstance(node, ast.ClassDef):
            # The public methods (dunders included): a reference's private helpers are its own business.
            methods = [f"{n.name}({ast.unparse(n.args)})" for n in node.body if isinstance(n, ast.FunctionDef)
                       and not (n.name.startswith("_") and not n.name.endswith("__"))]
            found[node.name] = "; ".join(methods)
    return found


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.name)
def test_every_kata_has_a_stub_a_reference_and_both_kinds_of_tests(kata: Kata) -> None:
    for path in (kata.stub(), kata.reference(), kata.public_tests(), kata.hidden_tests()):
        assert path.is_file(), f"{kata.name}: {path} is missing"


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.name)
def test_stub_and_reference_define_the_manifest_functions_with_the_same_signatures(kata: Kata) -> None:
    stub, reference = signatures(kata.stub()), signatures(kata.reference())
    for name in kata.functions:
        assert name in stub, f"{kata.stub()} does not define {name}"
        assert name in reference, f"{kata.reference()} does not define {name}"
        assert stub[name] == reference[name], f"{name}: stub ({stub[name]}) and reference ({reference[name]}) differ"


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.name)
def test_every_stub_has_a_prompt_and_raises_not_implemented(kata: Kata) -> None:
    tree = ast.parse(kata.stub().read_text(encoding="utf-8"))
    prompt = ast.get_docstring(tree)
    assert prompt, f"{kata.stub()} needs its prompt as the module docstring"
    assert len(prompt) > 200, f"{kata.stub()}: the prompt must state the rule and give examples"
    raises = [n for n in ast.walk(tree) if isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)]
    assert raises, f"{kata.stub()} must raise NotImplementedError where the learner starts"


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.name)
def test_hints_are_progressive_and_distinct(kata: Kata) -> None:
    assert len(kata.hints) >= 2
    assert len(set(kata.hints)) == len(kata.hints)


def test_katas_are_listed_once_in_order() -> None:
    assert [k.order for k in KATAS] == list(range(len(KATAS)))
    assert manifest.get("palindrome").name == "palindrome"


def test_asking_for_an_unknown_kata_lists_the_known_ones() -> None:
    with pytest.raises(ManifestError, match=r"no kata called 'palindrom'.*palindrome"):
        manifest.get("palindrom")


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["one"]\npoints = {public = 1}', "two hints"),
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", " "]\npoints = {public = 1}', "empty"),
        ('name = "x"\ndifficulty = "tricky"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {public = 1}',
         "difficulty"),
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {}', "points"),
        ('name = "x-y"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {public = 1}',
         "identifier"),
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {public = 1}\nhint = 1',
         "unknown field"),
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {public = 1}\n'
         'kind = "concurrency"\nuses = ["concurrency"]', "'uses' must list other kinds"),
        ('name = "x"\ndifficulty = "easy"\nfunctions = ["f"]\nhints = ["a", "b"]\npoints = {public = 1}\n'
         'uses = ["carrier_pigeon"]', "'uses' must list other kinds"),
    ],
)
def test_a_malformed_manifest_entry_is_refused_with_the_reason(tmp_path: Path, entry: str, complaint: str) -> None:
    path = tmp_path / "katas.toml"
    path.write_text(f"[[kata]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=complaint):
        manifest.load(path)


def test_hidden_tests_import_no_learner_or_reference_code() -> None:
    for kata in KATAS:
        for path in kata.test_files():
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                        a.name for a in node.names]
                    for module in modules:
                        assert module.split(".")[0] not in ("solutions", "katas"), f"{path} imports {module}"
