"""Catch rates of a concurrency kata's race tests: how often each race check (a `*_trial(kata, seed)`
function of the kata's hidden tests) fails a given implementation, one trial (seed) at a time, over many
seeds. A correct implementation must score 0; a racy one, every trial. `nox -s races -- [TRIALS] [--kata
KATA] [FILE...]` prints, per implementation, one line per check and one for "any check" (a trial in which at
least one check failed), with the time a trial takes.

Without FILE: the reference and every sample of the kata (default counter); for the counter also
returns-after-release variants generated here with WINDOWS statements between releasing the lock and reading
the value to return (the longer the window, the longer one thread must stay paused inside it while another
completes a whole increment).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dojo import manifest
from dojo.manifest import ROOT
from dojo.testing import KataFailure, KataProxy
from dojo.trusted.process import WorkerPool
from dojo.trusted.submissions import Implementation

WINDOWS = (1, 5, 20, 100, 500)

WINDOW_VARIANT = '''"""increment returns self._value read after releasing the lock, {statements} statements later."""

import threading


def _checked(amount):
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int")
    if amount < 0:
        raise ValueError("amount must be >= 0")
    return amount


class Counter:
    def __init__(self, initial=0):
        self._value = initial
        self._lock = threading.Lock()

    @property
    def value(self):
        with self._lock:
            return self._value

    def increment(self, amount=1):
        amount = _checked(amount)
        with self._lock:
            self._value += amount
{filler}
        return self._value

    def decrement(self, amount=1):
        amount = _checked(amount)
        with self._lock:
            self._value -= amount
            return self._value

    def compare_and_set(self, expected, new):
        with self._lock:
            if self._value != expected:
                return False
            self._value = new
            return True
'''


def window_variant(statements: int) -> str:
    filler = "\n".join(f"        pause = amount + {i}" for i in range(statements))
    return WINDOW_VARIANT.format(statements=statements, filler=filler)


def load_hidden_tests(kata: str) -> Any:
    path = ROOT / "checks" / "hidden" / f"test_{kata}.py"
    spec = importlib.util.spec_from_file_location(f"hidden_{kata}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the tests look their module up there
    spec.loader.exec_module(module)
    return module


def outcomes(kata: manifest.Kata, path: Path, trials: int, tests: Any) -> dict[str, tuple[list[bool], float]]:
    """Per check: whether each trial (seed 0, 1, ...) failed the implementation, and seconds per trial."""
    folder = Path(tempfile.mkdtemp())
    shutil.copy(path, folder / f"{kata.name}.py")
    pool = WorkerPool(Implementation(str(folder), folder))
    found = {}
    try:
        for name in [name for name in vars(tests) if name.endswith("_trial") and name != "in_every_trial"]:
            trial: Callable[[KataProxy, int], None] = getattr(tests, name)
            caught, started = [], time.perf_counter()
            for seed in range(trials):
                try:
                    trial(KataProxy(pool, kata), seed)
                except KataFailure:
                    caught.append(True)
                else:
                    caught.append(False)
            found[name] = (caught, (time.perf_counter() - started) / trials)
    finally:
        pool.close()
        shutil.rmtree(folder, ignore_errors=True)
    return found


def rows(label: str, found: dict[str, tuple[list[bool], float]], trials: int) -> list[str]:
    correct = label.startswith(("correct", "reference"))
    lines = []
    any_caught = [any(each) for each in zip(*(caught for caught, _ in found.values()), strict=True)]
    every = [*((name.removesuffix("_trial").replace("_", " "), caught, seconds)
               for name, (caught, seconds) in found.items()),
             ("any check", any_caught, sum(seconds for _, seconds in found.values()))]
    for check, caught, seconds in every:
        count = sum(caught)
        lines.append(f"{label:44} {check:22} caught {count:4}/{trials} ({100 * count / trials:5.1f} %)"
                     f"  {seconds:6.3f} s/trial")
    count = sum(any_caught)
    if correct and count:
        lines.append(f"{label:44} FALSE ALARMS in {count} trials")
    elif not correct and count < trials:
        lines.append(f"{label:44} missed in {trials - count} trials"
                     + (" (no race check catches it: a sequential bug?)" if not count else ""))
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="nox -s races --")
    parser.add_argument("trials", type=int, nargs="?", default=50)
    parser.add_argument("--kata", default="counter")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
    args = parser.parse_intermixed_args(argv)
    kata, trials = manifest.get(args.kata), args.trials
    tests = load_hidden_tests(kata.name)
    with tempfile.TemporaryDirectory() as scratch:
        reference = kata.reference()
        labelled = [(f"reference ({reference.relative_to(ROOT)})", reference)]
        if args.files:
            labelled = [(labelled[0][0] if p.resolve() == reference else p.stem, p) for p in args.files]
        else:
            labelled += [(p.stem, p) for p in sorted((ROOT / "tests" / "samples" / kata.name).glob("*.py"))]
            for statements in WINDOWS if kata.name == "counter" else ():
                variant = Path(scratch) / f"bug_returns_after_release_window_{statements}.py"
                variant.write_text(window_variant(statements))
                labelled.append((variant.stem, variant))
        print(f"{kata.name}: {trials} trials (seeds 0..{trials - 1}) per check; the tests run {tests.TRIALS} seeds "
              f"per requirement; Python {sys.version.split()[0]}")
        for label, path in labelled:
            for line in rows(label, outcomes(kata, path, trials, tests), trials):
                print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
