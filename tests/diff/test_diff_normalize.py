"""Normalisation: generated names, noise, references (pure functions on crafted objects)."""

from __future__ import annotations

from diff_helpers import configmap, deployment, live_noise

from spinops.diff.normalize import GeneratedRef, rewrite_generated_refs, split_generated, strip_noise, to_text


def test_split_generated_only_for_generator_kinds_and_kustomize_alphabet():
    assert split_generated(("", "ConfigMap"), "echo-config-m54h8t2bk6") == ("echo-config", "m54h8t2bk6")
    assert split_generated(("", "Secret"), "tok-2bcdfgh45m") == ("tok", "2bcdfgh45m")
    # a vowel or a 0/1/3/a/e digit never appears in a kustomize hash
    assert split_generated(("", "ConfigMap"), "echo-config-abcdefghij") == ("echo-config-abcdefghij", None)
    assert split_generated(("", "ConfigMap"), "echo-config-m54h8t2bk") == ("echo-config-m54h8t2bk", None)  # 9 chars
    assert split_generated(("apps", "Deployment"), "echo-m54h8t2bk6") == ("echo-m54h8t2bk6", None)


def test_strip_noise_removes_server_fields_and_keeps_the_rest():
    obj = live_noise(deployment("fiat", config="fiat-config-5bcd2fhk7m"), generation=7)
    obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    obj["metadata"]["annotations"]["team"] = "sre"
    out = strip_noise(obj)
    meta = out["metadata"]
    for k in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
        assert k not in meta
    assert "status" not in out
    assert meta["annotations"] == {"team": "sre"}
    assert obj["metadata"]["generation"] == 7  # the input is not modified
    assert out["spec"] == obj["spec"]


def test_references_are_rewritten_to_the_stem_and_reported():
    obj = deployment("echo-worker", config="echo-config-m54h8t2bk6", secret_name="spinnaker-slack-2bcdfgh45m")
    stems = {("spinnaker", "echo-config"): "ConfigMap", ("spinnaker", "spinnaker-slack"): "Secret"}
    out, refs = rewrite_generated_refs(strip_noise(obj), stems)
    assert out["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == "echo-config"
    assert out["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["secretRef"]["name"] == "spinnaker-slack"
    assert refs == [
        GeneratedRef("ConfigMap", "echo-config", "m54h8t2bk6"),
        GeneratedRef("Secret", "spinnaker-slack", "2bcdfgh45m"),
    ]
    assert out["metadata"]["name"] == "echo-worker"


def test_unknown_stems_and_other_namespaces_are_left_alone():
    obj = deployment("echo-worker", config="echo-config-m54h8t2bk6", ns="other-ns")
    out, refs = rewrite_generated_refs(strip_noise(obj), {("spinnaker", "echo-config"): "ConfigMap"})
    assert out["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == "echo-config-m54h8t2bk6"
    assert refs == []


def test_to_text_is_sorted_and_uses_literal_blocks_for_files():
    cm = configmap("echo-config", {"echo.yml": "slack:\n  enabled: true\n", "b": "1"})
    text = to_text(cm, [GeneratedRef("ConfigMap", "x", "m54h8t2bk6")])
    assert text.splitlines()[0] == "# spinops: ConfigMap x hash m54h8t2bk6"
    assert "  echo.yml: |\n    slack:\n      enabled: true\n" in text
    assert text.index("apiVersion") < text.index("data:") < text.index("kind:") < text.index("metadata:")


def test_whitespace_that_blocks_yaml_block_style_is_made_visible():
    text = to_text({"data": {"f": "x: 1  \ny:\t2\r\n"}})
    assert text == "data:\n  f: |\n    x: 1\u2420\u2420\n    y:\u24092\u240d\n"
