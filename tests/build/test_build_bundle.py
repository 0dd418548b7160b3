"""The kustomize layer on a hand-made base, through the real kustomize: ConfigMaps, hash roll, wiring on every shard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinops import bundle
from spinops.atomic import StagedDir
from spinops.errors import InputError
from spinops.manifests import load_documents
from spinops.wire import ServiceWiring

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{spinops.io/service: {svc}}}
spec:
  selector: {{matchLabels: {{app.kubernetes.io/name: {name}}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: {name}, spinops.io/service: {svc}}}}}
    spec:
      containers:
      - name: {svc}
        image: example/{svc}
        env: [{{name: SPRING_PROFILES_ACTIVE, value: local}}]
        volumeMounts: [{{name: config, mountPath: /opt/spinnaker/config}}]
      volumes: [{{name: config, configMap: {{name: {svc}-config}}}}]
"""


@pytest.fixture
def repo(tmp_path):
    base = tmp_path / "kustomize" / "base"
    base.mkdir(parents=True)
    names = {"clouddriver-rw": "clouddriver", "clouddriver-ro": "clouddriver", "echo": "echo", "deck": "deck"}
    docs = [BASE.format(name=n, svc=s) for n, s in names.items()]
    (base / "deployments.yml").write_text("---\n".join(docs))
    (base / "kustomization.yml").write_text("resources: [deployments.yml]\n")
    ha = tmp_path / "kustomize" / "components" / "ha"
    ha.mkdir(parents=True)
    (ha / "kustomization.yml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
        '- target: {kind: Deployment, name: clouddriver-ro}\n  patch: \'[{"op": "add", "path": "/spec/replicas", '
        '"value": 2}]\'\n'
    )
    ov = tmp_path / "kustomize" / "overlays" / "prod"
    ov.mkdir(parents=True)
    (ov / "kustomization.yml").write_text(
        "namespace: spin-prod\nresources: [../../base]\ncomponents: [../../components/ha]\n"
    )
    return tmp_path


def wiring():
    cd = ServiceWiring(
        "clouddriver",
        env_from=["spinnaker-github"],
        volumes=[("spinnaker-kubeconfigs", "/var/secrets/kubeconfigs", ["prod.kubeconfig"])],
        env_names=["GITHUB_TOKEN"],
        files=["/var/secrets/kubeconfigs/prod.kubeconfig"],
    )
    echo = ServiceWiring("echo", env_keys=[("SLACK_TOKEN", "spinnaker-chat", "SLACK_TOKEN")], env_names=["SLACK_TOKEN"])
    return {"clouddriver": cd, "echo": echo, "deck": ServiceWiring("deck")}


def build(repo: Path, configs, deck_env="") -> list[dict]:
    stage = StagedDir(repo / "build" / "prod")
    env_files = {"deck": ("deck.env", deck_env)} if deck_env else {}
    files = bundle.layer_files(
        overlay_rel="../../kustomize/overlays/prod",
        namespace="spin-prod",
        configs=configs,
        env_files=env_files,
        wiring=wiring(),
    )
    stage.write(files)
    out = bundle.run_kustomize(stage.path, display="build/prod")
    stage.commit()
    return load_documents(out)


