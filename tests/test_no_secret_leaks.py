"""Secret canaries through the real CLI: no credential value reaches an output file, stdout, stderr or artifact.

Two sources of secrets, as in a real installation:
- the workflow's environment: every key `spinops apply` reads (the `source: workflow` keys of
  halconfig/secrets.yml) holds a canary while render, build, check, diff and apply --dry-run run
  (apply against the pipeline tests' fake kubectl, a test double: no cluster exists here);
- a literal credential in the halconfig (what a user pastes by mistake), and malformed credential values
  whose error messages might quote them.
A third test seeds one distinct canary in each place a user can write a credential (halconfig fields, `${NAME:default}`
defaults, env overlays, every kind of profile, merge and jq patches, a configMapGenerator literal, apply-time
environment, the process environment) and runs build, check and diff in every output format.
Each canary is searched raw and base64-encoded (a Secret manifest's form) in everything the commands
wrote: the repository copy (build/, rendered files, reports), the job summary, and what kubectl was given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spinops_testlib import REFERENCE, ROOT

sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
from pipeline_support import FakeKubectl  # noqa: E402  (the pipeline tests' kubectl test double)

pytestmark = pytest.mark.slow

ENV = "production"
LITERAL = "canary-literal-5e2b9d-do-not-leak"


def workflow_keys(repo: Path) -> list[str]:
    from spinops.credentials import load_secrets

    inv = load_secrets(repo)
    return sorted(k for decl in inv.secrets.values() if decl.source == "workflow" for k in decl.env)


def forms(value: str) -> set[str]:
    return {value, base64.b64encode(value.encode()).decode()}


def leaks(root: Path, canaries: list[str], *, allowed: frozenset[Path] = frozenset()) -> list[str]:
    """`file: canary` for every file under root (but `allowed`) holding a canary in any form."""
    found = []
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p in allowed or ".git" in p.relative_to(root).parts:
            continue
        data = p.read_bytes()
        found += [f"{p.relative_to(root)}: {c}" for c in canaries for f in forms(c) if f.encode() in data]
    return found


def in_text(text: str, canaries: list[str]) -> list[str]:
    return [c for c in canaries if any(f in text for f in forms(c))]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def work(tmp_path) -> tuple[Path, Path]:
    """(repo, scratch): a git repository holding a copy of halconfig/ and kustomize/, one commit."""
    repo = tmp_path / "repo"
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, repo / d)
    git(repo, "init", "-q")
    git(repo, "add", "halconfig", "kustomize")
    git(repo, "commit", "-q", "-m", "base")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return repo, scratch


class Runner:
    """The real CLI with a scrubbed environment plus the canaries, collecting every stdout and stderr."""

    def __init__(self, repo: Path, scratch: Path, canary_env: dict[str, str]):
        self.repo, self.scratch = repo, scratch
        self.kubectl = FakeKubectl(scratch)
        self.summary = scratch / "step-summary.md"
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "SLACK_", "OAUTH2_", "FAKE_", "SPINOPS_", "RUNNER_"))
        }
        base.pop("GH_TOKEN", None)
        # as in a workflow: annotations and the job summary are written too
        self.env = {**base, **canary_env, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(self.summary)}
        self.outputs: list[tuple[str, str]] = []

    def __call__(self, *args: str, kubectl: bool = False, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        env = {**self.env, **(self.kubectl.env() if kubectl else {})}
        r = subprocess.run(
            [sys.executable, "-m", "spinops", *args],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode in ok, (args, r.returncode, r.stderr[-2000:])
        self.outputs.append((" ".join(args), r.stdout + r.stderr))
        return r

    def printed_leaks(self, canaries: list[str]) -> list[str]:
        """Canaries in anything printed, except `::add-mask::` commands: the Actions runner consumes those
        (never shown in the log) and masks the value everywhere after them, which is their purpose."""
        found = []
        for cmd, text in self.outputs:
            shown = "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))
            found += [f"{cmd}: {c}" for c in in_text(shown, canaries)]
        return found

    def masked(self) -> set[str]:
        return {
            line.removeprefix("::add-mask::")
            for _, text in self.outputs
            for line in text.splitlines()
            if line.startswith("::add-mask::")
        }


def test_workflow_secrets_in_the_environment_leak_nowhere(work):
    repo, scratch = work
    keys = workflow_keys(repo)
    assert {"GITHUB_TOKEN", "SLACK_TOKEN", "OAUTH2_CLIENT_SECRET"} <= set(keys)
    canary_env = {k: f"canary-{k.lower()}-7d3a1f" for k in keys}
    canary_env["SLACK_TOKEN"] = "xoxb-canary\nsecond-line-7d3a1f"  # a multi-line value: masked line by line?
    canaries = sorted(canary_env.values()) + [line for v in canary_env.values() for line in v.splitlines() if line != v]
    run = Runner(repo, scratch, canary_env)

    run("render", "halconfig", "--out", "rendered")
    run("build", "--env", ENV)
    run("check", "--env", ENV, "--format", "json", "--output", str(scratch / "check.json"))
    run("check", "--env", ENV, "--format", "github")
    # a change to diff: a non-secret value; the report shows config bodies and wiring
    halconfig = repo / "halconfig" / "halconfig.yml"
    halconfig.write_text(
        halconfig.read_text().replace("\ntimezone: ", "\ntimezone: Europe/Berlin\n#"), encoding="utf-8"
    )
    run("diff", "--base", "HEAD", "--env", ENV, "--format", "markdown", "--output", str(scratch / "diff.md"),
        "--full-output", str(scratch / "diff-full.md"), "--check-results", str(scratch / "check.json"), ok=(1,))
    run("diff", "--base", "HEAD", "--env", ENV, "--format", "json", "--output", str(scratch / "diff.json"), ok=(1,))
    run.kubectl.on("get", "secret", stdout="secret/spinnaker-github\n")
    run("apply", "--env", ENV, "--dry-run", kubectl=True)

    assert (repo / "build" / ENV / "manifests.yaml").is_file() and (scratch / "diff.md").stat().st_size > 0
    assert run.kubectl.calls(), "apply --dry-run did not reach the fake kubectl"
    assert run.summary.is_file()
    assert run.printed_leaks(canaries) == []
    assert {
        c for c in canaries if "\n" not in c
    } <= run.masked()  # each value (each line of a multi-line one) is masked
    assert leaks(repo, canaries) == []
    # scratch: reports, the job summary, and the fake kubectl's log of every argv, stdin and environment
    assert leaks(scratch, canaries) == []


def test_a_literal_credential_in_the_halconfig_leaks_nowhere(work):
    repo, scratch = work
    canary_env = {k: "placeholder-value-not-under-test" for k in workflow_keys(repo)}
    run = Runner(repo, scratch, canary_env)
    run("build", "--env", ENV)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (repo / "build").rglob("*") if p.is_file()}

    halconfig = repo / "halconfig" / "halconfig.yml"
    text = halconfig.read_text()
    assert "token: ${SLACK_TOKEN}" in text
    halconfig.write_text(text.replace("token: ${SLACK_TOKEN}", f"token: {LITERAL}"), encoding="utf-8")

    # render is Kleat's converter: it passes the credential to the service that reads it, and nowhere else
    run("render", "halconfig", "--out", "rendered")
    rendered = repo / "rendered"
    assert LITERAL in (rendered / "echo.yml").read_text()
    assert leaks(rendered, [LITERAL], allowed=frozenset({rendered / "echo.yml"})) == []
    # build refuses it (it would land in a ConfigMap) and keeps the previous build
    r = run("build", "--env", ENV, ok=(2,))
    assert "literal credential" in r.stderr
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (repo / "build").rglob("*") if p.is_file()} == before
    # check refuses the previous build: it is not the build of these inputs (issue 12 item 6)
    r = run("check", "--env", ENV, "--format", "json", "--output", str(scratch / "check.json"), ok=(2,))
    assert '"code": "stale-build"' in r.stdout
    run("diff", "--base", "HEAD", "--env", ENV, "--format", "markdown", "--output", str(scratch / "diff.md"), ok=(2,))
    run("apply", "--env", ENV, "--dry-run", kubectl=True)

    assert run.printed_leaks([LITERAL]) == []
    assert leaks(repo, [LITERAL], allowed=frozenset({halconfig, rendered / "echo.yml"})) == []
    assert leaks(scratch, [LITERAL]) == []


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(f"{{nested: {LITERAL}}}", id="mapping"),
        pytest.param(f"[{LITERAL}]", id="list"),
        pytest.param(f"'${{{LITERAL}'", id="broken-placeholder"),
        pytest.param("90210417731177", id="numeric"),
    ],
)
def test_error_messages_do_not_quote_a_malformed_credential(work, value):
    repo, scratch = work
    halconfig = repo / "halconfig" / "halconfig.yml"
    halconfig.write_text(halconfig.read_text().replace("token: ${SLACK_TOKEN}", f"token: {value}"), encoding="utf-8")
    secret = "90210417731177" if value == "90210417731177" else LITERAL
    run = Runner(repo, scratch, {k: "unused" for k in workflow_keys(repo)})
    for fmt in ("text", "json", "github"):
        run("build", "--env", ENV, "--format", fmt, ok=(2,))
    if not value.startswith("'"):  # a wrong type: render refuses it too (a broken placeholder is a string)
        run("render", "halconfig", "--out", "rendered", ok=(2,))
        assert not (repo / "rendered").exists()
    assert run.printed_leaks([secret]) == []
    assert not (repo / "build").exists()


# ------------------------------------------------------------------------------------------------
# one distinct canary in every credential-bearing place, every output of every command and format

#: Where a user can write a credential that spinops must refuse (build exit 2), with the edit that seeds it.
REFUSED = {
    "halconfig field": ("halconfig/halconfig.yml", "token: ${SLACK_TOKEN}", "token: {c}"),
    "placeholder default": ("halconfig/halconfig.yml", "token: ${SLACK_TOKEN}", "token: ${{SLACK_TOKEN:{c}}}"),
    "env overlay field": ("halconfig/env/production.yml", None, "notifications:\n  slack:\n    token: {c}\n"),
    "service profile": ("halconfig/profiles/gate-local.yml", None, "\nsome:\n  apiKey: {c}\n"),
    "shard profile": ("halconfig/profiles/clouddriver-caching.yml", None, "db:\n  password: {c}\n"),
    "shared profile": ("halconfig/profiles/spinnaker-local.yml", None, "mail:\n  smtpPassword: {c}\n"),
    "deck settings": ("halconfig/profiles/settings-local.js", None, "\nconst leaked = {{ token: '{c}' }};\n"),
    "merge patch": (
        "halconfig/patches/zz-leak.yml",
        None,
        "kind: merge\ntarget: gate.yml\npatch:\n  webhook:\n    secretKey: {c}\n",
    ),
    "jq patch": (
        "halconfig/patches/zz-leak.yml",
        None,
        "kind: jq\ntarget: echo.yml\npatch: '.slack.token = \"{c}\"'\n",
    ),
}


def _seed(repo: Path, rel: str, old: str | None, new: str, canary: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if old is None:
        path.write_text(text + new.format(c=canary), encoding="utf-8")
    else:
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new.format(c=canary), 1), encoding="utf-8")


def _every_format(run: Runner, scratch: Path, *, build_ok: tuple[int, ...], diff_ok: tuple[int, ...]) -> None:
    for fmt in ("text", "json", "github"):
        run("build", "--env", ENV, "--format", fmt, ok=build_ok)
    for fmt in ("text", "json", "github", "sarif"):
        run("check", "--env", ENV, "--format", fmt, "--output", str(scratch / f"check.{fmt}"), ok=(0, 1, 2))
    for fmt in ("text", "json", "markdown"):
        run(
            "diff",
            "--base",
            "HEAD",
            "--env",
            ENV,
            "--format",
            fmt,
            "--output",
            str(scratch / f"diff.{fmt}"),
            ok=diff_ok,
        )


@pytest.mark.parametrize("place", list(REFUSED))
def test_a_refused_credential_is_never_echoed_by_any_command_or_format(work, place):
    repo, scratch = work
    canary = f"canary-{place.replace(' ', '-')}-4b1d"
    run = Runner(repo, scratch, {k: "placeholder-value-not-under-test" for k in workflow_keys(repo)})
    rel, old, new = REFUSED[place]
    _seed(repo, rel, old, new, canary)
    _every_format(run, scratch, build_ok=(2,), diff_ok=(2,))
    assert run.printed_leaks([canary]) == []
    assert not (repo / "build").exists()
    assert leaks(repo, [canary], allowed=frozenset({repo / rel})) == []
    assert leaks(scratch, [canary]) == []


def test_accepted_inputs_with_credentials_leak_nowhere(work):
    """A configMapGenerator literal (check flags it, diff masks it), workflow secrets at apply time and
    an unrelated secret in the process environment of every command: no output of any format holds one."""
    repo, scratch = work
    canary_env = {k: f"canary-apply-{k.lower()}-91c2" for k in workflow_keys(repo)}
    canary_env["AWS_SECRET_ACCESS_KEY"] = (
        "canary-process-environment-91c2"  # only in the environment: a jq patch cannot read it
    )
    generator = "canary-generator-literal-91c2"
    kfile = repo / "kustomize" / "overlays" / ENV / "kustomization.yml"
    kfile.write_text(
        kfile.read_text() + f"configMapGenerator:\n- name: leaky\n  literals:\n  - DB_PASSWORD={generator}\n"
    )
    (repo / "halconfig" / "patches" / "zz-env.yml").write_text(
        "kind: jq\ntarget: echo.yml\npatch: '.spinops_probe = \"x\"'\n"
    )
    canaries = sorted(canary_env.values()) + [generator]
    run = Runner(repo, scratch, canary_env)
    _every_format(run, scratch, build_ok=(0,), diff_ok=(1,))
    run.kubectl.on("get", "secret", stdout="secret/spinnaker-github\n")
    run("apply", "--env", ENV, "--dry-run", kubectl=True)

    assert generator in (repo / "build" / ENV / "manifests.yaml").read_text()  # the build ships it; check says so
    assert "no-credential-in-configmap" in (scratch / "check.json").read_text()
    assert run.kubectl.calls(), "apply --dry-run did not reach the fake kubectl"
    assert run.printed_leaks(canaries) == []
    # the kustomize cache entry (spinops.kustomize_cache) is the same manifests, byte for byte, after its header line
    cached = list((repo / "build" / ".cache" / "kustomize").glob("*.yaml"))
    built = (repo / "build" / ENV / "manifests.yaml").read_text()
    assert cached and all(c.read_text().split("\n", 1)[1] == built for c in cached if generator in c.read_text())
    assert leaks(repo, canaries, allowed=frozenset({kfile, *(repo / "build").rglob("manifests.yaml"), *cached})) == []
    # check/diff files of every format and the job summary; kubectl's log below, call by call
    assert leaks(scratch, canaries, allowed=frozenset({run.kubectl.log})) == []
    workflow = sorted(v for k, v in canary_env.items() if k != "AWS_SECRET_ACCESS_KEY")
    for call in run.kubectl.calls():
        assert in_text(" ".join(call["argv"]), canaries) == [], call["argv"]
        # kubectl inherits the process environment (cloud auth plugins read it), never the workflow's Secrets
        assert in_text(json.dumps(call["env"]), workflow + [generator]) == []
        # the generator literal is part of the manifests applied
        assert (in_text((call["stdin"] or "") + (call["file"] or ""), workflow) == [])
