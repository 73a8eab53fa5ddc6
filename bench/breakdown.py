"""Where one student-kata's grading time goes: `-- KATA [SAMPLE]` (SAMPLE: a file stem in tests/samples/KATA,
`reference` or `stub`; the reference by default) graded alone, caged, under the grading profile, as the
per-student path does it; once unprofiled (wall and CPU seconds) and once under cProfile, whose time is split
into start-up, worker start, the calls into the worker, the database work, shrinking and example generation
(shares of the profiled time; calls, generation and database work overlap with shrinking).
"""

from __future__ import annotations

import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dojo import manifest, profiles
from dojo.manifest import ROOT

# (what, file of the function, function): each share is the cumulative time of that function.
PARTS = [
    ("worker start (spawn, cage, imports, the learner's module)", "dojo/trusted/process.py", "start"),
    ("calls (waiting for the worker's answers)", "dojo/trusted/process.py", "request"),
    ("database work (SQL the tests execute)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("shrinking", "conjecture/engine.py", "shrink_interesting_examples"),
    ("example generation (Hypothesis drawing values)", "conjecture/data.py", "draw"),
]


def main(argv: list[str]) -> None:
    kata = manifest.get(argv[0])
    sample = argv[1] if len(argv) > 1 else "reference"
    source = {"reference": kata.reference(), "stub": kata.stub()}.get(sample, ROOT / "tests" / "samples" /
                                                                      kata.name / f"{sample}.py")
    with tempfile.TemporaryDirectory(prefix="kata-breakdown-") as work:
        shutil.copy(source, Path(work) / f"{kata.name}.py")
        command = ["-m", "pytest", *map(str, kata.test_files()), f"--rootdir={ROOT}", "-c",
                   str(ROOT / "pyproject.toml"), f"--kata-impl={work}", "--kata-sandbox", "--kata-profile=grading",
                   "-p", "no:cacheprovider", "-q"]
        environment = {**os.environ, **profiles.shared_storage()}
        before, started = _cpu(), time.perf_counter()
        subprocess.run([sys.executable, *command], cwd=work, env=environment, capture_output=True, check=False)
        wall, cpu = time.perf_counter() - started, _cpu() - before
        profile = Path(work) / "profile"
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), *command], cwd=work, env=environment,
                       capture_output=True, check=False)
        stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]

    def cumulative(file: str, function: str) -> float:
        return sum(v[3] for (path, _, name), v in stats.items() if file in path and name == function)

    total = max(v[3] for v in stats.values())
    testing = cumulative("_pytest/main.py", "pytest_runtestloop")
    print(f"{kata.name} ({kata.kind}), {sample}: {wall:.2f} s wall, {cpu:.2f} s of CPU; {total:.2f} s profiled")
    print(f"  {'start-up (interpreter, pytest, plugins, collection)':58} {100 * (total - testing) / total:5.1f} %")
    for what, file, function in PARTS:
        print(f"  {what:58} {100 * cumulative(file, function) / total:5.1f} %")


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main(sys.argv[1:])
