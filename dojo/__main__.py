"""`python -m dojo COMMAND`: what the nox sessions call."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dojo import learner, manifest, runner


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dojo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
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
    commands.add_parser("grade", help="grade a folder of student submissions (see `grade --help`)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["grade"]:
        from dojo import grader

        return grader.main(argv[1:])
    if argv[:1] in (["export"], ["gradescope"]):
        from dojo import export

        return export.main(argv[0], argv[1:])
    if argv[:1] == ["autograde"] and len(argv) == 2:
        from dojo import export

        return export.autograde(Path(argv[1]))
    args, pytest_args = build_parser().parse_known_args(argv)
    try:
        if args.command == "kata":
            return runner.main(args.names, args.impl, pytest_args, summary=args.summary)
        if args.command == "solutions":
            return runner.main(args.names, "solutions", pytest_args)
        return learner.run(args.command, args.names, args.impl)
    except (manifest.ManifestError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
