"""Declarative patches on rendered files: `merge`, `json-patch` and `jq`.

A patch is one YAML file in `halconfig/patches/` (applied in file-name order):

    kind: merge | json-patch | jq
    target: clouddriver.yml          # a name or glob, or a list of them (see TARGETS below)
    exclude: [spinnaker-local.yml]   # optional: names or globs taken out of the targets
    when: {spinnakerVersion: "<1.21"} # optional: only for these halconfig `version`s
    args: {accounts: [staging]}      # jq only: named arguments ($accounts)
    patch: ...                       # merge: a mapping (RFC 7386: null deletes a key)
                                     # json-patch: a list of RFC 6902 operations
                                     # jq: an expression producing the new document

Targets are the files a service's ConfigMap holds: Kleat's 13 rendered files (`clouddriver.yml`,
`settings.js`, `deck.env`, ...), each Spring service's profile `<svc>-local.yml`,
`spinnaker-local.yml` (every Spring service) and Deck's `settings-local.js`. Profile targets
always exist (empty unless `halconfig/profiles/` ships one), so "add X to every service's
-local.yml" is `target: "*-local.yml"`. Patches see and produce data, never text; for
settings-local.js that data is the object merged into `window.spinnakerSettings`.

Patches must be idempotent: the build applies each one twice and refuses one whose second
application changes the result again (a json-patch `add` to `/list/-` does). This module is
pure apart from `load_patches`, which reads the files.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops import jqpatch, yamlio
from spinops.credentials import Masker, literal_credentials
from spinops.errors import InputError, Problem
from spinops.render.jsout import ENV_KEYS
from spinops.yamlio import Located

# --------------------------------------------------------------------------------------------
# Spinnaker version conditions

_CLAUSE = re.compile(r"^\s*(<=|>=|==|!=|<|>|=)?\s*v?(\d+(?:\.\d+)*)\s*$")
_RELEASE = re.compile(r"^(?:spinnaker-)?v?(\d+(?:\.\d+)*)(?:[-+].*)?$")
_NEWEST = (10**9,)  # master / *-latest-* builds are newer than every release


def parse_version(version: str) -> tuple[int, ...] | None:
    """`1.36.1` / `spinnaker-1.36.1` -> (1, 36, 1); `master-latest-*` -> newest; else None."""
    m = _RELEASE.match(version.strip())
    if m:
        return tuple(int(x) for x in m.group(1).split("."))
    if version.startswith("master") or "latest" in version:
        return _NEWEST
    return None


def parse_condition(spec: str) -> list[tuple[str, tuple[int, ...]]]:
    """`">=1.20, <1.25"` -> [(">=", (1, 20)), ("<", (1, 25))]; ValueError on bad syntax."""
    clauses = []
    for part in str(spec).split(","):
        m = _CLAUSE.match(part)
        if not m:
            raise ValueError(
                f'bad version condition {part.strip()!r}: expected e.g. "<1.21", ">=1.20, <1.25", "==1.36.1"'
            )
        op = m.group(1) or "=="
        clauses.append(("==" if op == "=" else op, tuple(int(x) for x in m.group(2).split("."))))
    return clauses


def version_matches(clauses: list[tuple[str, tuple[int, ...]]], version: tuple[int, ...]) -> bool:
    """Every clause holds. Versions compare numerically, missing parts count as 0 (1.21 == 1.21.0)."""
    for op, want in clauses:
        n = max(len(want), len(version))
        a, b = version + (0,) * (n - len(version)), want + (0,) * (n - len(want))
        ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        if not ok:
            return False
    return True


# --------------------------------------------------------------------------------------------
# Patches


@dataclass
class Patch:
    file: str  # as displayed in messages (relative to the repo)
    kind: str
    targets: tuple[str, ...]
    payload: Any
    exclude: tuple[str, ...] = ()
    when: list[tuple[str, tuple[int, ...]]] | None = None
    when_text: str | None = None
    args: dict = field(default_factory=dict)
    doc: Located | None = None
    program: str | None = None  # the jq program (syntax-checked; run by spinops.jqpatch)

    def problem(self, path: tuple, message: str, **kw) -> Problem:
        return self.doc.problem(path, message, **kw) if self.doc else Problem(message, file=self.file, **kw)

    def describe(self) -> str:
        cond = f" when spinnakerVersion {self.when_text}" if self.when_text else ""
        return f"{self.file}: {self.kind} -> {', '.join(self.targets)}{cond}"


@dataclass
class Applied:
    """What one patch did in a build (reported with --verbose)."""

    patch: Patch
    files: tuple[str, ...]  # targets it was applied to
    changed: tuple[str, ...]  # of those, the ones whose content changed
    skipped: str | None = None  # why it did not apply (a `when` that does not hold)
    # changed target -> (its data before, after): where the values came from (spinops.build.origin.Patched)
    results: dict[str, tuple[Any, Any]] = field(default_factory=dict, compare=False, repr=False)

    def as_dict(self) -> dict:
        return {
            "file": self.patch.file,
            "kind": self.patch.kind,
            "targets": list(self.patch.targets),
            "when": self.patch.when_text,
            "applied_to": list(self.files),
            "changed": list(self.changed),
            "skipped": self.skipped,
        }


#: Problem codes by the patch field a schema violation is about (anything else: patch-shape).
_CODES = {"kind": "patch-kind", "target": "patch-target", "exclude": "patch-target", "when": "patch-when"}


def parse_patch(doc: Located) -> Patch:
    """Validate one patch document against its schema (spinops/schemas/patch.schema.json, the one editors get),
    then its version condition and jq syntax; raise InputError with every problem."""
    from spinops import schemas  # noqa: PLC0415 start-up: difflib

    data = doc.data
    if data is None:
        raise InputError(
            doc.problem((), "empty patch file: expected a mapping with kind, target and patch", code="patch-shape")
        )
    problems = schemas.problems("patch", doc, "patch-shape", codes=_CODES)
    if problems:
        raise InputError(problems)
    kind, payload, args = data["kind"], data["patch"], data.get("args") or {}
    target, exclude = data["target"], data.get("exclude") or []
    when, when_text = None, None
    if "when" in data:
        when_text = str(data["when"]["spinnakerVersion"])
        try:
            when = parse_condition(when_text)
        except ValueError as e:
            problems.append(doc.problem(("when", "spinnakerVersion"), str(e), code="patch-when"))
    targets = (target,) if isinstance(target, str) else tuple(target)
    patch = Patch(
        doc.file,
        kind,
        targets,
        payload,
        (exclude,) if isinstance(exclude, str) else tuple(exclude),
        when,
        when_text,
        args,
        doc,
    )
    if kind == "jq" and not problems:
        import jq  # noqa: PLC0415 start-up: jq

        for line, col, name in jqpatch.forbidden_uses(payload):
            problems.append(
                _in_program(
                    doc,
                    line,
                    col,
                    f"jq patches may not use `{name}`: it {jqpatch.FORBIDDEN[name]}",
                    hint="pass values with `args:` (they are in Git, like the patch)",
                )
            )
        try:
            jq.compile(payload, args=args)  # syntax only: programs run in jqpatch's sandbox
            patch.program = payload
        except ValueError as e:
            problems.append(doc.problem(("patch",), f"jq expression does not compile: {_short(e)}", code="patch-jq"))
    if problems:
        raise InputError(problems)
    return patch


def load_patches(directory: Path, display_root: Path | None = None) -> list[Patch]:
    """Every `*.yml`/`*.yaml` in `directory`, in name order, validated; all problems in one InputError."""
    if not directory.is_dir():
        if directory.exists():  # e.g. a file named `patches`: its patches would be skipped without a word
            shown = str(directory.relative_to(display_root)) if display_root else str(directory)
            raise InputError(Problem("expected a directory of patch files (*.yml)", file=shown, code="patch-dir"))
        return []
    problems: list[Problem] = []
    patches = []
    # not only regular files: a dangling symlink or a directory named like a patch is an error, not skipped
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and not p.name.startswith(".")):
        display = str(path.relative_to(display_root)) if display_root else str(path)
        try:
            patches.append(parse_patch(yamlio.read(path, display, root=display_root)))
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return patches


def resolve_targets(patch: Patch, available: list[str]) -> list[str]:
    """The file names a patch applies to; a name or glob that matches nothing is an InputError."""
    out: list[str] = []
    for t in patch.targets:
        hits = [name for name in available if fnmatch.fnmatchcase(name, t)]
        if not hits:
            raise InputError(
                patch.problem(
                    ("target",),
                    f"target {t!r} matches no file",
                    hint="targets: " + ", ".join(sorted(available)),
                    code="patch-target",
                )
            )
        out.extend(h for h in hits if h not in out)
    kept = [name for name in out if not any(fnmatch.fnmatchcase(name, x) for x in patch.exclude)]
    if not kept:
        raise InputError(patch.problem(("exclude",), "`exclude` takes out every target", code="patch-target"))
    return kept


def merge(base: Any, fragment: Any) -> Any:
    """RFC 7386 JSON Merge Patch over plain data: mappings merge, null deletes, anything else replaces."""
    if not isinstance(fragment, dict):
        return copy.deepcopy(fragment)
    out = dict(base) if isinstance(base, dict) else {}
    for k, v in fragment.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge(out.get(k), v)
    return out


def _in_program(doc: Located, line: int, col: int, message: str, hint: str | None = None) -> Problem:
    """A problem at (line, col) of the jq program, located in the patch file: a block scalar
    (`patch: |`) starts on the line after its key, a flow scalar right after `patch: `."""
    pos = doc.position(("patch",))
    if pos is None:
        return doc.problem(("patch",), message, hint=hint, code="patch-jq")
    key_line, key_col = pos
    lines = doc.text.splitlines()
    rest = lines[key_line - 1][key_col - 1 :].split(":", 1)[-1].strip() if key_line <= len(lines) else ""
    if rest[:1] in ("|", ">"):
        body = lines[key_line] if key_line < len(lines) else ""
        indent = len(body) - len(body.lstrip(" "))
        at_line, at_col = key_line + line, indent + col
    else:
        start = lines[key_line - 1].find(rest[:1] or " ", key_col) + 1 if key_line <= len(lines) else key_col
        quoted = 1 if rest[:1] in ("'", '"') else 0
        at_line, at_col = key_line + line - 1, (start + quoted + col - 1) if line == 1 else col
    return Problem(message, file=doc.file, line=at_line, column=at_col, hint=hint, code="patch-jq")


def _apply_once(patch: Patch, doc: dict) -> dict:
    if patch.kind == "merge":
        return merge(doc, patch.payload)
    if patch.kind == "json-patch":
        import jsonpatch  # noqa: PLC0415 start-up: jsonpatch
        import jsonpointer  # noqa: PLC0415 start-up: with jsonpatch

        try:
            return jsonpatch.JsonPatch(patch.payload).apply(copy.deepcopy(doc))
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as e:
            raise _OpError(_short(e)) from None
    if patch.program is None:  # parse_patch sets it for every jq patch
        raise _OpError("a jq patch without a program")
    try:
        results, _ = jqpatch.evaluate(patch.program, patch.args, doc, twice=False)
    except jqpatch.JqError as e:
        raise _OpError(f"jq error: {_short(e)}") from None
    if len(results) != 1 or not isinstance(results[0], dict):
        raise _OpError(
            f"a jq patch must produce exactly one object, got {len(results)} result(s)"
            + (f" ({type(results[0]).__name__})" if results else "")
        )
    return results[0]


class _OpError(Exception):
    pass


def _not_plain_data(doc, target: str) -> str | None:
    """Why a patch result cannot be written as the config file `target` (None when it can). YAML dates,
    `!!binary`, sets and non-string keys would otherwise fail far from the patch, as internal errors."""
    if not isinstance(doc, dict):
        return f"a {type(doc).__name__} instead of a mapping (a patch may not replace the whole file)"
    if target == "deck.env":
        for k, v in doc.items():
            if k not in ENV_KEYS:
                return f"hold the key {k!r}, which deck.env does not have (it has {', '.join(ENV_KEYS)})"
            if isinstance(v, (dict, list)):
                return f"hold a {type(v).__name__} under {k} (deck.env values are plain strings)"
    stack: list[tuple[object, str]] = [(doc, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    return (
                        f"hold a {type(k).__name__} key under `{where or '(top level)'}` (keys are strings: quote it)"
                    )
                stack.append((v, f"{where}.{k}" if where else k))
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
        elif value is not None and not isinstance(value, (str, bool, int, float)):
            return f"hold a {type(value).__name__} at `{where}` (write it as a quoted string)"
    return None


def _get(doc, path: tuple):
    for p in path:
        doc = doc[p]
    return doc


def apply_patch(patch: Patch, doc: dict, target: str) -> dict:
    """Apply one patch to one target's data; validate that the operation holds and is idempotent."""
    where = ("patch",)
    try:
        once = _apply_once(patch, doc)
    except _OpError as e:
        if patch.kind == "json-patch":
            where = _failing_op(patch, doc)
        scrub = Masker(str(_get(doc, p)) for p in literal_credentials(doc))  # jq error(.password), json-patch `test`
        raise InputError(
            patch.problem(where, f"patch does not apply to {target}: {scrub(str(e))}", code="patch-apply")
        ) from None
    bad = _not_plain_data(once, target)
    if bad:
        raise InputError(
            patch.problem(
                where,
                f"patch makes {target} {bad}",
                code="patch-result",
                hint="a patch produces plain data: a mapping of string keys to strings, numbers, booleans, null, "
                     "lists and mappings",
            )
        )
    try:
        twice = _apply_once(patch, once)
    except _OpError:
        # A remove/move cannot apply twice by nature; the build always starts from a fresh render.
        return once
    if twice != once:
        raise InputError(
            patch.problem(
                where,
                f"patch is not idempotent on {target}: applying it twice changes the result again",
                hint="append with a path that names the element (or a jq expression that checks first) instead of "
                     "`add` to `/-`",
                code="patch-idempotent",
            )
        )
    return once


