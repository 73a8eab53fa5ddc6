"""What a gradebook becomes for people: per-student feedback, Gradescope results, and a self-contained
HTML report (inline SVG, no network) with the score distribution and where the cohort struggles.

Scores read by people carry at most two decimals (`points_text`); gradebook.json keeps full precision.
"""

from __future__ import annotations

import html as _html
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dojo.scoring import Gradebook, KataGrade, Outcome, StudentGrade

MARK = {Outcome.PASSED: "✓", Outcome.TIMEOUT: "⏱"}  # anything else: ✗
# A kata with one of these statuses failed for one cause (stated in its note), not test by test.
SINGLE_CAUSE = (Outcome.MISSING, Outcome.ERROR)
LEGEND = {
    Outcome.PASSED: "every requirement met",
    Outcome.FAILED: "some requirements not met",
    Outcome.TIMEOUT: "stopped at the kata's time limit",
    Outcome.ERROR: "the module could not be loaded (a syntax error, a crash at import, a link)",
    Outcome.MISSING: "no module for the kata",
}


@dataclass(frozen=True)
class Requirement:
    """One test every student is graded on: its points group, whether learners see it, and its share of
    the kata's points (its group's points over the group's number of tests)."""

    group: str
    public: bool
    max_score: float


Catalog = dict[str, dict[str, Requirement]]  # per kata, per requirement sentence


def points_text(value: float) -> str:
    """A score for people: at most two decimals, no trailing zeros (10, 7.5, 6.67)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _single_cause(kata: KataGrade) -> bool:
    return kata.status in SINGLE_CAUSE or (kata.status == Outcome.TIMEOUT and kata.score == 0)


def feedback(student: StudentGrade, catalog: Catalog, mode: str = "summary", name: str = "") -> str:
    """Markdown for one student: what passed, what did not, each cause said once; hidden tests' details
    only with mode 'full'."""
    who = f"{name} ({student.id})" if name else student.id
    lines = [f"# Feedback for {who}", "", f"Total: **{points_text(student.total)} / {points_text(student.max)}**",
             ""]
    for kata_name, kata in student.katas.items():
        heading = f"## {kata_name}: {points_text(kata.score)} / {points_text(kata.max)}, {kata.status}"
        if _single_cause(kata):
            # One cause, one message: a missing file or a syntax error is not repeated for every test.
            note = kata.note or _first_message(kata)
            if "\n" in note:
                lines += [heading, "", "```", note.rstrip(), "```", ""]
            else:
                lines += [f"{heading}: {note}", ""]
            continue
        lines += [heading, ""]
        if kata.note:
            lines += [f"> {kata.note}", ""]
        shown: dict[str, str] = {kata.note: ""} if kata.note else {}
        for test in kata.tests:
            lines.append(f"- {MARK.get(test.outcome, '✗')} {test.name}")
            requirement = catalog.get(kata_name, {}).get(test.name)
            visible = mode == "full" or (requirement is not None and requirement.public)
            if test.outcome == Outcome.PASSED or not test.message or not visible:
                continue
            if test.message in shown:
                if shown[test.message]:
                    lines[-1] += f" (the same failure as: {shown[test.message]})"
                continue
            shown[test.message] = test.name
            lines += ["", "  ```", *("  " + line for line in test.message.splitlines()[:40]), "  ```"]
        lines.append("")
    return "\n".join(lines)


def _first_message(kata: KataGrade) -> str:
    return next((test.message for test in kata.tests if test.message), str(kata.status))


def shares(kata_name: str, kata: KataGrade, catalog: Catalog) -> list[float]:
    """Each test's maximum: its group's points over the group's number of tests, so the shares add up to
    the kata's maximum and the passed ones to its score. Tests the catalog does not know (a student saved
    before the tests changed) share the kata's points equally instead."""
    known = catalog.get(kata_name, {})
    if not kata.tests or any(test.name not in known for test in kata.tests):
        return [kata.max / len(kata.tests)] * len(kata.tests) if kata.tests else []
    return [known[test.name].max_score for test in kata.tests]


