"""Cohort grading: every student's kata modules, each in a trusted test process whose worker is caged,
scored from what the trusted side observed, written per student as soon as a student is done.

Layout of --out: `students/<key>.json` (one per student, the resume point), `gradebook.json`,
`gradebook.csv`, `feedback/<key>.md`, `report.html`, `metadata.json` (dates and versions, and each student's
key), with --results-json `results/<key>.json` in Gradescope's format, and with --canvas `canvas.csv` (and
`canvas-unmatched.txt` when a student is in only one of the roster and the cohort).

A student's key is `<readable>-<hash>`: the id with every character outside `A-Za-z0-9._-` replaced, cut to
40 characters, then 10 hex digits of the id's SHA-256. Student ids may contain any character (slashes, dots,
spaces, names that differ only in case or accents), so the readable part alone could escape the folder or
collide; the hash keeps every file name safe and unique.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from dojo import manifest, profiles
from dojo.classroom import canvas
from dojo.grading import batch, report, sandbox
from dojo.manifest import ROOT, Kata
from dojo.scoring import Gradebook, KataGrade, Outcome, StudentGrade, TestGrade, points
from dojo.trusted.submissions import read_module

# Students per batch (one trusted process grades them in turn): big enough that pytest's start is shared,
# small enough that parallel jobs stay busy and a student is written soon after their batches end.
BATCH_SIZE = 50
BATCH_MARGIN = 60.0  # seconds a batch may take beyond its students' limits (its own start, the teardowns)


def student_key(student_id: str) -> str:
    """A file name for any student id: readable where it can be, unique always."""
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", student_id)[:40].strip("._") or "student"
    return f"{readable}-{hashlib.sha256(student_id.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"


@dataclass
class Costs:
    """Seconds each kata's trusted test processes ran, per kata. They wait for their caged workers, so this
    counts the workers too, which CPU accounting cannot: a cage is killed with its worker inside, and a process
    killed in a PID namespace is reaped by no one whose usage the grader can read. On a machine doing nothing
    else, with as many jobs as cores, these seconds add up to about jobs x the elapsed time."""

    seconds: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kata: Kata, seconds: float) -> None:
        with self.lock:  # jobs finish in threads of their own
            self.seconds[kata.name] = self.seconds.get(kata.name, 0.0) + seconds


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
    title: str = "Kata assignment"
    canvas: Path | None = None
    shard: tuple[int, int] | None = None  # (I, N): grade only the I-th of N slices of the cohort
    per_student: bool = False  # a trusted process per student and kata instead of batches
    costs: Costs = field(default_factory=Costs)


def in_shard(student_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether a student belongs to slice I of N: by a hash of the id, so every runner agrees without talking."""
    if shard is None:
        return True
    index, count = shard
    return int(hashlib.sha256(student_id.encode("utf-8", "surrogateescape")).hexdigest(), 16) % count == index - 1


def expected_tests(katas: Sequence[Kata], options: Options, work: Path) -> dict[str, list[dict[str, Any]]]:
    """Per kata, the test ids every student is graded on: collected once, in one process, running nothing."""
    results = work / "expected.json"
    files = [str(path) for kata in katas for path in kata.test_files()]
    command = [*_pytest_command(files, options, work), "--collect-only", f"--kata-results={results}"]
    subprocess.run(command, cwd=work, capture_output=True, timeout=300, check=False)
    if not results.exists():
        raise RuntimeError(f"could not collect the tests of the katas {', '.join(k.name for k in katas)}")
    collected = json.loads(results.read_text(encoding="utf-8"))["results"]
    return {kata.name: [test for test in collected if test["kata"] == kata.name] for kata in katas}


def _pytest_command(files: Sequence[str], options: Options, implementation: Path) -> list[str]:
    return [sys.executable, "-m", "pytest", *files, f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
            f"--kata-impl={implementation}", f"--kata-profile={options.profile}", "-p", "no:cacheprovider", "-q",
            "--no-header", *_cage(options)]


