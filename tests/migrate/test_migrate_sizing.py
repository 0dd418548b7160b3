"""deploymentEnvironment + service-settings -> overlay patches, following Halyard's lookup rules."""

from __future__ import annotations

from spinops.migrate import sizing
from spinops.migrate.model import DROPPED

BASE = {"clouddriver": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}}}


def overlay(de: dict, settings: dict | None = None, **kw):
    return sizing.build_overlay(
        "e", {"version": "1.30.2", "deploymentEnvironment": de}, settings or {}, BASE, None, **kw
    )


def pod(ov, dep):
    return ov.patches[f"{dep}.yml"]["spec"]["template"]["spec"]


def test_spin_key_gives_replicas_and_fallback_resources_bare_key_wins_for_the_container():
    ov = overlay(
        {
            "customSizing": {
                "spin-orca": {"replicas": 3, "requests": {"cpu": "1"}},
                "orca": {"requests": {"cpu": "2", "memory": "3Gi"}},
                "spin-echo": {"replicas": 2, "limits": {"memory": "1Gi"}},
            }
        }
    )
    orca = ov.patches["orca.yml"]
    assert orca["spec"]["replicas"] == 3
    assert orca["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "2", "memory": "3Gi"},
        "limits": {"memory": "3Gi"},
    }
    assert pod(ov, "echo")["containers"][0]["resources"] == {"limits": {"memory": "1Gi"}}
    assert ov.targets["orca.yml"] == {"kind": "Deployment", "labelSelector": "app.kubernetes.io/name=orca"}


def test_requests_above_the_base_limit_raise_the_limit():
    ov = overlay({"customSizing": {"clouddriver": {"requests": {"cpu": "4"}}}})
    assert pod(ov, "clouddriver")["containers"][0]["resources"] == {"requests": {"cpu": "4"}, "limits": {"cpu": "4"}}
    assert any("the base limit 2 is below it" in n.message for n in ov.notes)


def test_ha_shards_are_our_shard_deployments():
    ov = overlay(
        {
            "haServices": {"clouddriver": {"enabled": True}},
            "customSizing": {
                "spin-clouddriver-ro": {"replicas": 4},
                "clouddriver-ro": {"limits": {"cpu": "3"}},
                "spin-clouddriver": {"replicas": 9},
                "clouddriver": {"requests": {"cpu": "9"}},
                "echo-worker": {"limits": {"cpu": "1"}},
            },
            "sidecars": {
                "clouddriver": [{"name": "proxy", "dockerImage": "example/proxy:1.0", "mountPath": "/shared"}]
            },
            "tolerations": {
                "spin-clouddriver-rw": [{"key": "rw", "operator": "Exists"}],
                "clouddriver": [{"key": "all", "operator": "Exists"}],
            },
        }
    )
    assert ov.ha and sizing.kustomization(ov)["components"] == ["../../components/ha"]
    assert ov.patches["clouddriver-ro.yml"]["spec"]["replicas"] == 4
    assert pod(ov, "echo-worker")["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
    # the bare base name reaches every shard for sidecars/tolerations; spin-<shard> wins for its shard
    for shard in ("clouddriver-caching", "clouddriver-rw", "clouddriver-ro", "clouddriver-ro-deck"):
        names = [c["name"] for c in pod(ov, shard)["containers"]]
        assert names == ["clouddriver", "proxy"], shard
        # shared emptyDir
        assert {"name": "proxy", "mountPath": "/shared"} in pod(ov, shard)["containers"][0]["volumeMounts"]
    assert pod(ov, "clouddriver-rw")["tolerations"] == [{"key": "rw", "operator": "Exists"}]
    assert pod(ov, "clouddriver-ro")["tolerations"] == [{"key": "all", "operator": "Exists"}]
    # with HA on, Halyard looked up neither spin-clouddriver nor bare clouddriver for sizing
    dropped = {
        n.src[-1]
        for n in ov.notes
        if n.kind == DROPPED and n.src and n.src[:2] == ("deploymentEnvironment", "customSizing")
    }
    assert {"spin-clouddriver", "clouddriver"} <= dropped
    assert "clouddriver.yml" not in ov.patches


def test_init_containers_affinity_host_aliases_and_unsized_containers_get_resources():
    ov = overlay(
        {
            "initContainers": {"spin-rosco": [{"name": "fetch", "image": "busybox:1.36", "command": ["true"]}]},
            "affinity": {"spin-gate": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}},
            "hostAliases": {"igor": [{"ip": "10.0.0.1", "hostnames": ["ci"]}]},
        }
    )
    init = pod(ov, "rosco")["initContainers"][0]
    assert init["name"] == "fetch" and init["resources"] == sizing.SIDECAR_RESOURCES
    assert "podAntiAffinity" in pod(ov, "gate")["affinity"]
    assert pod(ov, "igor")["hostAliases"] == [{"ip": "10.0.0.1", "hostnames": ["ci"]}]


