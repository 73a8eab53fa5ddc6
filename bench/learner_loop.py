"""The learner's loop: `nox -s kata -- palindrome` (warm: venv reused) against bare pytest on the same
tests and the same code, several runs each; prints the median times and their ratio. `-- [RUNS]`."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from dojo import manifest
from dojo.manifest import ROOT


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 5
    kata = manifest.get("palindrome")
    nox = shutil.which("nox")
    if nox is None:
        sys.exit("nox is not on PATH")
    files = [str(path) for path in kata.test_files()]
    timed([nox, "-s", "kata", "--", "palindrome"], 1)  # warm the venv once
    loop = timed([nox, "-s", "kata", "--", "palindrome"], runs)
    bare = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files], runs)
    cache = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"learner loop ({runs} runs each, median; bytecode cache {cache}; code under test: katas/palindrome.py)")
    print(f"  nox -s kata -- palindrome: {loop:.2f} s; bare pytest on the same tests: {bare:.2f} s; "
          f"ratio {loop / bare:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
