"""Cohort grading: every student's kata modules, each in a trusted test process whose worker is caged,
scored from what the trusted side observed, written per student as soon as a student is done.

Layout of --out: `students/<key>.json` (one per student, the resume point), `gradebook.json`,
`gradebook.csv`, `feedback/<key>.md`, `report.html`, `metadata.json` (dates and versions, the only
timing-dependent file), and with --results-json `results/<key>.json` in Gradescope's format.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dojo import manifest
from dojo.grading import report, sandbox
from dojo.manifest import ROOT, Kata
from dojo.scoring import Gradebook, KataGrade, Outcome, StudentGrade, TestGrade, points
from dojo.trusted.submissions import read_module


def student_key(student_id: str) -> str:
    """A file name for any student id: readable where it can be, unique always."""
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", student_id)[:40].strip("._") or "student"
    return f"{readable}-{hashlib.sha256(student_id.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"


@dataclass
class Options:
    submissions: Path
    out: Path
    katas: list[Kata]
    jobs: int
    resume: bool = False
    roster: Path | None = None
    feedback: str = "summary"
    results_json: bool = False
    profile: str = "grading"
    time_limit: float | None = None
    memory_mb: int | None = None


def expected_tests(kata: Kata, options: Options, work: Path) -> list[dict[str, Any]]:
    """The test ids every student is graded on, collected once per kata without running anything."""
    results = work / f"expected-{kata.name}.json"
    command = [*_pytest_command(kata, options, work), "--collect-only", f"--kata-results={results}"]
    subprocess.run(command, cwd=work, capture_output=True, timeout=300, check=False)
    if not results.exists():
        raise RuntimeError(f"could not collect the tests of kata {kata.name!r}")
    return json.loads(results.read_text(encoding="utf-8"))["results"]


def _pytest_command(kata: Kata, options: Options, implementation: Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", *map(str, kata.test_files()), f"--rootdir={ROOT}",
               "-c", str(ROOT / "pyproject.toml"), f"--kata-impl={implementation}", "--kata-sandbox",
               f"--kata-profile={options.profile}", "-p", "no:cacheprovider", "-q", "--no-header"]
    if options.memory_mb:
        command.append(f"--kata-memory-mb={options.memory_mb}")
    if options.time_limit:
        command.append(f"--kata-cpu-seconds={int(options.time_limit)}")
    return command


def grade_kata(kata: Kata, folder: Path, expected: list[dict[str, Any]], options: Options) -> KataGrade:
    """One student's one kata: copy the module alone into a private folder, run the trusted tests there,
    and score what they recorded. Tests with no record count as failed."""
    source, where = read_module(folder, kata)
    tests = [{"name": t["requirement"], "id": t["nodeid"], "group": t["group"]} for t in expected]
    if source is None:
        return _scored(kata, Outcome.MISSING if where.startswith("no ") else Outcome.ERROR, tests, {}, where)
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as private:
        (Path(private) / f"{kata.name}.py").write_bytes(source)
        results_file = Path(private) / "results.json"
        limit = options.time_limit or kata.time_limit
        command = [*_pytest_command(kata, options, Path(private)), f"--kata-results={results_file}"]
        timed_out = _run_with_deadline(command, Path(private), limit)
        recorded = {}
        if results_file.exists():
            recorded = {r["nodeid"]: r for r in json.loads(results_file.read_text(encoding="utf-8"))["results"]}
    if timed_out:
        return _scored(kata, Outcome.TIMEOUT, tests, recorded, f"stopped after the time limit of {limit:g} s")
    load_failures = [r for r in recorded.values() if r.get("kind") == "LoadFailure"]
    if load_failures and len(load_failures) == len(recorded):
        return _scored(kata, Outcome.ERROR, tests, recorded, load_failures[0]["message"])
    return _scored(kata, None, tests, recorded, "")


def _run_with_deadline(command: list[str], cwd: Path, seconds: float) -> bool:
    """Run the trusted test process in its own session; past the deadline, SIGKILL its whole group (the
    caged worker dies with it: bubblewrap's --die-with-parent and the worker's parent-death signal)."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            process.wait(timeout=seconds)
            return False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True