def test_service_settings_apply_to_every_shard_and_secret_env_uses_a_secret():
    calls = []

    def secret_env(owner, var, value, src_file, src):
        calls.append((owner, var))
        if var == "API_TOKEN":
            return [{"name": var, "valueFrom": {"secretKeyRef": {"name": "s", "key": "K"}}}]
        return [{"name": var, "value": str(value)}]

    ov = overlay(
        {"haServices": {"echo": {"enabled": True}}},
        {
            "echo": {
                "env": {"API_TOKEN": "x", "MODE": 1},
                "targetSize": 2,
                "kubernetes": {
                    "podLabels": {"team": "a"},
                    "useTcpProbe": True,
                    "deploymentStrategy": {"type": "rollingUpdate", "strategySettings": {"maxSurge": "1"}},
                },
            },
            "echo-worker": {"targetSize": 5},
        },
        secret_env=secret_env,
    )
    for shard, replicas in (("echo-scheduler", 2), ("echo-worker", 5)):
        p = ov.patches[f"{shard}.yml"]
        assert p["spec"]["replicas"] == replicas
        env = p["spec"]["template"]["spec"]["containers"][0].get("env")
        if shard == "echo-scheduler":
            assert env == [
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "K"}}},
                {"name": "MODE", "value": "1"},
            ]
            assert p["spec"]["template"]["metadata"]["labels"] == {"team": "a"}
            assert p["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    assert ("echo", "API_TOKEN") in calls
    assert any(n.kind == DROPPED and n.src == ("kubernetes", "useTcpProbe") for n in ov.notes)
    assert any("the component shards both clouddriver and echo" in n.message for n in ov.notes)


def test_artifact_id_becomes_an_images_entry():
    ov = overlay({}, {"gate": {"artifactId": "registry.acme.example/spinnaker/gate:spinnaker-1.30.2-patched"}})
    images = {i["name"]: i for i in sizing.kustomization(ov)["images"]}
    assert images[f"{sizing.IMAGE_REPO}/gate"] == {
        "name": f"{sizing.IMAGE_REPO}/gate",
        "newTag": "spinnaker-1.30.2-patched",
        "newName": "registry.acme.example/spinnaker/gate",
    }
    assert list(images) == [f"{sizing.IMAGE_REPO}/gate"]  # only Halyard's own pin: `version:` tags the rest
    assert any("same-release" in n.message for n in ov.notes)


def test_quantities():
    assert (
        sizing.quantity("500m") == 0.5
        and sizing.quantity("2Gi") == 2 * 2**30
        and sizing.quantity(2) == 2
        and sizing.quantity("x") is None
    )


def test_a_patch_with_two_sidecars_is_written_without_yaml_anchors():
    ov = overlay(
        {
            "sidecars": {
                "orca": [{"name": "a", "dockerImage": "example/a:1.0"}, {"name": "b", "dockerImage": "example/b:1.0"}]
            }
        }
    )
    text = sizing.dump(ov.patches["orca.yml"])
    # both sidecars get the default resources; an operator edits each on its own, so no `&id001`/`*id001`
    assert "&" not in text and "*" not in text
    assert text.count("memory: 256Mi") == 2