def _cage(options: Options) -> list[str]:
    """The options that cage every graded worker, under the grader's limits where given."""
    cage = ["--kata-sandbox"]
    if options.memory_mb:
        cage.append(f"--kata-memory-mb={options.memory_mb}")
    if options.time_limit:
        cage.append(f"--kata-cpu-seconds={int(options.time_limit)}")
    return cage


@dataclass
class Submission:
    """A module for one kata, copied alone into a private folder (or why there is none)."""

    folder: Path | None
    problem: str = ""  # why there is no module to grade

    def results(self) -> Path:
        assert self.folder is not None
        return self.folder / "results.json"


def grade_kata(kata: Kata, folder: Path, expected: list[dict[str, Any]], options: Options) -> KataGrade:
    """One student's one kata in a trusted test process of its own: the per-student path, which the batch
    path must agree with, and what grades a student a crashed batch left out."""
    with tempfile.TemporaryDirectory(prefix="kata-grader-") as work:
        source, where = read_module(folder, kata)
        if source is None:
            return score(kata, expected, Submission(None, where), None, options)
        submission = Submission(Path(work))
        (Path(work) / f"{kata.name}.py").write_bytes(source)
        limit = options.time_limit or kata.time_limit
        command = [*_pytest_command(list(map(str, kata.test_files())), options, submission.folder),
                   f"--kata-results={submission.results()}"]
        stopped, seconds = _run_with_deadline(command, submission.folder, limit)
        options.costs.add(kata, seconds)
        if stopped:
            return score(kata, expected, submission, ({}, True), options)
        return score(kata, expected, submission, batch.read_results(submission.results()), options)


def grade_batch(kata: Kata, submissions: Sequence[Submission], expected: list[dict[str, Any]], options: Options,
                work: Path) -> list[KataGrade]:
    """Many students' modules for one kata in one trusted test process, each in its own caged workers under
    its own time limit; anyone the batch left without a result (it crashed, or ran past every limit) is
    graded again on their own."""
    limit = options.time_limit or kata.time_limit
    graded = [s for s in submissions if s.folder is not None]
    listing = Path(tempfile.mkstemp(prefix=f"batch-{kata.name}-", suffix=".json", dir=work)[1])
    batch.write_batch(listing, [batch.Student(s.folder, s.results(), limit) for s in graded if s.folder is not None])
    if graded:
        extra = [*_cage(options)]
        if profiles.derandomized(options.profile):  # the same examples for everyone: answers decide a test
            extra.append(f"--kata-replay={work / 'replay'}")
        _, seconds = _run_with_deadline(batch.command(kata, graded[0].folder or work, options.profile, listing,
                                                      *extra), work, limit * len(graded) + BATCH_MARGIN)
        options.costs.add(kata, seconds)
    grades = []
    for submission in submissions:
        recorded = batch.read_results(submission.results()) if submission.folder is not None else None
        if submission.folder is not None and recorded is None:
            grades.append(grade_kata(kata, submission.folder, expected, options))
        else:
            grades.append(score(kata, expected, submission, recorded, options))
    return grades


def score(kata: Kata, expected: list[dict[str, Any]], submission: Submission,
          recorded: tuple[dict[str, dict[str, Any]], bool] | None, options: Options) -> KataGrade:
    """A kata's grade from what the trusted side recorded (`recorded`: results by test id, and whether the
    student ran out of time). Tests with no record count as failed."""
    tests = [{"name": t["requirement"], "id": t["nodeid"], "group": t["group"]} for t in expected]
    if submission.folder is None:
        status = Outcome.MISSING if submission.problem.startswith("no ") else Outcome.ERROR
        return _scored(kata, status, tests, {}, submission.problem)
    results, timed_out = recorded or ({}, False)
    if timed_out:
        limit = options.time_limit or kata.time_limit
        return _scored(kata, Outcome.TIMEOUT, tests, results, f"stopped after the time limit of {limit:g} s")
    load_failures = [r for r in results.values() if r.get("kind") == "LoadFailure"]
    if load_failures and len(load_failures) == len(results):
        return _scored(kata, Outcome.ERROR, tests, results, load_failures[0]["message"])
    return _scored(kata, None, tests, results, "")


