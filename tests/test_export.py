"""Handing out an assignment: the student export gives nothing away (its stubs come from the committed tree,
and a reference is recognised by its code wherever it is), works on its own, renders on GitHub, installs
only what its katas need, opens in a dev container, runs on three systems, and is a Classroom 50
autograder; the Gradescope autograder carries only the chosen katas and its points add up."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from dojo import manifest
from dojo.classroom.export import ExportError, export, extras, gradescope, scan
from dojo.manifest import ROOT

CORE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]

KATAS = list(manifest.load())
PALINDROME = manifest.get("palindrome")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=Instructor", "-c", "user.email=i@example.com",
                    *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project as it is now, committed in a repository of its own: the export reads committed stubs, and
    a kata being written (not committed yet) is part of the project these tests check."""
    copy = tmp_path_factory.mktemp("project") / "dojo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".nox", ".venv", "__pycache__", ".hypothesis",
                                                               ".*_cache", ".dojo-*", "grades"))
    git(copy, "init", "--quiet")
    git(copy, "add", "--all")
    git(copy, "commit", "--quiet", "--message", "the project as it is")
    return copy


@pytest.fixture(scope="module")
def exported(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("export") / "repo", KATAS, "Spring cohort", root=project)


@pytest.fixture(scope="module")
def small_export(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two pure-Python katas, given out of manifest order on purpose."""
    return export(tmp_path_factory.mktemp("small") / "repo", [manifest.get("counter"), PALINDROME], "Week 1",
                  root=project)


def dojo_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dojo", *args], cwd=folder, capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture
def clone(project: Path, tmp_path: Path) -> Path:
    """A clone of the project's repository, for an instructor to change."""
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", project.as_uri(), str(target)], check=True, capture_output=True,
                   timeout=300)
    return target


def test_the_export_holds_no_reference_no_hidden_test_and_nothing_that_imports_them(exported: Path) -> None:
    assert scan(exported) == []
    assert not (exported / "solutions").exists()
    assert not (exported / "checks" / "hidden").exists()
    assert not (exported / "tests").exists()
    assert {p.name for p in (exported / "dojo").iterdir()}.isdisjoint({"grading", "classroom", "authoring"})


def test_the_scan_finds_reference_and_hidden_test_code_whatever_its_name_and_place(exported: Path,
                                                                                  tmp_path: Path) -> None:
    leaky = tmp_path / "leaky"
    shutil.copytree(exported, leaky)
    (leaky / "checks" / "hidden").mkdir()
    # A reference renamed, recommented and with its message reworded is still the reference.
    renamed = (ROOT / "solutions" / "palindrome.py").read_text(encoding="utf-8")
    renamed = renamed.replace("is_palindrome", "check").replace("normalized", "kept").replace("# ", "# note: ")
    (leaky / "katas" / "helper.py").write_text(renamed, encoding="utf-8")
    shutil.copy(ROOT / "solutions" / "counter.py", leaky / "dojo" / "learner" / "shared.py")
    shutil.copy(ROOT / "checks" / "hidden" / "test_palindrome.py", leaky / "checks" / "public" / "test_more.py")
    (leaky / "katas" / "peek.py").write_text("from solutions.counter import Counter\n", encoding="utf-8")
    problems = "\n".join(scan(leaky))
    assert "checks/hidden" in problems
    assert "katas/peek.py imports solutions.counter" in problems
    assert "katas/helper.py: function check is the code of the function is_palindrome of solutions/palindrome.py" \
        in problems
    assert "dojo/learner/shared.py: class Counter is the code of the class Counter of solutions/counter.py" in problems
    assert re.search(r"checks/public/test_more\.py: function \w+ is the code of .* checks/hidden/test_palindrome\.py",
                     problems)


def test_an_export_whose_committed_stub_is_a_reference_is_refused_and_writes_nothing(clone: Path,
                                                                                     tmp_path: Path) -> None:
    shutil.copy(clone / "solutions" / "palindrome.py", clone / "katas" / "palindrome.py")
    git(clone, "commit", "--quiet", "--all", "--message", "solved it")
    out = tmp_path / "week1"
    with pytest.raises(ExportError) as refused:
        export(out, [PALINDROME], "Week 1", root=clone)
    assert "katas/palindrome.py: function is_palindrome is the code of the function is_palindrome of " \
           "solutions/palindrome.py" in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert not out.exists()


