"""The learner's loop as a new user meets it: hints, progress, the reference after solving, watch mode,
and failure output that teaches, for each kind of kata."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.learner_loop import CTRL_C, Terminal
from dojo import manifest
from dojo.learner import loop as learner
from dojo.learner import runner
from dojo.manifest import ROOT
from dojo.scoring import Outcome
from dojo.trusted import results
from dojo.trusted.results import cause
from dojo.trusted.submissions import Implementation

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
    assert re.search(r"palindrome.py, line \d+:\n {10}return s == s\[::-1\]", result.stdout)
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



# One cause, one message.

def test_one_missing_distinct_is_shown_in_full_once_and_every_other_failure_points_at_it(tmp_path: Path) -> None:
    wrong = submission(tmp_path, "top_salaries", SAMPLES / "top_salaries" / "bug_no_distinct.py")
    result = dojo("kata", "top_salaries", "--kata-db=sqlite://", f"--impl={wrong}")
    assert result.returncode == 1
    assert result.stdout.count("it compiled to:") == 1
    references = re.findall(r'Same cause as "(.+?)": the same SQL statement from top_salaries, on sqlite\.',
                            result.stdout)
    assert len(references) == result.stdout.count("  ✗ ") - 1
    assert set(references) == {"top three distinct salaries of the example (sqlite)"}


def test_a_syntax_error_is_stated_once_for_the_whole_kata(tmp_path: Path) -> None:
    (tmp_path / "palindrome.py").write_text("def is_palindrome(text):\n    return text ==\n")
    result = dojo("kata", "palindrome", f"--impl={tmp_path}")
    assert result.returncode == 1
    assert result.stdout.count("syntax error") == 1
    assert result.stdout.count("✗") == 1
    assert "no requirement can be checked until" in result.stdout
    assert "0 of 13 requirements met (13 not checked until the module loads)" in result.stdout


def test_a_missing_module_is_stated_once_for_the_whole_kata(tmp_path: Path) -> None:
    result = dojo("kata", "palindrome", f"--impl={tmp_path}")
    assert result.stdout.count("does not exist") == 1
    assert result.stdout.count("✗") == 1


RETURNED = ("Called is_palindrome({text!r}); returned False; expected True.\n"
            "It returned that at katas/palindrome.py, line {line}:\n    return s == s[::-1]")
RAISED = ("Called is_palindrome({text!r}); raised IndexError: string index out of range\n"
          "  katas/palindrome.py, line {line}, in is_palindrome\n    return text[0] == text[-1]")
COMPILED = ("Called top_salaries({n}); on sqlite it compiled to:\n    SELECT employee.salary\n    FROM employee\n"
            "    ORDER BY employee.salary DESC\n     LIMIT ? OFFSET ?\n    with parameters [{n}, 0]\n"
            "On these tables:\n  employee (0 rows)\nThe rows or their order differ.")


def test_failures_share_a_cause_when_the_same_line_returns_the_same_kind_of_wrong_answer() -> None:
    assert cause(RETURNED.format(text="ßSS", line=5)) == cause(RETURNED.format(text="µμ", line=5))
    assert cause(RETURNED.format(text="ßSS", line=5)) != cause(RETURNED.format(text="ßSS", line=7))
    no_error = ("Called is_palindrome(b'ab'); returned False; expected it to raise TypeError.\n"
                "It returned that at katas/palindrome.py, line 5:\n    return s == s[::-1]")
    assert cause(no_error) != cause(RETURNED.format(text="ßSS", line=5))


def test_failures_share_a_cause_when_the_same_line_raises_the_same_exception() -> None:
    assert cause(RAISED.format(text="", line=2)) == cause(RAISED.format(text="?", line=2))
    assert cause(RAISED.format(text="", line=2)) != cause(RAISED.format(text="", line=3))
    assert cause(RAISED.format(text="", line=2)).place == "IndexError raised at katas/palindrome.py, line 2"
    served = ("Sent POST /files with field 'file', filename {name!r}, 6 bytes of text/plain.\nThe response: 500\n"
              "Your app raised OSError: [Errno 36] File name too long\n"
              "  katas/file_upload.py, line 40, in upload\n    path.write_bytes(data)")
    assert cause(served.format(name="a" * 300)) == cause(served.format(name="b" * 400))


def test_failures_share_a_cause_when_the_same_statement_fails_whatever_its_parameters() -> None:
    assert cause(COMPILED.format(n=3)) == cause(COMPILED.format(n=2))
    assert cause(COMPILED.format(n=3)) != cause(COMPILED.format(n=3).replace("on sqlite", "on postgresql"))
    assert cause(COMPILED.format(n=3)) != cause(COMPILED.format(n=3).replace(" DESC", ""))


def test_other_failures_share_a_cause_only_when_their_messages_are_identical() -> None:
    load = "katas/palindrome.py, line 2: syntax error: invalid syntax"
    assert cause(load, "LoadFailure") == cause(load + "\n", "LoadFailure")
    assert cause("The response: 400", "KataFailure") != cause("The response: 500", "KataFailure")
    hung = "Called is_palindrome('a'); it did not return within 10 s: an endless loop?"
    assert cause(hung) == cause("Not run: is_palindrome hung 2 times already. The first time:\n" + hung)


def result(kata: str, requirement: str, outcome: Outcome, message: str = "",
           group: str = "public") -> results.TestResult:
    nodeid = f"checks/{group}/test_{kata}.py::{requirement}"
    return results.TestResult(nodeid, kata, group, requirement, outcome, message)


def test_several_katas_are_shown_one_after_the_other_even_when_their_tests_interleave() -> None:
    katas = [manifest.get("top_salaries"), manifest.get("duplicates")]
    first = [result("top_salaries", f"t{i}", Outcome.PASSED) for i in range(2)]
    second = [result("duplicates", f"d{i}", Outcome.PASSED) for i in range(2)]
    shown: list[str] = []
    finished: list[str] = []
    feed = runner.Feed(katas, Implementation.parse("katas"), lambda line: shown.append(line[1]),
                       lambda report: finished.append(report.kata.name))
    feed.collected([*first, *second], [])
    for each in (first[0], second[0], second[1]):
        feed.finished(each)
    assert shown[1:] == ["  ✓ t0 [public]"]  # duplicates' results wait for top_salaries to finish
    feed.finished(first[1])
    assert [line.split(":")[0] for line in shown if not line.startswith(" ")] == [
        "== top_salaries", "top_salaries", "== duplicates", "duplicates"]
    assert shown.index("  ✓ t1 [public]") < shown.index("  ✓ d0 [public]")
    assert finished == ["top_salaries", "duplicates"]


def test_without_hidden_tests_passing_says_hidden_tests_run_at_grading_and_never_solved() -> None:
    kata = manifest.get("palindrome")
    passed = runner.KataReport(kata, [result("palindrome", "r", Outcome.PASSED)], has_hidden=False)
    rendered = "\n".join(line for _, line in runner.render(passed, Implementation.parse("katas")))
    table = runner.summary_table([passed])
    for text in (rendered, table):
        assert "public tests pass; hidden tests run at grading" in text
        assert "solved" not in text
    assert runner.status(runner.KataReport(kata, passed.results, has_hidden=True)) == "solved"


# Hints: a nudge, then a concept, never the answer.

def _called_names(source: str) -> set[str]:
    calls = [node.func for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    return {call.id if isinstance(call, ast.Name) else call.attr for call in calls
            if isinstance(call, ast.Name | ast.Attribute)}


@pytest.mark.parametrize("kata", manifest.load(), ids=lambda kata: kata.name)
def test_hints_are_words_that_cannot_be_pasted_as_the_answer(kata: manifest.Kata) -> None:
    stub = kata.stub().read_text(encoding="utf-8")
    # Names the reference calls that the prompt does not already give (short ones are everyday words).
    answers = {name for name in _called_names(kata.reference().read_text(encoding="utf-8"))
               if len(name) >= 7 and not re.search(rf"\b{name}\b", stub)}
    for text in kata.hints:
        assert not re.search(r"`|\b[A-Za-z_]\w*\.[A-Za-z_]\w{2,}", text), f"hint quotes code: {text}"
        named = [name for name in answers if re.search(rf"\b{name}\b", text)]
        assert not named, f"hint names {named} from the reference: {text}"


# The reference after solving.

def test_the_solution_diff_compares_code_not_the_prompt_docstrings() -> None:
    stub = (ROOT / "katas" / "palindrome.py").read_text(encoding="utf-8")
    code = learner.code_lines(stub)
    assert not any("Palindromes, the Unicode way" in line or "Raise TypeError" in line for line in code)
    assert "def is_palindrome(text: str) -> bool:" in code
    assert "    raise NotImplementedError" in code


# Progress reuses what has not changed.

def test_progress_reuses_each_unchanged_kata_and_reruns_a_changed_one(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "palindrome" / "bug_lower.py", tmp_path / "palindrome.py")
    first = dojo("progress", f"--impl={tmp_path}")
    assert first.returncode == 0, first.stderr
    assert "reused" not in first.stdout
    assert re.search(r"palindrome: checked: \d+ of 13 requirements met", first.stdout)
    again = dojo("progress", f"--impl={tmp_path}")
    for kata in manifest.load():
        assert f"{kata.name}: unchanged since the last run: reused" in again.stdout
    assert "checked" not in again.stdout
    assert again.stdout.split("Your katas", 1)[1] == first.stdout.split("Your katas", 1)[1]
    shutil.copy(SAMPLES / "palindrome" / "correct_two_pointers.py", tmp_path / "palindrome.py")
    changed = dojo("progress", f"--impl={tmp_path}")
    assert "palindrome: checked: solved" in changed.stdout
    assert "palindrome: unchanged" not in changed.stdout
    assert "top_salaries: unchanged since the last run: reused" in changed.stdout


# Through a real terminal: streaming, watch mode, Ctrl-C.

# A correct palindrome that, given anything but a str, waits until RELEASE exists: the run stops there for
# as long as the test wants. It writes its worker's pid to PID_FILE when it loads.
GATED = """\
import os
import time