def _run_with_deadline(command: list[str], cwd: Path, seconds: float) -> tuple[bool, float]:
    """Run a trusted test process in its own session; past the deadline, SIGKILL its whole group (the
    caged workers die with it: bubblewrap's --die-with-parent and the workers' parent-death signal). Returns
    whether it was stopped, and how many seconds it ran."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, **profiles.shared_storage()})
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.killpg(process.pid, signal.SIGKILL)

        deadline = threading.Timer(seconds, stop)
        started = time.perf_counter()
        deadline.start()
        process.wait()
        deadline.cancel()
        return stopped.is_set(), time.perf_counter() - started


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


def grade_folder(student_id: str, folder: Path, options: Options) -> tuple[StudentGrade, report.Catalog]:
    """One student's folder, every kata of `options`: the student's grades and the tests' catalog."""
    with tempfile.TemporaryDirectory(prefix="kata-grader-") as work:
        expected = expected_tests(options.katas, options, Path(work))
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        graded = dict(zip(expected, pool.map(lambda k: grade_kata(k, folder, expected[k.name], options),
                                             options.katas), strict=True))
    return StudentGrade(student_id, graded), catalog(options.katas, expected)


def catalog(katas: Iterable[Kata], expected: dict[str, list[dict[str, Any]]]) -> report.Catalog:
    """Per kata, each requirement every student is graded on: its group, whether it is a public test, and
    its share of the kata's points under the manifest's group weights."""
    described: report.Catalog = {}
    for kata in katas:
        tests = expected[kata.name]
        sizes = Counter(test["group"] for test in tests)
        described[kata.name] = {
            test["requirement"]: report.Requirement(test["group"], "/public/" in test["nodeid"],
                                                    kata.points.get(test["group"], 0.0) / sizes[test["group"]])
            for test in tests}
    return described


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
    roster = {student_id: person for student_id, person in
              (read_roster(options.roster) if options.roster else {}).items() if in_shard(student_id, options.shard)}
    students = [(sid, folder) for sid, folder in discover(options.submissions) if in_shard(sid, options.shard)]
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
        expected = expected_tests(options.katas, options, Path(work))
        tasks = _tasks(todo, options, Path(work))
        done = 0
        total = len(todo) * len(options.katas)
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:

            def run(kata: Kata, chunk: list[tuple[list[str], Submission]]) -> list[tuple[str, KataGrade]]:
                if options.per_student:
                    return [(ids[0], grade_kata(kata, submission.folder or Path(), expected[kata.name], options))
                            for ids, submission in chunk]
                grades = grade_batch(kata, [submission for _, submission in chunk], expected[kata.name], options,
                                     Path(work))
                for _, submission in chunk:
                    if submission.folder is not None:
                        shutil.rmtree(submission.folder, ignore_errors=True)
                return [(sid, grade) for (ids, _), grade in zip(chunk, grades, strict=True) for sid in ids]

            futures = {pool.submit(run, kata, chunk): kata for kata, chunk in tasks}
            pending: dict[str, dict[str, KataGrade]] = {}
            remaining = {sid: len(options.katas) for sid, _ in todo}
            for future in as_completed(futures):
                kata = futures[future]
                for student_id, graded_kata in future.result():
                    pending.setdefault(student_id, {})[kata.name] = graded_kata
                    remaining[student_id] -= 1
                    if remaining[student_id] == 0:  # a whole student: write it now, so an interruption loses nothing
                        graded = {k.name: pending[student_id][k.name] for k in options.katas}
                        del pending[student_id]
                        _write_json(out / "students" / f"{student_key(student_id)}.json",
                                    {"id": student_id, "katas": {n: k.to_json() for n, k in graded.items()}})
                    done += 1
                    if progress:
                        progress(done, total)
        _write_json(out / "tests.json", expected)  # what `--merge` needs to describe the tests again
        described = catalog(options.katas, expected)
    gradebook = assemble(options, [sid for sid, _ in students], roster)
    write_outputs(options, gradebook, roster, described)
    return gradebook


