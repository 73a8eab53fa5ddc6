"""The kata set proves itself: every untouched stub is 'not started', every reference solves its kata,
and for each kata a set of correct and buggy implementations is told apart."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dojo import manifest
from dojo.manifest import ROOT, Kata

SAMPLES = ROOT / "tests" / "samples"


def run_kata(kata: Kata, impl: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dojo", "kata", kata.name, f"--impl={impl}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )


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


@pytest.mark.parametrize(("kata_name", "sample"), samples(), ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_correct_samples_pass_and_buggy_samples_are_caught(kata_name: str, sample: Path, tmp_path: Path) -> None:
    shutil.copy(sample, tmp_path / f"{kata_name}.py")
    result = run_kata(manifest.get(kata_name), tmp_path)
    if sample.stem.startswith("correct"):
        assert result.returncode == 0, f"{sample.name} is correct but was failed:\n{result.stdout}"
    else:
        assert result.returncode == 1, f"{sample.name} is buggy but passed:\n{result.stdout}"
        assert "requirements met" in result.stdout, result.stdout + result.stderr