with open({pid_file!r}, "w") as file:
    file.write(str(os.getpid()))


def is_palindrome(text):
    if not isinstance(text, str):
        while not os.path.exists({release!r}):
            time.sleep(0.01)
        raise TypeError("not a str")
    kept = "".join(c for c in text if c.isalnum()).casefold()
    return kept == kept[::-1]
"""


def gated(folder: Path) -> tuple[Path, Path]:
    release, pid_file = folder.parent / f"{folder.name}-release", folder.parent / f"{folder.name}-pid"
    (folder / "palindrome.py").write_text(GATED.format(release=str(release), pid_file=str(pid_file)))
    return release, pid_file


def _ended(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended; only its parent's reaping is left


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def test_a_kata_run_shows_each_requirement_as_its_test_ends(tmp_path: Path, terminals: list[Terminal]) -> None:
    release, _ = gated(tmp_path)
    terminal = Terminal("kata", "palindrome", f"--impl={tmp_path}")
    terminals.append(terminal)
    before = terminal.wait_for(r"✓ folds sharp s to ss \[public\]")
    # The run is held inside the next test (None is not a str), yet the requirements before it are on screen.
    assert "refuses none" not in terminal.text
    assert terminal.process.poll() is None
    release.touch()
    after = terminal.wait_for(r"✓ refuses none with type error \[public\]")
    end = terminal.wait_for("palindrome: solved: all 13 requirements met")
    assert before < after < end
    assert terminal.exit_status() == 0


def test_watch_shows_running_at_once_then_each_result_and_rereads_the_module_on_every_save(
        tmp_path: Path, terminals: list[Terminal]) -> None:
    module = tmp_path / "palindrome.py"
    shutil.copy(ROOT / "katas" / "palindrome.py", module)
    terminal = Terminal("watch", "palindrome", f"--impl={tmp_path}")
    terminals.append(terminal)
    position = terminal.wait_for("not started yet")
    for source, verdict in ((SAMPLES / "palindrome" / "bug_lower.py", r"palindrome: \d+ of 13 requirements met"),
                            (SAMPLES / "palindrome" / "correct_reversed.py", "palindrome: solved"),
                            (ROOT / "katas" / "palindrome.py", "not started yet")):
        position = terminal.wait_for("watching .*palindrome.py: save to run again", position)
        shutil.copy(source, module)
        running = terminal.wait_for(r"palindrome: running the tests \(.*palindrome.py saved at", position)
        header = terminal.wait_for("== palindrome: Palindromes, the Unicode way", running)
        position = terminal.wait_for(verdict, header)
    assert "✗ folds sharp s to ss [public]" in terminal.text
    terminal.type(CTRL_C)
    terminal.wait_for("stopped watching.", position)
    assert terminal.exit_status() == 0
    assert "Traceback" not in terminal.text


def test_ctrl_c_during_a_watch_run_stops_cleanly_and_leaves_no_learner_process(
        tmp_path: Path, terminals: list[Terminal]) -> None:
    release, pid_file = gated(tmp_path)
    terminal = Terminal("watch", "palindrome", f"--impl={tmp_path}")
    terminals.append(terminal)
    terminal.wait_for(r"✓ folds sharp s to ss \[public\]")  # held in the next test, which waits for release
    terminal.type(CTRL_C)
    terminal.wait_for("stopped watching.")
    assert terminal.exit_status() == 0
    assert "Traceback" not in terminal.text
    assert not release.exists()
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 60
    while not _ended(worker):
        assert time.monotonic() < deadline, f"the learner's worker {worker} outlived watch mode"
        time.sleep(0.1)


def test_ctrl_c_while_watch_waits_for_a_save_stops_cleanly(tmp_path: Path, terminals: list[Terminal]) -> None:
    shutil.copy(ROOT / "katas" / "palindrome.py", tmp_path / "palindrome.py")
    terminal = Terminal("watch", "palindrome", f"--impl={tmp_path}")
    terminals.append(terminal)
    terminal.wait_for("watching .*palindrome.py: save to run again")
    terminal.type(CTRL_C)
    terminal.wait_for("stopped watching.")
    assert terminal.exit_status() == 0
    assert "Traceback" not in terminal.text


def test_watch_without_a_name_moves_on_to_the_next_kata_once_one_is_solved(
        tmp_path: Path, terminals: list[Terminal]) -> None:
    for stub in (ROOT / "katas").glob("*.py"):
        shutil.copy(stub, tmp_path)
    shutil.copy(SAMPLES / "palindrome" / "correct_reversed.py", tmp_path / "palindrome.py")
    terminal = Terminal("watch", f"--impl={tmp_path}")
    terminals.append(terminal)
    solved = terminal.wait_for("palindrome: solved")
    following = terminal.wait_for(r"top_salaries: running the tests \(the next kata\)", solved)
    terminal.wait_for("watching .*top_salaries.py: save to run again", following)
    terminal.type(CTRL_C)
    terminal.wait_for("stopped watching.")
    assert terminal.exit_status() == 0
