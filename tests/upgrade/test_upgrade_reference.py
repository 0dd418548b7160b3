"""`spinops upgrade` on a copy of the frozen reference installation (tests/fixtures/reference/): the report's
sections against the catalog's release files (read here with PyYAML, not through spinops), the edits, the
refusals, determinism and the comment size limit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from spinops_testlib import REFERENCE, ROOT, run_spinops

RELEASES = ROOT / "scripts" / "spinops" / "spinnaker" / "releases"
MIGRATIONS = ROOT / "scripts" / "spinops" / "upgrade" / "migrations.yml"
#: GitHub rejects a comment or PR body over 65,536 characters (/work/shared/reference/peers.md)
COMMENT_LIMIT = 65_536


def release_file(version: str) -> dict:
    return yaml.safe_load((RELEASES / f"{version}.yml").read_text())


def key(v: str) -> tuple[int, ...]:
    return tuple(map(int, v.split(".")))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    for d in ("halconfig", "kustomize"):
        shutil.copytree(REFERENCE / d, dest / d)
    return dest


def snapshot(repo: Path) -> dict[str, str]:
    return {str(p.relative_to(repo)): p.read_text() for p in sorted((repo / "halconfig").rglob("*.yml"))}


def upgrade_json(repo: Path, *args: str) -> dict:
    proc = run_spinops("upgrade", *args, "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_patch_upgrade_report_sections_follow_the_catalog(repo):
    old, new = release_file("1.36.1"), release_file("1.36.3")
    doc = upgrade_json(repo, "1.36.3", "--dry-run")
    [env] = doc["environments"]
    assert (env["env"], env["from"], env["to"], env["kind"]) == ("staging", "1.36.1", "1.36.3", "patch")
    services = {s["service"]: s for s in env["services"]}
    for svc in set(old["services"]) | set(new["services"]):
        assert services[svc]["old"] == old["services"].get(svc, {}).get("version")
        assert services[svc]["new"] == new["services"].get(svc, {}).get("version")
    assert env["added"] == sorted(set(new["services"]) - set(old["services"]))
    assert env["removed"] == sorted(set(old["services"]) - set(new["services"]))
    running = {s for s, v in services.items() if v["runs"]}
    for svc in running & set(new["services"]):
        assert services[svc]["image_new"].endswith(f"/{svc}:{new['image']['tag']}")
        assert services[svc]["image_old"].endswith(f"/{svc}:{old['image']['tag']}")
    # defaults: compared only where both release files record them; every other running service is named
    recorded = {s for s in running if isinstance(old["services"].get(s, {}).get("defaults"), dict)
                and isinstance(new["services"].get(s, {}).get("defaults"), dict)}
    unknown = {u["service"] for u in env["defaults"]["unknown"]}
    assert unknown == {s for s in running - recorded if s in old["services"] or s in new["services"]} - {"deck"}
    for d in env["defaults"]["changed"]:
        assert d["service"] in recorded
        props_old = old["services"][d["service"]]["defaults"]["properties"]
        props_new = new["services"][d["service"]]["defaults"]["properties"]
        assert props_old.get(d["property"]) != props_new.get(d["property"])
    assert "one halconfig schema" in env["schema"]
    assert env["contract"] == {"builds": True, "new": []}
    rows = yaml.safe_load(MIGRATIONS.read_text())["migrations"]
    assert [m["release"] for m in env["migrations"]] == [r["release"] for r in rows
                                                         if key("1.36.1") < key(r["release"]) <= key("1.36.3")]
    assert env["diff"]["old"] == "staging@1.36.1" and env["diff"]["new"] == "staging@1.36.3"
    assert env["summary"].startswith("1.36.1 → 1.36.3: ")
    assert doc["written"] is False


def test_minor_upgrade_reports_the_data_migrations_of_the_range(repo):
    target = release_file("1.37.11")
    doc = upgrade_json(repo, target["version"], "--env", "all", "--dry-run")
    assert [e["env"] for e in doc["environments"]] == ["staging", "production"]  # promotion order
    rows = yaml.safe_load(MIGRATIONS.read_text())["migrations"]
    expected = [r for r in rows if key("1.36.1") < key(r["release"]) <= key(target["version"])]
    assert expected, "migrations.yml records orca's 1.37.0 index change"
    for env in doc["environments"]:
        assert env["kind"] == "minor"
        assert [(m["release"], m["service"], m["source"]) for m in env["migrations"]] == \
            [(r["release"], r["service"], r["source"]) for r in expected]
        # the reference's orca keeps executions in Redis: SQL schema changes do not apply to it
        assert not any(m["applies"] for m in env["migrations"] if m["service"] == "orca")


def test_staging_first_then_production_in_a_second_run(repo):
    before = snapshot(repo)
    first = run_spinops("upgrade", "1.36.3", cwd=repo)
    assert first.returncode == 0, first.stderr
    after_first = snapshot(repo)
    changed = [p for p in before if before[p] != after_first[p]]
    assert changed == ["halconfig/env/staging.yml"]
    added = [ln for ln in after_first[changed[0]].splitlines() if ln not in before[changed[0]].splitlines()]
    assert added == ["version: 1.36.3"]
    assert "written: halconfig/env/staging.yml" in first.stdout

    second = run_spinops("upgrade", "1.36.3", cwd=repo)  # production's turn: its `after:` runs 1.36.3 now
    assert second.returncode == 0, second.stderr
    assert "spinops upgrade (production): 1.36.1 → 1.36.3" in second.stdout
    final = snapshot(repo)
    assert final["halconfig/env/staging.yml"] == before["halconfig/env/staging.yml"]  # the override is gone
    assert final["halconfig/halconfig.yml"] == before["halconfig/halconfig.yml"].replace(
        "\nversion: 1.36.1\n", "\nversion: 1.36.3\n")

    for args in (("--env", "all"), ()):  # nothing left to move, with every environment named or by default
        again = run_spinops("upgrade", "1.36.3", *args, cwd=repo)
        assert again.returncode == 0 and again.stdout == "staging, production already run 1.36.3: nothing to move\n"
        assert snapshot(repo) == final


def test_listing_names_newer_releases_per_environment(repo):
    proc = run_spinops("upgrade", "--next", "patch", "--format", "json", cwd=repo)
    doc = json.loads(proc.stdout)
    patches = [v for v in (p.stem for p in RELEASES.glob("1.36.*.yml")) if key(v) > key("1.36.1")]
    for env in doc["environments"]:
        assert env["current"] == "1.36.1" and env["patches"] == sorted(patches, key=key)
    # staging first: production waits until staging runs the patch
    assert doc["proposed"] == [{"env": "staging", "from": "1.36.1", "kind": "patch", "version": max(patches, key=key)}]


def test_github_format_writes_the_workflow_matrix(repo, tmp_path):
    out = tmp_path / "github_output"
    proc = run_spinops("upgrade", "--format", "github", cwd=repo, env={"GITHUB_OUTPUT": str(out)})
    assert proc.returncode == 0, proc.stderr
    lines = dict(ln.split("=", 1) for ln in out.read_text().splitlines())
    assert [m["env"] for m in json.loads(lines["matrix"])] == ["staging"] and lines["count"] == "1"


@pytest.mark.parametrize(("args", "message"), [
    (("1.99.0",), "unknown Spinnaker release '1.99.0'; the catalog knows 1.30."),
    (("1.36.0", "--env", "staging"), "staging runs 1.36.1; 1.36.0 is older: spinops upgrade does not downgrade"),
    (("1.38.0",), "staging runs 1.36.1; 1.38.0 skips the minor line 1.37: upgrade one line at a time"),
    (("1.36.3", "--env", "qa"), "unknown environment 'qa'"),
])
def test_refusals_are_clear_errors_and_write_nothing(repo, args, message):
    before = snapshot(repo)
    proc = run_spinops("upgrade", *args, cwd=repo)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == "" and snapshot(repo) == before


def test_a_release_that_would_not_start_is_reported_and_not_written(repo):
    # a patch active from 1.36.3 on empties fiat's GitHub baseUrl: the runtime contract stops that build only
    (repo / "halconfig" / "patches" / "zz-fiat.yml").write_text(
        'kind: merge\ntarget: fiat.yml\nwhen: {spinnakerVersion: ">=1.36.3"}\n'
        'patch:\n  auth:\n    groupMembership:\n      github:\n        baseUrl: ""\n'
    )
    before = snapshot(repo)
    proc = run_spinops("upgrade", "1.36.3", "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    [env] = json.loads(proc.stdout)["environments"]
    assert env["contract"]["builds"] is False
    assert [f["rule"] for f in env["contract"]["new"]] == ["fiat-github-base-url"]
    assert env["diff"] is None and snapshot(repo) == before


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_the_report_is_byte_identical_across_runs(repo, fmt):
    runs = [run_spinops("upgrade", "1.37.11", "--env", "all", "--dry-run", "--format", fmt, cwd=repo)
            for _ in range(2)]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout


def test_the_markdown_report_fits_a_pr_body(repo):
    proc = run_spinops("upgrade", "1.37.11", "--env", "all", "--dry-run", "--format", "markdown", cwd=repo)
    body = proc.stdout
    assert len(body) <= COMMENT_LIMIT and len(body.encode()) <= COMMENT_LIMIT
    assert body.startswith("<!-- spinops-upgrade:staging -->\n### spinops upgrade: `staging` 1.36.1 → 1.37.11")
    assert "#### Manifests diff" in body and "#### Revert safety" in body


def test_only_the_contract_findings_the_new_release_brings_are_reported(repo):
    # a removed Spring Boot property in gate's profile on both sides, and one more only from 1.36.3 on (a patch)
    profile = repo / "halconfig" / "profiles" / "gate-local.yml"
    profile.write_text(profile.read_text().replace("server:\n  tomcat:\n", "server:\n  tomcat:\n    maxThreads: 50\n"))
    (repo / "halconfig" / "patches" / "zz-gate.yml").write_text(
        'kind: merge\ntarget: gate-local.yml\nwhen: {spinnakerVersion: ">=1.36.3"}\n'
        'patch:\n  server:\n    tomcat:\n      internalProxies: ".*"\n'
    )
    build = run_spinops("build", "--env", "staging", cwd=repo)
    assert build.returncode == 0 and "server.tomcat.maxThreads" in build.stderr  # the finding both sides share
    [env] = upgrade_json(repo, "1.36.3", "--dry-run")["environments"]
    assert env["contract"]["builds"] is True
    assert [(f["rule"], f["severity"]) for f in env["contract"]["new"]] == [("removed-property", "warning")]
    assert "server.tomcat.internalProxies" in env["contract"]["new"][0]["message"]


def test_a_huge_manifests_diff_is_cut_to_keep_the_body_under_the_limit():
    from spinops.diff.compare import compare
    from spinops.upgrade.render import markdown
    from spinops.upgrade.report import Report

    def docs(tag: str) -> list[dict]:
        return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}", "namespace": "spinnaker"},
                 "data": {f"k{j}": f"{tag}-{i}-{j}" for j in range(60)}} for i in range(200)]

    diff = compare(docs("old"), docs("new"), old_label="staging@1.36.1", new_label="staging@1.36.3")
    diff.env = "staging"
    report = Report("staging", "1.36.1", "1.36.3", "patch")
    body = markdown(report, diff)
    assert len(body.encode()) <= COMMENT_LIMIT
    assert body.count("<details>") < 200 and "shortened to fit" in body


def test_a_release_the_team_added_is_listed_and_can_be_moved_to(repo):
    # `spinops catalog add` writes a team release to halconfig/releases/ (docs/catalog.md); build reads it, and
    # so must upgrade, or a team that added a patch the package lacks still could not upgrade to it
    newest_patch = max((p.stem for p in RELEASES.glob("1.36.*.yml")), key=key)
    team = ".".join([*newest_patch.split(".")[:2], str(int(newest_patch.split(".")[2]) + 1)])
    assert not (RELEASES / f"{team}.yml").exists()
    (repo / "halconfig" / "releases").mkdir()
    (repo / "halconfig" / "releases" / f"{team}.yml").write_text(
        (RELEASES / f"{newest_patch}.yml").read_text().replace(newest_patch, team))
    listing = json.loads(run_spinops("upgrade", "--format", "json", cwd=repo).stdout)
    assert all(team in env["patches"] for env in listing["environments"])
    doc = upgrade_json(repo, team, "--env", "staging", "--dry-run")
    [env] = doc["environments"]
    assert (env["from"], env["to"], env["kind"]) == ("1.36.1", team, "patch")
