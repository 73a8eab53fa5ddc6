"""Canvas's gradebook: read the roster a course's gradebook export gives, match the graded students to it,
and write a CSV that Canvas's gradebook import takes.

Canvas exports and imports the same layout: the identity columns Student, ID, SIS User ID, SIS Login ID and
Section, then one column per assignment ("Week 1 (4211)" when it exists in the course: the id makes the
import update that assignment instead of creating one), and a "Points Possible" row under the header.
Students are matched by their folder name, which may be any of the SIS Login ID, the SIS User ID or the
Canvas ID. A graded student the roster does not know, and a roster student with no submission, are both
listed (printed and written beside the CSV), never dropped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dojo.grading.report import points_text
from dojo.scoring import Gradebook, StudentGrade

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MATCHED_BY = ("SIS Login ID", "SIS User ID", "ID")
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it, indented under the student names


@dataclass
class Roster:
    """A Canvas gradebook export: its header (assignment columns included) and its students, in order."""

    header: list[str]
    people: list[dict[str, str]]

    @classmethod
    def read(cls, path: Path) -> Roster:
        with path.open(newline="", encoding="utf-8-sig") as file:  # Canvas writes a byte-order mark
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            if missing := [column for column in IDENTITY if column not in header]:
                raise ValueError(f"{path}: not a Canvas gradebook export: no column {', '.join(missing)} "
                                 f"(export it from Canvas: Grades, Export, Export Entire Gradebook)")
            people = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        # The "Points Possible" row and any blank line are not students.
        return cls(header, [p for p in people if p["Student"] != POINTS_POSSIBLE.strip()
                            and any(p[column] for column in IDENTITY)])

    def column(self, title: str) -> str:
        """The assignment's column: the export's own "Title (id)" when the course has it, else the title."""
        for name in self.header[len(IDENTITY):]:
            if name == title or re.fullmatch(re.escape(title) + r" \(\d+\)", name):
                return name
        return title


@dataclass
class Matching:
    rows: list[tuple[dict[str, str], StudentGrade | None]]  # every roster student, in the roster's order
    unknown: list[StudentGrade] = field(default_factory=list)  # graded, but no roster row has their id
    ambiguous: list[tuple[StudentGrade, list[str]]] = field(default_factory=list)  # several rows have it


def match(roster: Roster, students: Iterable[StudentGrade]) -> Matching:
    """Each roster row with the graded student whose id is its SIS Login ID, SIS User ID or ID (ignoring
    case); an id found in several rows is matched to none of them and reported."""
    index: dict[str, set[int]] = {}
    for number, person in enumerate(roster.people):
        for column in MATCHED_BY:
            if person[column]:
                index.setdefault(person[column].casefold(), set()).add(number)
    graded: dict[int, StudentGrade] = {}
    matching = Matching([])
    for student in students:
        found = sorted(index.get(student.id.casefold(), set()))
        if len(found) == 1:
            graded[found[0]] = student
        elif found:
            matching.ambiguous.append((student, [roster.people[n]["Student"] for n in found]))
        else:
            matching.unknown.append(student)
    matching.rows = [(person, graded.get(number)) for number, person in enumerate(roster.people)]
    return matching


def write(out: Path, roster: Roster, gradebook: Gradebook, title: str) -> list[str]:
    """Write `canvas.csv` (every roster student; 0 points for one with no submission) and, when any
    student is unmatched, `canvas-unmatched.txt`; return the unmatched lines, for printing."""
    matching = match(roster, gradebook.students)
    maximum = sum(gradebook.maxima.values())
    with (out / "canvas.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*IDENTITY, roster.column(title)])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", points_text(maximum)])
        for person, student in matching.rows:
            writer.writerow([*(person[column] for column in IDENTITY),
                             points_text(student.total if student else 0.0)])
    lines = []
    for student in matching.unknown:
        lines.append(f"in the gradebook but not in the Canvas roster (not in canvas.csv): {student.id}, "
                     f"{points_text(student.total)} of {points_text(student.max)}")
    for student, names in matching.ambiguous:
        lines.append(f"in the gradebook, but several roster rows have the id {student.id!r} ({'; '.join(names)}): "
                     f"not in canvas.csv, {points_text(student.total)} of {points_text(student.max)}")
    for person, student in matching.rows:
        if student is None:
            lines.append(f"in the Canvas roster with no submission (0 in canvas.csv): {person['Student']} "
                         f"(SIS Login ID {person['SIS Login ID'] or '-'}, SIS User ID {person['SIS User ID'] or '-'},"
                         f" ID {person['ID'] or '-'})")
    unmatched = out / "canvas-unmatched.txt"
    if lines:
        unmatched.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        unmatched.unlink(missing_ok=True)
    return lines


def names(roster: Roster, students: Iterable[StudentGrade]) -> dict[str, str]:
    """Each matched student's name as Canvas has it, by student id."""
    return {student.id: person["Student"] for person, student in match(roster, students).rows if student}