def gradescope_results(student: StudentGrade, catalog: Catalog) -> dict[str, Any]:
    """Gradescope's results.json: per test its share of the kata's points under the manifest's group
    weights (so the tests add up to the kata's score and maximum); one row for a kata that failed for one
    cause; hidden tests are shown to students after the due date."""
    tests: list[dict[str, Any]] = []
    for name, kata in student.katas.items():
        if _single_cause(kata) or not kata.tests:
            tests.append({"name": f"{name}: {kata.status}", "score": kata.score, "max_score": kata.max,
                          "output": kata.note or _first_message(kata), "visibility": "visible"})
            continue
        shown: dict[str, str] = {}
        for test, share in zip(kata.tests, shares(name, kata, catalog), strict=True):
            requirement = catalog.get(name, {}).get(test.name)
            hidden = requirement is None or not requirement.public
            output = "" if hidden or test.outcome == Outcome.PASSED else test.message
            if output in shown:
                output = f"The same failure as: {shown[output]}"
            elif output:
                shown[output] = test.name
            tests.append({
                "name": f"{name}: {test.name}",
                "score": share if test.outcome == Outcome.PASSED else 0.0,
                "max_score": share,
                "output": output,
                "visibility": "after_due_date" if hidden else "visible",
            })
    return {"score": student.total, "tests": tests}


# --- the HTML report -------------------------------------------------------------------------------------

FONT = 12  # px, every SVG text
LABEL_MAX = 380  # px: longer requirement labels wrap onto more lines
BAR = 300  # px: a bar at 100 %


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the rendered width of `text` in a sans-serif font (no font metrics here):
    wide glyphs (CJK, W, M) a full em, narrow ones (i, l, punctuation) a third, others about 0.6 em."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF" or char in "MWmw@%":
            width += 1.0
        elif char in "ijlt.,:;'|!()[]{} ":
            width += 0.34
        elif char.isupper() or char.isdigit():
            width += 0.7
        else:
            width += 0.6
    return width * size


def wrap(text: str, limit: float, size: float = FONT) -> list[str]:
    """`text` in lines no wider than `limit` pixels, broken between words (inside a word that is too long
    on its own)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= limit:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and text_width(line + char, size) > limit:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines or [""]


def _bars(values: Sequence[tuple[str, float]]) -> str:
    """A horizontal bar chart of fractions (0..1) as inline SVG: the labels in a column sized to the
    longest line (long labels wrap), then the bars, then the percentage, all inside the SVG's width."""
    escape = _html.escape
    wrapped = [(wrap(label, LABEL_MAX), fraction) for label, fraction in values]
    label_width = max((text_width(line) for lines, _ in wrapped for line in lines), default=0.0)
    bar_x = round(label_width) + 12
    value_x = bar_x + BAR + 8
    width = value_x + round(text_width("100 %")) + 4
    line_height = FONT + 3
    parts: list[str] = []
    y = 2
    for (lines, fraction), (label, _) in zip(wrapped, values, strict=True):
        height = max(18, line_height * len(lines) + 3)
        middle = y + height / 2
        first = middle - line_height * (len(lines) - 1) / 2 + FONT * 0.35
        spans = "".join(f'<tspan x="0" y="{first + index * line_height:.1f}">{escape(line)}</tspan>'
                        for index, line in enumerate(lines))
        parts.append(f'<g><title>{escape(label)}: {100 * fraction:.0f} %</title>'
                     f'<text class="label" font-size="{FONT}">{spans}</text>'
                     f'<rect x="{bar_x}" y="{middle - 8:.1f}" width="{BAR}" height="16" fill="#eee"/>'
                     f'<rect x="{bar_x}" y="{middle - 8:.1f}" width="{BAR * fraction:.1f}" height="16" fill="#4a7"/>'
                     f'<text class="value" x="{value_x}" y="{middle + FONT * 0.35:.1f}" font-size="{FONT}">'
                     f'{100 * fraction:.0f} %</text></g>')
        y += height + 4
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 2}" role="img">'
            + "".join(parts) + "</svg>")


