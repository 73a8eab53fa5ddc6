"""Hypothesis profiles. The trusted test process loads one; code under test runs elsewhere and cannot change it."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
    # grading: every student meets the same examples, so the same work always gets the same score.
    settings.register_profile(GRADING, max_examples=300, derandomize=True, database=None, **_COMMON)


def default() -> str:
    """KATA_PROFILE if set, `ci` under CI, else `learner`."""
    return os.environ.get("KATA_PROFILE") or (CI if os.environ.get("CI") else LEARNER)


def derandomized(name: str) -> bool:
    """Whether the profile draws the same examples in every run (so a test's answers decide its course)."""
    register()
    return bool(settings.get_profile(name).derandomize)
