"""How reliably the hidden tests tell the samples apart: every sample of every kata (or of the named ones)
run R times as a learner's first attempt (learner profile, an empty example database each time).
`nox -s samples -- [RUNS] [--jobs N] [KATA...]` prints a line after each pass over the whole set (so an
interrupted measurement still says how far it got), then, per sample, how many runs gave the right verdict.
A buggy sample's run stops at its first failing test (`--exitfirst`): one failure is all "caught" needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
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
    with tempfile.TemporaryDirectory(prefix="kata-samples-") as work, ThreadPoolExecutor(args.jobs) as pool:

        def one(name: str, path: Path, run: int) -> bool:
            folder = Path(work) / f"{name}-{path.stem}-{run}"
            folder.mkdir()
            shutil.copy(path, folder / f"{name}.py")
            correct = path.stem.startswith("correct")
            result = run_kata(manifest.get(name), folder, "learner", *([] if correct else ["--exitfirst"]))
            shutil.rmtree(folder)
            return result.returncode == (0 if correct else 1)

        for run in range(args.runs):
            verdicts = list(pool.map(one, [n for n, _ in samples], [p for _, p in samples], repeat(run)))
            wrong = [f"{name}/{path.stem}" for (name, path), ok in zip(samples, verdicts, strict=True) if not ok]
            for (_, path), ok in zip(samples, verdicts, strict=True):
                right[path] += ok
            print(f"pass {run + 1} of {args.runs}: {len(samples) - len(wrong)} of {len(samples)} right"
                  f"{' (wrong: ' + ', '.join(wrong) + ')' if wrong else ''}, {time.perf_counter() - started:.0f} s",
                  flush=True)
    seconds = time.perf_counter() - started
    for name, path in samples:
        expected = "passes" if path.stem.startswith("correct") else "caught"
        flag = "" if right[path] == args.runs else "   <-- not every run"
        print(f"{name:18} {path.stem:48} {expected} in {right[path]:2} of {args.runs} runs{flag}")
    wrong_count = sum(right[path] != args.runs for _, path in samples)
    print(f"{len(samples)} samples x {args.runs} runs in {seconds:.0f} s ({args.jobs} jobs): "
          f"{len(samples) - wrong_count} right in every run, {wrong_count} not")


if __name__ == "__main__":
    main()