def _tasks(todo: list[tuple[str, Path]], options: Options, work: Path
           ) -> list[tuple[Kata, list[tuple[list[str], Submission]]]]:
    """What to run: per kata, its submissions in a few batches (one trusted process each), interleaved so that
    parallel jobs start on different katas. Byte-identical modules are graded once for every student who handed
    one in: grading is deterministic (the same code meets the same examples and gets the same gradebook, byte
    for byte), so their grades could not differ. The per-student path grades every student in a process of
    their own (and reads their folder itself)."""
    per_kata = []
    for kata in options.katas:
        if options.per_student:
            per_kata.append((kata, [([sid], Submission(folder)) for sid, folder in todo]))
            continue
        groups: dict[str, tuple[list[str], Submission]] = {}
        for sid, folder in todo:
            source, where = read_module(folder, kata)
            if source is None:
                groups[f"none:{sid}"] = ([sid], Submission(None, where))
                continue
            key = hashlib.sha256(source).hexdigest()
            if key not in groups:
                private = Path(tempfile.mkdtemp(prefix="kata-grade-", dir=work))
                (private / f"{kata.name}.py").write_bytes(source)
                groups[key] = ([], Submission(private))
            groups[key][0].append(sid)
        per_kata.append((kata, list(groups.values())))
    size = max(1, max((len(g) for _, g in per_kata), default=1) // max(1, options.jobs) + 1)
    size = 1 if options.per_student else min(BATCH_SIZE, size)
    chunked = [[(kata, groups[start:start + size]) for start in range(0, len(groups), size)]
               for kata, groups in per_kata]
    return [task for wave in zip_longest(*chunked) for task in wave if task is not None]


def merge(shards: Sequence[Path], options: Options) -> Gradebook:
    """The whole cohort's outputs from the outputs of its shards, as one run over every student writes them."""
    expected: dict[str, list[dict[str, Any]]] | None = None
    (options.out / "students").mkdir(parents=True, exist_ok=True)
    ids = []
    for shard in shards:
        tests = shard / "tests.json"
        if not tests.is_file():
            raise ValueError(f"{shard} holds no grader output (no tests.json): pass the --out folders of the shards")
        graded = json.loads(tests.read_text(encoding="utf-8"))
        if expected is not None and graded != expected:
            raise ValueError(f"{shard} was graded on other katas or tests than {shards[0]}: grade every shard "
                             "with the same commit and --katas")
        expected = graded
        for saved in sorted((shard / "students").glob("*.json")):
            ids.append(json.loads(saved.read_text(encoding="utf-8"))["id"])
            (options.out / "students" / saved.name).write_bytes(saved.read_bytes())
    if expected is None:
        raise ValueError("--merge needs the --out folder of at least one shard")
    options.katas = [manifest.get(name) for name in expected]
    _write_json(options.out / "tests.json", expected)
    roster = read_roster(options.roster) if options.roster else {}
    gradebook = assemble(options, ids, roster)
    write_outputs(options, gradebook, roster, catalog(options.katas, expected))
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
                  described: report.Catalog) -> None:
    out = options.out
    graded_at = time.gmtime()
    _write_json(out / "gradebook.json", gradebook.to_json())
    people = {student_id: dict(person) for student_id, person in roster.items()}
    if options.canvas:
        lms = canvas.Roster.read(options.canvas)
        canvas.write(out, lms, gradebook, options.title)
        for student_id, name in canvas.names(lms, gradebook.students).items():
            people.setdefault(student_id, {}).setdefault("name", name)
    with (out / "gradebook.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name", "email", *gradebook.katas, "total", "max"])
        for student in gradebook.students:
            person = people.get(student.id, {})
            writer.writerow([student.id, person.get("name", ""), person.get("email", ""),
                             *(report.points_text(student.katas[n].score) for n in gradebook.katas),
                             report.points_text(student.total), report.points_text(student.max)])
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    files = {}
    for student in gradebook.students:
        key = student_key(student.id)
        files[student.id] = f"feedback/{key}.md"
        text = report.feedback(student, described, options.feedback, people.get(student.id, {}).get("name", ""))
        (feedback / f"{key}.md").write_text(text, encoding="utf-8")
        if options.results_json:
            (out / "results").mkdir(exist_ok=True)
            _write_json(out / "results" / f"{key}.json", report.gradescope_results(student, described))
    page = report.html(gradebook, people, title=options.title, feedback_files=files,
                       graded_at=time.strftime("%Y-%m-%d %H:%M UTC", graded_at))
    (out / "report.html").write_text(page, encoding="utf-8")
    _write_json(out / "metadata.json", {
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", graded_at), "python": sys.version.split()[0],
        "profile": options.profile, "katas": [k.name for k in options.katas], "jobs": options.jobs,
        "title": options.title, "students": {s.id: student_key(s.id) for s in gradebook.students},
        "job_seconds": {name: round(seconds, 1) for name, seconds in sorted(options.costs.seconds.items())},
    })


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, nargs="?", help="one folder per student; the folder name is the id")
    parser.add_argument("--out", type=Path, default=Path("grades"))
    parser.add_argument("--katas", nargs="+", metavar="NAME", help="grade only these katas")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--resume", action="store_true", help="grade only students with no saved result")
    parser.add_argument("--roster", type=Path, help="CSV with id, name, email")
    parser.add_argument("--title", default="Kata assignment",
                        help="the assignment's name: the report's title and the Canvas column")
    parser.add_argument("--canvas", type=Path, metavar="ROSTER.csv",
                        help="a Canvas gradebook export: also write canvas.csv for Canvas's gradebook import")
    parser.add_argument("--feedback", choices=("summary", "full"), default="summary")
    parser.add_argument("--results-json", action="store_true", help="also write Gradescope results per student")
    parser.add_argument("--time-limit", type=float, help="seconds per kata (default: the manifest's)")
    parser.add_argument("--memory-mb", type=int, help="memory per worker (default: the manifest's)")
    parser.add_argument("--shard", metavar="I/N", type=_shard,
                        help="grade only the I-th of N stable slices of the cohort (by student id)")
    parser.add_argument("--merge", nargs="+", type=Path, metavar="OUT",
                        help="instead of grading: write --out for the whole cohort from its shards' --out folders")
    parser.add_argument("--per-student", action="store_true",
                        help="a trusted test process per student and kata (slower; batches must agree with it)")
    parser.add_argument("--profile", default="grading", help=argparse.SUPPRESS)  # for the grader's own tests


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"{text!r}: expected I/N with 1 <= I <= N, such as 2/4")
    return int(index), int(count)


