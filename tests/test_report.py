"""What the cohort's people read: the HTML report stays inside its charts and says what an instructor needs
(title, date, legend, status, names, a link to each student's feedback); feedback states each cause once;
scores carry at most two decimals; Gradescope's per-test points add up to the kata's."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dojo import scoring
from dojo.grading import report
from dojo.grading.report import Requirement
from dojo.scoring import Gradebook, KataGrade, Outcome, StudentGrade, points

SVG = "{http://www.w3.org/2000/svg}"
LONG = ("keeps every upload under storage_dir whatever the client calls the file, even with dot-dot segments, "
        "absolute paths and NUL bytes")
UNBROKEN = "x" * 90  # one word too long for the label column
GROUPS = {"public": 2.0, "hidden": 8.0}
REQUIREMENTS = {  # per requirement: its group
    "a word that reads the same backwards is a palindrome": "public",
    "refuses none with type error": "public",
    "folds sharp s to ss": "public",
    "follows the rule for any text": "hidden",
    LONG: "hidden",
    UNBROKEN: "hidden",
    "回文は前から読んでも後ろから読んでも同じ <&>": "hidden",
}
CATALOG = {"palindrome": {
    name: Requirement(group, group == "public", GROUPS[group] / sum(g == group for g in REQUIREMENTS.values()))
    for name, group in REQUIREMENTS.items()}}


def kata_grade(passing: set[str], message: str = "Called is_palindrome('ab'); returned True; expected False.",
               ) -> KataGrade:
    tests = [scoring.TestGrade(name, Outcome.PASSED if name in passing else Outcome.FAILED,
                       "" if name in passing else message) for name in REQUIREMENTS]
    score = points(GROUPS, [(REQUIREMENTS[t.name], t.outcome == Outcome.PASSED) for t in tests])
    status = Outcome.PASSED if len(passing) == len(REQUIREMENTS) else Outcome.FAILED
    return KataGrade(round(score, 4), 10.0, status, tests)


def missing(note: str = "no palindrome.py (expected katas/palindrome.py or palindrome.py)") -> KataGrade:
    return KataGrade(0.0, 10.0, Outcome.MISSING,
                     [scoring.TestGrade(name, Outcome.FAILED, note) for name in REQUIREMENTS], note)


SYNTAX = "palindrome.py, line 2: syntax error: invalid syntax\n        return text ==\nFix that line and run it again."
COHORT = Gradebook({"palindrome": 10.0}, [
    StudentGrade("ada", {"palindrome": kata_grade(set(REQUIREMENTS))}),
    StudentGrade("bo", {"palindrome": kata_grade({"folds sharp s to ss", LONG})}),
    StudentGrade("cy/../../etc", {"palindrome": KataGrade(
        0.0, 10.0, Outcome.ERROR, [scoring.TestGrade(n, Outcome.FAILED, SYNTAX) for n in REQUIREMENTS], SYNTAX)}),
    StudentGrade("empty", {"palindrome": missing()}),
])
PEOPLE = {"ada": {"name": "Ada Lovelace"}, "bo": {"name": "Bo Diddley"}}
FILES = {s.id: f"feedback/{s.id.replace('/', '_')}-0123456789.md" for s in COHORT.students}


@pytest.fixture(scope="module")
def page() -> str:
    return report.html(COHORT, PEOPLE, title="Week 1: palindromes", graded_at="2026-05-12 10:00 UTC",
                       feedback_files=FILES)


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(match) for match in re.findall(r"<svg .*?</svg>", page, flags=re.DOTALL)]


def text_extent(element: ET.Element, x: float, text: str) -> tuple[float, float]:
    width = report.text_width(text, float(element.get("font-size", report.FONT)))
    anchor = element.get("text-anchor", "start")
    start = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return start, start + width


def placed_texts(svg: ET.Element) -> list[tuple[ET.Element, float, float, str]]:
    """Every piece of text in the SVG with its horizontal extent (estimated)."""
    placed = []
    for text in svg.iter(f"{SVG}text"):
        pieces = list(text.iter(f"{SVG}tspan")) or [text]
        for piece in pieces:
            start, end = text_extent(text, float(piece.get("x", text.get("x", "0"))), piece.text or "")
            placed.append((text, start, end, piece.text or ""))
    return placed


def test_every_text_of_every_chart_stays_inside_its_svg(page: str) -> None:
    charts = svgs(page)
    assert len(charts) == 3
    for svg in charts:
        width = float(svg.get("width", "0"))
        for _, start, end, text in placed_texts(svg):
            assert start >= 0, text
            assert end <= width, f"{text!r} ends at {end:.0f} px in an SVG {width:.0f} px wide"


def test_requirement_labels_are_whole_and_end_before_the_bars_begin(page: str) -> None:
    requirements = svgs(page)[2]
    bars = min(float(rect.get("x", "0")) for rect in requirements.iter(f"{SVG}rect"))
    labels = {}
    for text, _start, end, _ in placed_texts(requirements):
        if text.get("class") == "label":
            assert end <= bars
            labels[id(text)] = " ".join(span.text or "" for span in text.iter(f"{SVG}tspan"))
    shown = {re.sub(r"\s+", "", label) for label in labels.values()}
    for name in REQUIREMENTS:
        assert re.sub(r"\s+", "", f"palindrome: {name}") in shown  # wrapped, never cut


def test_the_report_says_what_when_and_who_with_a_legend_statuses_and_links(page: str) -> None:
    assert "<title>Week 1: palindromes: grades</title>" in page
    assert "<h1>Week 1: palindromes</h1>" in page
    assert "Graded 2026-05-12 10:00 UTC" in page
    for status in ("passed", "failed", "timeout", "error", "missing"):
        assert f"<b>{status}</b>: " in page
    assert "<th>status</th>" in page
    assert "<td>all solved</td>" in page
    assert "<td>nothing submitted</td>" in page
    assert "<td>Ada Lovelace</td><td>ada</td>" in page
    assert '<a href="feedback/cy_.._.._etc-0123456789.md">feedback</a>' in page
    assert "回文" in page
    assert "<&>" not in page  # escaped


def test_scores_shown_to_people_carry_at_most_two_decimals(page: str) -> None:
    assert [report.points_text(v) for v in (10.0, 7.5, 20 / 3, 0.0, 1e-9, 2.005)] == ["10", "7.5", "6.67", "0",
                                                                                         "0", "2"]
    bo = COHORT.students[1]
    assert len(str(bo.total).split(".")[1]) > 2  # the gradebook keeps its precision...
    assert f'<td class="total">{report.points_text(bo.total)}</td>' in page  # ...people read two decimals
    assert not re.search(r">\d+\.\d{3,}<", page)
    assert not re.search(r"\d+\.\d{3,}", report.feedback(bo, CATALOG))


def test_feedback_for_a_missing_module_is_one_line(page: str) -> None:
    text = report.feedback(COHORT.students[3], CATALOG)
    assert text.count("no palindrome.py") == 1
    assert "## palindrome: 0 / 10, missing: no palindrome.py (expected katas/palindrome.py or palindrome.py)" in text
    assert "✗" not in text


def test_feedback_for_a_syntax_error_states_it_once() -> None:
    text = report.feedback(COHORT.students[2], CATALOG)
    assert text.count("syntax error") == 1
    assert "✗" not in text


def test_feedback_shows_a_repeated_public_failure_once_and_hidden_details_only_in_full_mode() -> None:
    bo = COHORT.students[1]
    summary = report.feedback(bo, CATALOG, name="Bo Diddley")
    assert summary.startswith("# Feedback for Bo Diddley (bo)")
    assert summary.count("Called is_palindrome('ab')") == 1  # two public tests failed the same way
    assert "(the same failure as: a word that reads the same backwards is a palindrome)" in summary
    full = report.feedback(bo, CATALOG, mode="full")
    assert full.count("Called is_palindrome('ab')") == 1
    assert full.count("the same failure as") == len(REQUIREMENTS) - 3


def test_gradescope_tests_add_up_to_the_kata_score_and_maximum_under_the_group_weights() -> None:
    for student in COHORT.students:
        results = report.gradescope_results(student, CATALOG)
        assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(10)
        assert sum(t["score"] for t in results["tests"]) == pytest.approx(student.katas["palindrome"].score, abs=1e-3)
        assert results["score"] == student.total
    bo = report.gradescope_results(COHORT.students[1], CATALOG)["tests"]
    assert [t["max_score"] for t in bo] == pytest.approx([2 / 3] * 3 + [2.0] * 4)
    assert {t["visibility"] for t in bo} == {"visible", "after_due_date"}
    assert all(t["output"] == "" for t in bo if t["visibility"] == "after_due_date")
    empty = report.gradescope_results(COHORT.students[3], CATALOG)["tests"]
    assert len(empty) == 1  # one cause, one row
    assert empty[0]["output"] == "no palindrome.py (expected katas/palindrome.py or palindrome.py)"


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="a real browser is needed: apt-get install chromium (Debian) to take the screenshot")
def test_the_report_renders_in_a_real_browser(page: str, tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    shot = tmp_path / "report.png"
    run = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                          "--window-size=1200,1600", (tmp_path / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert png_size(shot) == (1200, 1600)
    assert shot.stat().st_size > 30_000  # a blank page compresses to a few kilobytes
