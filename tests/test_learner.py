"""The learner's loop as a new user meets it: hints, progress, the reference after solving, watch mode,
and failure output that teaches, for each kind of kata."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dojo.learner import loop as learner
from dojo.manifest import ROOT

SAMPLES = ROOT / "tests" / "samples"


def dojo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dojo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "NO_COLOR": "1"})


def submission(tmp_path: Path, kata: str, source: Path) -> Path:
    shutil.copy(source, tmp_path / f"{kata}.py")
    return tmp_path


def test_each_hint_request_shows_the_next_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state.json"
    learner.hint("palindrome", state)
    first = capsys.readouterr().out
    learner.hint("palindrome", state)
    second = capsys.readouterr().out
    assert "hint 1 of" in first
    assert "hint 2 of" in second
    assert first.splitlines()[1] != second.splitlines()[1]


def test_the_solution_is_refused_before_solving_and_shown_after(tmp_path: Path) -> None:
    (tmp_path / "wrong").mkdir()
    wrong = submission(tmp_path / "wrong", "palindrome", SAMPLES / "palindrome" / "bug_lower.py")
    refused = dojo("solution", "palindrome", f"--impl={wrong}")
    assert refused.returncode == 1
    assert "solve it first" in refused.stdout
    assert "casefold()" not in refused.stdout
    (tmp_path / "right").mkdir()
    right = submission(tmp_path / "right", "palindrome", SAMPLES / "palindrome" / "correct_two_pointers.py")
    shown = dojo("solution", "palindrome", f"--impl={right}")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "The reference solution" in shown.stdout
    assert ".casefold()" in shown.stdout
    assert "Differences worth studying" in shown.stdout


def test_progress_lists_every_kata_and_names_the_next_one() -> None:
    result = dojo("progress")
    assert result.returncode == 0, result.stderr
    for name in ("palindrome", "top_salaries", "duplicates", "counter"):
        assert name in result.stdout
    assert "Next: palindrome" in result.stdout
    assert "\x1b[" not in result.stdout  # piped: plain text


def test_a_wrong_palindrome_shows_the_counterexample_and_the_learners_line(tmp_path: Path) -> None:
    wrong = submission(tmp_path, "palindrome", SAMPLES / "palindrome" / "bug_lower.py")
    result = dojo("kata", "palindrome", f"--impl={wrong}")
    assert result.returncode == 1
    assert "✗ folds sharp s to ss [public]" in result.stdout
    assert "Called is_palindrome('ßSS'); returned False; expected True." in result.stdout
    assert "palindrome.py, line 5:\n          return s == s[::-1]" in result.stdout
    assert "nox -s hint -- palindrome" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_crash_shows_the_learners_traceback_frames(tmp_path: Path) -> None:
    (tmp_path / "palindrome.py").write_text("def is_palindrome(text):\n    return text[0] == text[-1]\n")
    result = dojo("kata", "palindrome", f"--impl={tmp_path}")
    assert "Called is_palindrome(''); raised IndexError: string index out of range" in result.stdout
    assert "palindrome.py, line 2, in is_palindrome\n          return text[0] == text[-1]" in result.stdout
    assert "site-packages" not in result.stdout


def test_a_wrong_query_shows_its_sql_the_table_and_both_row_lists(tmp_path: Path) -> None:
    result = dojo("kata", "top_salaries", "--kata-db=sqlite://",
                  f"--impl={submission(tmp_path, 'top_salaries', SAMPLES / 'top_salaries' / 'bug_no_distinct.py')}")
    assert result.returncode == 1
    assert "on sqlite it compiled to:" in result.stdout
    assert "SELECT employee.salary" in result.stdout
    assert re.search(r"id +\| name +\| department +\| salary", result.stdout), result.stdout
    assert "Returned (" in result.stdout
    assert "Expected (" in result.stdout


def test_a_racy_counter_shows_the_lost_updates_and_points_at_a_lock(tmp_path: Path) -> None:
    result = dojo("kata", "counter",
                  f"--impl={submission(tmp_path, 'counter', SAMPLES / 'counter' / 'bug_unlocked_increment.py')}")
    assert result.returncode == 1
    assert "4 threads each called increment(1) 100 times" in result.stdout
    assert "updates lost" in result.stdout
    assert "threading.Lock" in result.stdout


def test_a_wrong_upload_endpoint_shows_the_request_the_response_and_the_rule(tmp_path: Path) -> None:
    wrong = submission(tmp_path, "file_upload", SAMPLES / "file_upload" / "bug_415_as_400.py")
    result = dojo("kata", "file_upload", f"--impl={wrong}")
    assert result.returncode == 1
    assert "Sent POST /files with field 'file', filename 'x.html', 6 bytes of text/html." in result.stdout
    assert "The response: 400" in result.stdout
    assert "The rule: types outside allowed_types are refused (expected status 415, got 400)" in result.stdout


def test_watch_reruns_the_kata_when_its_file_is_saved(tmp_path: Path) -> None:
    shutil.copy(ROOT / "katas" / "palindrome.py", tmp_path / "palindrome.py")
    seen: list[str] = []
    with subprocess.Popen([sys.executable, "-m", "dojo", "watch", "palindrome", f"--impl={tmp_path}"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        stream = process.stdout

        def read_until(text: str, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                line = stream.readline()
                seen.append(line)
                if text in line:
                    return
            raise AssertionError(f"never saw {text!r} in:\n{''.join(seen)}")

        try:
            read_until("watching", 120)
            time.sleep(0.5)
            shutil.copy(ROOT / "solutions" / "palindrome.py", tmp_path / "palindrome.py")
            read_until("palindrome: solved", 120)
        finally:
            process.send_signal(signal.SIGINT)
            seen.append(stream.read())
            assert process.wait(timeout=30) == 0
    output = "".join(seen)
    assert output.count("== palindrome") == 2
    assert "not started yet" in output
