"""The dojo's front door: `nox -l` lists what you can do."""

from __future__ import annotations

import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
# A bare `nox` shows a learner where they stand; contributors run `nox -s tests lint`.
nox.options.sessions = ["progress"]
# Sessions tagged "instructor" need the references or the hidden tests: a student export leaves them out.

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, *groups: str) -> None:
    # Compiled at install: where PYTHONDONTWRITEBYTECODE is set (many containers), every process would
    # otherwise compile the whole stack again (measured: 1.96-2.8 s against 0.64 s to import it).
    compiled = {"UV_COMPILE_BYTECODE": "1"}
    # The core, plus the optional group of each kind the manifest's katas use. dojo.manifest and dojo.kinds
    # need only the standard library, so nox's own interpreter can read them from the project folder.
    project = str(Path(__file__).resolve().parent)
    if project not in sys.path:
        sys.path.append(project)
    from dojo import kinds, manifest

    session.install(*kinds.requirements(manifest.load(), PYPROJECT["project"]), env=compiled)
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group), env=compiled)


@nox.session
def kata(session: nox.Session) -> None:
    """Check your code in katas/ against the kata's tests: `nox -s kata -- palindrome`."""
    _install(session)
    session.run("python", "-m", "dojo", "kata", *session.posargs)


@nox.session
def progress(session: nox.Session) -> None:
    """Show every kata's status for your code, and which to do next."""
    _install(session)
    session.run("python", "-m", "dojo", "progress", *session.posargs)


@nox.session
def hint(session: nox.Session) -> None:
    """Show the next hint for a kata: `nox -s hint -- palindrome`."""
    _install(session)
    session.run("python", "-m", "dojo", "hint", *session.posargs)


@nox.session
def watch(session: nox.Session) -> None:
    """Rerun a kata each time you save it (`-- NAME`; without one, follow the next unsolved kata)."""
    _install(session)
    session.run("python", "-m", "dojo", "watch", *session.posargs)


@nox.session
def solution(session: nox.Session) -> None:
    """Show a kata's reference solution, once your own code passes: `nox -s solution -- palindrome`."""
    _install(session)
    session.run("python", "-m", "dojo", "solution", *session.posargs)


@nox.session(tags=["instructor"])
def solutions(session: nox.Session) -> None:
    """Check the reference solutions against every test (`-- NAME...` for some)."""
    _install(session)
    session.run("python", "-m", "dojo", "solutions", *session.posargs)


@nox.session(tags=["instructor"])
def tests(session: nox.Session) -> None:
    """Run the project's whole test suite, the katas' tests against the references included."""
    _install(session, "test")
    session.run("pytest", "--kata-impl=solutions", *session.posargs)


@nox.session(tags=["instructor"])
def grade(session: nox.Session) -> None:
    """Grade a cohort: `nox -s grade -- SUBMISSIONS [--out DIR] [--jobs N] [--resume] ...`."""
    _install(session)
    session.run("python", "-m", "dojo", "grade", *session.posargs)


@nox.session(tags=["instructor"])
def export(session: nox.Session) -> None:
    """Write a student starter repository: `nox -s export -- OUT [--katas NAME...] [--title TEXT]`."""
    _install(session)
    session.run("python", "-m", "dojo", "export", *session.posargs)


@nox.session(tags=["instructor"])
def gradescope(session: nox.Session) -> None:
    """Build a Gradescope autograder zip: `nox -s gradescope -- OUT.zip [--katas NAME...]`."""
    _install(session)
    session.run("python", "-m", "dojo", "gradescope", *session.posargs)


@nox.session(tags=["instructor"])
def lint(session: nox.Session) -> None:
    """Lint with ruff."""
    _install(session, "lint")
    session.run("ruff", "check", *session.posargs)


@nox.session(tags=["instructor"])
def bench(session: nox.Session) -> None:
    """Print the figures: grading a realistic cohort (`-- STUDENTS JOBS`), the learner loop; `-- breakdown KATA`."""
    _install(session)
    if session.posargs[:1] == ["breakdown"]:  # where one student-kata's time goes
        session.run("python", "-m", "bench.breakdown", *session.posargs[1:])
        return
    session.run("python", "-m", "bench.grading", *session.posargs)
    session.run("python", "-m", "bench.learner_loop")


@nox.session(tags=["instructor"])
def races(session: nox.Session) -> None:
    """Measure how often the counter kata's race tests catch each sample: `-- [TRIALS] [FILE...]`."""
    _install(session)
    session.run("python", "-m", "bench.race_rates", *session.posargs)


@nox.session(tags=["instructor"])
def new(session: nox.Session) -> None:
    """Scaffold a new kata from its kind's templates: `nox -s new -- NAME --kind KIND`."""
    _install(session)
    session.run("python", "-m", "dojo", "new", *session.posargs)


@nox.session(tags=["instructor"])
def audit(session: nox.Session) -> None:
    """Mutate the references and count the mutants the hidden tests kill: `nox -s audit -- [NAME...] [--runs R]`."""
    _install(session)
    session.run("python", "-m", "dojo", "audit", *session.posargs)


@nox.session(tags=["instructor"])
def samples(session: nox.Session) -> None:
    """Run every sample R times as a learner's first attempt: `nox -s samples -- [RUNS] [KATA...]`."""
    _install(session)
    session.run("python", "-m", "bench.sample_rates", *session.posargs)
