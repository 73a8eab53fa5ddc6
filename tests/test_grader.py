"""The grader against a hostile cohort: every attack scores 0 on the kata it attacks, the honest students
beside it get their full points, nothing outlives the run, and the same cohort always gets the same
gradebook, byte for byte."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from dojo.grading.grader import student_key
from dojo.manifest import ROOT

REFERENCE = (ROOT / "solutions" / "palindrome.py").read_text(encoding="utf-8")
UNSOLVED = "raise RuntimeError('not solved')"
WRONG = f"def is_palindrome(text):\n    {UNSOLVED}\n"

# Each attack is a palindrome.py whose honest answer scores 0: a point it gets is a point the attack won.
ATTACKS = {
    "exit-at-import": "import sys\nsys.exit(0)\n",
    "os-exit-at-import": "import os\nos._exit(0)\n",
    "os-exit-in-call": "import os\ndef is_palindrome(text):\n    os._exit(0)\n",
    "endless-loop": "def is_palindrome(text):\n    while True:\n        pass\n",
    "loop-catching-base-exception": textwrap.dedent("""\
        def is_palindrome(text):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        """),
    "never-ending-thread": textwrap.dedent("""\
        import threading, time
        def spin():
            while True:
                time.sleep(0.01)
        threading.Thread(target=spin).start()
        def is_palindrome(text):
            raise RuntimeError("not solved")
        """),
    "sleeps": "import time\ndef is_palindrome(text):\n    time.sleep(3600)\n",
    "memory-grab": textwrap.dedent("""\
        def is_palindrome(text):
            hoard = []
            while True:
                hoard.append(bytearray(2**26))
        """),
    "child-process-left-behind": textwrap.dedent("""\
        import os, time
        if os.fork() == 0:
            os.setsid()
            while True:
                time.sleep(1)
        def is_palindrome(text):
            raise RuntimeError("not solved")
        """),
    "fake-pytest-summary": textwrap.dedent("""\
        print("==== 13 passed in 0.01s ====")
        def is_palindrome(text):
            print("13 passed, 0 failed")
            raise RuntimeError("not solved")
        """),
    "imports-the-reference": "from solutions.palindrome import is_palindrome\n",
    "reads-the-reference-by-path": textwrap.dedent(f"""\
        source = open({str(ROOT / 'solutions' / 'palindrome.py')!r}).read()
        exec(source)
        """),
    "always-equal": textwrap.dedent("""\
        class Yes:
            def __eq__(self, other):
                return True
            def __bool__(self):
                return True
            __hash__ = object.__hash__
        def is_palindrome(text):
            return Yes()
        """),
    "changes-hypothesis-settings": textwrap.dedent("""\
        from hypothesis import settings
        settings.register_profile("grading", max_examples=1)
        settings.load_profile("grading")
        def is_palindrome(text):
            raise RuntimeError("not solved")
        """),
    "patches-pytest-and-builtins": textwrap.dedent("""\
        import builtins, pytest
        pytest.fail = lambda *a, **k: None
        builtins.AssertionError = type("Nope", (Exception,), {})
        builtins.isinstance = lambda *a: True
        def is_palindrome(text):
            raise RuntimeError("not solved")
        """),
    "output-flood": "def is_palindrome(text):\n    while True:\n        print('x' * 100_000)\n",
    "writes-a-fake-gradebook": textwrap.dedent("""\
        import json, os
        for folder in ["/tmp", os.path.expanduser("~"), "grades", "..", "../..", "/work", "/"]:
            try:
                with open(os.path.join(folder, "gradebook.json"), "w") as f:
                    json.dump({"students": [{"id": "x", "total": 999}]}, f)
            except OSError:
                pass
        def is_palindrome(text):
            raise RuntimeError("not solved")
        """),
}


def run_grader(submissions: Path, out: Path, *extra: str, profile: str = "grading") -> subprocess.CompletedProcess[str]:
    # The grading profile is derandomized: the same code always meets the same examples, so scores repeat.
    return subprocess.run(
        [sys.executable, "-m", "dojo", "grade", str(submissions), "--out", str(out), "--katas", "palindrome",
         "--profile", profile, "--jobs", "2", *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )


def students(out: Path) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in json.loads((out / "gradebook.json").read_text(encoding="utf-8"))["students"]}


def sandboxed_processes() -> list[str]:
    """Processes of the sandbox user, or anything still running from a grader's temporary folders, started from
    this interpreter."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            uid = int((proc / "status").read_text().split("Uid:")[1].split()[0])
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        # Only this interpreter's: other test suites on the machine cage workers too.
        if ((uid == 65534 and os.getuid() == 0) or "kata-grade-" in command) and sys.executable in command:
            found.append(f"{proc.name}: {command[:200]}")
    return found


