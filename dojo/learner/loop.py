"""The learner's loop around the runner: progress, hints, the reference after solving, and watch mode.

Hints shown are remembered in `.dojo-state.json` at the project root (git-ignored; delete it to start over).
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from dojo import manifest
from dojo.learner import runner
from dojo.manifest import ROOT, Kata
from dojo.trusted.submissions import Implementation, display_path

STATE = ROOT / ".dojo-state.json"


def load_state(path: Path = STATE) -> dict[str, dict[str, int]]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"hints": {}}
    return state if isinstance(state, dict) and isinstance(state.get("hints"), dict) else {"hints": {}}


def hint(name: str, path: Path = STATE) -> int:
    """Show the next hint for `name`, and remember that it was shown."""
    kata = manifest.get(name)
    state = load_state(path)
    shown = int(state["hints"].get(kata.name, 0))
    if shown >= len(kata.hints):
        print(f"{kata.name}: that was the last hint ({len(kata.hints)} of {len(kata.hints)}). All of them:")
        for number, text in enumerate(kata.hints, 1):
            print(f"  {number}. {text}")
        return 0
    print(f"{kata.name}, hint {shown + 1} of {len(kata.hints)}:\n  {kata.hints[shown]}")
    state["hints"][kata.name] = shown + 1
    path.write_text(json.dumps(state, indent=1), encoding="utf-8")
    if shown + 1 < len(kata.hints):
        print(f"Still stuck? `nox -s hint -- {kata.name}` again shows the next one.")
    return 0


def _status(report: runner.KataReport) -> str:
    if report.solved:
        return "solved"
    if report.not_started:
        return "not started"
    return f"failing ({report.passed} of {len(report.results)} requirements)"


def progress(impl: str = "katas") -> int:
    """A table of every kata with its status for the learner's current code, and what to do next."""
    reports, _ = runner.collect(manifest.load(), impl)
    console = runner.console()
    table = Table(title="Your katas", show_lines=False)
    for column in ("#", "kata", "difficulty", "points", "status", "hints"):
        table.add_column(column)
    hints = load_state()["hints"]
    for report in reports:
        kata = report.kata
        status = _status(report)
        style = "green" if report.solved else ("dim" if report.not_started else "yellow")
        table.add_row(str(kata.order + 1), f"{kata.name}: {kata.title}", kata.difficulty, f"{kata.max_points:g}",
                      f"[{style}]{status}[/]", f"{hints.get(kata.name, 0)}/{len(kata.hints)}")
    console.print(table)
    solved = sum(r.solved for r in reports)
    met = sum(r.passed for r in reports)
    total = sum(len(r.results) for r in reports)
    width = 30
    filled = round(width * met / total) if total else 0
    console.print(f"[{'#' * filled}{'.' * (width - filled)}] {solved} of {len(reports)} katas solved, "
                  f"{met} of {total} requirements met", markup=False)
    upcoming = next((r.kata for r in reports if not r.solved), None)
    if upcoming is None:
        console.print("Every kata is solved. Compare yours with the references: `nox -s solution -- NAME`.")
    else:
        console.print(f"Next: {upcoming.name} ({upcoming.title}): open katas/{upcoming.name}.py, then "
                      f"`nox -s kata -- {upcoming.name}` (or `nox -s watch`).", markup=False)
    return 0


def solution(name: str, impl: str = "katas") -> int:
    """The reference, once the learner's own code passes; refused before that (as rustlings does)."""
    kata = manifest.get(name)
    (report,), _ = runner.collect([kata], impl)
    if not report.solved:
        print(f"{kata.name}: solve it first; the reference is shown once your code passes every test "
              f"({report.passed} of {len(report.results)} requirements met now). "
              f"`nox -s hint -- {kata.name}` helps without giving it away.")
        return 1
    mine = Implementation.parse(impl).module_path(kata)
    if not kata.reference().exists():
        print(f"{kata.name}: solved. The reference solutions are not part of this repository; your instructor "
              "shares them after grading.")
        return 0
    reference = kata.reference().read_text(encoding="utf-8")
    print(f"{kata.name}: solved. The reference solution ({display_path(kata.reference())}):\n")
    print(reference)
    diff = list(difflib.unified_diff(mine.read_text(encoding="utf-8").splitlines(), reference.splitlines(),
                                     fromfile=f"yours ({display_path(mine)})", tofile="reference", lineterm="", n=1))
    if diff:
        print("Differences worth studying (yours, then the reference): how each handles the type check, the "
              "edge cases and the cost on large inputs, and why the reference comments say what they say.\n")
        print("\n".join(diff))
    return 0


def next_unsolved(impl: str) -> Kata | None:
    reports, _ = runner.collect(manifest.load(), impl)
    return next((r.kata for r in reports if not r.solved), None)


def watch(names: Sequence[str], impl: str = "katas") -> int:
    """Rerun a kata each time its file is saved; without a name, follow the next unsolved kata."""
    from watchfiles import watch as changes

    implementation = Implementation.parse(impl)
    follow = not names
    kata = manifest.get(names[0]) if names else next_unsolved(impl)
    clear = sys.stdout.isatty()
    try:
        while kata is not None:
            path = implementation.module_path(kata)
            if clear:
                print("\033[2J\033[H", end="")
            done = subprocess.run([sys.executable, "-m", "dojo", "kata", kata.name, f"--impl={impl}"],
                                  cwd=Path.cwd(), check=False).returncode == 0
            if done and follow:
                kata = next_unsolved(impl)
                continue
            print(f"\nwatching {display_path(path)}: save it to run again (Ctrl-C to stop)", flush=True)
            for _ in changes(path, debounce=200, rust_timeout=0, raise_interrupt=True):
                break
    except KeyboardInterrupt:
        print("\nstopped watching.")
        return 0
    print("Every kata is solved.")
    return 0


def run(command: str, names: Sequence[str], impl: str) -> int:
    if command == "hint":
        return hint(names[0]) if names else _usage("hint")
    if command == "solution":
        return solution(names[0], impl) if names else _usage("solution")
    if command == "progress":
        return progress(impl)
    if command == "watch":
        return watch(names, impl)
    raise ValueError(command)


def _usage(command: str) -> int:
    print(f"usage: nox -s {command} -- NAME (one of: {', '.join(k.name for k in manifest.load())})",
          file=sys.stderr)
    return 2