def _failing_op(patch: Patch, doc: dict) -> tuple:
    """The path of the first json-patch operation that fails (for its line number)."""
    import jsonpatch  # noqa: PLC0415 start-up: jsonpatch
    import jsonpointer  # noqa: PLC0415 start-up: with jsonpatch

    cur = copy.deepcopy(doc)
    for i, op in enumerate(patch.payload):
        try:
            cur = jsonpatch.JsonPatch([op]).apply(cur)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException):
            return ("patch", i, "path")
    return ("patch",)


def apply_patches(
    files: dict[str, Any], patches: list[Patch], version: str | None
) -> tuple[dict[str, Any], list[Applied]]:
    """Apply `patches` in order to `files` (target name -> data); returns new files and a report.

    `version` is the halconfig `version`; a patch with `when` needs it. Input `files` is not modified.
    """
    out = dict(files)
    report: list[Applied] = []
    available = list(files)
    parsed_version = parse_version(version) if version else None
    for patch in patches:
        targets = resolve_targets(patch, available)
        if patch.when is not None:
            if parsed_version is None:
                why = (
                    "the halconfig sets no `version`"
                    if not version
                    else f"the halconfig version {version!r} is not a release number"
                )
                raise InputError(patch.problem(("when",), f"cannot evaluate `when`: {why}", code="patch-when"))
            if not version_matches(patch.when, parsed_version):
                report.append(
                    Applied(patch, (), (), skipped=f"spinnakerVersion {version} does not match {patch.when_text}")
                )
                continue
        results = {}
        for t in targets:
            new = apply_patch(patch, out[t], t)
            if new != out[t]:
                results[t] = (out[t], new)
            out[t] = new
        report.append(Applied(patch, tuple(targets), tuple(results), results=results))
    return out, report


def _short(e: Exception, limit: int = 300) -> str:
    # jsonpointer errors embed the whole parent document: keep messages readable
    s = str(e).strip()
    return s if len(s) <= limit else s[: limit - 3] + "..."
