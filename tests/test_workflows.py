"""The repository's own GitHub Actions workflows parse, and the learner's path runs on the three systems
learners use (they run on GitHub; here they are read, not run)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dojo.manifest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_parses_and_has_jobs_with_steps(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["jobs"], f"{path.name} has no jobs"
    for name, job in workflow["jobs"].items():
        assert job.get("steps"), f"{path.name}: job {name} has no steps"


def test_the_learner_workflow_runs_the_first_kata_on_linux_macos_and_windows() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "learner.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["learner"]
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "pip install 'nox[uv]'" in commands
    assert "nox -s kata -- palindrome" in commands
    assert "palindrome: not started yet" in commands
