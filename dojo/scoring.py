"""Scores: the one list of outcome words, the one points rule, and the typed gradebook records that the
grader writes and the report, the CSV, Gradescope's results and the CI summary read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What happened to one test, or to one student's kata as a whole."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # a test that broke in setup or teardown; a kata whose module could not be loaded
    SKIPPED = "skipped"
    NOT_STARTED = "not started"  # the learner's function still raises NotImplementedError
    PENDING = "pending"  # collected, no result yet
    TIMEOUT = "timeout"  # the kata's run was stopped at its time limit
    MISSING = "missing"  # no module for the kata


def points(groups: Mapping[str, float], results: Iterable[tuple[str, bool]]) -> float:
    """Each group's points times the share of its tests that passed; a group with no tests gives nothing."""
    passed: dict[str, list[bool]] = {}
    for group, ok in results:
        passed.setdefault(group, []).append(ok)
    return sum(value * sum(passed[group]) / len(passed[group]) for group, value in groups.items() if passed.get(group))


@dataclass
class TestGrade:
    name: str
    outcome: Outcome
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": str(self.outcome), "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestGrade:
        return cls(data["name"], Outcome(data["outcome"]), data.get("message", ""))


@dataclass
class KataGrade:
    score: float
    max: float
    status: Outcome
    tests: list[TestGrade] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.status == Outcome.PASSED

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"score": self.score, "max": self.max, "status": str(self.status),
                                "tests": [test.to_json() for test in self.tests]}
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KataGrade:
        return cls(data["score"], data["max"], Outcome(data["status"]),
                   [TestGrade.from_json(t) for t in data["tests"]], data.get("note", ""))


@dataclass
class StudentGrade:
    id: str
    katas: dict[str, KataGrade]

    @property
    def total(self) -> float:
        return round(sum(kata.score for kata in self.katas.values()), 4)

    @property
    def max(self) -> float:
        return sum(kata.max for kata in self.katas.values())

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "total": self.total, "max": self.max,
                "katas": {name: kata.to_json() for name, kata in self.katas.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StudentGrade:
        return cls(data["id"], {name: KataGrade.from_json(k) for name, k in data["katas"].items()})


@dataclass
class Gradebook:
    maxima: dict[str, float]  # per kata, in the order graded
    students: list[StudentGrade]

    @property
    def katas(self) -> list[str]:
        return list(self.maxima)

    def to_json(self) -> dict[str, Any]:
        return {"katas": {name: {"max": value} for name, value in self.maxima.items()},
                "students": [student.to_json() for student in self.students]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Gradebook:
        return cls({name: k["max"] for name, k in data["katas"].items()},
                   [StudentGrade.from_json(s) for s in data["students"]])