needs_bubblewrap = pytest.mark.skipif(
    shutil.which("bwrap") is None,
    reason="the grader's cage needs bubblewrap (apt-get install bubblewrap); CI installs it",
)


@pytest.fixture(scope="module")
def hostile_cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    submissions = tmp_path_factory.mktemp("submissions")
    for name, source in ATTACKS.items():
        (submissions / name).mkdir()
        (submissions / name / "palindrome.py").write_text(source, encoding="utf-8")
    honest = submissions / "honest student"
    (honest / "katas").mkdir(parents=True)
    (honest / "katas" / "palindrome.py").write_text(REFERENCE, encoding="utf-8")
    planted = submissions / "planted-conftest"
    planted.mkdir()
    (planted / "palindrome.py").write_text(WRONG, encoding="utf-8")
    (planted / "conftest.py").write_text("def pytest_runtest_makereport(item, call):\n    pass\n", encoding="utf-8")
    (planted / "sitecustomize.py").write_text("import os\nos._exit(0)\n", encoding="utf-8")
    (planted / "hypothesis.py").write_text("raise SystemExit\n", encoding="utf-8")
    (submissions / "symlink-to-system-file").mkdir()
    (submissions / "symlink-to-system-file" / "palindrome.py").symlink_to("/etc/passwd")
    (submissions / "empty").mkdir()
    out = tmp_path_factory.mktemp("grades")
    # Every attack must score 0 and the honest student 10 whatever the examples: the faster ci profile will do.
    return out, run_grader(submissions, out, "--time-limit", "60", profile="ci")


@needs_bubblewrap
def test_the_grader_finishes_a_hostile_cohort(hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, run = hostile_cohort
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "gradebook.json").exists()


@needs_bubblewrap
@pytest.mark.parametrize("attack", [*ATTACKS, "planted-conftest", "symlink-to-system-file", "empty"])
def test_every_attack_scores_zero_on_the_kata_it_attacks(
    hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]], attack: str
) -> None:
    out, _ = hostile_cohort
    graded = students(out)[attack]["katas"]["palindrome"]
    assert graded["score"] == 0, json.dumps(graded, indent=1)[:3000]
    assert graded["status"] != "passed"


