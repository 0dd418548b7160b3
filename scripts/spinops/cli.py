"""Thin command line: parse arguments, call one command module, map errors to exit codes.

Each command lives in `spinops.commands.<name>` and exposes `HELP`, `EXIT_CODES` (shown under its
`--help`), `add_arguments(parser)` and `run(args) -> int`. Command modules keep heavy imports inside `run` so
`spinops render` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from spinops import __version__
from spinops.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERNAL_WITH_FINDINGS, SpinopsError, format_problems

#: Command name -> module. Order is the order of `spinops --help`.
COMMANDS = {
    "render": "render",
    "schema": "schema",
    "build": "build",
    "check": "check",
    "diff": "diff",
    "apply": "apply",
    "status": "status",
    "migrate": "migrate",
    "verify": "verify",
    "doctor": "doctor",
    "external-diff": "external_diff",
    "env": "env",
    "upgrade": "upgrade",
    "catalog": "catalog",
}
#: Commands whose exit code 1 means "findings/differences", so internal errors exit 3.
FINDINGS_COMMANDS = {"check", "diff", "external-diff", "verify"}


class _Formatter(argparse.HelpFormatter):
    """argparse's wrapping, except for lines that start indented (the exit-code table keeps one code a line)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            indent + line if line.startswith("  ") else super(_Formatter, self)._fill_text(line, width, indent)
            for line in text.split("\n")
        )


def _exit_codes(mod) -> str:
    return "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in sorted(mod.EXIT_CODES.items()))


def _parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="spinops", description="GitOps for Spinnaker on Kubernetes, without Halyard.")
    parser.add_argument("--version", action="version", version=f"spinops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name, modname in COMMANDS.items():
        if only and name != only:
            continue  # start-up cost: import only the command being run
        # a missing module is a broken install: main() says so
        mod = importlib.import_module(f"spinops.commands.{modname}")
        p = sub.add_parser(
            name,
            help=getattr(mod, "HELP", None),
            description=getattr(mod, "DESCRIPTION", getattr(mod, "HELP", None)),
            epilog=_exit_codes(mod),
            formatter_class=_Formatter,
        )
        mod.add_arguments(p)
        modules[name] = mod
    return parser, modules


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    completing = "_ARGCOMPLETE" in os.environ  # the shell asks for completions (spinops.completion)
    try:
        parser, modules = _parser(None if completing or first not in COMMANDS else first)
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("spinops."):
            raise
        print(
            f"spinops: internal error: module {e.name} is missing: the installation is broken (reinstall spinops)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    if completing:
        from spinops.completion import complete  # noqa: PLC0415 start-up: argcomplete, via spinops.completion

        complete(parser)  # answers the shell and exits
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    # SIGTERM (a cancelled CI job) unwinds like Ctrl-C, so staged outputs and worktrees are cleaned up
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return int(modules[args.command].run(args) or 0)
    except SpinopsError as e:
        fmt = getattr(args, "format", "text")
        fmt = fmt if fmt in ("json", "github") else "text"
        print(format_problems(e.problems, fmt), file=sys.stderr if fmt == "text" else sys.stdout)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # e.g. `spinops diff | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # noqa: BLE001 - the one place internal errors are turned into an exit code
        if os.environ.get("SPINOPS_DEBUG"):
            raise
        print(
            f"spinops: internal error: {type(e).__name__}: {e} (set SPINOPS_DEBUG=1 for a traceback)", file=sys.stderr
        )
        return EXIT_INTERNAL_WITH_FINDINGS if args.command in FINDINGS_COMMANDS else EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
