"""Handing out and collecting an assignment: a student starter repository without answers, and a
Gradescope autograder that grades one submission with the hidden tests through the same grader.

Both are built from allow-lists (never by deleting from a copy), so nothing new in the project can leak into
them by accident. The stubs come from the committed tree, never from the working copy of `katas/` (where an
instructor may have solved a kata), and `scan()` then proves the export holds no reference and no hidden test,
by content: a function or class whose normalised code is a reference's or a hidden test's is refused wherever
it is and whatever it is called.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from dojo import kinds, manifest
from dojo.manifest import ROOT, Kata

# The package parts the learner's loop needs: the grader, the classroom tools and the authoring tools stay
# behind, and so do the kinds no exported kata uses.
LEARNER_PACKAGE = ("__init__.py", "__main__.py", "manifest.py", "profiles.py", "scoring.py", "testing.py",
                   "worker", "trusted", "learner")
# What grades a submission inside Gradescope: the learner's parts, the grader, and `autograde` (classroom).
GRADER_PACKAGE = (*LEARNER_PACKAGE, "grading", "classroom")
SECRET_MODULES = ("solutions", "bench", "tests")
# A function body smaller than this many syntax nodes (a property returning an attribute, a bare `pass`)
# says nothing about where it came from, so it is not compared.
TELLING_SIZE = 12
DEVCONTAINER_IMAGE = "mcr.microsoft.com/devcontainers/python:3.12"
WORKFLOW_SYSTEMS = ("ubuntu-latest", "macos-latest", "windows-latest")
AUTOGRADER = Path(__file__).with_name("classroom50.py")


class ExportError(ValueError):
    """The export cannot be written as asked; the message says why and what to do."""


# --- what goes in ------------------------------------------------------------------------------------------

def committed_stub(kata: Kata, root: Path = ROOT) -> bytes:
    """The kata's stub as committed (HEAD), never the working copy: an instructor who solved a kata in
    their own clone must not hand the solution out."""
    relative = f"katas/{kata.name}.py"
    try:
        shown = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{relative}"], capture_output=True,
                               check=False)
    except FileNotFoundError:
        raise ExportError("the export reads the stubs from the committed tree, and git is not installed") from None
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(f"{relative} is not in the committed tree of {root} ({reason[-1] if reason else 'git'}): "
                          f"the export ships committed stubs only; commit the stub, then export again")
    return shown.stdout


def extras(katas: Iterable[Kata], root: Path = ROOT) -> list[str]:
    """The requirements the katas' kinds need: the core and each used kind's optional group."""
    return kinds.requirements(katas, tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"])


def _copy_package(root: Path, out: Path, parts: Sequence[str], katas: Sequence[Kata]) -> None:
    """The package parts named, and the kinds the katas use (authors' templates left out)."""
    package = root / "dojo"
    used = sorted({kind for kata in katas for kind in kata.kinds})
    for name in (*parts, "kinds/__init__.py", *(f"kinds/{kind}" for kind in used)):
        if (package / name).is_dir():
            skipped = shutil.ignore_patterns("__pycache__", "templates")  # templates are for authors of katas
            shutil.copytree(package / name, out / "dojo" / name, ignore=skipped)
        else:
            (out / "dojo" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(package / name, out / "dojo" / name)


def _manifest_text(katas: Sequence[Kata], root: Path = ROOT) -> str:
    """The manifest with only the chosen katas, in the original text (comments and order kept)."""
    text = (root / "katas.toml").read_text(encoding="utf-8")
    head, *entries = text.split("\n[[kata]]\n")
    chosen = {k.name for k in katas}
    kept = [e for e in entries if tomllib.loads("[[kata]]\n" + e)["kata"][0]["name"] in chosen]
    return head + "".join("\n[[kata]]\n" + e for e in kept)


def _noxfile_text(root: Path = ROOT) -> str:
    """The noxfile without the sessions tagged "instructor"."""
    source = (root / "noxfile.py").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and "instructor" in ast.unparse(node.decorator_list):
            cut.append((node.decorator_list[0].lineno - 1, node.end_lineno or node.lineno))
    for start, end in reversed(cut):
        del lines[start:end]
    return "".join(lines).rstrip() + "\n"


def _readme(katas: Sequence[Kata], title: str) -> str:
    """The students' README, written line by line so no line is indented (GitHub would render an indented
    line as code). The katas are numbered in the order of the export."""
    first = katas[0].name
    rows = [f"| {number} | `{k.name}` | {k.title} | {k.difficulty} | "
            + ", ".join(f"{group} {points:g}" for group, points in k.points.items()) + f" (of {k.max_points:g}) |"
            for number, k in enumerate(katas, start=1)]
    lines = [
        f"# {title}",
        "",
        f"Your assignment: {len(katas)} kata{'s' if len(katas) != 1 else ''}. Each one is a file in `katas/` whose "
        "docstring is the prompt; replace each `raise NotImplementedError` with your code.",
        "",
        "## Start",
        "",
        "With Python 3.11 or newer, on Linux, macOS or Windows:",
        "",
        "```sh",
        f"python3 -m pip install 'nox[uv]' && nox -s kata -- {first}",
        "```",
        "",
        "Or open the repository in a dev container (Code, then Codespaces, on GitHub; or \"Reopen in Container\" "
        "in VS Code): it installs nox and the katas' environment, so `nox -s kata` runs at once.",
        "",
        "| command | what it does |",
        "| --- | --- |",
        "| `nox -s kata -- NAME` | checks your code against the kata's public tests |",
        "| `nox -s watch -- NAME` | reruns them each time you save the file |",
        "| `nox -s hint -- NAME` | shows the next hint (a nudge first, never the answer) |",
        "| `nox -s progress` | every kata's status, and which to do next |",
        "",
        "## What is graded, and how",
        "",
        "| # | kata | title | difficulty | points |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        "The public tests in `checks/public/` are a few readable examples. When your work is graded, hidden tests "
        "check the whole contract stated in each prompt with many generated inputs, so passing the public tests is "
        "a start, not a guarantee: `nox -s kata` tells you when they pass, and the hidden tests run when your "
        "work is graded. Your points per group are the share of that group's tests you pass.",
        "",
        "Every push runs the public tests on GitHub Actions, on Linux, macOS and Windows "
        "(`.github/workflows/katas.yml`): see the job summary. If your course uses Classroom 50, its score for a "
        "submission (from `autograder.py`) is the public tests' too; the hidden tests stay with your instructor, "
        "who runs them when grading (`nox -s grade`), and that grade is the one that counts.",
        "",
    ]
    return "\n".join(lines)


def _workflow(katas: Sequence[Kata]) -> str:
    names = " ".join(k.name for k in katas)
    systems = ", ".join(WORKFLOW_SYSTEMS)
    return textwrap.dedent(f"""\
        # Runs the public tests of every kata on each push, on Linux, macOS and Windows: a table of kata,
        # status and points in the job summary, and a JUnit XML report per system as an artifact.
        name: katas
        on:
          push:
          pull_request:
          workflow_dispatch:
        jobs:
          katas:
            strategy:
              fail-fast: false
              matrix:
                os: [{systems}]
            runs-on: ${{{{ matrix.os }}}}
            defaults:
              run:
                shell: bash
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.11"
              - name: Install nox
                run: python -m pip install 'nox[uv]'
              - name: Public tests ({names})
                run: nox -s kata -- {names} --junitxml=katas-junit.xml --summary="$GITHUB_STEP_SUMMARY"
              - name: Upload the JUnit report
                if: always()
                uses: actions/upload-artifact@v4
                with:
                  name: katas-junit-${{{{ matrix.os }}}}
                  path: katas-junit.xml
        """)


def _devcontainer(title: str) -> str:
    """A dev container (Codespaces, VS Code) with nox installed and the katas' environment built on create."""
    return json.dumps({
        "name": title,
        "image": DEVCONTAINER_IMAGE,
        "postCreateCommand": "pipx install 'nox[uv]' && nox -s kata --install-only",
        "customizations": {"vscode": {"extensions": ["ms-python.python"]}},
    }, indent=2) + "\n"


def export(out: Path, katas: Sequence[Kata], title: str, root: Path = ROOT) -> Path:
    """Write the student repository for the katas of `root` into `out` (which must not exist or be empty),
    or refuse (ExportError) when it would give an answer away."""
    if out.exists() and any(out.iterdir()):
        raise ExportError(f"{out} is not empty; choose a new folder for the export")
    stubs = {kata.name: committed_stub(kata, root) for kata in katas}
    for kata in katas:
        working = kata.stub(root)
        if working.exists() and working.read_bytes() != stubs[kata.name]:
            print(f"note: {working.relative_to(root)} differs from the committed stub (your own work?); the export "
                  "ships the committed stub", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="kata-export-") as work:
        staged = Path(work) / "export"
        (staged / "katas").mkdir(parents=True)
        (staged / "checks" / "public").mkdir(parents=True)
        for kata in katas:
            (staged / "katas" / f"{kata.name}.py").write_bytes(stubs[kata.name])
            shutil.copy(kata.public_tests(root), staged / "checks" / "public" / f"test_{kata.name}.py")
        _copy_package(root, staged, LEARNER_PACKAGE, katas)
        for name in ("conftest.py", "pyproject.toml", ".gitignore"):
            shutil.copy(root / name, staged / name)
        shutil.copy(AUTOGRADER, staged / "autograder.py")
        (staged / "katas.toml").write_text(_manifest_text(katas, root), encoding="utf-8")
        (staged / "noxfile.py").write_text(_noxfile_text(root), encoding="utf-8")
        (staged / "README.md").write_text(_readme(katas, title), encoding="utf-8")
        (staged / ".github" / "workflows").mkdir(parents=True)
        (staged / ".github" / "workflows" / "katas.yml").write_text(_workflow(katas), encoding="utf-8")
        (staged / ".devcontainer").mkdir()
        (staged / ".devcontainer" / "devcontainer.json").write_text(_devcontainer(title), encoding="utf-8")
        # Scanned before it is moved into place: a refused export leaves nothing behind to push by mistake.
        if problems := scan(staged, root):
            raise ExportError("the export would give answers away, so nothing was written:\n  "
                              + "\n  ".join(problems)
                              + "\nCommit the pristine stubs (git checkout HEAD -- katas/ restores them) and "
                                "keep references and hidden tests out of every exported file.")
        out.mkdir(parents=True, exist_ok=True)
        for entry in staged.iterdir():
            shutil.move(entry, out / entry.name)
    return out


# --- what must not ---------------------------------------------------------------------------------------

class _Anonymised(ast.NodeTransformer):
    """Names of variables and arguments replaced by their order of appearance, text constants emptied,
    docstrings and annotations dropped: what is left is the code's shape, the same after renaming,
    rewording a message, reformatting or recommenting."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"_{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg, node.annotation = self._name(node.arg), None
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str):
            node.value = ""
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
        return super().generic_visit(node)


def fingerprints(source: str) -> dict[str, str]:
    """Each function's and class's body, normalised (see _Anonymised), by a printable name; bodies too small
    to be telling are left out."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = ast.Module(body=node.body, type_ignores=[])
            if sum(1 for _ in ast.walk(body)) < TELLING_SIZE:
                continue
            normalised = _Anonymised().visit(ast.parse(ast.unparse(body)))
            if sum(1 for _ in ast.walk(normalised)) >= TELLING_SIZE:
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                found.setdefault(ast.dump(normalised), f"{kind} {node.name}")
    return found


def _secrets(root: Path) -> dict[str, str]:
    """The fingerprint of every function and class of the references and the hidden tests, and where it
    comes from."""
    secrets: dict[str, str] = {}
    for folder in (root / "solutions", root / "checks" / "hidden"):
        for path in sorted(folder.glob("*.py")):
            for shape, name in fingerprints(path.read_text(encoding="utf-8")).items():
                secrets.setdefault(shape, f"{name} of {path.relative_to(root)}")
    return secrets


def scan(folder: Path, root: Path = ROOT) -> list[str]:
    """What in `folder` gives answers away: reference or hidden-test code (by content, wherever it is and
    whatever it is called), a solutions/ or checks/hidden/ folder, hidden tests, and imports of either."""
    problems = []
    if (folder / "solutions").exists():
        problems.append("a solutions/ folder")
    if (folder / "checks" / "hidden").exists():
        problems.append("a checks/hidden/ folder")
    secrets = _secrets(root)
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        relative = path.relative_to(folder)
        if path.name.startswith("test_") and "hidden" in path.parts:
            problems.append(f"{relative} is a hidden test")
        if path.suffix != ".py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            problems.append(f"{relative} is not valid Python, so it cannot be checked")
            continue
        for node in ast.walk(tree):
            modules = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                       else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for module in modules:
                if module.split(".")[0] in SECRET_MODULES or "hidden" in module:
                    problems.append(f"{relative} imports {module}")
        for shape, name in fingerprints(ast.unparse(tree)).items():
            if shape in secrets:
                problems.append(f"{relative}: {name} is the code of the {secrets[shape]}")
    return problems


# --- Gradescope --------------------------------------------------------------------------------------------

def autogradable(kata: Kata) -> bool:
    """Whether an autograder zip can grade `kata`: every kind it uses says so."""
    return all(kinds.get(name).autograder for name in kata.kinds)


def gradescope(zip_path: Path, katas: Sequence[Kata], root: Path = ROOT) -> Path:
    """An autograder zip: setup.sh installs the dependencies the katas' kinds need, run_autograder grades
    /autograder/submission (AUTOGRADER_ROOT moves the root) with the chosen katas' public and hidden tests
    and writes results/results.json. It carries nothing else: no reference, no other kata's tests, no
    working-tree katas, none of the project's own tests, benchmarks or CI."""
    refused = [f"{k.name} (a {k.kind} kata)" for k in katas if not autogradable(k)]
    if refused:
        raise ExportError(f"a Gradescope autograder cannot grade {', '.join(refused)}: its verdict needs hidden "
                          "implementations a zip must not carry; grade it with `nox -s grade`, or leave it out "
                          "with --katas")
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "source"
        (source / "checks" / "public").mkdir(parents=True)
        (source / "checks" / "hidden").mkdir(parents=True)
        for kata in katas:
            for path in kata.test_files(root):
                shutil.copy(path, source / path.relative_to(root))
        _copy_package(root, source, GRADER_PACKAGE, katas)
        for name in ("conftest.py", "pyproject.toml"):
            shutil.copy(root / name, source / name)
        (source / "katas.toml").write_text(_manifest_text(katas, root), encoding="utf-8")
        (source / "requirements.txt").write_text("\n".join(extras(katas, root)) + "\n", encoding="utf-8")
        scripts = {
            "setup.sh": """\
                #!/usr/bin/env bash
                # Gradescope runs this once when it builds the image.
                set -euo pipefail
                apt-get update -qq && apt-get install -y -qq python3 python3-pip bubblewrap >/dev/null || true
                python3 -m pip install --break-system-packages -r /autograder/source/requirements.txt \\
                    || python3 -m pip install -r /autograder/source/requirements.txt
                """,
            "run_autograder": """\
                #!/usr/bin/env bash
                # Gradescope runs this for each submission; AUTOGRADER_ROOT moves /autograder (for testing).
                set -euo pipefail
                root="${AUTOGRADER_ROOT:-/autograder}"
                cd "$root/source"
                exec "${PYTHON:-python3}" -m dojo autograde "$root"
                """,
        }
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in scripts.items():
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                archive.writestr(info, textwrap.dedent(text))
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, Path("source") / path.relative_to(source))
    return zip_path


def autograde(root: Path) -> int:
    """Inside Gradescope: grade root/submission with every kata of the manifest, write root/results."""
    from dojo.grading import grader, report

    katas = list(manifest.load())
    with tempfile.TemporaryDirectory() as work:
        options = grader.Options(root / "submission", Path(work), katas, jobs=os.cpu_count() or 1)
        student, catalog = grader.grade_folder("submission", root / "submission", options)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").write_text(json.dumps(report.gradescope_results(student, catalog), indent=1),
                                          encoding="utf-8")
    return 0


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("out", type=Path)
    parser.add_argument("--katas", nargs="+", metavar="NAME")
    if command == "export":
        parser.add_argument("--title", default="Kata assignment")


def main(args: argparse.Namespace) -> int:
    katas = [manifest.get(n) for n in args.katas] if args.katas else list(manifest.load())
    katas.sort(key=lambda k: k.order)
    if args.command == "export":
        export(args.out, katas, args.title)
        print(f"wrote {args.out}: {len(katas)} katas, no references, no hidden tests. Push it as the students' "
              "starter repository (for Classroom 50, also copy it to <classroom>/autograders/<assignment>/ of "
              "your classroom's config repository: its autograder.py scores the public tests).")
    else:
        if not args.katas:  # every kata an autograder can grade; the others are named, not silently dropped
            left_out = [k.name for k in katas if not autogradable(k)]
            katas = [k for k in katas if k.name not in left_out]
            if left_out:
                print(f"left out (grade them with `nox -s grade`): {', '.join(left_out)}")
        gradescope(args.out, katas)
        print(f"wrote {args.out}: upload it as the Gradescope autograder (setup.sh, run_autograder, source/).")
    return 0
