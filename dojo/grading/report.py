"""What a gradebook becomes for people: per-student feedback, Gradescope results, and a self-contained
HTML report (inline SVG, no network) with the score distribution and where the cohort struggles."""

from __future__ import annotations

import html as _html
from collections import Counter
from typing import Any

from dojo.scoring import Gradebook, Outcome, StudentGrade

MARK = {Outcome.PASSED: "✓", Outcome.TIMEOUT: "⏱"}  # anything else: ✗


Public = dict[str, set[str]]  # per kata, the requirement sentences of its public tests


def feedback(student: StudentGrade, public: Public, mode: str = "summary") -> str:
    """Markdown for one student: what passed, what did not; hidden tests' details only with mode 'full'."""
    lines = [f"# Feedback for {student.id}", "", f"Total: **{student.total:g} / {student.max:g}**", ""]
    for name, kata in student.katas.items():
        lines += [f"## {name}: {kata.score:g} / {kata.max:g} ({kata.status})", ""]
        if kata.note:
            lines += [f"> {kata.note}", ""]
        for test in kata.tests:
            lines.append(f"- {MARK.get(test.outcome, '✗')} {test.name}")
            hidden = test.name not in public.get(name, set())
            show = test.outcome != Outcome.PASSED and test.message and (mode == "full" or not hidden)
            if show:
                lines += ["", "  ```", *("  " + line for line in test.message.splitlines()[:40]), "  ```"]
        lines.append("")
    return "\n".join(lines)


def gradescope_results(student: StudentGrade, public: Public) -> dict[str, Any]:
    """Gradescope's results.json: a score, and per test its share of the kata's points; hidden tests are
    shown to students after the due date."""
    tests = []
    for name, kata in student.katas.items():
        count = len(kata.tests) or 1
        for test in kata.tests:
            hidden = test.name not in public.get(name, set())
            share = round(kata.max / count, 4)
            tests.append({
                "name": f"{name}: {test.name}",
                "score": share if test.outcome == Outcome.PASSED else 0.0,
                "max_score": share,
                "output": test.message if not hidden else "",
                "visibility": "after_due_date" if hidden else "visible",
            })
    return {"score": student.total, "tests": tests}


def _bars(values: list[tuple[str, float]], width: int = 420) -> str:
    """A horizontal bar chart of fractions (0..1), as inline SVG."""
    row = 22
    height = row * len(values) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 260}" height="{height}" role="img">']
    for index, (label, fraction) in enumerate(values):
        y = index * row + 2
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{_html.escape(label[:40])}</text>')
        parts.append(f'<rect x="250" y="{y}" width="{width}" height="16" fill="#eee"/>')
        parts.append(f'<rect x="250" y="{y}" width="{width * fraction:.1f}" height="16" fill="#4a7"/>')
        parts.append(f'<text x="{255 + width}" y="{y + 13}" font-size="12">{100 * fraction:.0f} %</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(totals: list[float], maximum: float, buckets: int = 10) -> str:
    counts = [0] * buckets
    for total in totals:
        index = min(buckets - 1, int(buckets * total / maximum)) if maximum else 0
        counts[index] += 1
    tallest = max(counts) or 1
    width, height = 40, 120
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{buckets * width + 20}" height="{height + 40}">']
    for index, count in enumerate(counts):
        bar = height * count / tallest
        x = 10 + index * width
        parts.append(f'<rect x="{x}" y="{height - bar + 10}" width="{width - 6}" height="{bar}" fill="#47a"/>')
        parts.append(f'<text x="{x}" y="{height + 25}" font-size="10">{index * 100 // buckets}%</text>')
        if count:
            parts.append(f'<text x="{x + 8}" y="{height - bar + 5}" font-size="10">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html(gradebook: Gradebook, roster: dict[str, dict[str, str]]) -> str:
    students = gradebook.students
    maximum = students[0].max if students else 0.0
    katas = gradebook.katas
    per_kata = [(name, sum(s.katas[name].passed for s in students) / len(students))
                for name in katas] if students else []
    per_test: list[tuple[str, float]] = []
    for name in katas:
        passed: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for student in students:
            for test in student.katas[name].tests:
                seen[test.name] += 1
                passed[test.name] += test.outcome == Outcome.PASSED
        per_test += [(f"{name}: {test}", passed[test] / seen[test]) for test in seen]
    per_test.sort(key=lambda item: item[1])
    escape = _html.escape
    rows = "".join(
        "<tr><td>{}</td><td>{}</td>{}<td>{:g}</td></tr>".format(
            escape(s.id), escape(roster.get(s.id, {}).get("name", "")),
            "".join(f'<td class="{s.katas[n].status}">{s.katas[n].score:g}</td>' for n in katas),
            s.total)
        for s in students)
    header = "".join(f"<th>{escape(n)}</th>" for n in katas)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Kata grades</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 2px 8px; }} .passed {{ background: #dfd; }}
.failed {{ background: #fed; }} .error, .timeout {{ background: #fcc; }} .missing {{ background: #eee; }}
</style></head><body>
<h1>Kata grades</h1>
<p>{len(students)} students, {len(katas)} katas, {maximum:g} points in all.</p>
<h2>Score distribution</h2>{_histogram([s.total for s in students], maximum)}
<h2>Solved, per kata</h2>{_bars(per_kata)}
<h2>Passed, per requirement (hardest first)</h2>{_bars(per_test)}
<h2>Students</h2>
<table><tr><th>id</th><th>name</th>{header}<th>total</th></tr>{rows}</table>
</body></html>
"""