def _scored(kata: Kata, status: Outcome | None, tests: list[dict[str, Any]], recorded: dict[str, dict[str, Any]],
            note: str) -> KataGrade:
    rows: list[tuple[str, TestGrade]] = []
    for test in tests:
        result = recorded.get(test["id"])
        if result is None:
            outcome = Outcome.TIMEOUT if status == Outcome.TIMEOUT else Outcome.FAILED
            message = note or "no result was recorded"
        else:
            outcome = Outcome(result["outcome"])
            if outcome in (Outcome.NOT_STARTED, Outcome.PENDING):
                outcome = Outcome.FAILED
            message = result["message"] if outcome != Outcome.PASSED else ""
        rows.append((test["group"], TestGrade(test["name"], outcome, message[:4000])))
    passed = [(group, row.outcome == Outcome.PASSED) for group, row in rows]
    score = points(kata.points, passed)
    if status is None:
        status = Outcome.PASSED if rows and all(ok for _, ok in passed) else Outcome.FAILED
    if status in (Outcome.MISSING, Outcome.ERROR, Outcome.TIMEOUT) and not any(ok for _, ok in passed):
        score = 0.0
    return KataGrade(round(score, 4), kata.max_points, status, [row for _, row in rows], note)


def grade_folder(student_id: str, folder: Path, options: Options) -> tuple[StudentGrade, report.Public]:
    """One student's folder, every kata of `options`: the student's grades and the public test names."""
    with tempfile.TemporaryDirectory(prefix="kata-grader-") as work:
        expected = {kata.name: expected_tests(kata, options, Path(work)) for kata in options.katas}
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        graded = dict(zip(expected, pool.map(lambda k: grade_kata(k, folder, expected[k.name], options),
                                             options.katas), strict=True))
    return StudentGrade(student_id, graded), public_names(expected)


def public_names(expected: dict[str, list[dict[str, Any]]]) -> report.Public:
    return {name: {t["requirement"] for t in tests if "/public/" in t["nodeid"]} for name, tests in expected.items()}


def discover(submissions: Path) -> list[tuple[str, Path]]:
    """Every student folder (the name is the id); anything that is not a folder is not a student."""
    found = []
    for entry in sorted(submissions.iterdir(), key=lambda p: p.name):
        if entry.is_dir() and not entry.is_symlink():
            found.append((entry.name, entry))
    return found


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    if not rows or "id" not in rows[0]:
        raise ValueError(f"{path}: the roster needs a header row with an 'id' column (and name, email)")
    return {row["id"]: {k: v for k, v in row.items() if k != "id" and v} for row in rows}


def grade(options: Options, progress: Callable[[int, int], None] | None = None) -> Gradebook:
    """Grade the cohort into options.out; return the gradebook."""
    out = options.out
    (out / "students").mkdir(parents=True, exist_ok=True)
    roster = read_roster(options.roster) if options.roster else {}
    students = discover(options.submissions)
    names = {kata.name for kata in options.katas}
    todo = []
    for student_id, folder in students:
        saved = out / "students" / f"{student_key(student_id)}.json"
        if options.resume and saved.exists():
            previous = json.loads(saved.read_text(encoding="utf-8"))
            if names <= set(previous["katas"]):
                continue
        todo.append((student_id, folder))
    with tempfile.TemporaryDirectory(prefix="kata-grader-") as work:
        expected = {kata.name: expected_tests(kata, options, Path(work)) for kata in options.katas}
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            futures = {pool.submit(grade_kata, kata, folder, expected[kata.name], options): (student_id, kata)
                       for student_id, folder in todo for kata in options.katas}
            pending: dict[str, dict[str, KataGrade]] = {}
            remaining = {sid: len(options.katas) for sid, _ in todo}
            for future in as_completed(futures):
                student_id, kata = futures[future]
                pending.setdefault(student_id, {})[kata.name] = future.result()
                remaining[student_id] -= 1
                if remaining[student_id] == 0:  # a whole student: write it now, so an interruption loses nothing
                    graded = pending.pop(student_id)
                    _write_json(out / "students" / f"{student_key(student_id)}.json",
                                {"id": student_id, "katas": {n: k.to_json() for n, k in graded.items()}})
                done += 1
                if progress:
                    progress(done, len(futures))
        public = public_names(expected)
    gradebook = assemble(options, [sid for sid, _ in students], roster)
    write_outputs(options, gradebook, roster, public)
    return gradebook