def main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if args.merge and (args.submissions or args.shard):
        parser.error("--merge writes the whole cohort from its shards' outputs: give no SUBMISSIONS and no --shard")
    if not args.merge and (args.submissions is None or not args.submissions.is_dir()):
        parser.error(f"{args.submissions} is not a folder of student folders")
    katas = [manifest.get(name) for name in args.katas] if args.katas else list(manifest.load())
    options = Options(args.submissions or Path(), args.out, katas, args.jobs, resume=args.resume, roster=args.roster,
                      feedback=args.feedback, results_json=args.results_json, profile=args.profile,
                      time_limit=args.time_limit, memory_mb=args.memory_mb, title=args.title, canvas=args.canvas,
                      shard=args.shard, per_student=args.per_student)
    if args.canvas:
        canvas.Roster.read(args.canvas)  # a wrong file is refused before anything is graded
    if args.merge:
        gradebook = merge(args.merge, options)
        print(f"merged {len(args.merge)} shards: {len(gradebook.students)} students; "
              f"report: {args.out / 'report.html'}")
        return 0
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
    print(f"graded {len(students)} students on {len(katas)} katas; mean {report.points_text(mean)} of "
          f"{report.points_text(students[0].max if students else 0)}; report: {args.out / 'report.html'}")
    spent = options.costs.seconds
    print("seconds the trusted test processes ran, per kata: "
          + ", ".join(f"{k.name} {spent.get(k.name, 0.0):.0f}" for k in katas))
    unmatched = args.out / "canvas-unmatched.txt"
    if args.canvas and unmatched.exists():
        print(f"canvas.csv: not every student matched ({unmatched}):", unmatched.read_text(encoding="utf-8"),
              sep="\n", end="")
    return 0
