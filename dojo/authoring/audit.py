"""`nox -s audit [-- NAME...] [--runs R]`: the mutation audit of each kata's hidden tests.

Every first-order mutant of a kata's reference (see `mutants`) runs through the kata's public and hidden tests
exactly as a learner's first attempt does: under the learner profile, with no example database, so no
remembered failure can hide a weak strategy (`attempts`: a few trusted test processes take the mutants in turn,
in parallel). A mutant that
survives any of its R runs is a weakness of the tests, unless it is listed, with a one-line reason, as
equivalent in `checks/hidden/<kata>.equivalent.toml`:

    [[equivalent]]
    was = "if n < 1:"
    now = "if n <= 1:"
    why = "n == 1 is refused by ... as well"
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dojo import manifest, profiles
from dojo.authoring.attempts import first_attempts
from dojo.authoring.mutants import Mutant, mutants
from dojo.manifest import ROOT, Kata


def run_kata(kata: Kata, impl: Path | str, profile: str = "learner", *extra: str,
             timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """One learner's first run of `kata` on `impl`: a fresh process, a fresh (empty) example database."""
    with tempfile.TemporaryDirectory(prefix="kata-examples-") as examples:
        environment = {**os.environ, **profiles.fresh_storage(Path(examples)), "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "dojo", "kata", kata.name, f"--impl={impl}", f"--kata-profile={profile}", *extra],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, env=environment)


def change(mutant: Mutant, original: str) -> tuple[str, str]:
    """The lines a mutant changes, before and after (as `ast.unparse` prints them): its identity in the
    equivalents file, which survives edits elsewhere in the reference."""
    lines = [line for line in mutant.diff(original).splitlines()[2:] if line[:1] in "+-"]
    return ("\n".join(line[1:].strip() for line in lines if line.startswith("-")),
            "\n".join(line[1:].strip() for line in lines if line.startswith("+")))


def equivalents_file(kata: Kata, root: Path = ROOT) -> Path:
    return root / "checks" / "hidden" / f"{kata.name}.equivalent.toml"


def equivalents(kata: Kata, root: Path = ROOT) -> dict[tuple[str, str], str]:
    path = equivalents_file(kata, root)
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    for number, entry in enumerate(entries, 1):
        if not all(isinstance(entry.get(key), str) for key in ("was", "now", "why")) or not entry["why"].strip():
            raise ValueError(f"{path.relative_to(root)}, entry {number}: needs `was`, `now` and a non-empty `why`")
    return {(entry["was"].strip(), entry["now"].strip()): entry["why"] for entry in entries}


@dataclass
class Verdict:
    mutant: Mutant
    change: tuple[str, str]
    kills: int = 0
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    equivalent: str = ""

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.kills == self.runs:
            return "killed"
        return "equivalent" if self.equivalent else ("survived" if self.kills == 0 else "sometimes")


def audit_kata(kata: Kata, runs: int, jobs: int) -> tuple[list[Verdict], float]:
    started = time.perf_counter()
    original = kata.reference().read_text(encoding="utf-8")
    known = equivalents(kata)
    verdicts = [Verdict(m, change(m, original)) for m in mutants(original)]
    for verdict in verdicts:
        verdict.equivalent = known.get(verdict.change, "")
    for _ in range(runs):  # a run is a pass over every mutant, each a first attempt stopped at its first failure
        attempts = first_attempts(kata, [v.mutant.source + "\n" for v in verdicts], jobs=jobs,
                                  stop_at_first_failure=[True] * len(verdicts))
        for verdict, attempt in zip(verdicts, attempts, strict=True):
            if attempt.outcomes is None:
                verdict.errors.append("the run did not finish")
                continue
            verdict.runs += 1
            verdict.kills += attempt.caught
    return verdicts, time.perf_counter() - started


def report(kata: Kata, verdicts: list[Verdict], seconds: float, runs: int) -> tuple[str, dict[str, object]]:
    counts = {status: sum(v.status == status for v in verdicts)
              for status in ("killed", "equivalent", "survived", "sometimes", "error")}
    figures = {"kata": kata.name, "mutants": len(verdicts), **counts, "runs": runs, "seconds": round(seconds, 1)}
    lines = [f"== {kata.name}: {len(verdicts)} mutants, {counts['killed']} killed in {runs} of {runs} runs, "
             f"{counts['equivalent']} equivalent, {counts['survived']} survived, {counts['sometimes']} killed only "
             f"sometimes, {counts['error']} errors ({seconds:.0f} s)"]
    original = kata.reference().read_text(encoding="utf-8")
    for verdict in verdicts:
        if verdict.status == "killed":
            continue
        mutant = verdict.mutant
        lines.append(f"  mutant {mutant.number} ({mutant.operator}), {mutant.description}: {verdict.status}, "
                     f"killed in {verdict.kills} of {verdict.runs} runs")
        if verdict.equivalent:
            lines.append(f"    equivalent: {verdict.equivalent}")
        else:
            lines += ["    " + line for line in mutant.diff(original).splitlines()[2:]]
            lines += ["    " + error for error in verdict.errors]
    stale = set(equivalents(kata)) - {v.change for v in verdicts}
    lines += [f"  stale entry in {equivalents_file(kata).name} (no such mutant now): {was!r} -> {now!r}"
              for was, now in sorted(stale)]
    return "\n".join(lines), figures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="katas to audit (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs per mutant, each with an empty example database")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants run at once")
    parser.add_argument("--json", type=Path, help="also write the figures per kata to FILE")


def main(args: argparse.Namespace) -> int:
    katas: Sequence[Kata] = [manifest.get(n) for n in args.names] if args.names else manifest.load()
    figures = []
    weak = 0
    started = time.perf_counter()
    for kata in katas:
        baseline = run_kata(kata, "solutions")
        if baseline.returncode != 0:
            print(f"== {kata.name}: the reference itself fails its tests; fix that first.\n{baseline.stdout[-2000:]}")
            weak += 1
            continue
        verdicts, seconds = audit_kata(kata, args.runs, args.jobs)
        text, numbers = report(kata, verdicts, seconds, args.runs)
        print(text, flush=True)
        figures.append(numbers)
        weak += sum(v.status in ("survived", "sometimes", "error") for v in verdicts)
    print(f"audit: {len(katas)} katas, {sum(int(f['mutants']) for f in figures)} mutants, "
          f"{weak} unexplained survivors or errors, {time.perf_counter() - started:.0f} s with {args.jobs} jobs")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 1 if weak else 0