def test_a_solved_working_copy_is_not_exported_the_committed_stub_is(clone: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    committed = (clone / "katas" / "palindrome.py").read_bytes()
    shutil.copy(clone / "solutions" / "palindrome.py", clone / "katas" / "palindrome.py")
    out = export(tmp_path / "week1", [PALINDROME], "Week 1", root=clone)
    assert (out / "katas" / "palindrome.py").read_bytes() == committed
    assert "katas/palindrome.py differs from the committed stub" in capsys.readouterr().err


def test_a_stub_that_was_never_committed_is_refused_by_name(clone: Path, tmp_path: Path) -> None:
    git(clone, "rm", "--quiet", "--cached", "katas/palindrome.py")
    git(clone, "commit", "--quiet", "--message", "stub not committed")
    with pytest.raises(ExportError, match=r"katas/palindrome\.py is not in the committed tree .* commit the stub"):
        export(tmp_path / "week1", [PALINDROME], "Week 1", root=clone)


def test_export_refuses_from_the_command_line_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x", encoding="utf-8")
    run = dojo_in(ROOT, "export", str(tmp_path / "taken"), "--katas", "palindrome")
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: {tmp_path / 'taken'} is not empty; choose a new folder for the export"


def test_an_untouched_export_is_not_started_and_a_solved_one_says_hidden_tests_come_later(
    small_export: Path, tmp_path: Path
) -> None:
    fresh = dojo_in(small_export, "kata", "palindrome")
    assert fresh.returncode == 1
    assert "palindrome: not started yet: open katas/palindrome.py" in fresh.stdout
    solved = tmp_path / "solved"
    shutil.copytree(small_export, solved)
    shutil.copy(ROOT / "solutions" / "palindrome.py", solved / "katas" / "palindrome.py")
    result = dojo_in(solved, "kata", "palindrome")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public tests pass" in result.stdout
    assert "hidden tests run" in result.stdout
    assert "all tests passed" not in result.stdout.lower()


def test_the_export_noxfile_has_only_the_learner_sessions(exported: Path) -> None:
    text = (exported / "noxfile.py").read_text(encoding="utf-8")
    for session in ("kata", "progress", "hint", "watch", "solution"):
        assert f"def {session}(" in text
    for session in ("solutions", "grade", "tests", "export", "gradescope", "bench", "races"):
        assert f"def {session}(" not in text
    compile(text, "noxfile.py", "exec")
    assert 'nox.options.sessions = ["progress"]' in text


def test_the_readme_renders_as_markdown_with_the_katas_numbered_in_export_order(small_export: Path) -> None:
    text = (small_export / "README.md").read_text(encoding="utf-8")
    page = MarkdownIt("commonmark").enable("table").render(text)
    assert page.startswith("<h1>Week 1</h1>")
    assert page.count("<pre>") == 1  # the install command, and nothing rendered as code by indentation
    assert "nox -s kata -- counter" in page
    numbered = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td><code>(\w+)</code></td>", page)
    assert numbered == [("1", "counter"), ("2", "palindrome")]
    assert "hidden tests stay with your instructor" in text


def test_the_export_needs_only_the_dependencies_of_its_katas_kinds() -> None:
    assert extras([PALINDROME, manifest.get("counter")]) == CORE
    sql = extras([manifest.get("top_salaries")])
    assert "sqlalchemy>=2.0" in sql
    assert "psycopg[binary]>=3.2" in sql
    assert not any(r.startswith(("fastapi", "uvicorn")) for r in sql)
    assert {"fastapi>=0.110", "python-multipart>=0.0.9", "httpx>=0.27", "uvicorn>=0.30"} <= set(
        extras([manifest.get("file_upload")]))


@pytest.mark.skipif(shutil.which("nox") is None, reason="needs nox on PATH (python3 -m pip install 'nox[uv]')")
def test_the_dev_container_command_builds_a_venv_with_only_the_core_for_pure_python_katas(small_export: Path,
                                                                                        tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    shutil.copytree(small_export, folder)
    command = json.loads((folder / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))[
        "postCreateCommand"].split(" && ")[-1]
    run = subprocess.run(command.split(), cwd=folder, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    packages = {p.name.split("-")[0].lower() for p in (folder / ".nox" / "kata").glob("lib/python*/site-packages/*")}
    assert {"pytest", "hypothesis", "rich", "watchfiles"} <= packages
    assert packages.isdisjoint({"sqlalchemy", "fastapi", "uvicorn", "psycopg", "httpx"})


def test_the_dev_container_uses_python_3_11_or_newer_installs_nox_and_builds_the_kata_venv(exported: Path) -> None:
    container = json.loads((exported / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))
    image, tag = container["image"].rsplit(":", 1)
    assert image == "mcr.microsoft.com/devcontainers/python"
    assert tuple(map(int, tag.split("-")[0].split("."))) >= (3, 11)
    steps = container["postCreateCommand"].split(" && ")
    assert steps == ["pipx install 'nox[uv]'", "nox -s kata --install-only"]
    assert "ms-python.python" in container["customizations"]["vscode"]["extensions"]


def test_the_workflow_runs_the_public_tests_of_every_kata_on_three_systems(exported: Path) -> None:
    workflow = yaml.safe_load((exported / ".github" / "workflows" / "katas.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["katas"]
    assert job["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["defaults"]["run"]["shell"] == "bash"  # the same command line on Windows
    steps = job["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    for kata in KATAS:
        assert kata.name in commands
    assert "--junitxml=" in commands
    assert "GITHUB_STEP_SUMMARY" in commands
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads
    assert "${{ matrix.os }}" in uploads[0]["with"]["name"]


# --- Classroom 50 ------------------------------------------------------------------------------------------

CLASSROOM50_ENV = {
    "CLASSROOM": "cs101", "ASSIGNMENT": "week1", "ASSIGNMENT_TYPE": "individual", "USERNAME": "ada",
    "OWNER": "ada", "SUBMISSION_TAG": "submit/20260512T100000Z-abc1234",
    "COMMIT_URL": "https://github.com/school/cs101-week1-ada/commit/abc1234",
    "RELEASE_URL": "https://github.com/school/cs101-week1-ada/releases/tag/submit%2F20260512T100000Z-abc1234",
}


def classroom50_violations(result: dict[str, Any]) -> list[str]:
    """What Classroom 50 would refuse in a result.json. Written from foundation50/classroom50,
    cli/gh-teacher/skeleton/dotgithub/scripts/runner.py, `validate_result` (which mirrors the collector's,
    collect_scores.py), for an individual assignment of the CLASSROOM50_ENV identity."""
    wrong = []
    if result.get("schema") != "classroom50/result/v1":
        wrong.append("schema")
    if result.get("classroom") != CLASSROOM50_ENV["CLASSROOM"] or result.get("assignment") != "week1":
        wrong.append("classroom or assignment")
    if not isinstance(result.get("owner"), str) or not result["owner"]:
        wrong.append("owner")
    if result.get("assignment_type") != "individual":
        wrong.append("assignment_type")
    if not str(result.get("submission", "")).startswith("submit/"):
        wrong.append("submission")
    for field in ("commit", "release", "review", "datetime"):
        if not isinstance(result.get(field), str) or not result[field]:
            wrong.append(field)

    def count(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not (count(result.get("score")) and count(result.get("max-score")) and result["score"] <= result["max-score"]):
        wrong.append("score and max-score")
    if not isinstance(result.get("tests"), list):
        return [*wrong, "tests"]
    for index, test in enumerate(result["tests"]):
        ok = (isinstance(test, dict) and isinstance(test.get("test-name"), str) and test["test-name"]
              and isinstance(test.get("passed"), bool) and count(test.get("score")) and count(test.get("max-score"))
              and test["score"] <= test["max-score"])
        if not ok:
            wrong.append(f"tests[{index}]")
    return wrong


@pytest.fixture(scope="module")
def classroom50_bundle(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export as an instructor copies it to <classroom>/autograders/week1/ of the config repository."""
    bundle = tmp_path_factory.mktemp("pages") / "week1"
    shutil.copytree(small_export, bundle)
    return bundle


def run_classroom50(bundle: Path, checkout: Path) -> dict[str, Any]:
    """What Classroom 50's runner does: run the bundle's autograder.py in the student's checkout."""
    env = {**os.environ, **CLASSROOM50_ENV, "KATA_PYTHON": sys.executable, "CLASSROOM50_BUNDLE_DIR": str(bundle)}
    run = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout, capture_output=True,
                         text=True, timeout=600, check=False, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((checkout / "result.json").read_text(encoding="utf-8"))


def test_the_classroom50_autograder_scores_the_public_tests_under_the_manifest_points(
    classroom50_bundle: Path, small_export: Path, tmp_path: Path
) -> None:
    checkout = tmp_path / "cs101-week1-ada"
    shutil.copytree(small_export, checkout)
    shutil.copy(ROOT / "solutions" / "palindrome.py", checkout / "katas" / "palindrome.py")
    result = run_classroom50(classroom50_bundle, checkout)
    assert classroom50_violations(result) == []
    palindrome = [t for t in result["tests"] if t["test-name"].startswith("palindrome: ")]
    counter = [t for t in result["tests"] if t["test-name"].startswith("counter: ")]
    # In hundredths: each kata's public group is worth 2 points, split over its public tests.
    assert sum(t["max-score"] for t in palindrome) == 200 == sum(t["max-score"] for t in counter)
    assert len(palindrome) == 6
    assert {t["max-score"] for t in palindrome} == {33, 34}
    assert all(t["passed"] and t["score"] == t["max-score"] for t in palindrome)
    assert not any(t["passed"] for t in counter)  # still the stub
    assert result["score"] == 200
    assert result["max-score"] == 400
    assert "the hidden tests run when your instructor grades" in (checkout / "release-body.md").read_text("utf-8")


def test_the_classroom50_autograder_uses_its_own_tests_not_the_students(classroom50_bundle: Path,
                                                                        small_export: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "cs101-week1-bo"
    shutil.copytree(small_export, checkout)
    for test in (checkout / "checks" / "public").glob("test_*.py"):
        test.write_text("def test_everything_passes():\n    pass\n", encoding="utf-8")
    result = run_classroom50(classroom50_bundle, checkout)
    assert classroom50_violations(result) == []
    assert result["score"] == 0
    assert result["max-score"] == 400
    assert len(result["tests"]) == 10


# --- Gradescope --------------------------------------------------------------------------------------------

def test_a_gradescope_zip_refuses_a_kata_it_could_not_grade_and_writes_nothing(tmp_path: Path) -> None:
    tests_kata = manifest.get("palindrome_tests")  # its verdict needs hidden implementations a zip must not carry
    with pytest.raises(ExportError, match=r"palindrome_tests .*nox -s grade"):
        gradescope(tmp_path / "autograder.zip", [PALINDROME, tests_kata])
    assert not (tmp_path / "autograder.zip").exists()


def test_the_gradescope_zip_carries_only_what_the_chosen_katas_need(tmp_path: Path) -> None:
    with zipfile.ZipFile(gradescope(tmp_path / "autograder.zip", [PALINDROME])) as opened:
        names = set(opened.namelist())
        requirements = opened.read("source/requirements.txt").decode().split()
    outside = {name for name in names if not name.startswith("source/dojo/")}
    assert outside == {"setup.sh", "run_autograder", "source/katas.toml", "source/pyproject.toml",
                       "source/conftest.py", "source/requirements.txt", "source/checks/public/test_palindrome.py",
                       "source/checks/hidden/test_palindrome.py"}
    package = {name.split("/")[2] for name in names if name.startswith("source/dojo/")}
    assert {"grading", "classroom", "worker", "trusted", "kinds"} <= package
    assert "authoring" not in package
    assert {name.split("/")[3] for name in names if name.startswith("source/dojo/kinds/")} == {"__init__.py",
                                                                                             "function"}
    assert requirements == CORE


@pytest.mark.parametrize(("sample", "full"), [("correct_two_pointers", True), ("bug_lower", False)])
def test_the_gradescope_autograder_scores_a_submission_and_its_tests_add_up(tmp_path: Path, sample: str,
                                                                           full: bool) -> None:
    archive = gradescope(tmp_path / "autograder.zip", [PALINDROME])
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root)
    (root / "submission").mkdir()
    shutil.copy(ROOT / "tests" / "samples" / "palindrome" / f"{sample}.py", root / "submission" / "palindrome.py")
    run = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=600,
                         check=False, env={**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable})
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    tests = results["tests"]
    for test in tests:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
    visible = [t for t in tests if t["visibility"] == "visible"]
    hidden = [t for t in tests if t["visibility"] == "after_due_date"]
    assert len(visible) == 6
    assert hidden
    # Each test's maximum is its group's points over the group's number of tests.
    assert [t["max_score"] for t in visible] == pytest.approx([2 / 6] * 6)
    assert [t["max_score"] for t in hidden] == pytest.approx([8 / len(hidden)] * len(hidden))
    assert sum(t["max_score"] for t in tests) == pytest.approx(10)
    assert sum(t["score"] for t in tests) == pytest.approx(results["score"], abs=1e-3)
    assert (results["score"] == 10) is full
    assert results["score"] > 0