@needs_bubblewrap
def test_the_honest_student_beside_them_gets_full_points(
    hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = hostile_cohort
    honest = students(out)["honest student"]
    assert honest["total"] == honest["max"] == 10, json.dumps(honest, indent=1)[:3000]


@needs_bubblewrap
def test_an_empty_folder_and_a_missing_module_still_get_a_row(
    hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = hostile_cohort
    assert students(out)["empty"]["katas"]["palindrome"]["status"] == "missing"
    assert students(out)["symlink-to-system-file"]["katas"]["palindrome"]["status"] == "error"


@needs_bubblewrap
def test_no_process_started_by_the_grader_is_left_alive(
    hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    assert sandboxed_processes() == []


@needs_bubblewrap
def test_nothing_the_students_wrote_replaced_the_gradebook(
    hostile_cohort: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = hostile_cohort
    gradebook = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert {s["id"] for s in gradebook["students"]} >= set(ATTACKS)
    assert all(s["total"] <= s["max"] for s in gradebook["students"])
    assert not Path("/tmp/gradebook.json").exists()


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    submissions = tmp_path_factory.mktemp("small")
    for name, source in {"ada": REFERENCE, "bo": (ROOT / "tests/samples/palindrome/bug_lower.py").read_text(),
                         "syntax-error": "def is_palindrome(text):\n    return text ==\n"}.items():
        (submissions / name).mkdir()
        (submissions / name / "palindrome.py").write_text(source, encoding="utf-8")
    (submissions / "empty").mkdir()
    return submissions


def test_grading_the_same_folder_twice_gives_a_byte_identical_gradebook(small_cohort: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_grader(small_cohort, first).returncode == 0
    assert run_grader(small_cohort, second).returncode == 0
    assert (first / "gradebook.json").read_bytes() == (second / "gradebook.json").read_bytes()
    assert 0 < students(first)["bo"]["total"] < 10


def run_grader_on(submissions: Path, out: Path, katas: list[str], *extra: str,
                  profile: str = "grading") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dojo", "grade", str(submissions), "--out", str(out), "--katas", *katas,
         "--profile", profile, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False,
    )


def test_batches_give_the_gradebook_of_a_process_per_student(tmp_path: Path) -> None:
    """Replayed tests, copies graded once and real runs in one batch give what a process per student and kata
    gives: the same scores, statuses, outcomes and messages, byte for byte."""
    samples = ROOT / "tests" / "samples"
    chosen = {
        "ada": ("palindrome/correct_reversed", "duplicates/correct_min_id"),
        "bo": ("palindrome/correct_reversed", "duplicates/correct_min_id"),  # byte-identical to ada's
        "cy": ("palindrome/bug_lower", "duplicates/bug_ordered_by_first_id"),
        "di": ("palindrome/bug_lower", "duplicates/bug_count_ge_one"),
        "ed": ("palindrome/bug_fold_per_char", "duplicates/correct_text_sql"),
    }
    submissions = tmp_path / "submissions"
    for student, files in chosen.items():
        (submissions / student / "katas").mkdir(parents=True)
        for file in files:
            kata, sample = file.split("/")
            source = (samples / kata / f"{sample}.py").read_text(encoding="utf-8")
            if student == "ed":  # the same answers as another file's, from a file of its own: replayed
                source += "\n# written by ed\n"
            (submissions / student / "katas" / f"{kata}.py").write_text(source, encoding="utf-8")
    (submissions / "fy").mkdir()  # nothing handed in
    shutil.copytree(submissions / "cy", submissions / "gu")
    (submissions / "gu" / "katas" / "duplicates.py").write_text((ROOT / "katas" / "duplicates.py").read_text())
    batches, alone = tmp_path / "batches", tmp_path / "alone"
    katas = ["palindrome", "duplicates"]
    assert run_grader_on(submissions, batches, katas, "--jobs", "2").returncode == 0
    assert run_grader_on(submissions, alone, katas, "--jobs", "2", "--per-student").returncode == 0
    assert (batches / "gradebook.json").read_bytes() == (alone / "gradebook.json").read_bytes()
    graded = students(batches)
    assert graded["ada"]["total"] == graded["bo"]["total"] == 20
    assert 0 < graded["cy"]["total"] < 20


@needs_bubblewrap
def test_a_hostile_student_between_two_honest_ones_in_one_batch_changes_neither(tmp_path: Path) -> None:
    """One trusted process grades all three in turn: what the middle one does (crash, hang, grab memory, leave
    processes behind, run past the time limit) stays in its own row."""
    submissions = tmp_path / "submissions"
    # Attacks that fail fast (the slow ones are in the hostile cohort, which batches grade too) and one that runs
    # out of time.
    fast = ("exit-at-import", "child-process-left-behind", "never-ending-thread")
    middle = {**{name: ATTACKS[name] for name in fast},
              "slow-past-the-time-limit": "import time\ndef is_palindrome(text):\n    time.sleep(4)\n    return True\n"}
    for name, source in middle.items():
        for student, code in ((f"{name}-a-honest", REFERENCE), (f"{name}-b", source), (f"{name}-c-honest", REFERENCE)):
            (submissions / student).mkdir(parents=True)
            (submissions / student / "palindrome.py").write_text(code + f"\n# {student}\n", encoding="utf-8")
    out = tmp_path / "grades"
    run = run_grader_on(submissions, out, ["palindrome"], "--jobs", "1", "--time-limit", "30")
    assert run.returncode == 0, run.stdout + run.stderr
    graded = students(out)
    for name in middle:
        assert graded[f"{name}-a-honest"]["total"] == graded[f"{name}-c-honest"]["total"] == 10, name
        assert graded[f"{name}-b"]["total"] == 0, json.dumps(graded[f"{name}-b"], indent=1)[:2000]
    assert graded["slow-past-the-time-limit-b"]["katas"]["palindrome"]["status"] == "timeout"
    assert sandboxed_processes() == []


def test_two_shards_merged_equal_one_run_over_the_whole_cohort(small_cohort: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nada,Ada L,ada@example.com\nzed,Zed Z,zed@example.com\n", encoding="utf-8")
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    assert run_grader(small_cohort, whole, "--roster", str(roster)).returncode == 0
    shards = [tmp_path / "shard-1", tmp_path / "shard-2"]
    for number, out in enumerate(shards, 1):
        assert run_grader(small_cohort, out, "--roster", str(roster), "--shard", f"{number}/2").returncode == 0
    assert all(students(out) for out in shards), "each shard grades some of the cohort"
    assert set(students(shards[0])).isdisjoint(students(shards[1]))
    run = subprocess.run([sys.executable, "-m", "dojo", "grade", "--merge", *map(str, shards), "--out", str(merged),
                          "--roster", str(roster)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("gradebook.json", "gradebook.csv"):
        assert (whole / name).read_bytes() == (merged / name).read_bytes(), name
    pages = sorted(p.name for p in (whole / "feedback").iterdir())
    assert pages == sorted(p.name for p in (merged / "feedback").iterdir())
    for page in (whole / "feedback").iterdir():
        assert page.read_bytes() == (merged / "feedback" / page.name).read_bytes(), page.name
    # the report differs only in the time it was written
    def undated(path: Path) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", path.read_text(encoding="utf-8"))

    assert undated(whole / "report.html") == undated(merged / "report.html")


def test_a_shard_that_is_not_i_of_n_is_refused(small_cohort: Path, tmp_path: Path) -> None:
    run = run_grader(small_cohort, tmp_path / "out", "--shard", "3/2")
    assert run.returncode == 2
    assert "expected I/N with 1 <= I <= N" in run.stderr


def test_the_sharded_grading_workflow_parses_and_merges_every_shard() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "grade-shards.yml").read_text(encoding="utf-8"))
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    shards = grade["strategy"]["matrix"]["shard"]
    commands = " ".join(step.get("run", "") for step in grade["steps"])
    assert "--shard ${{ matrix.shard }}/" + str(len(shards)) in commands
    assert merge["needs"] == "grade"
    merging = " ".join(step.get("run", "") for step in merge["steps"])
    assert "--merge" in merging
    assert all(f"grades-{n}" in merging for n in shards)


def test_resume_grades_only_the_students_without_a_result(small_cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    assert run_grader(small_cohort, out).returncode == 0
    saved = out / "students" / f"{student_key('ada')}.json"
    saved.write_text(saved.read_text(encoding="utf-8").replace('"score": 10.0', '"score": 7.5'), encoding="utf-8")
    shutil.copytree(small_cohort / "bo", small_cohort / "cy")
    assert run_grader(small_cohort, out, "--resume").returncode == 0
    graded = students(out)
    assert graded["ada"]["katas"]["palindrome"]["score"] == 7.5  # kept, not graded again
    assert graded["cy"]["total"] == graded["bo"]["total"]
    shutil.rmtree(small_cohort / "cy")


CANVAS_EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (4211),Current Score
    Points Possible,,,,,10.00,(read only)
"Lovelace, Ada",101,S101,ada,Section A,,
"Diddley, Bo",102,BO,bo.diddley,Section A,,
"Nobody, Ned",103,S103,ned,Section B,,
"""


@pytest.fixture(scope="module")
def graded_class(small_cohort: Path, tmp_path_factory: pytest.TempPathFactory,
                 ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The small cohort graded with a roster (names), a Canvas gradebook export, a title and Gradescope files."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "roster.csv").write_text("id,name,email\nada,Ada L,ada@example.com\nzed,Zed Z,zed@example.com\n",
                                       encoding="utf-8")
    (folder / "canvas.csv").write_text("\ufeff" + CANVAS_EXPORT, encoding="utf-8")
    out = folder / "grades"
    run = run_grader(small_cohort, out, "--roster", str(folder / "roster.csv"), "--results-json",
                     "--canvas", str(folder / "canvas.csv"), "--title", "Week 1")
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run


def test_the_roster_names_students_and_lists_those_with_no_folder(
    graded_class: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = graded_class
    assert students(out)["zed"]["katas"]["palindrome"]["status"] == "missing"
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8")))}
    assert rows["ada"] == ["Ada L", "ada@example.com", "10", "10", "10"]
    bo_total = students(out)["bo"]["total"]
    bo = f"{round(bo_total, 2):g}"  # the gradebook keeps its precision; people read two decimals
    assert rows["bo"] == ["Diddley, Bo", "", bo, bo, "10"]
    results = json.loads((out / "results" / f"{student_key('bo')}.json").read_text(encoding="utf-8"))
    assert 0 < results["score"] < 10
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
    feedback = (out / "feedback" / f"{student_key('bo')}.md").read_text(encoding="utf-8")
    assert "folds sharp s to ss" in feedback
    assert "Called is_palindrome('ßSS')" in feedback  # public test: its message is shown
    assert "Called is_palindrome('µμ')" not in feedback  # hidden test: only its name, in summary mode


def test_the_report_has_the_title_names_statuses_and_a_link_to_each_feedback(
    graded_class: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = graded_class
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Week 1</h1>" in report
    assert "<svg" in report
    assert "http" not in report.replace("http://www.w3.org/2000/svg", "")
    assert "<td>Ada L</td><td>ada</td>" in report
    assert "<td>Diddley, Bo</td><td>bo</td>" in report  # the name Canvas has, when the roster has none
    for student in students(out):
        link = f"feedback/{student_key(student)}.md"
        assert f'<a href="{link}">' in report
        assert (out / link).exists()


def test_a_missing_module_or_a_syntax_error_is_said_once_per_kata(
    graded_class: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = graded_class
    empty = (out / "feedback" / f"{student_key('empty')}.md").read_text(encoding="utf-8")
    assert empty.count("no palindrome.py") == 1
    assert len([line for line in empty.splitlines() if line.strip()]) == 3  # heading, total, the kata's line
    broken = (out / "feedback" / f"{student_key('syntax-error')}.md").read_text(encoding="utf-8")
    assert broken.count("line 2") == 1
    assert "✗" not in broken


def test_the_canvas_csv_has_canvas_layout_and_every_roster_student(
    graded_class: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, _ = graded_class
    rows = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"))))
    bo = f"{round(students(out)['bo']['total'], 2):g}"
    assert rows == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Week 1 (4211)"],
        ["    Points Possible", "", "", "", "", "10"],
        ["Lovelace, Ada", "101", "S101", "ada", "Section A", "10"],
        ["Diddley, Bo", "102", "BO", "bo.diddley", "Section A", bo],  # matched by SIS User ID, any case
        ["Nobody, Ned", "103", "S103", "ned", "Section B", "0"],  # no submission: listed, 0 points
    ]


def test_students_canvas_does_not_know_and_canvas_students_with_no_work_are_listed(
    graded_class: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    out, run = graded_class
    listed = (out / "canvas-unmatched.txt").read_text(encoding="utf-8")
    for student in ("empty", "syntax-error", "zed"):
        assert f"not in the Canvas roster (not in canvas.csv): {student}, 0 of 10" in listed
    assert "in the Canvas roster with no submission (0 in canvas.csv): Nobody, Ned" in listed
    assert listed in run.stdout
