"""Grading speed on a realistic cohort: per kata 40 % correct samples, 45 % buggy samples and 15 % untouched
stubs (`tests/samples/<kata>/`), graded with `--jobs`, printed as seconds per student, student-katas per second,
and against the floor measured in the same run: one cold import of the stack from this environment.

`-- [STUDENTS] [JOBS] [--katas NAME...] [--per-student]`: 20 students and 2 jobs by default, the first five katas
(the realistic cohort of the grading issue); `--katas all` for every kata; `--per-student` grades through one
trusted process per student and kata (the path the batch path must agree with).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dojo import manifest
from dojo.grading import grader
from dojo.kinds.sql.plugin import backend, database_urls
from dojo.manifest import ROOT, Kata

SAMPLES = ROOT / "tests" / "samples"
STACK = "import pytest, hypothesis, sqlalchemy, fastapi, httpx, uvicorn"
FIRST_FIVE = ("palindrome", "top_salaries", "duplicates", "counter", "file_upload")


def cohort_source(kata: Kata, index: int, students: int) -> Path:
    """Student `index`'s file for `kata`: the first 40 % of the class correct, the next 45 % buggy, the rest
    untouched stubs, each group cycling through the kata's samples (PostgreSQL-only bugs only when it is there)."""
    postgresql = any(backend(url) == "postgresql" for url in database_urls())
    folder = SAMPLES / kata.name
    correct = sorted(folder.glob("correct_*.py"))
    buggy = [p for p in sorted(folder.glob("bug_*.py")) if postgresql or "postgresql_only" not in p.stem]
    # Student i's place in the class, spread so that any first n students hold the same mix.
    share = (index * 0.6180339887) % 1.0
    if share < 0.40:
        return correct[index % len(correct)]
    if share < 0.85:
        return buggy[index % len(buggy)]
    return kata.stub()


def build_cohort(folder: Path, students: int, katas: list[Kata]) -> dict[tuple[str, str], Path]:
    """The cohort's folders; returns which file each (student, kata) got."""
    chosen = {}
    for index in range(students):
        student = folder / f"student{index:03d}" / "katas"
        student.mkdir(parents=True)
        for kata in katas:
            source = chosen[student.parent.name, kata.name] = cohort_source(kata, index, students)
            shutil.copy(source, student / f"{kata.name}.py")
    return chosen


def wrong_rows(gradebook: Any, chosen: dict[tuple[str, str], Path]) -> list[str]:
    """Rows whose verdict contradicts the file: a correct sample not passed, a bug or a stub passed."""
    wrong = []
    for student in gradebook.students:
        for name, graded in student.katas.items():
            source = chosen[student.id, name]
            if graded.passed != source.stem.startswith("correct"):
                wrong.append(f"{student.id} {name} ({source.stem}): {graded.status}")
    return wrong


def floor(runs: int = 5) -> float:
    """The median wall time of a cold `python -c "import ..."` of the stack, in this environment."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", STACK], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nox -s bench --")
    parser.add_argument("students", type=int, nargs="?", default=20)
    parser.add_argument("jobs", type=int, nargs="?", default=2)
    parser.add_argument("--katas", nargs="+", default=list(FIRST_FIVE), metavar="NAME")
    parser.add_argument("--per-student", action="store_true")
    args = parser.parse_args(argv)
    katas = list(manifest.load()) if args.katas == ["all"] else [manifest.get(name) for name in args.katas]
    import_floor = floor()
    with tempfile.TemporaryDirectory() as work:
        cohort, out = Path(work) / "cohort", Path(work) / "grades"
        chosen = build_cohort(cohort, args.students, katas)
        options = grader.Options(cohort, out, katas, args.jobs, per_student=args.per_student)
        started, busy = time.perf_counter(), _busy()
        gradebook = grader.grade(options)
        seconds, busy = time.perf_counter() - started, _busy() - busy
    pairs = args.students * len(katas)
    per_student = seconds / args.students
    solved = sum(k.passed for s in gradebook.students for k in s.katas.values())
    path = "one trusted process per student and kata" if args.per_student else "batches"
    print(f"grading bench: {args.students} students x {len(katas)} katas ({', '.join(k.name for k in katas)}), "
          f"jobs {args.jobs}, {path}, profile grading, SQL on "
          f"{' and '.join(backend(u) for u in database_urls())}, bytecode "
          f"{'not ' if os.environ.get('PYTHONDONTWRITEBYTECODE') and not _compiled() else ''}compiled")
    capacity = seconds * (os.cpu_count() or 1)
    print(f"  {seconds:.1f} s in all ({busy:.0f} s of the machine's CPU busy, of {capacity:.0f}); "
          f"{pairs / seconds:.2f} student-katas per second; {per_student:.2f} s per student; "
          f"{solved} of {pairs} student-katas solved")
    print(f"  floor (one cold `{STACK}`): {import_floor:.2f} s; per student / floor: {per_student / import_floor:.2f}")
    print(f"  at this rate 100 students would take {100 * per_student:.0f} s")
    for kata in katas:
        spent = options.costs.seconds.get(kata.name, 0.0)
        print(f"  {kata.name} ({kata.kind}): its trusted test processes ran {spent:.1f} s, "
              f"{spent / args.students:.2f} s per student")
    wrong = wrong_rows(gradebook, chosen)
    print(f"  rows against their files: {pairs - len(wrong)} of {pairs} right", *(f"    wrong: {w}" for w in wrong),
          sep="\n")


def _busy() -> float:
    """Seconds the machine's CPUs have been busy (Linux's /proc/stat; neighbours and PostgreSQL included, and
    caged workers, which the processes that wait for them cannot count: their cage is killed with them). Where
    there is no /proc/stat, the CPU time of this process and the children it waited for."""
    stat = Path("/proc/stat")
    if stat.exists():
        fields = [int(f) for f in stat.read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _compiled() -> bool:
    """Whether this environment's packages were installed with their bytecode compiled."""
    import hypothesis

    return any(Path(hypothesis.__file__).parent.glob("__pycache__/*.pyc"))


if __name__ == "__main__":
    main(sys.argv[1:])