def _histogram(totals: Sequence[float], maximum: float, buckets: int = 10) -> str:
    """How many students scored in each tenth of the maximum, as inline SVG: a bar per tenth between
    ticks at 0 %, 10 % ... 100 % (a full score counts in the last tenth)."""
    counts = [0] * buckets
    for total in totals:
        index = min(buckets - 1, int(buckets * total / maximum)) if maximum else 0
        counts[index] += 1
    tallest = max(counts) or 1
    column, height, left = 44, 120, 16
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{buckets * column + 2 * left}" height="{height + 44}" '
             'role="img">']
    for index, count in enumerate(counts):
        bar = height * count / tallest
        x = left + index * column
        low, high = points_text(maximum * index / buckets), points_text(maximum * (index + 1) / buckets)
        parts.append(f'<rect x="{x + 3}" y="{height - bar + 14:.1f}" width="{column - 6}" height="{bar:.1f}" '
                     f'fill="#47a"><title>{count} student(s) from {low} to {high} points</title></rect>')
        if count:
            parts.append(f'<text x="{x + column / 2}" y="{height - bar + 10:.1f}" font-size="10" '
                         f'text-anchor="middle">{count}</text>')
    for index in range(buckets + 1):
        x = left + index * column
        parts.append(f'<line x1="{x}" y1="{height + 14}" x2="{x}" y2="{height + 19}" stroke="#555"/>')
        parts.append(f'<text x="{x}" y="{height + 31}" font-size="10" text-anchor="middle">'
                     f'{index * 100 // buckets}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def overall(student: StudentGrade) -> str:
    """A student's standing in a few words, for the status column."""
    katas = list(student.katas.values())
    solved = sum(kata.passed for kata in katas)
    if all(kata.status == Outcome.MISSING for kata in katas):
        return "nothing submitted"
    if solved == len(katas):
        return "all solved"
    return f"{solved} of {len(katas)} solved"


def html(gradebook: Gradebook, people: Mapping[str, Mapping[str, str]], *, title: str, graded_at: str,
         feedback_files: Mapping[str, str]) -> str:
    """The cohort's report, printable: `people` gives names (from the roster), `feedback_files` each
    student's feedback file relative to the report."""
    students = gradebook.students
    maximum = students[0].max if students else sum(gradebook.maxima.values())
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

    def cell(kata: KataGrade) -> str:
        return (f'<td class="{kata.status.replace(" ", "-")}">{points_text(kata.score)}'
                f'<span class="status">{escape(str(kata.status))}</span></td>')

    rows = "".join(
        "<tr><td>{}</td><td>{}</td>{}<td class=\"total\">{}</td><td>{}</td><td>{}</td></tr>".format(
            escape(people.get(s.id, {}).get("name", "")), escape(s.id),
            "".join(cell(s.katas[n]) for n in katas), points_text(s.total), escape(overall(s)),
            f'<a href="{escape(feedback_files[s.id])}">feedback</a>' if s.id in feedback_files else "")
        for s in students)
    header = "".join(f"<th>{escape(n)}<br><small>of {points_text(gradebook.maxima[n])}</small></th>" for n in katas)
    legend = "".join(f'<li><span class="swatch {status}"></span><b>{status}</b>: {escape(meaning)}</li>'
                     for status, meaning in LEGEND.items())
    mean = sum(s.total for s in students) / len(students) if students else 0.0
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}: grades</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
h1 {{ margin-bottom: 0.2em; }} .meta {{ color: #555; margin-top: 0; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #bbb; padding: 3px 8px; text-align: left; }}
th small {{ font-weight: normal; color: #555; }} td.total {{ font-weight: bold; }}
.status {{ display: block; font-size: 0.75em; color: #444; }}
.passed {{ background: #dfd; }} .failed {{ background: #fed; }} .timeout {{ background: #fe9; }}
.error {{ background: #fcc; }}
.missing {{ background: #eee; }}
.legend {{ list-style: none; padding: 0; }} .legend li {{ margin: 0.2em 0; }}
.swatch {{ display: inline-block; width: 1em; height: 1em; border: 1px solid #999; margin-right: 0.4em;
          vertical-align: middle; }}
svg {{ max-width: 100%; height: auto; }}
@media print {{ body {{ margin: 0; }} a {{ color: inherit; text-decoration: none; }}
  h2, p, .legend {{ break-after: avoid; }} tr, svg {{ break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  * {{ print-color-adjust: exact; -webkit-print-color-adjust: exact; }} }}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="meta">Graded {escape(graded_at)}: {_count(len(students), "student")}, {_count(len(katas), "kata")}
({escape(", ".join(katas))}), {points_text(maximum)} points in all, mean {points_text(mean)}.</p>
<h2>Score distribution</h2><p>Students per tenth of the {points_text(maximum)} points.</p>
{_histogram([s.total for s in students], maximum)}
<h2>Solved, per kata</h2>{_bars(per_kata)}
<h2>Passed, per requirement (hardest first)</h2>{_bars(per_test)}
<h2>Students</h2>
<ul class="legend">{legend}</ul>
<table><thead><tr><th>name</th><th>id</th>{header}<th>total<br><small>of {points_text(maximum)}</small></th>
<th>status</th><th>feedback</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>
"""
