"""Trusted side of the tests kind: grade a learner's test module by the bugs it catches.

The learner's tests run in a worker (caged when grading) with a stand-in for the function under test; each of
its calls comes back here and is answered by a suspect, an implementation of the tested kata running in a
worker of its own that the learner's worker cannot see. Each suspect meets the learner's module in a fresh
worker, in a shuffled order, so neither a first call's cost nor anything a run leaves behind says which one
answers (the grader's cage gives every worker its own /tmp and HOME, so no run can leave anything for the next).

What the verdict trusts is what this side saw:
- a test is a false alarm when it fails on any run against a correct implementation (the kata's reference,
  twice, and its correct samples); a false alarm catches nothing;
- a bug is caught by a test that is not a false alarm, failed against that bug, and was given at least one
  answer the reference would not have given (the calls are replayed on the reference here). A test that fails
  for any other reason (it guessed which implementation it faced, it fails at random) saw nothing the
  reference would not have shown it, so its failure says nothing about the bug.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import tomllib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from dojo import manifest
from dojo.manifest import ROOT, Kata
from dojo.scoring import Outcome
from dojo.trusted.failures import KataFailure, LearnerRaised, LoadFailure, NotStarted, WorkerTrouble, raised_text
from dojo.trusted.process import WorkerPool
from dojo.trusted.proxy import KataProxy
from dojo.trusted.results import TestResult
from dojo.trusted.submissions import Implementation, display_path
from dojo.worker import wire

SUSPECT_TIMEOUT = 2.0  # seconds a suspect may take for one call before it counts as a hang
MAX_CALLS = 20_000  # calls one learner test may make in one run
RUNS_AT_ONCE = 2
CORRECT_SAMPLE = "correct_*.py"


@dataclass(frozen=True)
class Suspect:
    """An implementation of the tested kata that the learner's tests meet: a correct one, or a bug. `breaks` is
    the requirement a bug breaks, in a learner's words; `witness` an input on which it differs from the
    contract, for a hint."""

    name: str
    source: str = field(repr=False)
    breaks: str = ""
    group: str = ""
    witness: str = ""

    def __str__(self) -> str:  # the test id: what the learner reads next to the requirement
        return self.breaks or self.name


def under_test(kata: Kata) -> Kata:
    """The kata whose function a tests kata's learner writes tests for: `palindrome_tests` tests `palindrome`."""
    try:
        return manifest.get(kata.name.removesuffix("_tests"))
    except manifest.ManifestError as error:
        raise manifest.ManifestError(f"{kata.name} has the learner write tests for the kata "
                                     f"{kata.name.removesuffix('_tests')!r}, which the manifest must list too: "
                                     f"{error}") from None


def samples(kata: Kata, root: Path = ROOT) -> Path:
    return root / "tests" / "samples" / kata.name


def correct(kata: Kata, root: Path = ROOT) -> list[Suspect]:
    """The correct implementations of `kata` this checkout has: its reference (run twice, so a test that fails
    at random is caught more often) and its correct samples."""
    found = []
    if kata.reference(root).is_file():
        source = kata.reference(root).read_text(encoding="utf-8")
        found += [Suspect("the reference", source), Suspect("the reference, again", source)]
    for path in sorted(samples(kata, root).glob(CORRECT_SAMPLE)):
        found.append(Suspect(path.stem, path.read_text(encoding="utf-8")))
    return found


def bugs(path: Path, kata: Kata, root: Path = ROOT) -> list[Suspect]:
    """The bugs listed in `path` (TOML, `[[bug]]` tables): each is a buggy sample of `kata` (`sample`, a file of
    tests/samples/<kata>/) or a mutant the audit makes of its reference (`mutant`, the audit's number), with
    the requirement it breaks, its points group and a witness input."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("bug", [])
    mutants: list[Any] = []
    found = []
    for entry in entries:
        if "sample" in entry:
            name = entry["sample"]
            source = (samples(kata, root) / f"{name}.py").read_text(encoding="utf-8")
        else:
            if not mutants:
                from dojo.authoring.mutants import mutants as make  # the audit's own numbering

                mutants = make(kata.reference(root).read_text(encoding="utf-8"))
            name = f"mutant_{entry['mutant']}"
            source = mutants[entry["mutant"] - 1].source
        found.append(Suspect(name, source, entry["breaks"], entry["group"], entry.get("witness", "")))
    return found


def of_group(suspects: Sequence[Suspect], group: str) -> list[Suspect]:
    return [suspect for suspect in suspects if suspect.group == group]


def bug_list(kata: Kata, root: Path = ROOT) -> Path:
    """Where a tests kata's hidden bugs are listed: beside its hidden tests, so no student export carries it."""
    return kata.hidden_tests(root).with_name(f"{kata.name}.bugs.toml")


