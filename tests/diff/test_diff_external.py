"""`spinops external-diff LIVE MERGED` on directories shaped exactly as kubectl diff writes them."""

from __future__ import annotations

import json

from diff_helpers import configmap, deployment, kubectl_file_name, live_noise, secret, service, write_kubectl_dir

CANARY = "CANARY-live-secret-5566778899"


def installation(cfg="echo-config-7g9b2hk5c8", body="a: 1\n", cpu="1"):
    return [
        configmap(cfg, {"echo.yml": body}, "echo"),
        deployment("echo-worker", svc="echo", config=cfg, cpu=cpu),
        service("echo-worker", 8089, "echo"),
    ]


def test_file_names_match_kubectl():
    assert kubectl_file_name(configmap("fiat-config-abc", {})) == "v1.ConfigMap.spinnaker.fiat-config-abc"
    assert kubectl_file_name(deployment("fiat")) == "apps.v1.Deployment.spinnaker.fiat"


def test_no_differences_exits_0(tmp_path, spinops):
    live = write_kubectl_dir(tmp_path / "LIVE-1", [live_noise(o) for o in installation()])
    merged = write_kubectl_dir(tmp_path / "MERGED-2", [live_noise(o, generation=2) for o in installation()])
    p = spinops("external-diff", str(live), str(merged))
    assert p.returncode == 0, p.stderr
    assert "No changes" in p.stdout


