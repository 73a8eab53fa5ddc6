"""Catch rates of the counter kata's race tests: how often each concurrency check fails a given
implementation, over many trials (seeds). A correct counter must score 0; a racy one, as close to every
trial as possible. `nox -s races -- [TRIALS] [FILE...]` prints one line per implementation and check.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dojo import manifest
from dojo.manifest import ROOT
from dojo.testing import KataFailure, KataProxy
from dojo.trusted.process import WorkerPool
from dojo.trusted.submissions import Implementation

CHECKS = (
    "test_concurrent_increments_return_each_value_once_and_lose_none",
    "test_concurrent_increments_and_decrements_add_up",
    "test_concurrent_compare_and_set_lets_one_thread_win_each_value",
)


def load_hidden_tests() -> object:
    spec = importlib.util.spec_from_file_location("hidden_counter", ROOT / "checks" / "hidden" / "test_counter.py")
    if spec is None or spec.loader is None:
        raise ImportError("checks/hidden/test_counter.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rates(path: Path, trials: int, tests: object) -> list[tuple[str, int, float]]:
    folder = Path(tempfile.mkdtemp())
    shutil.copy(path, folder / "counter.py")
    pool = WorkerPool(Implementation(str(folder), folder))
    kata = manifest.get("counter")
    rows = []
    try:
        for name in CHECKS:
            caught, started = 0, time.perf_counter()
            for trial in range(trials):
                try:
                    getattr(tests, name)(KataProxy(pool, kata), trial)
                except KataFailure:
                    caught += 1
            rows.append((name, caught, (time.perf_counter() - started) / trials))
    finally:
        pool.close()
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main(argv: list[str]) -> None:
    trials = int(argv[0]) if argv else 50
    paths = [Path(p) for p in argv[1:]] or [ROOT / "solutions" / "counter.py",
                                             *sorted((ROOT / "tests" / "samples" / "counter").glob("*.py"))]
    tests = load_hidden_tests()
    print(f"{trials} trials per check; Python {sys.version.split()[0]}")
    for path in paths:
        for name, caught, seconds in rates(path, trials, tests):
            check = name.removeprefix("test_concurrent_").replace("_", " ")
            print(f"{path.stem:34} {check:52} caught {caught:3}/{trials} ({100 * caught / trials:5.1f} %)"
                  f"  {seconds:.2f} s/trial")


if __name__ == "__main__":
    main(sys.argv[1:])
