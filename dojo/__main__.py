"""`python -m dojo COMMAND`: what the nox sessions call."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dojo import manifest

# Commands that hand unknown options on to pytest (`--kata-db=URL`, `--junitxml=FILE`, `-x`).
PYTEST_COMMANDS = ("kata", "solutions")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dojo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    kata = commands.add_parser("kata", help="check your code in katas/ (all katas when none is named)")
    kata.add_argument("names", nargs="*", metavar="NAME")
    kata.add_argument("--impl", default="katas", help="katas (default), solutions, or a submission folder")
    kata.add_argument("--summary", type=Path, help="append a Markdown table of kata, status and points to FILE")
    solutions = commands.add_parser("solutions", help="check the reference solutions")
    solutions.add_argument("names", nargs="*", metavar="NAME")
    for command, text in (("progress", "every kata's status for your code, and what to do next"),
                          ("hint", "the next hint for a kata"), ("solution", "the reference, once you solved it"),
                          ("watch", "rerun a kata each time you save it")):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("names", nargs="*", metavar="NAME")
        sub.add_argument("--impl", default="katas", help=argparse.SUPPRESS)
    # Instructors' commands exist where their packages do: a student export has neither.
    if (Path(__file__).parent / "grading").is_dir():
        from dojo.grading import grader

        grader.add_arguments(commands.add_parser("grade", help="grade a folder of student submissions",
                                                 description="Grade a folder of student submissions."))
    if (Path(__file__).parent / "classroom").is_dir():
        from dojo.classroom import export

        export.add_arguments(commands.add_parser("export", help="write a student starter repository"), "export")
        export.add_arguments(commands.add_parser("gradescope", help="build a Gradescope autograder zip"),
                             "gradescope")
        commands.add_parser("autograde", help="inside Gradescope: grade ROOT/submission").add_argument(
            "root", type=Path)
    if (Path(__file__).parent / "authoring").is_dir():
        from dojo.authoring import audit, scaffold

        scaffold.add_arguments(commands.add_parser("new", help="scaffold a new kata of a kind"))
        audit.add_arguments(commands.add_parser("audit", help="mutate the references and count what the tests kill"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if extra and args.command not in PYTEST_COMMANDS:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return run(args, extra, parser)
    except (manifest.ManifestError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, extra: list[str], parser: argparse.ArgumentParser) -> int:
    if args.command == "grade":
        from dojo.grading import grader

        return grader.main(args, parser)
    if args.command in ("export", "gradescope"):
        from dojo.classroom import export

        return export.main(args)
    if args.command == "autograde":
        from dojo.classroom import export

        return export.autograde(args.root)
    if args.command in ("new", "audit"):
        from dojo.authoring import audit, scaffold

        return (scaffold if args.command == "new" else audit).main(args)
    from dojo.learner import loop, runner

    if args.command == "kata":
        return runner.main(args.names, args.impl, extra, summary=args.summary)
    if args.command == "solutions":
        return runner.main(args.names, "solutions", extra)
    return loop.run(args.command, args.names, args.impl)


if __name__ == "__main__":
    sys.exit(main())
