"""Hypothesis profiles. The trusted test process loads one; code under test runs elsewhere and cannot change it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import HealthCheck, settings

from dojo.manifest import ROOT

LEARNER, CI, GRADING = "learner", "ci", "grading"
NAMES = (LEARNER, CI, GRADING)

# Calls cross a process boundary, so per-example timing says little about the learner's code:
# hangs are caught by the worker's call deadline instead of Hypothesis's deadline.
_COMMON = {
    "deadline": None,
    # The `kata` fixture is per test on purpose: after a hang, the rest of that test fails fast.
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


def register() -> None:
    # learner: failures are saved in .hypothesis/ and replayed first on the next run.
    settings.register_profile(LEARNER, max_examples=100, **_COMMON)
    settings.register_profile(CI, max_examples=100, database=None, print_blob=True, **_COMMON)
    # grading: every student meets the same examples, so the same work always gets the same score. As many as a
    # learner's run draws: the hidden tests' power comes from pinned examples and strategies aimed at each trap,
    # which catch every sample bug in every learner run (the kata-set check proves it), not from drawing more.
    settings.register_profile(GRADING, max_examples=100, derandomize=True, database=None, **_COMMON)


# Hypothesis keeps its example database and a cache of Unicode tables (about a second of CPU to rebuild) in its
# storage folder. Processes that use no example database (batches: the grader's, the audit's) share the project's
# folder; a learner's first run gets an empty folder of its own, seeded with the tables.
STORAGE = ROOT / ".hypothesis"
UNICODE_DATA = "unicode_data"


def shared_storage() -> dict[str, str]:
    """The environment for a process that keeps no examples: the project's storage folder."""
    return {"HYPOTHESIS_STORAGE_DIRECTORY": str(STORAGE)}


def fresh_storage(folder: Path) -> dict[str, str]:
    """The environment for a first run: an empty example database in `folder`, with the Unicode tables."""
    if (STORAGE / UNICODE_DATA).is_dir():
        shutil.copytree(STORAGE / UNICODE_DATA, folder / UNICODE_DATA, dirs_exist_ok=True)
    return {"HYPOTHESIS_STORAGE_DIRECTORY": str(folder)}


def default() -> str:
    """KATA_PROFILE if set, `ci` under CI, else `learner`."""
    return os.environ.get("KATA_PROFILE") or (CI if os.environ.get("CI") else LEARNER)


def derandomized(name: str) -> bool:
    """Whether the profile draws the same examples in every run (so a test's answers decide its course)."""
    register()
    return bool(settings.get_profile(name).derandomize)
