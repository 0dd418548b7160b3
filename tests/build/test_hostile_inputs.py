"""Inputs that were read quietly and must not be (issue 11 items 2, 5, 11, 12): files reached through
symlinks that leave the repository, literal credentials in Deck's browser settings, a kubectl that
prints nothing, misnamed environment overlays."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from spinops import tools
from spinops.bundle import run_kustomize
from spinops.errors import InputError
from spinops.halconfig.load import load_halconfig
from spinops.profiles import load_profiles

CANARY = "canary-outside-4c0ffee"


@pytest.fixture
def outside(tmp_path) -> Path:
    f = tmp_path / "outside" / "environ"
    f.parent.mkdir()
    f.write_text(f"TOKEN={CANARY}\nfoo: {CANARY}\n")
    return f


def test_a_profile_linked_outside_the_repository_is_refused(tmp_path, outside):
    repo = tmp_path / "repo"
    (repo / "halconfig" / "profiles").mkdir(parents=True)
    (repo / "halconfig" / "profiles" / "settings-local.js").symlink_to(outside)  # e.g. /proc/self/environ
    with pytest.raises(InputError) as e:
        load_profiles(repo)
    (p,) = e.value.problems
    assert p.code == "outside-root" and p.file == "halconfig/profiles/settings-local.js" and CANARY not in p.text()


def test_a_dangling_profile_symlink_is_an_error_not_skipped(tmp_path):
    repo = tmp_path / "repo"
    (repo / "halconfig" / "profiles").mkdir(parents=True)
    (repo / "halconfig" / "profiles" / "gate-local.yml").symlink_to(repo / "nowhere.yml")
    with pytest.raises(InputError) as e:
        load_profiles(repo)
    assert e.value.problems[0].file == "halconfig/profiles/gate-local.yml"


def test_a_literal_credential_in_settings_local_js_is_refused_at_its_line(tmp_path):
    repo = tmp_path / "repo"
    (repo / "halconfig" / "profiles").mkdir(parents=True)
    (repo / "halconfig" / "profiles" / "settings-local.js").write_text(
        "window.spinnakerSettings.feature.canary = true;\n"
        f"const slack = {{ botName: 'spin', token: '{CANARY}' }};\n"
        "// password: 'in a comment'\n"
    )
    with pytest.raises(InputError) as e:
        load_profiles(repo)
    (p,) = e.value.problems
    assert (p.file, p.line, p.column, p.code) == (
        "halconfig/profiles/settings-local.js",
        2,
        34,
        "credential-in-browser",
    )
    assert CANARY not in p.text()


def test_a_halconfig_fragment_linked_outside_is_refused(tmp_path, outside):
    hal = tmp_path / "halconfig"
    hal.mkdir()
    (hal / "halconfig.yml").write_text("version: 1.36.1\n")
    (hal / "extra.yml").symlink_to(outside)
    with pytest.raises(InputError) as e:
        load_halconfig(hal)
    (p,) = e.value.problems
    assert p.code == "outside-root" and p.file.endswith("extra.yml") and CANARY not in p.text()


def test_an_environment_overlay_named_yaml_is_an_error(tmp_path):
    hal = tmp_path / "halconfig"
    (hal / "env").mkdir(parents=True)
    (hal / "halconfig.yml").write_text("version: 1.36.1\n")
    (hal / "env" / "production.yaml").write_text("version: 1.36.1\n")
    with pytest.raises(InputError) as e:
        load_halconfig(hal, "production")
    assert any("production.yaml" in p.file and "*.yml" in p.message for p in e.value.problems)


@pytest.fixture(autouse=True)
def _fresh_kubectl_lookup():
    tools.kubectl.cache_clear()  # the path of kubectl is looked up once per process
    yield
    tools.kubectl.cache_clear()


def fake_kubectl(tmp_path: Path, script: str) -> str:
    f = tmp_path / "kubectl"
    f.write_text("#!/bin/sh\n" + script)
    f.chmod(f.stat().st_mode | stat.S_IXUSR)
    return str(f)


def test_a_kubectl_that_prints_nothing_does_not_make_an_empty_build(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINOPS_KUBECTL", fake_kubectl(tmp_path, "exit 0\n"))
    with pytest.raises(InputError) as e:
        run_kustomize(tmp_path, display="build/production")
    assert "printed no manifests" in e.value.problems[0].message


@pytest.mark.parametrize("kubectl", ["/nonexistent/kubectl", os.devnull])
def test_a_bad_spinops_kubectl_is_an_input_error(tmp_path, monkeypatch, kubectl):
    monkeypatch.setenv("SPINOPS_KUBECTL", kubectl)
    with pytest.raises(InputError) as e:
        run_kustomize(tmp_path, display="build/production")
    assert "SPINOPS_KUBECTL" in (e.value.problems[0].hint or "")


def test_a_kube_lint_finding_never_prints_a_container_with_its_env_values():
    from spinops.check.engine import parse_rules
    from spinops.check.runner import Options, run_check
    from spinops.check.source import parse_manifest

    rules = parse_rules("- name: one-container\n  kind: Deployment\n  field: .spec.template.spec.containers[0]\n"
                        "  operator: equal\n  value: none\n", "rules.yml")
    manifest = parse_manifest(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gate}\nspec:\n  template:\n    spec:\n      "
        "containers:\n"
        f"      - name: gate\n        image: gate:1\n        env: [{{name: DB_PASSWORD, value: {CANARY}}}]\n",
        "m.yaml",
    )
    report = run_check(manifest, Options(validate=False, builtin=False, lint_rules=rules))
    (finding,) = report.findings
    assert "not shown" in finding.message and CANARY not in finding.message


def test_malformed_apply_manifests_are_located_without_echoing_them(tmp_path):
    from spinops_testlib import run_spinops

    m = tmp_path / "manifests.yaml"
    m.write_text(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata:\n  token: [{CANARY}\n  other: x\n")
    r = run_spinops("apply", "--env", "production", "--repo", str(tmp_path), "--manifests", str(m), "--dry-run")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"{m}:") and "internal error" not in r.stderr
    assert CANARY not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "text", ["- a\n- b\n", "kind: 5\n", "kind: List\nitems: [1, {kind: ConfigMap}]\n", "just text\n"]
)
def test_documents_that_are_no_resources_are_refused(text):
    from spinops.manifests import load_documents

    with pytest.raises(InputError) as e:
        load_documents(text, "m.yaml")
    assert e.value.problems[0].file == "m.yaml"
