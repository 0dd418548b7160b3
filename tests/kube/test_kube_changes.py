"""The plan's differ (spinops.kube.changes): what kubectl diff runs as KUBECTL_EXTERNAL_DIFF for `spinops apply`."""

from __future__ import annotations

import json
import subprocess

import pytest

from spinops.errors import InputError
from spinops.kube import changes
from spinops.kube.differ import write_differ


def test_plan_differ_lists_created_changed_and_deleted_objects(tmp_path, capsys):
    live, merged = tmp_path / "LIVE-1", tmp_path / "MERGED-2"
    live.mkdir()
    merged.mkdir()
    dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fiat\n  namespace: s\nspec: {replicas: %d}\n"
    (live / "apps.v1.Deployment.s.fiat").write_text(dep % 1)
    (merged / "apps.v1.Deployment.s.fiat").write_text(dep % 2)
    same = "apiVersion: v1\nkind: Service\nmetadata:\n  name: gate.v2\n"
    (live / "v1.Service.s.gate.v2").write_text(same)
    (merged / "v1.Service.s.gate.v2").write_text(same)
    (merged / "v1.ConfigMap.s.cm").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    (live / "v1.ConfigMap.s.old").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n")
    assert changes.main([str(live), str(merged)]) == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all(len(rec.pop("digest")) == 64 for rec in lines)
    assert lines == [
        {"action": "change", "object": "Deployment/fiat"},
        {"action": "create", "object": "ConfigMap/cm"},
        {"action": "delete", "object": "ConfigMap/old"},
    ]
    (live / "v1.ConfigMap.s.old").unlink()
    (merged / "v1.ConfigMap.s.cm").unlink()
    (merged / "apps.v1.Deployment.s.fiat").write_text(dep % 1)
    assert changes.main([str(live), str(merged)]) == 0
    assert changes.main([str(live)]) == 2


def test_change_digest_ignores_what_the_cluster_rewrites_by_itself():
    """A saved plan stays valid while only status/resourceVersion move; a hand edit of the spec invalidates it."""
    live = {
        "kind": "Deployment",
        "metadata": {"name": "fiat", "resourceVersion": "10", "generation": 3},
        "spec": {"replicas": 1},
        "status": {"readyReplicas": 1},
    }
    merged = {**live, "spec": {"replicas": 2}}
    later = {
        **live,
        "metadata": {"name": "fiat", "resourceVersion": "57", "generation": 3},
        "status": {"readyReplicas": 0},
    }
    edited = {**live, "spec": {"replicas": 5}}
    assert changes.change_digest(live, merged) == changes.change_digest(later, {**later, "spec": {"replicas": 2}})
    assert changes.change_digest(live, merged) != changes.change_digest(edited, merged)
    assert changes.change_digest(None, merged) != changes.change_digest(live, merged)


def test_the_written_differ_script_runs_the_plan_differ(tmp_path):
    """The script write_differ writes is what kubectl runs: LIVE MERGED in, JSON lines and diff's exit code out."""
    live, merged = tmp_path / "LIVE", tmp_path / "MERGED"
    live.mkdir()
    merged.mkdir()
    (merged / "v1.ConfigMap.s.cm").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    script = write_differ(tmp_path, changes.DIFFER_NAME, changes.MODULE)
    proc = subprocess.run([str(script), str(live), str(merged)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert changes.read_changes("kubectl noise\n" + proc.stdout) == (["ConfigMap/cm"], [])
    proc = subprocess.run([str(script), str(live)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "usage: spinops-plan-differ" in proc.stderr


def test_read_changes_ignores_deletes_and_other_lines():
    out = "\n".join(
        [
            json.dumps({"action": "delete", "object": "ConfigMap/x"}),
            "not json",
            "[1]",
            json.dumps({"action": "change", "object": "Deployment/d"}),
        ]
    )
    assert changes.read_changes(out) == ([], ["Deployment/d"])


def test_differ_refuses_a_directory_kubectl_would_split(tmp_path):
    """kubectl splits KUBECTL_EXTERNAL_DIFF on spaces: a script path with one would run the wrong program."""
    spaced = tmp_path / "a b"
    spaced.mkdir()
    with pytest.raises(InputError, match="TMPDIR"):
        write_differ(spaced, changes.DIFFER_NAME, changes.MODULE)
    assert list(spaced.iterdir()) == []  # nothing half-written
