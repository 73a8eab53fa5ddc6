"""How reliably the hidden tests tell the samples apart: every sample of every kata (or of the named ones)
run R times as a learner's first attempt (learner profile, an empty example database each time).
`nox -s samples -- [RUNS] [--jobs N] [KATA...]` prints, per sample, how many runs gave the right verdict.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dojo import manifest
from dojo.authoring.audit import run_kata
from dojo.manifest import ROOT

SAMPLES = ROOT / "tests" / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(prog="nox -s samples --")
    parser.add_argument("runs", type=int, nargs="?", default=20)
    parser.add_argument("katas", nargs="*", metavar="KATA")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    names = args.katas or [kata.name for kata in manifest.load()]
    postgresql = bool(os.environ.get("KATA_DATABASE_URL"))
    samples = [(name, path) for name in names for path in sorted((SAMPLES / name).glob("*.py"))
               if postgresql or "postgresql_only" not in path.stem]
    right: dict[Path, int] = dict.fromkeys((path for _, path in samples), 0)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kata-samples-") as work:

        def one(name: str, path: Path, run: int) -> None:
            folder = Path(work) / f"{name}-{path.stem}-{run}"
            folder.mkdir()
            shutil.copy(path, folder / f"{name}.py")
            result = run_kata(manifest.get(name), folder)
            right[path] += result.returncode == (0 if path.stem.startswith("correct") else 1)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for future in [pool.submit(one, n, p, r) for r in range(args.runs) for n, p in samples]:
                future.result()
    seconds = time.perf_counter() - started
    for name, path in samples:
        expected = "passes" if path.stem.startswith("correct") else "caught"
        flag = "" if right[path] == args.runs else "   <-- not every run"
        print(f"{name:14} {path.stem:48} {expected} in {right[path]:2} of {args.runs} runs{flag}")
    wrong = sum(right[path] != args.runs for _, path in samples)
    print(f"{len(samples)} samples x {args.runs} runs in {seconds:.0f} s ({args.jobs} jobs): "
          f"{len(samples) - wrong} right in every run, {wrong} not")


if __name__ == "__main__":
    main()
