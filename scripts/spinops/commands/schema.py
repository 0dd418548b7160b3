"""`spinops schema`: print (or write) the halconfig JSON Schema, or export every editor schema."""

from __future__ import annotations

HELP = "print the halconfig JSON Schema (draft 2020-12), or write every hand-written file's schema for editors"
DESCRIPTION = (
    "Print the JSON Schema of the halconfig (Kleat's format, strict) to stdout, or write it to FILE; "
    "--out-dir DIR writes the schema of every hand-written file (halconfig, secrets.yml, patches, overlay "
    "spinops.yml, kube-lint rule files): the ones spinops validates with. "
    "Point yaml-language-server at them: see docs/halconfig-schema.md."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "printed or written",
    1: "with --exit-code: a file was created or changed; else an internal error",
    2: "cannot write, or bad usage",
}


def add_arguments(parser) -> None:
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--out", metavar="FILE", help="write the halconfig schema to FILE (atomically) instead of stdout")
    out.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write every schema to DIR/<name>.schema.json (the pre-commit hook spinops-schema)",
    )
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when a file was created or changed (a pre-commit hook or CI job fails on stale schemas)",
    )


def run(args) -> int:
    import sys
    from pathlib import Path

    from spinops import schemas

    if args.out_dir:
        directory, files = Path(args.out_dir), {s.file_name: schemas.text(s.name) for s in schemas.SCHEMAS.values()}
    elif args.out:
        directory, files = Path(args.out).parent, {Path(args.out).name: schemas.text("halconfig")}
    else:
        sys.stdout.write(schemas.text("halconfig"))
        return 0
    changed = sorted(name for name, text in files.items() if not _same(directory / name, text))
    _write(directory, {name: files[name] for name in changed}, display=args.out)
    for name in changed:
        print(f"spinops schema: wrote {directory / name}", file=sys.stderr)
    return 1 if args.exit_code and changed else 0


def _same(path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _write(directory, files: dict[str, str], display: str | None = None) -> None:
    from spinops.atomic import write_file, write_tree
    from spinops.errors import InputError, Problem

    if not files:
        return
    try:
        if len(files) == 1:
            (name, text), = files.items()
            write_file(directory / name, text)
        else:
            write_tree(directory, files)
    except OSError as e:  # a bad --out is bad usage, not an internal error
        raise InputError(
            Problem(
                f"cannot write the schema: {e.strerror or e}", file=display or str(directory), code="unwritable-path"
            )
        ) from None
