"""`spinops render`: the 13 service config files Kleat writes, from a halconfig, strictly validated."""

from __future__ import annotations

from spinops.layout import HALCONFIG

HELP = "render each Spinnaker service's config from the halconfig (Kleat-compatible, strict)"
DESCRIPTION = (
    "Load HALCONFIG (a file, or a directory of *.yml fragments; default ./halconfig), validate it strictly "
    "against the halconfig schema, and write Kleat's 13 files to --out, all or nothing. "
    "Bad input exits 2 with file:line:col for every problem; see docs/halconfig-loading.md."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "rendered: the 13 files written",
    1: "internal error",
    2: "bad input (every problem with file:line:col) or usage; nothing written",
}


def add_arguments(parser) -> None:
    parser.add_argument("halconfig", nargs="?", default=str(HALCONFIG), metavar="HALCONFIG",
                        help="halconfig file or directory of fragments (default: ./halconfig)")
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="directory to write the 13 files to (created if missing)"
    )
    parser.add_argument("--env", metavar="ENV", help="merge HALCONFIG/env/ENV.yml on top (an environment overlay)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="how problems are printed (json and github go to stdout)")


def run(args) -> int:
    import gc
    from pathlib import Path

    gc.disable()  # a short-lived process that makes no reference cycles worth collecting: the GC is pure overhead

    from spinops.atomic import write_tree
    from spinops.errors import InputError, Problem
    from spinops.halconfig.load import load_halconfig

    hal = load_halconfig(Path(args.halconfig), env=args.env)
    from spinops.render import render_all  # after loading: bad input is reported without the renderer's imports

    try:
        files = render_all(hal.data)
    except InputError as e:  # a value the renderers cannot write (a line break in deck.env): file:line:col
        raise InputError(hal.place(e.problems)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(Problem("--out exists and is not a directory", file=str(out), code="unwritable-path"))
    try:
        write_tree(out, files)
    except OSError as e:
        raise InputError(
            Problem(f"cannot write the output: {e.strerror or e}", file=str(out), code="unwritable-path")
        ) from None
    return 0
