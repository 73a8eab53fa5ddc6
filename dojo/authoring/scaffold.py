"""`nox -s new -- NAME --kind KIND`: a new kata from its kind's templates (rustlings' `dev new`), and the
checks that say what a kata still lacks.

A scaffolded kata is wired end to end (manifest entry, stub, reference, public and hidden tests, a samples
folder) and fails the kata-set checks, each failure naming the file and what to write there, until every
`TODO(new)` is replaced and its samples exist.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path
from string import Template

from dojo import kinds, manifest
from dojo.manifest import ROOT, Kata

MARKER = "TODO(new)"
MIN_CORRECT, MIN_BUGGY = 2, 8
# template file -> where it goes for a kata called `name`
TARGETS = {"stub.py.tmpl": "katas/{name}.py", "reference.py.tmpl": "solutions/{name}.py",
           "test_public.py.tmpl": "checks/public/test_{name}.py", "test_hidden.py.tmpl": "checks/hidden/test_{name}.py"}
ENTRY = Template('''
[[kata]]
name = "$name"
title = "$title"
kind = "$kind"
difficulty = "medium"
functions = ["$function"]
hints = [
    "$marker: a nudge towards the first step",
    "$marker: the concept, with a nearby example",
    "$marker: the trap most learners fall into (never the answer)",
]

[kata.points]
public = 2
hidden = 8
''')


def samples_folder(kata: Kata, root: Path = ROOT) -> Path:
    return root / "tests" / "samples" / kata.name


def scaffold(name: str, kind: str, root: Path = ROOT, title: str | None = None) -> list[Path]:
    """Write a new kata of `kind` under `root` and return the files written; refuse an existing name."""
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"{name!r}: a kata name is a lower-case Python identifier, such as rate_limiter")
    if name in {k.name for k in manifest.load(root / "katas.toml")}:
        raise ValueError(f"there is already a kata called {name!r} in katas.toml")
    templates = kinds.get(kind).templates()
    values = {"name": name, "title": title or name.replace("_", " ").capitalize(), "kind": kind,
              "function": kinds.get(kind).defined(name), "marker": MARKER}
    targets = {template: root / target.format(name=name) for template, target in TARGETS.items()}
    if existing := [str(path.relative_to(root)) for path in targets.values() if path.exists()]:
        raise ValueError(f"{', '.join(existing)} already exist(s); choose another name or remove them")
    written = []
    for template, path in targets.items():
        path.write_text(Template((templates / template).read_text(encoding="utf-8")).substitute(values),
                        encoding="utf-8")
        written.append(path)
    folder = root / "tests" / "samples" / name
    folder.mkdir(parents=True)
    readme = folder / "README.md"
    readme.write_text(f"# Samples of {name}\n\n{MARKER}: at least {MIN_CORRECT} `correct_*.py` and {MIN_BUGGY} "
                      "`bug_*.py` implementations, each a whole learner file; a bug's module docstring says, in "
                      "one line for learners, which requirement it breaks.\n", encoding="utf-8")
    with (root / "katas.toml").open("a", encoding="utf-8") as file:
        file.write(ENTRY.substitute(values))
    return [*written, readme, root / "katas.toml"]


def _marked(path: Path, root: Path) -> list[str]:
    if not path.is_file():
        return [f"{path.relative_to(root)} is missing"]
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{path.relative_to(root)}, line {number}: {line.strip()}"
            for number, line in enumerate(lines, 1) if MARKER in line]


def groups_used(path: Path) -> dict[str, list[str]]:
    """Per points group, the tests of a test module that belong to it (a `group` marker, else the folder)."""
    found: dict[str, list[str]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not ((isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))
                or (isinstance(node, ast.ClassDef) and node.name.startswith("Test"))
                or (isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "TestCase")):
            continue
        name = node.targets[0].id if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
            else getattr(node, "name", "?")
        group = path.parent.name
        for decorator in getattr(node, "decorator_list", []):
            text = ast.unparse(decorator)
            if match := re.fullmatch(r"pytest\.mark\.group\((['\"])(\w+)\1\)", text):
                group = match.group(2)
        found.setdefault(group, []).append(name)
    return found


def problems(kata: Kata, root: Path = ROOT) -> list[str]:
    """What `kata` still lacks, each as a sentence naming the file: placeholders left, a reference that is
    not written, too few samples, test groups and points that do not match."""
    found = [f"katas.toml, kata {kata.name!r}: hint {i} is still a placeholder; write it"
             for i, hint in enumerate(kata.hints, 1) if MARKER in hint]
    for path in (kata.stub(root), kata.reference(root), kata.public_tests(root), kata.hidden_tests(root)):
        found += [f"{where}: replace the placeholder" for where in _marked(path, root)]
    samples = samples_folder(kata, root)
    correct, buggy = len(list(samples.glob("correct_*.py"))), len(list(samples.glob("bug_*.py")))
    if correct < MIN_CORRECT or buggy < MIN_BUGGY:
        found.append(f"{samples.relative_to(root)}/: {correct} correct and {buggy} buggy samples; write at least "
                     f"{MIN_CORRECT} correct_*.py and {MIN_BUGGY} bug_*.py")
    used: dict[str, list[str]] = {}
    for path in kata.test_files(root):
        for group, tests in groups_used(path).items():
            used.setdefault(group, []).extend(tests)
    for group, tests in used.items():
        if group not in kata.points:
            found.append(f"katas.toml, kata {kata.name!r}: tests {', '.join(tests)} are in group {group!r}, which "
                         f"has no points; add it to [kata.points] or mark them with a group that has "
                         f"({', '.join(kata.points)})")
    for group in kata.points:
        if group not in used:
            found.append(f"katas.toml, kata {kata.name!r}: points group {group!r} has no tests; mark tests with "
                         f"@pytest.mark.group({group!r}) or remove it")
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the new kata's name: a lower-case identifier, such as rate_limiter")
    parser.add_argument("--kind", required=True, choices=kinds.names())
    parser.add_argument("--title", help="the kata's title (default: from its name)")


def main(args: argparse.Namespace) -> int:
    written = scaffold(args.name, args.kind, title=args.title)
    print(f"new {args.kind} kata {args.name!r}:")
    for path in written:
        print(f"  {path.relative_to(ROOT)}")
    print(f"Replace every {MARKER} (the kata-set checks list what is left: `nox -s tests -- tests/test_scaffold.py`), "
          f"write its samples, then `nox -s audit -- {args.name}` until no mutant survives unexplained.")
    return 0
