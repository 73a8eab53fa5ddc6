"""The kata set proves itself: every untouched stub is 'not started', every reference solves its kata (both
through the learner's own command), and for each kata a set of correct and buggy implementations is told apart
on a learner's first attempt (the learner profile, no example database), so a bug is caught by a pinned example
or a strategy aimed at it, not by the luck of a remembered failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dojo import manifest
from dojo.authoring.attempts import Attempt, first_attempts
from dojo.authoring.audit import run_kata
from dojo.manifest import ROOT, Kata

SAMPLES = ROOT / "tests" / "samples"


@pytest.mark.parametrize("kata", manifest.load(), ids=lambda k: k.name)
def test_an_untouched_stub_is_reported_as_not_started(kata: Kata) -> None:
    result = run_kata(kata, "katas")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{kata.name}: not started yet: open katas/{kata.name}.py" in result.stdout


@pytest.mark.parametrize("kata", manifest.load(), ids=lambda k: k.name)
def test_the_reference_copied_over_the_stub_solves_the_kata(kata: Kata, tmp_path: Path) -> None:
    shutil.copy(kata.reference(), tmp_path / f"{kata.name}.py")
    result = run_kata(kata, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{kata.name}: solved" in result.stdout


def samples() -> list[tuple[str, Path]]:
    return [(folder.name, path) for folder in sorted(SAMPLES.iterdir()) for path in sorted(folder.glob("*.py"))]


@pytest.fixture(scope="module")
def sample_attempts(request: pytest.FixtureRequest) -> Iterator[dict[Path, Callable[[], Attempt]]]:
    """Every selected sample's first attempt: a batch per kata (one trusted process takes its samples in turn),
    the katas' batches on all cores at once."""
    postgresql = bool(os.environ.get("KATA_DATABASE_URL"))
    selected = [item.callspec.params for item in request.session.items
                if item.originalname == "test_correct_samples_pass_and_buggy_samples_are_caught"
                and (postgresql or "postgresql_only" not in item.callspec.params["sample"].stem)]
    by_kata: dict[str, list[Path]] = {}
    for params in selected:
        by_kata.setdefault(params["kata_name"], []).append(params["sample"])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as executor:
        # A buggy sample is caught at its first failing test; the rest of its run would change nothing.
        futures = {name: executor.submit(first_attempts, manifest.get(name),
                                         [path.read_text(encoding="utf-8") for path in paths], jobs=1,
                                         stop_at_first_failure=[not p.stem.startswith("correct") for p in paths])
                   for name, paths in by_kata.items()}
        yield {path: (lambda name=name, index=index: futures[name].result()[index])
               for name, paths in by_kata.items() for index, path in enumerate(paths)}


@pytest.mark.parametrize(("kata_name", "sample"), samples(), ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_correct_samples_pass_and_buggy_samples_are_caught(
    kata_name: str, sample: Path, sample_attempts: dict[Path, Callable[[], Attempt]]
) -> None:
    if "postgresql_only" in sample.stem and not os.environ.get("KATA_DATABASE_URL"):
        pytest.skip("this bug shows only on PostgreSQL: set KATA_DATABASE_URL (CI does)")
    attempt = sample_attempts[sample]()
    assert attempt.outcomes is not None, f"{sample.name}: its run did not finish"
    if sample.stem.startswith("correct"):
        assert attempt.passed, f"{sample.name} is correct but was failed:\n" + "\n\n".join(
            f"{requirement}:\n{message}" for requirement, message in attempt.failures.items())
    else:
        assert attempt.caught, f"{sample.name} is buggy but passed every test"