def assemble(options: Options, student_ids: Iterable[str], roster: dict[str, dict[str, str]]) -> Gradebook:
    students = []
    for student_id in sorted(set(student_ids) | set(roster)):
        saved = options.out / "students" / f"{student_key(student_id)}.json"
        graded = json.loads(saved.read_text(encoding="utf-8"))["katas"] if saved.exists() else {}
        katas = {kata.name: KataGrade.from_json(graded[kata.name]) if kata.name in graded
                 else _scored(kata, Outcome.MISSING, [], {}, "no folder for this student") for kata in options.katas}
        students.append(StudentGrade(student_id, katas))
    return Gradebook({kata.name: kata.max_points for kata in options.katas}, students)


def _write_json(path: Path, payload: Any) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def write_outputs(options: Options, gradebook: Gradebook, roster: dict[str, dict[str, str]],
                  public: report.Public) -> None:
    out = options.out
    _write_json(out / "gradebook.json", gradebook.to_json())
    with (out / "gradebook.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name", "email", *gradebook.katas, "total", "max"])
        for student in gradebook.students:
            person = roster.get(student.id, {})
            writer.writerow([student.id, person.get("name", ""), person.get("email", ""),
                             *(student.katas[n].score for n in gradebook.katas), student.total, student.max])
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for student in gradebook.students:
        key = student_key(student.id)
        (feedback / f"{key}.md").write_text(report.feedback(student, public, options.feedback), encoding="utf-8")
        if options.results_json:
            (out / "results").mkdir(exist_ok=True)
            _write_json(out / "results" / f"{key}.json", report.gradescope_results(student, public))
    (out / "report.html").write_text(report.html(gradebook, roster), encoding="utf-8")
    _write_json(out / "metadata.json", {
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "python": sys.version.split()[0],
        "profile": options.profile, "katas": [k.name for k in options.katas], "jobs": options.jobs,
        "students": {s.id: student_key(s.id) for s in gradebook.students},
    })


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, help="one folder per student; the folder name is the id")
    parser.add_argument("--out", type=Path, default=Path("grades"))
    parser.add_argument("--katas", nargs="+", metavar="NAME", help="grade only these katas")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--resume", action="store_true", help="grade only students with no saved result")
    parser.add_argument("--roster", type=Path, help="CSV with id, name, email")
    parser.add_argument("--feedback", choices=("summary", "full"), default="summary")
    parser.add_argument("--results-json", action="store_true", help="also write Gradescope results per student")
    parser.add_argument("--time-limit", type=float, help="seconds per kata (default: the manifest's)")
    parser.add_argument("--memory-mb", type=int, help="memory per worker (default: the manifest's)")
    parser.add_argument("--profile", default="grading", help=argparse.SUPPRESS)  # for the grader's own tests


def main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder of student folders")
    katas = [manifest.get(name) for name in args.katas] if args.katas else list(manifest.load())
    options = Options(args.submissions, args.out, katas, args.jobs, args.resume, args.roster, args.feedback,
                      args.results_json, args.profile, args.time_limit, args.memory_mb)
    cage = sandbox.mechanism()
    if cage != "bwrap":
        weaker = ("network and PID namespaces only, same uid, files visible" if cage == "unshare"
                  else "resource limits only: no network or filesystem isolation")
        print(f"warning: bubblewrap is not installed, so student code runs with {weaker}. "
              "Install it (apt-get install bubblewrap) before grading untrusted work.", file=sys.stderr)
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("grading", total=None)
        gradebook = grade(options, lambda done, total: bar.update(task, completed=done, total=total))
    students = gradebook.students
    mean = sum(s.total for s in students) / len(students) if students else 0.0
    print(f"graded {len(students)} students on {len(katas)} katas; mean {mean:.2f} of "
          f"{students[0].max if students else 0:g}; report: {args.out / 'report.html'}")
    return 0
