"""`workload-identity-ids` (warning): the repository's Workload Identity Federation set-up (the gcloud
commands in its docs and scripts, e.g. docs/pipeline.md; Terraform) trusts GitHub's numeric ids, never names.

A GitHub repository or organisation name can be deleted and registered again by someone else; the
`repository_id` and `repository_owner_id` claims of GitHub's OIDC token cannot (GitHub docs, "OpenID
Connect reference", OIDC token claims). GitHub uses one issuer for every repository, so Google requires
an attribute condition that admits only the tokens of your own repository or organisation (Google
Cloud IAM, "Configure Workload Identity Federation with deployment pipelines", GitHub Actions), and
google-github-actions/auth (docs/SECURITY_CONSIDERATIONS.md) recommends the numeric `*_id` claims
there. Reported, at the file:line:
- a provider created (`gcloud iam workload-identity-pools providers create-oidc`) without
  `--attribute-condition`: any repository's workflow could exchange its token;
- an attribute condition (`--attribute-condition=`, Terraform `attribute_condition =`) that does not
  require both `assertion.repository_id` and `assertion.repository_owner_id`, or that compares a name
  (`assertion.repository`, `assertion.repository_owner`);
- an IAM member that names a repository or owner: `principalSet://.../attribute.repository/...`,
  `.../attribute.repository_owner/...`, or a `principal://.../subject/repo:OWNER/NAME...` subject.

What the repository cannot show is also required: both GitHub environments restrict deployment
branches to `main` (Settings > Environments > Deployment branches and tags), or any pushed branch
could run a job in `production` and get its token (docs/pipeline.md).

Files read: `*.md`, `*.sh` and `*.tf` of the repository, outside `tests/`, `build/`, `node_modules/`
and hidden folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from spinops.check.findings import Finding, Location, ResourceRef
from spinops.yamlio import MAX_BYTES

ID = "workload-identity-ids"
SEVERITY = "warning"
DESCRIPTION = "Workload Identity set-up binds to GitHub's numeric repository_id / repository_owner_id, not names"

SUFFIXES = (".md", ".sh", ".tf")
SKIP_DIRS = frozenset({"tests", "build", "node_modules"})
ID_CLAIMS = ("repository_id", "repository_owner_id")

_PROVIDER = re.compile(r"\bworkload-identity-pools\s+providers\s+create-oidc\b")
_CONDITION = re.compile(
    r"""--attribute-condition(?:=|\s+)(?:"([^"]*)"|'([^']*)'|(\S+))|\battribute_condition\s*=\s*"((?:[^"\\]|\\.)*)\""""
)
_NAME_COMPARED = re.compile(r"\b(?:assertion|attribute)\.(repository|repository_owner)\s*(?:==|!=|\.|in\b)")
_NAME_MEMBER = re.compile(
    r"principalSet://\S*?/attribute\.(repository|repository_owner)/[^\s\"']+|principal://\S*?/subject/repo:[^\s\"']+"
)


def commands(text: str) -> Iterator[tuple[int, str, list[int]]]:
    """(first line, logical line, the 1-based line of each character) with `\\` continuations joined."""
    buf, where, start = "", [], 1
    for n, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = n
        continued = line.rstrip().endswith("\\")
        body = line.rstrip()[:-1] if continued else line
        buf += body + " "
        where += [n] * (len(body) + 1)
        if not continued:
            yield start, buf, where
            buf, where = "", []
    if buf:
        yield start, buf, where


def name_bindings(text: str, file: str) -> list[tuple[Location, str]]:
    """(where, what is wrong) for every binding by name in one file's text (pure)."""
    out: list[tuple[Location, str]] = []
    for first, cmd, where in commands(text):
        conditions = list(_CONDITION.finditer(cmd))
        if _PROVIDER.search(cmd) and not conditions:
            out.append(
                (
                    Location(file, first),
                    "this Workload Identity provider has no --attribute-condition: a workflow of any GitHub "
                    "repository could exchange its token",
                )
            )
        for m in conditions:
            cond = next(g for g in m.groups() if g is not None)
            line = Location(file, where[m.start()])
            missing = [c for c in ID_CLAIMS if not re.search(rf"\bassertion\.{c}\s*==", cond)]
            if missing:
                out.append(
                    (line, f"the attribute condition does not require {' and '.join(f'assertion.{c}' for c in missing)}"
                           " (GitHub's numeric ids)")
                )
            if named := _NAME_COMPARED.search(cond):
                out.append((line, f"the attribute condition compares the {named.group(1)} NAME, which can be "
                                  "re-registered by someone else"))
        for m in _NAME_MEMBER.finditer(cmd):
            what = m.group(1) or "repository in its OIDC subject"
            out.append(
                (Location(file, where[m.start()]), f"an IAM member trusts the {what} NAME ({m.group(0)[:80]})")
            )
    return out


def setup_files(repo: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to the repository, path) of every file that may hold Workload Identity set-up, sorted."""
    for root, dirs, files in os.walk(repo):
        rel_root = Path(root).relative_to(repo)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (rel_root == Path() and d in SKIP_DIRS)
                         and d != "node_modules")
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                yield str(rel_root / name), Path(root) / name


def workload_identity(found: list[tuple[Location, str]]) -> list[Finding]:
    return [
        Finding(
            ID,
            SEVERITY,
            message,
            ResourceRef("WorkloadIdentity", where.file),
            source=where,
            hint="bind to the numeric ids: --attribute-condition=\"assertion.repository_id == '$REPO_ID' && "
                 "assertion.repository_owner_id == '$OWNER_ID'\" on the provider, members by attribute.environment/ENV"
                 " or attribute.repository_id/$REPO_ID (docs/pipeline.md, Workload Identity Federation)",
        )
        for where, message in found
    ]


def findings(repo: Path, env: str) -> list[Finding]:
    found: list[tuple[Location, str]] = []
    base = Path(os.path.realpath(repo))
    for rel, path in setup_files(repo):
        # a finding quotes the line it is on: never read a file that resolves outside the repository (a
        # symlinked .md would put an outside file's text into the report), nor one over the loader's size limit
        real = Path(os.path.realpath(path))
        if base not in real.parents:
            continue
        try:
            if real.stat().st_size > MAX_BYTES:
                continue
            text = real.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "workload-identity-pools" in text or "attribute_condition" in text or "principal" in text:
            found += name_bindings(text, rel)
    return workload_identity(found)
