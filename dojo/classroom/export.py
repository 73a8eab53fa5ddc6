"""Handing out and collecting an assignment: a student starter repository without answers, and a
Gradescope autograder that grades one submission with the hidden tests through the same grader.

The export is built from an allow-list (never by deleting from a copy), so nothing new in the project can
leak into it by accident; `scan()` then proves it holds no reference, no hidden test and nothing that
imports either.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import tempfile
import textwrap
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

from dojo import manifest
from dojo.manifest import ROOT, Kata

# The package parts the learner's loop needs: the grader, the classroom tools and the authoring tools stay
# behind, and so do the kinds no exported kata uses.
LEARNER_PACKAGE = ("__init__.py", "__main__.py", "manifest.py", "profiles.py", "scoring.py", "testing.py",
                   "worker", "trusted", "learner")
SECRET_MODULES = ("solutions", "bench", "tests")


def _manifest_text(katas: Sequence[Kata]) -> str:
    """The manifest with only the chosen katas, in the original text (comments and order kept)."""
    text = manifest.MANIFEST.read_text(encoding="utf-8")
    head, *entries = text.split("\n[[kata]]\n")
    chosen = {k.name for k in katas}
    kept = [e for e in entries if tomllib.loads("[[kata]]\n" + e)["kata"][0]["name"] in chosen]
    return head + "".join("\n[[kata]]\n" + e for e in kept)


def _noxfile_text() -> str:
    """The noxfile without the sessions tagged "instructor"."""
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and "instructor" in ast.unparse(node.decorator_list):
            cut.append((node.decorator_list[0].lineno - 1, node.end_lineno or node.lineno))
    for start, end in reversed(cut):
        del lines[start:end]
    return "".join(lines).rstrip() + "\n"


def _readme(katas: Sequence[Kata], title: str) -> str:
    rows = "\n".join(
        f"| {k.order + 1} | `{k.name}` | {k.title} | {k.difficulty} | "
        + ", ".join(f"{group} {points:g}" for group, points in k.points.items()) + f" (of {k.max_points:g}) |"
        for k in katas)
    first = katas[0].name
    return textwrap.dedent(f"""\
        # {title}

        Your assignment: {len(katas)} kata{'s' if len(katas) != 1 else ''}. Each one is a file in `katas/`
        whose docstring is the prompt; replace each `raise NotImplementedError` with your code.

        ## Start

        ```sh
        python3 -m pip install 'nox[uv]' && nox -s kata -- {first}
        ```

        | command | what it does |
        | --- | --- |
        | `nox -s kata -- NAME` | checks your code against the kata's public tests |
        | `nox -s watch -- NAME` | reruns them each time you save the file |
        | `nox -s hint -- NAME` | shows the next hint (a nudge first, never the answer) |
        | `nox -s progress` | every kata's status, and which to do next |

        ## What is graded, and how

        | # | kata | title | difficulty | points |
        | --- | --- | --- | --- | --- |
        {rows}

        The public tests in `checks/public/` are a few readable examples. When your work is graded, hidden
        tests check the whole contract stated in each prompt with many generated inputs, so passing the public
        tests is a start, not a guarantee: `nox -s kata` says "public tests passed; hidden tests run when your
        work is graded". Your points per group are the share of that group's tests you pass. Every push runs
        the public tests on GitHub Actions (`.github/workflows/katas.yml`): see the job summary.
        """)


def _workflow(katas: Sequence[Kata]) -> str:
    names = " ".join(k.name for k in katas)
    return textwrap.dedent(f"""\
        # Runs the public tests of every kata on each push: a table of kata, status and points in the job
        # summary, and a JUnit XML report as an artifact. Plain GitHub Actions, no Classroom-specific parts.
        name: katas
        on:
          push:
          pull_request:
          workflow_dispatch:
        jobs:
          katas:
            runs-on: ubuntu-latest
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
                  name: katas-junit
                  path: katas-junit.xml
        """)


def export(out: Path, katas: Sequence[Kata], title: str) -> Path:
    """Write the student repository into `out` (which must not exist or be empty)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; choose a new folder for the export")
    (out / "katas").mkdir(parents=True)
    (out / "checks" / "public").mkdir(parents=True)
    (out / "dojo").mkdir()
    for kata in katas:
        shutil.copy(kata.stub(), out / "katas" / f"{kata.name}.py")
        shutil.copy(kata.public_tests(), out / "checks" / "public" / f"test_{kata.name}.py")
    package = ROOT / "dojo"
    used = sorted({kata.kind for kata in katas})
    for name in (*LEARNER_PACKAGE, "kinds/__init__.py", *(f"kinds/{kind}" for kind in used)):
        if (package / name).is_dir():
            skipped = shutil.ignore_patterns("__pycache__", "templates")  # templates are for authors of katas
            shutil.copytree(package / name, out / "dojo" / name, ignore=skipped)
        else:
            (out / "dojo" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(package / name, out / "dojo" / name)
    for name in ("conftest.py", "pyproject.toml", ".gitignore"):
        shutil.copy(ROOT / name, out / name)
    (out / "katas.toml").write_text(_manifest_text(katas), encoding="utf-8")
    (out / "noxfile.py").write_text(_noxfile_text(), encoding="utf-8")
    (out / "README.md").write_text(_readme(katas, title), encoding="utf-8")
    (out / ".github" / "workflows").mkdir(parents=True)
    (out / ".github" / "workflows" / "katas.yml").write_text(_workflow(katas), encoding="utf-8")
    problems = scan(out)
    if problems:
        raise RuntimeError("the export would leak: " + "; ".join(problems))
    return out


def scan(folder: Path) -> list[str]:
    """What in `folder` gives answers away: reference files, hidden tests, imports of either, or a
    reference's code copied anywhere."""
    problems = []
    if (folder / "solutions").exists():
        problems.append("a solutions/ folder")
    if (folder / "checks" / "hidden").exists():
        problems.append("a checks/hidden/ folder")
    references = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "solutions").glob("*.py")}
    # Lines distinctive enough that finding one means a reference was copied (not `import threading`).
    public = {line.strip() for stub in (ROOT / "katas").glob("*.py") for line in stub.read_text("utf-8").splitlines()}
    telltales = {line.strip() for text in references.values() for line in text.splitlines()
                 if len(line.strip()) > 40 and not line.strip().startswith(("def ", "class ", '"""', "#"))} - public
    for path in folder.rglob("*"):
        if not path.is_file() or ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text)):
                modules = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                           else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                for module in modules:
                    if module.split(".")[0] in SECRET_MODULES or "hidden" in module:
                        problems.append(f"{path.relative_to(folder)} imports {module}")
        if path.name.startswith("test_") and "hidden" in path.parts:
            problems.append(f"{path.relative_to(folder)} is a hidden test")
        for line in telltales:
            if line in text:
                problems.append(f"{path.relative_to(folder)} contains a line of a reference solution: {line!r}")
                break
    return problems


def gradescope(zip_path: Path, katas: Sequence[Kata]) -> Path:
    """An autograder zip: setup.sh installs the dependencies, run_autograder grades /autograder/submission
    (AUTOGRADER_ROOT moves the root) with the hidden tests and writes results/results.json."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "source"
        ignore = shutil.ignore_patterns(".git", ".nox", ".venv", "__pycache__", ".hypothesis", ".pytest_cache",
                                        "solutions", "samples", "grades", ".dojo-state.json")
        shutil.copytree(ROOT, source, ignore=ignore)
        (source / "katas.toml").write_text(_manifest_text(katas), encoding="utf-8")
        dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
        (source / "requirements.txt").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
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
        student, public = grader.grade_folder("submission", root / "submission", options)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").write_text(json.dumps(report.gradescope_results(student, public), indent=1),
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
              "starter repository.")
    else:
        gradescope(args.out, katas)
        print(f"wrote {args.out}: upload it as the Gradescope autograder (setup.sh, run_autograder, source/).")
    return 0