def test_differences_come_out_per_resource_and_masked(tmp_path, spinops):
    old = installation() + [secret("spinnaker-slack", {"SLACK_TOKEN": "***"}, "echo")]
    # kubectl masks Secrets itself before writing the files; a changed key is "*** (before)/(after)"
    new_secret = secret("spinnaker-slack", {}, "echo")
    new_secret["data"] = {"SLACK_TOKEN": "*** (after)"}
    old[-1]["data"] = {"SLACK_TOKEN": "*** (before)"}
    # ... but the client-side-apply annotation still embeds the whole Secret (kubectl#1453)
    old[-1]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
            {"kind": "Secret", "apiVersion": "v1", "data": {"SLACK_TOKEN": CANARY}}
        )
    }
    new = installation(cfg="echo-config-m54h8t2bk6", body="a: 2\n", cpu="2") + [new_secret]
    live_objs = [live_noise(o) for o in old if o["kind"] != "ConfigMap"]  # the old ConfigMap is not in LIVE
    live = write_kubectl_dir(tmp_path / "LIVE-1", live_objs)
    merged = write_kubectl_dir(tmp_path / "MERGED-2", [live_noise(o, generation=2) for o in new])
    p = spinops("external-diff", str(live), str(merged), env={"SPINOPS_DIFF_FORMAT": "json"})
    assert p.returncode == 1, p.stderr
    assert CANARY not in p.stdout
    data = json.loads(p.stdout)
    got = {(c["action"], c["kind"], c["name"]) for c in data["changes"]}
    assert got == {
        ("added", "ConfigMap", "echo-config"),
        ("changed", "Deployment", "echo-worker"),
        ("changed", "Secret", "spinnaker-slack"),
    }
    dep = next(c for c in data["changes"] if c["kind"] == "Deployment")
    changed = [ln for ln in dep["diff"].splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert changed == [
        "-# spinops: ConfigMap echo-config hash 7g9b2hk5c8",
        "+# spinops: ConfigMap echo-config hash m54h8t2bk6",
        "-            cpu: '1'",
        "+            cpu: '2'",
    ]
    cm = next(c for c in data["changes"] if c["kind"] == "ConfigMap")
    assert cm["notes"] == ["replaces echo-config-7g9b2hk5c8 (mounted before; not part of this comparison)"]
    sec = next(c for c in data["changes"] if c["kind"] == "Secret")
    assert "-  SLACK_TOKEN: '*** (before)'" in sec["diff"] and "+  SLACK_TOKEN: '*** (after)'" in sec["diff"]
    assert data["old"] == "live" and data["new"] == "merged"


def test_options_from_environment_write_markdown_files(tmp_path, spinops):
    live = write_kubectl_dir(tmp_path / "LIVE-1", installation())
    merged = write_kubectl_dir(tmp_path / "MERGED-2", installation(cpu="3"))
    out, full = tmp_path / "comment.md", tmp_path / "full.md"
    p = spinops(
        "external-diff",
        str(live),
        str(merged),
        env={
            "SPINOPS_DIFF_FORMAT": "markdown",
            "SPINOPS_DIFF_ENV": "staging",
            "SPINOPS_DIFF_OUTPUT": str(out),
            "SPINOPS_DIFF_FULL_OUTPUT": str(full),
        },
    )
    assert p.returncode == 1, p.stderr
    assert p.stdout == ""
    md = out.read_text()
    assert (
        md.startswith("<!-- spinops-live-diff:staging -->\n### spinops live cluster: `staging`")
        and "<code>Deployment spinnaker/echo-worker</code>" in md
    )
    assert full.read_text() == md  # small: the full report is the same


def test_bad_input_exits_2_and_names_the_file(tmp_path, spinops):
    live = write_kubectl_dir(tmp_path / "LIVE-1", installation())
    merged = tmp_path / "MERGED-2"
    merged.mkdir()
    (merged / "v1.ConfigMap.spinnaker.broken").write_text("kind: ConfigMap\nmetadata: [\n")
    p = spinops("external-diff", str(live), str(merged))
    assert p.returncode == 2
    assert "v1.ConfigMap.spinnaker.broken" in p.stderr and "Traceback" not in p.stderr
    p = spinops("external-diff", str(live), str(tmp_path / "nope"))
    assert p.returncode == 2 and "not a directory" in p.stderr


def test_three_thousand_resource_change_stays_under_the_comment_limit(tmp_path, spinops):
    # Through the real CLI on kubectl-shaped directories: building 3,000 extra resources with
    # kustomize takes minutes here (see docs/diff.md), the report path is the same as --base.
    def many(value: str) -> list[dict]:
        return [
            configmap(
                f"load-{i:04d}",
                {"settings.yml": f"owner: team-{i % 17}\nvalue: {value}-{i}\nunchanged: true\n"},
                f"svc{i % 9}",
            )
            for i in range(3000)
        ]

    live = write_kubectl_dir(tmp_path / "LIVE-1", many("before"))
    merged = write_kubectl_dir(tmp_path / "MERGED-2", many("after"))
    full = tmp_path / "full.md"
    p = spinops("external-diff", str(live), str(merged), "--format", "markdown", "--env", "production",
                "--full-output", str(full))
    assert p.returncode == 1, p.stderr
    md = p.stdout
    assert len(md.encode()) <= 60_000
    assert md.startswith("<!-- spinops-live-diff:production -->")
    assert "3000 resources differ" in md and "| ConfigMap | 0 | 3000 | 0 |" in md
    assert "shortened to fit" in md and "resources are not listed" in md and "job summary" in md
    assert 60_000 < len(full.read_bytes()) <= 1024 * 1024


def test_check_results_from_spinops_check_appear_in_the_comment(tmp_path, spinops, root):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a.yml: 'password: hunter2hunter2'\n"
    )
    results = tmp_path / "check.json"
    p = spinops("check", str(manifest), "--repo", str(root), "--format", "json", "--output", str(results))
    assert p.returncode == 1, p.stderr  # one finding
    live = write_kubectl_dir(tmp_path / "LIVE-1", installation())
    merged = write_kubectl_dir(tmp_path / "MERGED-2", installation(cpu="2"))
    p = spinops("external-diff", str(live), str(merged), "--format", "markdown", "--check-results", str(results))
    assert p.returncode == 1, p.stderr
    assert "| Checks | 1 error |" in p.stdout
    # the resource and the file:line to change (here the checked file itself: nothing to trace it to)
    assert (
        "- **error** `ConfigMap/x` at `" in p.stdout
        and "m.yaml:" in p.stdout
        and "(no-credential-in-configmap)" in p.stdout
    )
    p = spinops(
        "external-diff",
        str(live),
        str(merged),
        "--format",
        "markdown",
        "--check-results",
        str(tmp_path / "missing.json"),
    )
    assert p.returncode == 1 and "| Checks | no results (" in p.stdout and "missing.json not found" in p.stdout
    assert "warning: check results file not found" in p.stderr
    (tmp_path / "bad.json").write_text("{nope")
    p = spinops("external-diff", str(live), str(merged), "--check-results", str(tmp_path / "bad.json"))
    assert p.returncode == 2 and "bad.json:1:2: error: not JSON" in p.stderr


def test_an_unreadable_or_malformed_check_results_file_is_a_located_exit_2(tmp_path, spinops):
    live = write_kubectl_dir(tmp_path / "LIVE-1", installation())
    merged = write_kubectl_dir(tmp_path / "MERGED-2", installation(cpu="2"))
    (tmp_path / "results-dir").mkdir()
    (tmp_path / "latin1.json").write_bytes(b'{"findings": [{"message": "caf\xe9"}]}')
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "shape.json").write_text('{"findings": {"a": 1}}')
    expected = {
        "results-dir": "results-dir: error: a directory, not a file",
        "latin1.json": "latin1.json:1:31: error: binary file",
        "deep.json": "deep.json: error: ",
        "dangling.json": "dangling.json: error: no such file",
        "shape.json": "shape.json: error: expected a list of findings",
    }
    for name, where in expected.items():
        p = spinops("external-diff", str(live), str(merged), "--check-results", str(tmp_path / name))
        assert p.returncode == 2, (name, p.returncode, p.stderr[-300:])
        assert where in p.stderr and "Traceback" not in p.stderr and "internal error" not in p.stderr, (
            name,
            p.stderr[-300:],
        )
