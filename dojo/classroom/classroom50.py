#!/usr/bin/env python3
"""Classroom 50's autograder for a kata assignment: the public tests, run through the dojo, scored under the
manifest's points, written as a `classroom50/result/v1` result.json.

`nox -s export` copies this file into every export as `autograder.py`. To use the assignment in Classroom 50,
copy the exported folder (without `.git`) to `<classroom>/autograders/<assignment>/` in the classroom's config
repository: Classroom 50 publishes that folder as the assignment's autograder bundle, and on each submission
its runner runs this file with the student's checkout as the working directory. The dojo and the public tests
of this folder (the instructor's copy, not the student's) then check the student's `katas/`. The bundle is
published on GitHub Pages, so hidden tests must never be in it: they stay with the instructor's
`nox -s grade`, whose score is the one that counts.

The contract, as read in foundation50/classroom50 (cli/gh-teacher/embed/autograder.py, the diagnostic stub's
docstring; cli/gh-teacher/skeleton/dotgithub/scripts/runner.py, `run_entrypoint`, `finalize_result` and
`validate_result`): the runner sets CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, USERNAME/OWNER, ASSIGNMENT_TYPE,
COMMIT_URL, RELEASE_URL and REVIEW_URL; this script writes `result.json` (and may write `release-body.md`) in
the working directory and exits 0 whenever grading ran, failing tests included (a non-zero exit is an
infrastructure error). Scores are non-negative integers, so points are counted here in hundredths: a kata of
10 points is worth 1000, and each test's share is its group's points over the group's number of tests,
rounded so that the shares add up exactly.

Standard library only: it runs under the runner's interpreter before anything is installed. `nox -s kata`
installs what the katas' kinds need; KATA_PYTHON names an interpreter that already has it (a prepared image).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

SCHEMA = "classroom50/result/v1"
HUNDREDTHS = 100  # result.json counts whole numbers: 1 point of the manifest is 100 there


def shares(total: int, count: int) -> list[int]:
    """`total` split into `count` whole shares that differ by at most one and add up to `total`."""
    if count == 0:
        return []
    base, extra = divmod(total, count)
    return [base + 1 if index < extra else base for index in range(count)]


def scored(katas: Sequence[Mapping[str, Any]], records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One result.json test per recorded test, in the order run: its share of its group's points (in
    hundredths) as max-score, all of it when it passed. Groups with no test here give nothing."""
    records = list(records)
    points = {kata["name"]: kata.get("points", {}) for kata in katas}
    share: dict[int, int] = {}
    for name, groups in points.items():
        for group, value in groups.items():
            members = [i for i, record in enumerate(records) if record["kata"] == name and record["group"] == group]
            share.update(zip(members, shares(round(value * HUNDREDTHS), len(members)), strict=True))
    tests = []
    for index, record in enumerate(records):
        if record["kata"] not in points:
            continue
        passed = record["outcome"] == "passed"
        worth = share.get(index, 0)
        tests.append({"test-name": f"{record['kata']}: {record['requirement']}", "passed": passed,
                      "score": worth if passed else 0, "max-score": worth})
    return tests


def result(tests: list[dict[str, Any]], environ: Mapping[str, str], now: datetime.datetime) -> dict[str, Any]:
    """The result.json payload. The runner stamps owner, assignment_type and datetime itself; they are
    filled here too, so a file made outside the runner is complete."""
    commit = environ.get("COMMIT_URL", "")
    return {
        "schema": SCHEMA,
        "classroom": environ.get("CLASSROOM", ""),
        "assignment": environ.get("ASSIGNMENT", ""),
        "assignment_type": environ.get("ASSIGNMENT_TYPE") or "individual",
        "owner": environ.get("OWNER") or environ.get("USERNAME", ""),
        "submission": environ.get("SUBMISSION_TAG", ""),
        "commit": commit,
        "release": environ.get("RELEASE_URL", ""),
        "review": environ.get("REVIEW_URL") or commit,
        "datetime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "score": sum(test["score"] for test in tests),
        "max-score": sum(test["max-score"] for test in tests),
        "tests": tests,
    }


def release_body(payload: Mapping[str, Any]) -> str:
    """The submission's release notes: the public score in points, each test, and what it leaves out."""
    lines = [f"### Public tests: {payload['score'] / HUNDREDTHS:g} of {payload['max-score'] / HUNDREDTHS:g} points",
             "", "| test | result | points |", "| --- | --- | --- |"]
    for test in payload["tests"]:
        name = test["test-name"].replace("|", "\\|")
        lines.append(f"| {name} | {'pass' if test['passed'] else 'FAIL'} | "
                     f"{test['score'] / HUNDREDTHS:g} of {test['max-score'] / HUNDREDTHS:g} |")
    lines += ["", "result.json counts hundredths of a point. These are the public tests only: the hidden tests "
              "run when your instructor grades the assignment, and that grade is the one that counts.", ""]
    return "\n".join(lines)


def run_public_tests(bundle: Path, submission: Path, names: Sequence[str], records: Path) -> None:
    """`nox -s kata` of this folder on the student's katas/, recording every test's outcome in `records`."""
    arguments = ["kata", *names, f"--impl={submission}", f"--kata-results={records}"]
    if python := os.environ.get("KATA_PYTHON"):
        command = [python, "-m", "dojo", *arguments]
    else:
        if subprocess.run([sys.executable, "-m", "nox", "--version"], capture_output=True, check=False).returncode:
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "nox[uv]"], check=True)
        command = [sys.executable, "-m", "nox", "--noxfile", str(bundle / "noxfile.py"), "-s", "kata", "--",
                   *arguments[1:]]
    # The learner's output (failures, the smallest failing inputs) goes to the workflow log as it is.
    subprocess.run(command, cwd=bundle, check=False, env={**os.environ, "NO_COLOR": "1"})


def main() -> int:
    bundle = Path(__file__).resolve().parent
    submission = Path.cwd()
    katas = tomllib.loads((bundle / "katas.toml").read_text(encoding="utf-8")).get("kata", [])
    with tempfile.TemporaryDirectory(prefix="classroom50-") as work:
        records = Path(work) / "results.json"
        run_public_tests(bundle, submission, [kata["name"] for kata in katas], records)
        if not records.exists():
            print("autograder: the public tests did not run (see the log above)", file=sys.stderr)
            return 1
        recorded = json.loads(records.read_text(encoding="utf-8"))["results"]
    payload = result(scored(katas, recorded), os.environ, datetime.datetime.now(datetime.UTC))
    (submission / "result.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (submission / "release-body.md").write_text(release_body(payload), encoding="utf-8")
    print(f"autograder: public tests {payload['score']}/{payload['max-score']} (hundredths of a point)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
