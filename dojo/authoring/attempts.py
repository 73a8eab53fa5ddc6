"""Learners' first attempts in bulk: many implementations of one kata (samples, mutants) each run through the
kata's tests as a learner's first run would (the learner profile, no remembered failures, the worker uncaged as
on a learner's machine), in a few trusted test processes that take them in turn (`dojo.grading.batch`) instead
of a process each."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dojo import profiles
from dojo.grading import batch
from dojo.manifest import Kata
from dojo.scoring import Outcome

MARGIN = 300.0  # seconds a batch process may take beyond its attempts' own limits


@dataclass(frozen=True)
class Attempt:
    """How one implementation fared: every test's outcome (None when its batch never reported it)."""

    outcomes: dict[str, Outcome] | None
    failures: dict[str, str]  # requirement -> message, for the tests that failed

    @property
    def passed(self) -> bool:
        return self.outcomes is not None and all(o in (Outcome.PASSED, Outcome.SKIPPED)
                                                 for o in self.outcomes.values())

    @property
    def caught(self) -> bool:
        return self.outcomes is not None and any(o in batch.FAILING for o in self.outcomes.values())


def first_attempts(kata: Kata, sources: Sequence[str], *, jobs: int, stop_at_first_failure: Sequence[bool],
                   profile: str = "learner") -> list[Attempt]:
    """Run each source (a learner module's text) through the kata's tests; those marked in
    `stop_at_first_failure` stop at their first failing test (a bug needs catching only once)."""
    with tempfile.TemporaryDirectory(prefix=f"kata-attempts-{kata.name}-") as work:
        students = []
        for index, (source, stop) in enumerate(zip(sources, stop_at_first_failure, strict=True)):
            folder = Path(work) / f"attempt-{index}"
            folder.mkdir()
            (folder / f"{kata.name}.py").write_text(source, encoding="utf-8")
            students.append(batch.Student(folder, folder / "results.json", 5 * kata.time_limit, stop))
        chunks = [students[start::max(1, jobs)] for start in range(max(1, jobs))]
        environment = {**os.environ, **profiles.shared_storage(), "NO_COLOR": "1"}

        def run(number: int, chunk: list[batch.Student]) -> None:
            if not chunk:
                return
            listing = Path(work) / f"batch-{number}.json"
            batch.write_batch(listing, chunk)
            with contextlib.suppress(subprocess.TimeoutExpired):  # who has no results then did not finish
                subprocess.run(batch.command(kata, chunk[0].folder, profile, listing), cwd=work, env=environment,
                               capture_output=True, timeout=sum(s.seconds for s in chunk) + MARGIN, check=False)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in [pool.submit(run, number, chunk) for number, chunk in enumerate(chunks)]:
                future.result()
        attempts = []
        for student in students:
            recorded = batch.read_results(student.results)
            if recorded is None or recorded[1]:
                attempts.append(Attempt(None, {}))
                continue
            results = recorded[0].values()
            attempts.append(Attempt({r["nodeid"]: Outcome(r["outcome"]) for r in results},
                                    {r["requirement"]: r["message"] for r in results
                                     if Outcome(r["outcome"]) in batch.FAILING}))
        return attempts