def hint(kata: Kata, results: Sequence[TestResult]) -> str:
    """One input on which the first bug the learner's tests let through differs from the contract ('' when
    their tests catch every bug, or where the hidden bugs are not at hand). Never the bug's code."""
    if not bug_list(kata).exists():
        return ""
    known = {bug.breaks: bug for bug in bugs(bug_list(kata), under_test(kata))}
    for result in results:
        bug = known.get(result.nodeid.rpartition("[")[2].removesuffix("]"))
        if result.outcome == Outcome.FAILED and bug is not None and bug.witness:
            function = under_test(kata).functions[0]
            return (f"An input your tests do not try yet: {function}({bug.witness}). One of the implementations "
                    f"they let through ({bug.breaks}) gets it wrong.")
    return ""


@cache
def unicode_tables() -> Path | None:
    """Hypothesis's Unicode tables, built here once: every learner worker gets a copy, since building them in each
    would cost a second of CPU per run. Built by this process, never taken from a worker's folder, so no
    learner can leave tables for the next. None if this Hypothesis keeps them elsewhere (its internals moved):
    then each worker builds its own, slower but the same."""
    try:
        from hypothesis.internal.charmap import charmap, charmap_file, intervals_from_codec

        charmap()
        intervals_from_codec("utf-8")
        folder = charmap_file().parent
    except (ImportError, AttributeError, OSError):
        return None
    return folder if folder.is_dir() else None


