"""Handing out an assignment: the student export gives nothing away and works on its own; the CI workflow
names every kata; the Gradescope autograder grades a submission through the same grader."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from dojo import manifest
from dojo.classroom.export import export, gradescope, scan
from dojo.manifest import ROOT

KATAS = list(manifest.load())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("export") / "repo", KATAS, "Spring cohort")


def dojo_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dojo", *args], cwd=folder, capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "NO_COLOR": "1"})


def test_the_export_holds_no_reference_no_hidden_test_and_nothing_that_imports_them(exported: Path) -> None:
    assert scan(exported) == []
    assert not (exported / "solutions").exists()
    assert not (exported / "checks" / "hidden").exists()
    assert not (exported / "tests").exists()
    assert {p.name for p in (exported / "dojo").iterdir()}.isdisjoint({"grading", "classroom", "authoring"})


def test_the_scan_catches_a_leak(exported: Path, tmp_path: Path) -> None:
    leaky = tmp_path / "leaky"
    shutil.copytree(exported, leaky)
    (leaky / "checks" / "hidden").mkdir()
    shutil.copy(ROOT / "solutions" / "palindrome.py", leaky / "katas" / "helper.py")
    (leaky / "katas" / "peek.py").write_text("from solutions.counter import Counter\n", encoding="utf-8")
    problems = " ".join(scan(leaky))
    assert "checks/hidden" in problems
    assert "katas/peek.py imports solutions.counter" in problems
    assert "katas/helper.py contains a line of a reference solution" in problems


def test_an_untouched_export_is_not_started_and_a_solved_one_says_hidden_tests_come_later(
    exported: Path, tmp_path: Path
) -> None:
    fresh = dojo_in(exported, "kata", "palindrome")
    assert fresh.returncode == 1
    assert "palindrome: not started yet: open katas/palindrome.py" in fresh.stdout
    solved = tmp_path / "solved"
    shutil.copytree(exported, solved)
    shutil.copy(ROOT / "solutions" / "palindrome.py", solved / "katas" / "palindrome.py")
    result = dojo_in(solved, "kata", "palindrome")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public tests passed; hidden tests run when your work is graded" in result.stdout
    assert "all tests passed" not in result.stdout.lower()


def test_the_export_noxfile_has_only_the_learner_sessions(exported: Path) -> None:
    text = (exported / "noxfile.py").read_text(encoding="utf-8")
    for session in ("kata", "progress", "hint", "watch", "solution"):
        assert f"def {session}(" in text
    for session in ("solutions", "grade", "tests", "export", "gradescope", "bench", "races"):
        assert f"def {session}(" not in text
    compile(text, "noxfile.py", "exec")
    assert 'nox.options.sessions = ["progress"]' in text


def test_the_workflow_parses_and_names_every_exported_kata(exported: Path) -> None:
    workflow = yaml.safe_load((exported / ".github" / "workflows" / "katas.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["katas"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    for kata in KATAS:
        assert kata.name in commands
    assert "--junitxml=" in commands
    assert "GITHUB_STEP_SUMMARY" in commands
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in steps)
    assert "classroom" not in json.dumps(workflow).lower()


@pytest.mark.parametrize(("sample", "full"), [("correct_two_pointers", True), ("bug_lower", False)])
def test_the_gradescope_autograder_scores_a_submission(tmp_path: Path, sample: str, full: bool) -> None:
    archive = gradescope(tmp_path / "autograder.zip", [manifest.get("palindrome")])
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root)
        assert {"setup.sh", "run_autograder"} <= set(opened.namelist())
        assert not any(name.startswith("source/solutions/") for name in opened.namelist())
    (root / "submission").mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "palindrome" / f"{sample}.py", root / "submission" / "palindrome.py")
    run = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=600,
                         check=False, env={**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable})
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert (results["score"] == 10) is full
    assert results["score"] > 0
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
