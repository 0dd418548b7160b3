"""`spinops schema`: print (or write) the halconfig JSON Schema, e.g. for yaml-language-server."""

from __future__ import annotations

HELP = "print the halconfig JSON Schema (draft 2020-12) for editors and validators"
DESCRIPTION = (
    "Print the JSON Schema of the halconfig (Kleat's format, strict) to stdout, or write it to FILE. "
    "Point yaml-language-server at it: see docs/halconfig-schema.md."
)


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="FILE", help="write the schema to FILE (atomically) instead of stdout")


def run(args) -> int:
    import sys

    from spinops.halconfig.schema import schema_text

    text = schema_text()
    if args.out:
        from spinops.atomic import write_file
        from spinops.errors import InputError, Problem

        try:
            write_file(args.out, text)
        except OSError as e:  # a bad --out is bad usage, not an internal error
            raise InputError(
                Problem(f"cannot write the schema: {e.strerror or e}", file=args.out, code="unwritable-path")
            ) from None
    else:
        sys.stdout.write(text)
    return 0