def by(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_overlay_facts(repo):
    assert bundle.overlay_facts(repo / "kustomize" / "overlays" / "prod", repo) == ("spin-prod", True)


def test_overlay_without_namespace(repo):
    (repo / "kustomize" / "overlays" / "prod" / "kustomization.yml").write_text("resources: [../../base]\n")
    with pytest.raises(InputError) as e:
        bundle.overlay_facts(repo / "kustomize" / "overlays" / "prod", repo)
    assert "namespace" in e.value.problems[0].message
    assert e.value.problems[0].file == "kustomize/overlays/prod/kustomization.yml"


def test_overlay_without_namespace_names_its_kustomization_yaml(repo):
    ov = repo / "kustomize" / "overlays" / "prod"
    (ov / "kustomization.yml").unlink()
    (ov / "kustomization.yaml").write_text("resources: [../../base]\n")
    with pytest.raises(InputError) as e:
        bundle.overlay_facts(ov, repo)
    assert e.value.problems[0].file == "kustomize/overlays/prod/kustomization.yaml"


def test_layer_through_kustomize(repo):
    configs = {
        "clouddriver": {"clouddriver.yml": "a: 1\n", "spinnaker.yml": "services: {}\n"},
        "echo": {"echo.yml": "{}\n"},
        "deck": {"settings.js": "var x;\n"},
    }
    docs = build(repo, configs, deck_env="DECK_CERT=/var/secrets/deck/deck.crt\n")
    cms = by(docs, "ConfigMap")
    cd_cm = next(n for n in cms if n.startswith("clouddriver-config-"))
    assert set(cms[cd_cm]["data"]) == {"clouddriver.yml", "spinnaker.yml"}
    assert cms[cd_cm]["metadata"]["labels"]["spinops.io/service"] == "clouddriver"
    assert cms[cd_cm]["metadata"]["namespace"] == "spin-prod"
    deps = by(docs, "Deployment")
    for name in ("clouddriver-rw", "clouddriver-ro"):
        pod = deps[name]["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        assert c["envFrom"] == [{"secretRef": {"name": "spinnaker-github"}}]
        assert {"name": "secret-spinnaker-kubeconfigs", "mountPath": "/var/secrets/kubeconfigs", "readOnly": True} in c[
            "volumeMounts"
        ]
        vols = {v["name"]: v for v in pod["volumes"]}
        assert vols["config"]["configMap"]["name"] == cd_cm  # the hash-suffixed name is wired in
        assert vols["secret-spinnaker-kubeconfigs"]["secret"]["items"] == [
            {"key": "prod.kubeconfig", "path": "prod.kubeconfig"}
        ]
    echo = deps["echo"]["spec"]["template"]["spec"]["containers"][0]
    assert "envFrom" not in echo
    assert {
        "name": "SLACK_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "spinnaker-chat", "key": "SLACK_TOKEN"}},
    } in echo["env"]
    deck = deps["deck"]["spec"]["template"]["spec"]["containers"][0]
    deck_env = next(n for n in cms if n.startswith("deck-env-"))
    assert deck["envFrom"] == [{"configMapRef": {"name": deck_env}}] and "volumeMounts" in deck
    assert cms[deck_env]["data"] == {"DECK_CERT": "/var/secrets/deck/deck.crt"}


def test_config_change_changes_the_pod_template(repo):
    first = by(build(repo, {"clouddriver": {"clouddriver.yml": "a: 1\n"}}), "Deployment")
    second = by(build(repo, {"clouddriver": {"clouddriver.yml": "a: 2\n"}}), "Deployment")
    assert first["clouddriver-rw"] != second["clouddriver-rw"]
    assert first["echo"] == second["echo"]


def test_kustomize_error_is_an_input_error_and_stage_is_discarded(repo):
    (repo / "kustomize" / "overlays" / "prod" / "kustomization.yml").write_text("resources: [../../nowhere]\n")
    stage = StagedDir(repo / "build" / "prod")
    stage.write(
        bundle.layer_files(
            overlay_rel="../../kustomize/overlays/prod", namespace="x", configs={}, env_files={}, wiring={}
        )
    )
    with pytest.raises(InputError) as e:
        bundle.run_kustomize(stage.path, display="build/prod")
    stage.discard()
    assert "kustomize failed" in e.value.problems[0].message
    assert not any(p.name.startswith(".prod.") for p in (repo / "build").iterdir())


def test_settings_local_js_is_valid_javascript(tmp_path):
    import shutil
    import subprocess

    from spinops.profiles import settings_local_js

    js = settings_local_js(
        "window.spinnakerSettings.feature.x = true;\n",
        {"providers": {"kubernetes": {"defaults": {"account": "</script>'\"\u2028"}}}},
    )
    assert "</script>" not in js
    node = shutil.which("node")
    if not node:
        pytest.skip("node not installed: syntax checked by assertions only")
    script = tmp_path / "t.js"
    script.write_text(
        "var window = {spinnakerSettings: {feature: {}, providers: {kubernetes: {a: 1}}}};\n"
        + js
        + "\nconsole.log(JSON.stringify(window.spinnakerSettings));\n"
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == {
        "feature": {"x": True},
        "providers": {"kubernetes": {"a": 1, "defaults": {"account": "</script>'\"\u2028"}}},
    }


def test_a_service_that_needs_nothing_gets_no_wiring_patch():
    # deck with no Secrets and no deck.env: a bare `containers: [{name: deck}]` patch would be a no-op at best
    files = bundle.layer_files(
        overlay_rel="../o", namespace="ns", configs={"deck": {"settings.js": "var x;\n"}}, env_files={}, wiring=wiring()
    )
    assert "wire/deck.yml" not in files and {"wire/clouddriver.yml", "wire/echo.yml"} <= set(files)
    assert bundle.wiring_patch("deck", ServiceWiring("deck")) is None
