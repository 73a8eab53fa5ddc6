"""Grading speed: a synthetic cohort (half reference copies, half untouched stubs) graded with the grading
profile, printed as student-katas per second and seconds per student. `-- [STUDENTS] [JOBS]`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dojo import manifest
from dojo.grading import grader
from dojo.kinds.sql.plugin import backend, database_urls


def build_cohort(folder: Path, students: int) -> None:
    for index in range(students):
        student = folder / f"student{index:03d}" / "katas"
        student.mkdir(parents=True)
        for kata in manifest.load():
            source = kata.reference() if index % 2 == 0 else kata.stub()
            shutil.copy(source, student / f"{kata.name}.py")


def main(argv: list[str]) -> None:
    students = int(argv[0]) if argv else 10
    jobs = int(argv[1]) if len(argv) > 1 else os.cpu_count() or 1
    katas = list(manifest.load())
    with tempfile.TemporaryDirectory() as work:
        cohort, out = Path(work) / "cohort", Path(work) / "grades"
        build_cohort(cohort, students)
        options = grader.Options(cohort, out, katas, jobs)
        started = time.perf_counter()
        gradebook = grader.grade(options)
        seconds = time.perf_counter() - started
    pairs = students * len(katas)
    full = sum(s.total == s.max for s in gradebook.students)
    print(f"grading bench: {students} students x {len(katas)} katas ({', '.join(k.name for k in katas)}), "
          f"jobs {jobs}, profile grading, SQL on {' and '.join(backend(u) for u in database_urls())}")
    print(f"  {seconds:.1f} s in all; {pairs / seconds:.2f} student-katas per second; "
          f"{seconds / students:.2f} s per student; {full} of {students} students at full marks "
          f"(expected {(students + 1) // 2})")
    print(f"  at this rate 100 students would take {100 * seconds / students:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
