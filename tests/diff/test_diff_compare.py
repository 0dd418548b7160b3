"""Resource-by-resource comparison on crafted manifests (the core of `spinops diff`)."""

from __future__ import annotations

import copy

from diff_helpers import configmap, deployment, live_noise, secret, service

from spinops.diff import compare
from spinops.report import render


def reference(**over) -> list[dict]:
    """A small installation: echo (two shards sharing echo-config) and fiat."""
    echo_cfg = over.get("echo_cfg", "echo-config-7g9b2hk5c8")
    fiat_cfg = over.get("fiat_cfg", "fiat-config-5bcd2fhk7m")
    return [
        configmap(
            echo_cfg, {"echo.yml": over.get("echo_yml", "slack:\n  enabled: true\n  botName: spinnakerbot\n")}, "echo"
        ),
        configmap(fiat_cfg, {"fiat.yml": "auth:\n  groupMembership:\n    service: GITHUB\n"}, "fiat"),
        deployment("echo-scheduler", svc="echo", config=echo_cfg),
        deployment("echo-worker", svc="echo", config=echo_cfg),
        deployment("fiat", config=fiat_cfg, cpu=over.get("fiat_cpu", "1")),
        service("echo-worker", 8089, "echo"),
        service("fiat", 7003),
    ]


def added_removed_lines(diff: str) -> list[str]:
    return [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_identical_inputs_have_no_changes():
    r = compare(reference(), reference())
    assert not r.has_changes and r.changes == [] and r.unchanged == 7
    assert "No changes" in render(r, "text")


def test_cpu_limit_change_is_exactly_one_changed_line_in_one_resource():
    r = compare(reference(), reference(fiat_cpu="2"))
    assert [(c.action, c.kind, c.name) for c in r.changes] == [("changed", "Deployment", "fiat")]
    assert added_removed_lines(r.changes[0].diff) == ["-            cpu: '1'", "+            cpu: '2'"]
    assert r.counts() == {"Deployment": {"added": 0, "changed": 1, "removed": 0}}
    assert r.services() == ["fiat"]


def test_changed_configmap_pairs_by_stem_and_deployments_show_the_config_hash():
    new = reference(echo_cfg="echo-config-m54h8t2bk6", echo_yml="slack:\n  enabled: true\n  botName: spinbot\n")
    r = compare(reference(), new)
    assert [(c.action, c.kind, c.name) for c in r.changes] == [
        ("changed", "ConfigMap", "echo-config"),
        ("changed", "Deployment", "echo-scheduler"),
        ("changed", "Deployment", "echo-worker"),
    ]
    cm, sched, worker = r.changes
    assert (cm.old_name, cm.new_name) == ("echo-config-7g9b2hk5c8", "echo-config-m54h8t2bk6")
    assert added_removed_lines(cm.diff) == ["-      botName: spinnakerbot", "+      botName: spinbot"]
    for dep in (sched, worker):
        assert added_removed_lines(dep.diff) == [
            "-# spinops: ConfigMap echo-config hash 7g9b2hk5c8",
            "+# spinops: ConfigMap echo-config hash m54h8t2bk6",
        ]
        assert dep.notes == ["rolls: ConfigMap echo-config changed (hash 7g9b2hk5c8 → m54h8t2bk6)"]
    assert r.services() == ["echo"]


def test_added_and_removed_resources_and_counts_by_kind():
    old = reference()
    new = [o for o in reference() if o["metadata"]["name"] != "echo-worker" or o["kind"] != "Service"]
    new.append(service("gate", 8084))
    r = compare(old, new)
    assert [(c.action, c.kind, c.name, c.service) for c in r.changes] == [
        ("removed", "Service", "echo-worker", "echo"),
        ("added", "Service", "gate", "gate"),
    ]
    assert r.counts() == {"Service": {"added": 1, "changed": 0, "removed": 1}}
    assert r.totals() == {"added": 1, "changed": 0, "removed": 1}
    added = r.changes[1].diff
    assert "+kind: Service" in added and "--- base/Service/spinnaker/gate" in added


def test_unlabelled_resources_group_under_other_and_other_sorts_last():
    old = reference()
    new = reference(fiat_cpu="3") + [configmap("plain", {"a": "b"})]
    r = compare(old, new)
    assert [s for s, _ in r.by_service()] == ["fiat", "other"]


def test_live_noise_on_one_side_is_not_a_change():
    live = [live_noise(o, generation=5) for o in reference()]
    r = compare(live, reference())
    assert not r.has_changes, [c.diff for c in r.changes]


def test_reference_to_a_configmap_missing_on_one_side_still_normalises():
    # kubectl's LIVE dir holds only objects of the manifest: the old ConfigMap is not there
    old = [o for o in reference() if o["kind"] != "ConfigMap"]
    new = reference(echo_cfg="echo-config-m54h8t2bk6", echo_yml="x: 1\n")
    r = compare(old, new)
    worker = next(c for c in r.changes if c.name == "echo-worker")
    assert added_removed_lines(worker.diff) == [
        "-# spinops: ConfigMap echo-config hash 7g9b2hk5c8",
        "+# spinops: ConfigMap echo-config hash m54h8t2bk6",
    ]


def test_ambiguous_stems_fall_back_to_full_names():
    old = [configmap("x-7g9b2hk5c8", {"a": "1"}), configmap("x-m54h8t2bk6", {"a": "2"})]
    r = compare(old, [configmap("x-7g9b2hk5c8", {"a": "1"})])
    assert [(c.action, c.name) for c in r.changes] == [("removed", "x-m54h8t2bk6")]


def test_output_is_deterministic_whatever_the_input_order():
    old, new = reference(), reference(fiat_cpu="2", echo_cfg="echo-config-m54h8t2bk6", echo_yml="y: 2\n")
    a = compare(old, new)
    b = compare(list(reversed(old)), list(reversed(copy.deepcopy(new))))
    for fmt in ("text", "json", "markdown"):
        assert render(a, fmt) == render(b, fmt)


def test_secret_rotation_is_one_changed_secret_with_before_after_markers():
    old = reference() + [secret("spinnaker-slack-2bcdfgh45m", {"SLACK_TOKEN": "xoxb-CANARY-OLD-0001"}, "echo")]
    new = reference() + [secret("spinnaker-slack-9bcdfgh45m", {"SLACK_TOKEN": "xoxb-CANARY-NEW-0002"}, "echo")]
    r = compare(old, new)
    assert [(c.kind, c.name) for c in r.changes] == [("Secret", "spinnaker-slack")]
    assert added_removed_lines(r.changes[0].diff) == ["-  SLACK_TOKEN: '*** (before)'", "+  SLACK_TOKEN: '*** (after)'"]
