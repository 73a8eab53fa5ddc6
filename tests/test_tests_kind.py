"""The tests kind: a learner's test module is graded by the bugs it catches, and nothing else earns points. The
reference suite catches every bug and never fails the reference; a module that is empty, always fails, or tries
to recognise the reference without testing its answers scores nothing; a half-finished one is told which
requirements its tests leave unprotected."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from dojo import manifest, scoring
from dojo.authoring.audit import run_kata
from dojo.grading import sandbox
from dojo.kinds.tests.testing import Suspect, Verdict, bug_list, bugs, correct, hint, under_test
from dojo.manifest import ROOT
from dojo.scoring import Outcome
from dojo.trusted import results
from dojo.trusted.process import WorkerPool
from dojo.trusted.submissions import Implementation

KATA = manifest.get("palindrome_tests")
SAMPLES = ROOT / "tests" / "samples" / KATA.name
REFERENCE_RUNS = 20


def every_bug() -> list[Suspect]:
    """The hidden bugs and the public ones, as the kata's own test modules list them."""
    spec = importlib.util.spec_from_file_location("public_palindrome_tests", KATA.public_tests())
    if spec is None or spec.loader is None:
        raise ImportError(KATA.public_tests())
    public = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(public)
    return [*bugs(bug_list(KATA), under_test(KATA)), *public.PUBLIC]


BUGS = every_bug()
Grade = Callable[..., Verdict]


@pytest.fixture
def grade(tmp_path: Path) -> Iterator[Grade]:
    pools: list[WorkerPool] = []

    def grade(module: Path | str, correct_runs: Sequence[Suspect] | None = None, caged: bool = False) -> Verdict:
        if isinstance(module, Path):
            shutil.copy(module, tmp_path / f"{KATA.name}.py")
        else:
            (tmp_path / f"{KATA.name}.py").write_text(module, encoding="utf-8")
        cage = sandbox.Sandbox.detect(sandbox.Limits()) if caged else None
        pools.append(WorkerPool(Implementation.parse(str(tmp_path)), cage))
        return Verdict(pools[-1], KATA, BUGS, correct_runs)

    yield grade
    for pool in pools:
        pool.close()


def score(verdict: Verdict) -> float:
    """The kata's points for the verdict, by the manifest's groups, as the grader counts them."""
    if verdict.trouble is not None:
        return 0.0
    return scoring.points(KATA.points, [(bug.group, bug.name in verdict.caught) for bug in BUGS])


def test_there_are_at_least_fifteen_distinct_bugs_each_described_for_learners() -> None:
    assert len({bug.source for bug in BUGS}) == len(BUGS) >= 15
    assert all(bug.breaks and bug.group in KATA.points for bug in BUGS)


def test_the_reference_suite_catches_every_bug_and_passes_the_reference_every_run(grade: Grade) -> None:
    reference = correct(under_test(KATA))[0]
    verdict = grade(KATA.reference(), [reference] * REFERENCE_RUNS)
    assert verdict.false_alarms == {}, f"the reference suite failed the reference: {verdict.false_alarms}"
    assert sorted(verdict.caught) == sorted(bug.name for bug in BUGS)
    assert score(verdict) == KATA.max_points


def test_an_empty_module_scores_nothing(grade: Grade) -> None:
    verdict = grade('"""No tests yet."""\n')
    assert score(verdict) == 0
    assert "does not define test_a_word_that_reads_the_same_backwards_is_a_palindrome" in str(verdict.trouble)


def test_a_module_whose_tests_always_fail_scores_nothing_and_each_test_is_a_false_alarm(grade: Grade) -> None:
    verdict = grade(SAMPLES / "bug_always_fails.py")
    assert score(verdict) == 0
    assert set(verdict.false_alarms) == {"test_a_word_that_reads_the_same_backwards_is_a_palindrome",
                                         "test_everything_is_a_bug"}


def test_a_module_that_tries_to_recognise_the_reference_scores_nothing(grade: Grade) -> None:
    # Its source, file, module, the stack, module state: all the same in every run (a first call's cost too: the
    # grader's test below).
    verdict = grade(SAMPLES / "bug_detects_the_reference.py")
    assert verdict.caught == {}
    assert score(verdict) == 0


@pytest.mark.skipif(sandbox.mechanism() != "bwrap", reason="needs bubblewrap, the grader's cage")
def test_in_the_cage_no_run_leaves_anything_for_the_next(grade: Grade) -> None:
    # Counting runs in files: were the reference met first, every later run would fail here, bugs included. In
    # the cage every worker has its own /tmp and HOME, so each run is the first.
    verdict = grade(
        "import os\nimport tempfile\n\n\n"
        "def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):\n"
        "    is_palindrome('1a2')\n"
        "    runs = 0\n"
        "    for folder in (tempfile.gettempdir(), os.path.expanduser('~')):\n"
        "        path = os.path.join(folder, 'runs')\n"
        "        runs += os.path.exists(path)\n"
        "        with open(path, 'a') as file:\n"
        "            file.write('one more')\n"
        "    assert runs == 0\n", caged=True)
    assert verdict.false_alarms == {}
    assert verdict.caught == {}


def test_a_half_finished_module_is_told_which_requirements_its_tests_do_not_protect_yet(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "bug_only_type_checks.py", tmp_path / f"{KATA.name}.py")
    result = run_kata(KATA, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "✓ refuses what is not a str (raises ValueError instead of TypeError for what is not a str) [types]" in out
    assert ("✗ folds case as the contract says (lower-cases instead of case folding, so sharp s does not match ss) "
            "[folding]") in out
    assert "None of your tests fails on an implementation that keeps only ASCII letters and digits." in out
    assert "palindrome_tests: 5 of 24 requirements met." in out


def test_a_hint_names_an_input_on_which_a_surviving_bug_goes_wrong_never_its_code() -> None:
    bug = next(bug for bug in BUGS if bug.name == "bug_isalpha")
    nodeid = f"checks/hidden/test_palindrome_tests.py::test_keeps_exactly_the_letters_and_digits[{bug.breaks}]"
    survived = results.TestResult(nodeid, KATA.name, bug.group, "keeps exactly the letters and digits", Outcome.FAILED)
    text = hint(KATA, [survived])
    assert "is_palindrome('1a2')" in text
    assert bug.breaks in text
    assert bug.source not in text
    assert hint(KATA, [replace(survived, outcome=Outcome.PASSED)]) == ""


def test_the_grader_grades_each_student_of_a_batch_on_their_own_tests(tmp_path: Path) -> None:
    # One batch, the reference suite first: the student after it is graded on a verdict of their own, never
    # replayed the earlier one (no request reaches the pool's worker once a verdict is made). Their only test
    # takes a quick first call for the sign of a bug: every run's first call costs the same, so it scores nothing.
    for student, module in (("ada", KATA.reference()), ("bob", SAMPLES / "bug_times_the_first_call.py")):
        (tmp_path / "cohort" / student).mkdir(parents=True)
        shutil.copy(module, tmp_path / "cohort" / student / f"{KATA.name}.py")
    graded = subprocess.run(
        [sys.executable, "-m", "dojo", "grade", str(tmp_path / "cohort"), "--out", str(tmp_path / "grades"),
         "--katas", KATA.name, "--jobs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    gradebook = json.loads((tmp_path / "grades" / "gradebook.json").read_text(encoding="utf-8"))
    assert {s["id"]: s["total"] for s in gradebook["students"]} == {"ada": KATA.max_points, "bob": 0}
