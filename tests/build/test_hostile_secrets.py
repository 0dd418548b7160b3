"""Credentials that slipped through before (issue 11 items 3 and 6): a literal default of a placeholder
on a credential, and two Secrets whose volume names collapsed into one."""

from __future__ import annotations

import re

import pytest

from spinops.bundle import secret_volume_name, wiring_patch
from spinops.check.rules import Context
from spinops.check.rules import no_credential_in_configmap as rule
from spinops.wire import SecretInventory, ServiceWiring, check_halconfig, plan

CANARY = "canary-default-91a4c2"


def github(token: str) -> dict:
    return {"artifacts": {"github": {"enabled": True, "accounts": [{"name": "gh", "token": token}]}}}


def test_a_literal_default_on_a_halconfig_credential_is_refused_without_echoing_it():
    (p,) = check_halconfig(github("${GITHUB_TOKEN:" + CANARY + "}"), SecretInventory(), lambda path: None, {})
    assert p.code == "literal-credential" and "placeholder's default" in p.message
    assert CANARY not in p.text()


@pytest.mark.parametrize("value", ["${GITHUB_TOKEN}", "${GITHUB_TOKEN:}", "${GITHUB_TOKEN:${OTHER_TOKEN}}"])
def test_placeholders_without_a_literal_default_pass(value):
    assert check_halconfig(github(value), SecretInventory(), lambda path: None, {}) == []


def test_build_and_check_both_refuse_a_literal_default_in_a_profile():
    value = "${SLACK_TOKEN:" + CANARY + "}"
    _, problems = plan({"echo": {"echo-local.yml": {"slack": {"token": value}}}}, SecretInventory(),
                       hand_written={"echo": {"echo-local.yml"}})
    assert "literal-credential" in {p.code for p in problems}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "echo-config"},
          "data": {"echo-local.yml": f"slack:\n  token: '{value}'\n"}}
    (hit,) = rule.check(cm, Context())
    assert "literal credential" in hit.message and CANARY not in hit.message


def test_secrets_sharing_a_long_prefix_get_distinct_volumes():
    prefix = "spinnaker-" + "a" * 46  # 56 characters shared
    a, b = prefix + "-one", prefix + "-two"
    names = {secret_volume_name(a), secret_volume_name(b)}
    assert len(names) == 2
    assert all(len(n) <= 63 and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", n) for n in names)
    w = ServiceWiring("clouddriver", volumes=[(a, "/var/secrets/one", None), (b, "/var/secrets/two", None)])
    spec = wiring_patch("clouddriver", w)["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"]}
    assert len(mounts) == len(volumes) == 2
    assert sorted(volumes.values()) == sorted([a, b])


def test_short_secret_volume_names_are_unchanged():
    assert secret_volume_name("spinnaker-github") == "secret-spinnaker-github"
