"""Manifests from an untrusted artifact, for the one PR job that holds a cluster credential.

pr.yml's `diff` job builds the PR head with the PR's own code and no credentials, and uploads
build/<env>/manifests.yaml. The `live` job runs only the base branch's code (checked out at the PR's
base SHA), gets an OIDC token, and must treat that upload as data written by an attacker: GitHub's
"Secure use reference" (content/actions/reference/security/secure-use.md, "Understanding the risks of
untrusted code checkout") and GitHub Security Lab's "Keeping your GitHub Actions and workflows secure
Part 1: Preventing pwn requests" (build in an unprivileged job, hand over artifacts, never execute them
where secrets are).

So the artifact is accepted only as: one regular file `manifests.yaml` (no symlink, nothing else), at
most MAX_BYTES, UTF-8, YAML without anchors, aliases or explicit tags (no alias expansion blow-up, no
constructor tricks), every document a Kubernetes object (apiVersion, kind, metadata.name strings), at
most MAX_OBJECTS of them. Nothing in it is executed: it goes to `kubectl diff --server-side` as input.

`python -m spinops.artifact manifests --in DIR --env ENV --out FILE` (the `live_input` nox session)
also tells the workflow, through $GITHUB_OUTPUT, the environment's GKE variable names as the BASE
branch declares them (`known=false` for an environment the PR adds: it has no cluster to diff yet).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

import yaml

from spinops.atomic import write_file
from spinops.environments import NAME, load_environments
from spinops.errors import InputError, Problem, SpinopsError
from spinops.layout import MANIFESTS

#: The reference installation builds to ~0.3 MB per environment; 8 MiB leaves room and bounds the work.
MAX_BYTES = 8 * 1024 * 1024
MAX_OBJECTS = 2000


def _refuse(message: str, file: str, line: int | None = None, column: int | None = None) -> InputError:
    return InputError(Problem(message, file=file, line=line, column=column, code="untrusted-artifact"))


def read_manifests(directory: Path) -> str:
    """The text of DIR/manifests.yaml after the checks above; InputError (file:line:col) otherwise."""
    directory = Path(directory)
    display = f"{directory}/{MANIFESTS}"
    try:
        entries = sorted(p.name for p in directory.iterdir())
    except OSError as e:
        raise _refuse(f"cannot read the artifact directory: {e.strerror}", str(directory)) from None
    if entries != [MANIFESTS]:
        raise _refuse(f"expected exactly one file {MANIFESTS!r} in the artifact, found {entries[:10]}", str(directory))
    st = os.lstat(directory / MANIFESTS)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse("not a regular file (a symlink or a device is never followed)", display)
    if st.st_size > MAX_BYTES:
        raise _refuse(f"{st.st_size} bytes: over the {MAX_BYTES}-byte limit for built manifests", display)
    raw = (directory / MANIFESTS).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _refuse(f"not UTF-8 (byte {e.start})", display) from None
    _plain_yaml(text, display)
    count = 0
    for doc in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if doc is None:
            continue
        count += 1
        if count > MAX_OBJECTS:
            raise _refuse(f"more than {MAX_OBJECTS} objects", display)
        meta = doc.get("metadata") if isinstance(doc, dict) else None
        if not (
            isinstance(doc, dict)
            and isinstance(doc.get("apiVersion"), str)
            and isinstance(doc.get("kind"), str)
            and isinstance(meta, dict)
            and isinstance(meta.get("name"), str)
        ):
            raise _refuse(f"document {count} is not a Kubernetes object (apiVersion, kind, metadata.name)", display)
    if count == 0:
        raise _refuse("no objects", display)
    return text


def _plain_yaml(text: str, display: str) -> None:
    """Refuse anchors, aliases and explicit tags, which `kustomize build` never writes (parser events only:
    nothing is constructed yet)."""
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            mark = event.start_mark
            where = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse("YAML anchors and aliases are not accepted in built manifests", display, *where)
            tag = getattr(event, "tag", None)  # set only when the source spells a tag out
            if tag is not None:
                raise _refuse(f"explicit YAML tag {tag!r} is not accepted in built manifests", display, *where)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise _refuse(f"not valid YAML: {getattr(e, 'problem', None) or e}", display, line, col) from None


def _outputs(lines: list[str]) -> None:
    print("\n".join(lines))
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


def manifests(directory: Path, env: str, out: Path, report: Path, repo: Path = Path(".")) -> list[str]:
    """Validate the artifact for ENV and write it to OUT; the $GITHUB_OUTPUT lines. An environment the base
    does not have gets `known=false` and a report saying why there is no live diff."""
    if not NAME.match(env):
        raise _refuse(f"environment name {env!r} is not a valid environment name", "SPINOPS_ENV")
    base = {e.name: e for e in load_environments(repo)}
    if env not in base:
        write_file(
            report,
            f"### spinops live diff: `{env}`\n\nNo live diff: `{env}` is not an environment on the base branch yet, "
            "so it has no cluster to compare with. It gets one once it is merged and deployed.\n",
        )
        return ["known=false"]
    text = read_manifests(directory)
    write_file(out, text)
    e = base[env]
    return ["known=true", f"cluster_var={e.cluster_var}", f"location_var={e.location_var}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spinops.artifact", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("manifests", help="validate a downloaded manifests artifact and copy it to --out")
    m.add_argument("--in", dest="directory", required=True, help="where the artifact was downloaded")
    m.add_argument("--env", required=True)
    m.add_argument("--out", required=True, help="the validated manifests (build/live/<env>.yaml)")
    m.add_argument("--report", required=True, help="the live comment written when the base has no such environment")
    args = parser.parse_args(argv)
    try:
        _outputs(manifests(Path(args.directory), args.env, Path(args.out), Path(args.report)))
    except SpinopsError as e:
        for p in e.problems:
            print(p.text(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
