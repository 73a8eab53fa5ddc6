"""How reliably the hidden tests tell the samples apart: every sample of every kata (or of the named ones)
run R times as a learner's first attempt (learner profile, no example database; `dojo.authoring.attempts`,
a batch per kata and pass, katas in parallel). `nox -s samples -- [RUNS] [--jobs N] [KATA...]` prints a line
after each pass over the whole set (so an interrupted measurement still says how far it got), then, per
sample, how many runs gave the right verdict. A buggy sample's run stops at its first failing test: one
failure is all "caught" needs.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dojo import manifest
from dojo.authoring.attempts import first_attempts
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
    by_kata: dict[str, list[Path]] = {}
    for name, path in samples:
        by_kata.setdefault(name, []).append(path)
    with ThreadPoolExecutor(args.jobs) as pool:
        for run in range(args.runs):
            futures = {name: pool.submit(first_attempts, manifest.get(name),
                                         [p.read_text(encoding="utf-8") for p in paths], jobs=1,
                                         stop_at_first_failure=[not p.stem.startswith("correct") for p in paths])
                       for name, paths in by_kata.items()}
            wrong = []
            for name, paths in by_kata.items():
                for path, attempt in zip(paths, futures[name].result(), strict=True):
                    ok = attempt.passed if path.stem.startswith("correct") else attempt.caught
                    right[path] += ok
                    if not ok:
                        wrong.append(f"{name}/{path.stem}")
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
