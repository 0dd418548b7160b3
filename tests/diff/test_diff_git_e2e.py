"""`spinops diff --base` end to end: real git histories in temp dirs, real builds (kustomize), the real CLI.

Each test copies the reference installation (halconfig/, kustomize/) into a fresh git repository,
commits it as the base on `main`, commits a PR change on a branch on top and runs
`spinops diff --base main` there, like the PR workflow does.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("spinops.build", reason="spinops.build (the build stage) is not available yet")

from spinops.render import SECTIONS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"  # frozen copy of the reference installation
ENV = "production"
pytestmark = pytest.mark.slow


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    r = tmp_path / "spinnaker-config"
    r.mkdir()
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, r / d)
    (r / "build").mkdir()  # must stay untouched: diff builds into temp dirs
    (r / ".gitignore").write_text("build/\n")
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.email", "ci@example.com")
    git(r, "config", "user.name", "CI")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "base: reference installation")
    git(r, "checkout", "-q", "-b", "pr")
    return r


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def diff(spinops, repo: Path, *args: str, base: str = "main"):
    return spinops("diff", "--base", base, "--env", ENV, *args, cwd=repo)


def as_json(p) -> dict:
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def changed_lines(d: str) -> list[str]:
    return [ln for ln in d.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_identical_trees_report_no_changes(spinops, repo):
    p = diff(spinops, repo, "--format", "markdown")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"<!-- spinops-diff:{ENV} -->\n") and "**No changes**" in p.stdout
    p = diff(spinops, repo)
    assert p.returncode == 0 and "No changes" in p.stdout
    assert list((repo / "build").iterdir()) == []  # build/ untouched
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # the temporary worktree is gone


def test_fiat_cpu_limit_change_is_exactly_one_changed_line(spinops, repo):
    sizing = repo / "kustomize" / "overlays" / ENV / "fiat-resources.yml"
    text = sizing.read_text()
    m = re.search(r"limits:\n\s+cpu: (\S+)\n", text)
    assert m, "the production overlay sizes Fiat's CPU limit"
    sizing.write_text(text[: m.start(1)] + '"7"' + text[m.end(1):])
    commit(repo, "Raise Fiat's CPU limit")
    data = as_json(diff(spinops, repo, "--format", "json"))
    assert [(c["action"], c["kind"], c["name"]) for c in data["changes"]] == [("changed", "Deployment", "fiat")]
    lines = changed_lines(data["changes"][0]["diff"])
    assert [ln[0] for ln in lines] == ["-", "+"]
    assert lines[0][1:].strip().startswith("cpu:") and lines[1][1:].strip() == "cpu: '7'"
    assert data["counts"] == {"Deployment": {"added": 0, "changed": 1, "removed": 0}}
    assert data["impact"] is None  # no halconfig change
    md = diff(spinops, repo, "--format", "markdown").stdout
    assert md.count("<details>") == 1 and "#### fiat" in md
    assert diff(spinops, repo, "--format", "markdown").stdout == md  # deterministic, byte for byte


def affected_by(section: str) -> set[str]:
    sp = section.split(".")
    return {svc for svc, paths in SECTIONS.items() for q in paths if q.split(".")[: len(sp)] == sp[: len(q.split("."))]}


def test_halconfig_change_shows_configmaps_of_affected_services_and_their_config_hash(spinops, repo):
    edit(repo / "halconfig" / "halconfig.yml", "botName: spinnakerbot", "botName: spinops-bot")
    commit(repo, "Rename the Slack bot")
    data = as_json(diff(spinops, repo, "--format", "json"))
    impact = data["impact"]
    assert impact["sections"] == ["notifications.slack"]
    readers = affected_by("notifications.slack")
    assert "echo" in readers and set(impact["affected"]) == readers
    cms = {c["service"] for c in data["changes"] if c["kind"] == "ConfigMap"}
    assert "echo" in cms and cms <= readers and set(impact["config_changed"]) == cms
    for c in data["changes"]:
        assert c["kind"] in ("ConfigMap", "Deployment"), c
        assert c["service"] in cms and c["action"] == "changed"
        if c["kind"] == "ConfigMap":
            assert c["name"] == f"{c['service']}-config" and c["old_name"] != c["new_name"]
            assert all("spinops-bot" in ln or "spinnakerbot" in ln for ln in changed_lines(c["diff"]))
        else:  # exactly the config hash line(s), nothing else
            assert all(
                ln[1:].startswith(f"# spinops: ConfigMap {c['service']}-config hash ")
                for ln in changed_lines(c["diff"])
            ), c["diff"]
    deployments = {c["name"] for c in data["changes"] if c["kind"] == "Deployment"}
    assert {"echo-scheduler", "echo-worker"} <= deployments or "echo" in deployments
    md = diff(spinops, repo, "--format", "markdown").stdout
    assert "#### Halconfig impact" in md and "| `notifications.slack` |" in md


def test_enabling_slack_names_the_new_credential(spinops, repo):
    hal = repo / "halconfig" / "halconfig.yml"
    secrets = repo / "halconfig" / "secrets.yml"
    with_slack, with_secret = hal.read_text(), secrets.read_text()
    hal.write_text(re.sub(r"notifications:\n  slack:\n(    .*\n)+", "", with_slack))
    secrets.write_text(re.sub(r"  spinnaker-slack:\n(    .*\n)+", "", with_secret))
    assert "slack" not in hal.read_text()
    commit(repo, "base without Slack")
    git(repo, "branch", "-f", "main", "HEAD")
    hal.write_text(with_slack)
    secrets.write_text(with_secret)
    commit(repo, "Enable Slack notifications")
    data = as_json(diff(spinops, repo, "--format", "json"))
    imp = data["impact"]
    assert imp["sections"] == ["notifications.slack"] and imp["enabled"] == ["notifications.slack"]
    assert {
        "service": "echo",
        "kind": "env",
        "name": "SLACK_TOKEN",
        "secret": "spinnaker-slack",
        "source": "workflow",
    } in imp["new_credentials"]
    text = diff(spinops, repo).stdout
    assert ("new credential for echo: env var SLACK_TOKEN (Secret spinnaker-slack, source: workflow): "
            "add the GitHub environment secret SLACK_TOKEN to every environment before this merges") in text


def test_enabling_slack_says_whether_the_deploy_workflow_passes_the_new_credential(spinops, repo):
    hal = repo / "halconfig" / "halconfig.yml"
    with_slack = hal.read_text()
    hal.write_text(re.sub(r"notifications:\n  slack:\n(    .*\n)+", "", with_slack))
    workflow = repo / ".github" / "workflows" / "deploy.yml"
    workflow.parent.mkdir(parents=True)
    full = (REFERENCE / ".github" / "workflows" / "deploy.yml").read_text()
    workflow.write_text(full.replace("          SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}\n", ""))
    commit(repo, "base without Slack")
    git(repo, "branch", "-f", "main", "HEAD")
    hal.write_text(with_slack)
    commit(repo, "Enable Slack notifications")
    text = diff(spinops, repo).stdout
    assert (
        "and `SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}` to the apply step of .github/workflows/deploy.yml (it does not "
        "pass it yet)"
        in text
    )
    workflow.write_text(full)
    commit(repo, "and pass it")
    assert "(.github/workflows/deploy.yml already passes it)" in diff(spinops, repo).stdout


CANARY_OLD = "CANARY-rotated-away-8c1f2e3d4b"
CANARY_NEW = "CANARY-rotated-in-5a6b7c8d9e"
CANARY_KEEP = "CANARY-unchanged-0f1e2d3c4b"


def test_secret_rotation_shows_markers_and_never_the_value(spinops, repo, tmp_path):
    kust = repo / "kustomize" / "overlays" / ENV / "kustomization.yml"
    kust.write_text(
        kust.read_text()
        + f"secretGenerator:\n- name: test-canary\n  literals:\n  - token={CANARY_OLD}\n  - keep={CANARY_KEEP}\n"
    )
    commit(repo, "a Secret in the manifests")
    git(repo, "branch", "-f", "main", "HEAD")
    edit(kust, CANARY_OLD, CANARY_NEW)
    commit(repo, "rotate the token")
    full = tmp_path / "full.md"
    outputs = {}
    for fmt in ("text", "json", "markdown"):
        p = diff(spinops, repo, "--format", fmt, "--full-output", str(full))
        assert p.returncode == 1, p.stderr
        outputs[fmt], outputs[f"full-{fmt}"], outputs[f"stderr-{fmt}"] = p.stdout, full.read_text(), p.stderr
    for name, text in outputs.items():
        for v in (CANARY_OLD, CANARY_NEW, CANARY_KEEP):
            assert v not in text and base64.b64encode(v.encode()).decode() not in text, name
    data = json.loads(outputs["json"])
    assert [(c["kind"], c["name"]) for c in data["changes"]] == [("Secret", "test-canary")]
    assert changed_lines(data["changes"][0]["diff"]) == ["-  token: '*** (before)'", "+  token: '*** (after)'"]
    assert "  keep: '***'" in data["changes"][0]["diff"]


def test_bad_inputs_exit_2_and_say_which_side(spinops, repo, tmp_path):
    p = diff(spinops, repo, base="no-such-ref")
    assert p.returncode == 2 and "unknown git ref: 'no-such-ref'" in p.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    p = spinops("diff", "--base", "main", cwd=plain)
    assert p.returncode == 2 and "not a git repository" in p.stderr
    # a broken working tree: the head side fails
    (repo / "halconfig" / "halconfig.yml").write_text(
        (repo / "halconfig" / "halconfig.yml").read_text() + "\nnotAKey: [\n"
    )
    p = diff(spinops, repo)
    assert (
        p.returncode == 2
        and "cannot build the head side, working tree (HEAD@" in p.stderr
        and "Traceback" not in p.stderr
    )
    # ... committed and compared the other way round: the base side fails
    commit(repo, "broken")
    git(repo, "checkout", "-q", "main")
    p = diff(spinops, repo, base="pr")
    assert p.returncode == 2 and "cannot build the base side, pr@" in p.stderr
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_a_new_environment_is_all_added(spinops, repo):
    shutil.copytree(repo / "kustomize" / "overlays" / "staging", repo / "kustomize" / "overlays" / "qa")
    if (repo / "halconfig" / "env" / "staging.yml").exists():
        shutil.copy(repo / "halconfig" / "env" / "staging.yml", repo / "halconfig" / "env" / "qa.yml")
    commit(repo, "add a qa environment")
    p = spinops("diff", "--base", "main", "--env", "qa", "--format", "json", cwd=repo)
    data = as_json(p)
    assert p.returncode == 1
    assert data["changes"] and {c["action"] for c in data["changes"]} == {"added"}
    assert data["unchanged"] == 0 and data["notes"] == [
        f"environment `qa` does not exist at main@{git(repo, 'rev-parse', '--short=7', 'main').strip()}: every "
        "resource is new"
    ]


def test_a_removed_environment_is_all_deleted(spinops, repo):
    """issue 11 item 12: a PR removing an environment got no diff, while one adding it shows every resource."""
    shutil.rmtree(repo / "kustomize" / "overlays" / "staging")
    if (repo / "halconfig" / "env" / "staging.yml").exists():
        (repo / "halconfig" / "env" / "staging.yml").unlink()
    commit(repo, "remove the staging environment")
    p = spinops("diff", "--base", "main", "--env", "staging", "--format", "json", cwd=repo)
    data = as_json(p)
    assert p.returncode == 1, p.stderr
    assert data["changes"] and {c["action"] for c in data["changes"]} == {"removed"}
    assert data["notes"] == ["environment `staging` is removed: every resource of it would be deleted"]