@dataclass
class Trial:
    """One learner test against one suspect: whether it failed, why, and every call it made with its answer."""

    failed: bool
    message: str = ""
    calls: list[tuple[list[Any], dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def _key(answer: dict[str, Any]) -> str:
    """An answer as exact data (True is not 1), so two answers compare as the learner's test could tell them."""
    return json.dumps(wire.encode(answer), sort_keys=True)


class Answers:
    """A suspect in a worker of its own, answering the calls of the learner's tests as plain data."""

    def __init__(self, suspect: Suspect, kata: Kata) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kata-suspect-"))
        (self.folder / f"{kata.name}.py").write_text(suspect.source, encoding="utf-8")
        self.kata = replace(kata, call_timeout=SUSPECT_TIMEOUT)
        self.pool = WorkerPool(Implementation("suspect", self.folder))
        self.proxy = KataProxy(self.pool, self.kata)

    def fresh(self) -> None:
        """A new proxy for the next learner test: a hang in one test fails the rest of that test only."""
        self.proxy = KataProxy(self.pool, self.kata)

    def ask(self, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"returned": self.proxy.call(self.kata.functions[0], *args, **kwargs)}
        except LearnerRaised as error:
            return {"raised": error.mro[0] if error.mro else "Exception"}
        except KataFailure:  # it hung, ended its process, or could not send its answer
            return {"trouble": True}

    def close(self) -> None:
        self.pool.close()
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


class Verdict:
    """A learner's test module, run against every correct implementation and every bug; `check` says whether
    it caught one bug, in the learner's words."""

    def __init__(self, pool: WorkerPool, kata: Kata, bugs: Sequence[Suspect],
                 correct_runs: Sequence[Suspect] | None = None, root: Path = ROOT) -> None:
        self.pool = pool
        self.kata = kata
        self.tested = under_test(kata)
        self.fixture = self.tested.functions[0]
        self.shown = display_path(pool.implementation.module_path(kata))
        self.hung: dict[str, str] = {}  # requests that hung once hang again: every run asks the same questions
        self.tests: dict[str, str] | None = None  # learner test -> why it cannot run ('' when it can)
        self.trouble: KataFailure | None = None  # it did not load, or is not started: nothing can be caught
        self.false_alarms: dict[str, str] = {}  # learner test -> how it failed a correct implementation
        self.caught: dict[str, str] = {}  # bug name -> the learner test that caught it
        self._grade(list(correct(self.tested, root) if correct_runs is None else correct_runs), list(bugs))

    def _grade(self, correct: list[Suspect], bugs: list[Suspect]) -> None:
        suspects = [*correct, *bugs]
        order = list(range(len(suspects)))
        random.SystemRandom().shuffle(order)  # nothing in the order says which run faces a correct implementation
        results: dict[int, dict[str, Trial]] = {order[0]: self._run(suspects[order[0]])}
        if self.trouble is not None:  # it does not load, or is not started: no other run would tell more
            return
        # The trusted side mostly waits on the workers: two runs at a time keep two cores busy.
        with ThreadPoolExecutor(RUNS_AT_ONCE) as runner:
            results.update(zip(order[1:], runner.map(lambda index: self._run(suspects[index]), order[1:]),
                               strict=True))
        for index in range(len(correct)):
            for test, run in results[index].items():
                if run.failed:
                    self.false_alarms.setdefault(test, run.message)
        reference = Answers(correct[0], self.tested) if correct else None
        try:
            for index, bug in enumerate(bugs, len(correct)):
                for test, run in results[index].items():
                    if run.failed and test not in self.false_alarms and (
                            reference is None or self._differs(reference, run)):
                        self.caught[bug.name] = test
                        break
        finally:
            if reference is not None:
                reference.close()

    def _differs(self, reference: Answers, run: Trial) -> bool:
        """Whether the reference would have answered any of the run's calls otherwise."""
        reference.fresh()
        return any(_key(reference.ask(args, kwargs)) != _key(answer) for args, kwargs, answer in run.calls)

    def _run(self, suspect: Suspect) -> dict[str, Trial]:
        """Every learner test against `suspect`, in a fresh worker of the learner's module."""
        if self.pool.expired:
            raise WorkerTrouble(self.pool.expired)
        learner = WorkerPool(self.pool.implementation, self.pool.sandbox, self.pool.overridden)
        learner.hung = self.hung
        answers = Answers(suspect, self.tested)
        try:
            proxy = KataProxy(learner, self.kata)
            home = learner.worker(self.kata).home
            if (tables := unicode_tables()) is not None:
                # copyfile, not copy2: Hypothesis writes its tables 0600, and a caged worker runs as another user
                shutil.copytree(tables, home / ".hypothesis" / "unicode_data" / tables.name,
                                copy_function=shutil.copyfile)
                (home / ".hypothesis").chmod(0o777)  # Hypothesis writes its caches there as the sandbox's user
            if self.tests is None:
                self.tests = self._collect(proxy)
            runs: dict[str, Trial] = {}
            for test in self.tests:
                answers.fresh()
                runs[test] = self._test(KataProxy(learner, self.kata), answers, test)
                if self.trouble is not None:
                    break
            return runs
        except LoadFailure as failure:
            self.trouble = failure
            return {}
        finally:
            learner.close()
            answers.close()

    def _collect(self, proxy: KataProxy) -> dict[str, str]:
        found = proxy.helper("tests", self.fixture, description=f"collecting the tests of {self.shown}")
        if not (isinstance(found, list) and all(isinstance(t, list) and len(t) == 2 for t in found)):
            raise WorkerTrouble(f"the worker running {self.shown} sent garbage for its list of tests")
        return {str(name): str(problem) for name, problem in found}

    def _test(self, proxy: KataProxy, answers: Answers, test: str) -> Trial:
        run = Trial(failed=True, message=self.tests[test])
        if run.message:  # it cannot run: it fails every run, as pytest would fail it
            return run
        try:
            event = proxy.helper("start", test, self.fixture, description=test)
            while isinstance(event, dict) and "call" in event and len(run.calls) < MAX_CALLS:
                if self.pool.expired:
                    raise WorkerTrouble(self.pool.expired)
                args, kwargs = _call(event["call"])
                answer = answers.ask(args, kwargs)
                run.calls.append((args, kwargs, answer))
                event = proxy.helper("resume", answer, description=test)
        except NotStarted as not_started:
            self.trouble = not_started
            return run
        except LoadFailure:
            raise
        except KataFailure as failure:  # it hung, ended its worker, or sent garbage: a failure of this test
            run.message = str(failure)
            return run
        if not isinstance(event, dict):
            run.message = f"the worker running {self.shown} sent garbage"
        elif "call" in event:
            run.message = f"{test} called {self.fixture} more than {MAX_CALLS} times"
        elif "passed" in event:
            run.failed = False
        elif "not_started" in event:
            self.trouble = NotStarted(f"not started yet: open {self.shown} and write {test} "
                                      f"(it still raises NotImplementedError).")
        else:
            failed = event.get("failed")
            run.message = raised_text(failed, self.shown) if isinstance(failed, dict) else "failed"
        return run

    def check(self, bug: Suspect) -> None:
        """Pass when a test of the learner's that never fails a correct implementation fails on `bug`."""
        if self.trouble is not None:  # a fresh one per test: the same exception raised again would grow its traceback
            raise type(self.trouble)(str(self.trouble))
        if bug.name in self.caught:
            return
        message = f"None of your tests fails on an implementation that {bug.breaks}."
        for test, why in self.false_alarms.items():
            # What it raised and on which example, on one line: the lines of the learner's file after it would
            # repeat under every bug it lets through.
            said = " ".join(why.split(f"\n  {self.shown}, line", 1)[0].split()) or "failed"
            message += f"\nNot counted: {test} fails on a correct implementation too: {said[:300]}"
        raise KataFailure(message)


def _call(data: Any) -> tuple[list[Any], dict[str, Any]]:
    """A call from the learner's worker: [args, kwargs], checked, since it comes from untrusted code."""
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], list) and isinstance(data[1], dict)
            and all(isinstance(k, str) for k in data[1])):
        raise WorkerTrouble("the learner's worker sent a call that is not [args, kwargs]")
    return data[0], data[1]
