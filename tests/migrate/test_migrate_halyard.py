"""Each Halyard -> Kleat transform alone (pure functions: the input is never changed)."""

from __future__ import annotations

import copy

import pytest

from spinops.errors import InputError
from spinops.halconfig.validate import validate
from spinops.migrate import halyard
from spinops.migrate.model import CHANGED, DROPPED, MANUAL


def run(transform, data, *args):
    before = copy.deepcopy(data)
    r = transform(data, *args)
    assert data == before, "transforms must not mutate their input"
    return r


def test_select_deployment_defaults_to_current_and_names_the_others():
    cfg = {"currentDeployment": "b", "deploymentConfigurations": [{"name": "a"}, {"name": "b", "version": "1.30.0"}]}
    i, dep, notes = halyard.select_deployment(cfg, None, "config")
    assert (i, dep["version"]) == (1, "1.30.0")
    assert any(n.kind == MANUAL and "a" in n.message for n in notes)
    assert halyard.select_deployment(cfg, "a", "config")[0] == 0
    with pytest.raises(InputError) as e:
        halyard.select_deployment(cfg, "c", "config")
    assert "deployments: a, b" in e.value.problems[0].hint


def test_github_status_renamed():
    r = run(halyard.github_status, {"notifications": {"github-status": {"enabled": True, "token": "${T}"}}})
    assert r.data == {"notifications": {"githubStatus": {"enabled": True, "token": "${T}"}}}
    assert r.notes[0].rename and r.notes[0].src == ("notifications", "github-status")


def test_persistent_store_type_becomes_enabled_and_other_stores_go():
    r = run(
        halyard.persistent_store,
        {
            "persistentStorage": {
                "persistentStoreType": "s3",
                "s3": {"bucket": "b"},
                "gcs": {"rootFolder": "front50"},
                "redis": {},
                "azs": {},
            }
        },
    )
    assert r.data == {"persistentStorage": {"s3": {"enabled": True, "bucket": "b"}}}
    kinds = {(n.kind, n.src[-1]) for n in r.notes}
    assert (CHANGED, "persistentStoreType") in kinds and (DROPPED, "redis") in kinds and (DROPPED, "gcs") in kinds


def test_redis_front50_store_is_an_error_with_advice():
    with pytest.raises(InputError) as e:
        halyard.persistent_store({"persistentStorage": {"persistentStoreType": "redis"}})
    p = e.value.problems[0]
    assert p.code == "front50-redis" and "move Front50" in p.hint


def test_canary_list_becomes_map_and_storage_account_renamed():
    r = run(
        halyard.canary,
        {
            "canary": {
                "enabled": True,
                "defaultStorageAccount": "s3acct",
                "serviceIntegrations": [
                    {"name": "prometheus", "enabled": True, "accounts": [{"name": "p"}]},
                    {"name": "aws", "enabled": False},
                ],
            }
        },
    )
    assert r.data["canary"] == {
        "enabled": True,
        "storageAccountName": "s3acct",
        "serviceIntegrations": {
            "prometheus": {"enabled": True, "accounts": [{"name": "p"}]},
            "aws": {"enabled": False},
        },
    }
    renames = {n.src: n.out for n in r.notes if n.rename}
    assert renames[("canary", "serviceIntegrations", 1)] == ("canary", "serviceIntegrations", "aws")
    assert renames[("canary", "defaultStorageAccount")] == ("canary", "storageAccountName")


def test_saml_metadata_and_service_address():
    r = run(halyard.saml, {"security": {"authn": {"saml": {"enabled": True, "metadataRemote": "https://idp/m",
                                                            "serviceAddress": "https://gate.org.com:8084/mypath"}}}})
    assert r.data["security"]["authn"]["saml"] == {
        "enabled": True,
        "metadataUrl": "https://idp/m",
        "redirectProtocol": "https",
        "redirectHostname": "gate.org.com:8084",
        "redirectBasePath": "/mypath",
    }
    r = run(
        halyard.saml,
        {
            "security": {
                "authn": {"saml": {"metadataLocal": "/home/x/.hal/m.xml", "serviceAddress": "https://gate.org.com"}}
            }
        },
    )
    s = r.data["security"]["authn"]["saml"]
    assert s == {
        "metadataUrl": "file:///opt/spinnaker/saml/metadata.xml",
        "redirectProtocol": "https",
        "redirectHostname": "gate.org.com",
    }


def test_azure_use_ssh_public_key_string_to_bool():
    r = run(
        halyard.azure_ssh_key,
        {
            "providers": {
                "azure": {
                    "accounts": [
                        {"name": "a", "useSshPublicKey": "true"},
                        {"name": "b", "useSshPublicKey": "false"},
                        {"name": "c"},
                    ]
                }
            }
        },
    )
    assert [a.get("useSshPublicKey") for a in r.data["providers"]["azure"]["accounts"]] == [True, False, None]


def test_provider_versions_removed_and_v1_accounts_found():
    d = {
        "providers": {
            "kubernetes": {
                "accounts": [{"name": "v2", "providerVersion": "V2"}, {"name": "old", "providerVersion": "V1"}]
            }
        }
    }
    assert halyard.v1_accounts(d) == ["old"]
    r = run(halyard.provider_versions, d)
    assert all("providerVersion" not in a for a in r.data["providers"]["kubernetes"]["accounts"])
    assert [n.topic for n in r.notes] == ["Halyard defaults", "Kubernetes V1 accounts"]


def test_security_flags():
    r = run(
        halyard.security_flags,
        {
            "security": {
                "enabled": True,
                "authn": {
                    "enabled": False,
                    "oauth2": {"enabled": True, "provider": "GOOGLE", "client": {"clientId": "x"}},
                },
                "authz": {"groupMembership": {"service": "EXTERNAL", "github": {"roleProviderType": "GITHUB"}}},
            }
        },
    )
    assert r.data == {"security": {"authn": {"enabled": True, "oauth2": {"enabled": True, "client": {"clientId": "x"}}},
                                   "authz": {"groupMembership": {"github": {}}}}}


def test_metric_stores_enabled_removed_and_defaults_only_section_dropped():
    r = run(halyard.metric_stores, {"metricStores": {"enabled": True, "period": 30, "prometheus": {"enabled": True}}})
    assert r.data == {"metricStores": {"period": 30, "prometheus": {"enabled": True}}}
    assert any(n.kind == MANUAL and "monitoring-daemon" in n.message for n in r.notes)
    assert (
        run(
            halyard.metric_stores, {"metricStores": {"enabled": False, "period": 30, "datadog": {"enabled": False}}}
        ).data
        == {}
    )


def test_deck_notifications_made_explicit_but_explicit_values_kept():
    r = run(halyard.deck_notifications, {"notifications": {"email": {"enabled": False}}})
    assert r.data["notifications"] == {
        "email": {"enabled": False},
        "bearychat": {"enabled": True},
        "googlechat": {"enabled": True},
        "pubsub": {"enabled": True},
    }


def test_primary_account_falls_back_to_first_account():
    r = run(
        halyard.primary_accounts,
        {
            "providers": {
                "kubernetes": {"enabled": True, "accounts": [{"name": "a"}, {"name": "b"}]},
                "google": {"enabled": False, "accounts": [{"name": "g"}]},
                "dockerRegistry": {"enabled": True, "primaryAccount": "d2", "accounts": [{"name": "d1"}]},
            }
        },
    )
    p = r.data["providers"]
    assert (
        p["kubernetes"]["primaryAccount"] == "a"
        and "primaryAccount" not in p["google"]
        and p["dockerRegistry"]["primaryAccount"] == "d2"
    )


def test_gate_basic_auth_from_service_settings():
    r = run(
        halyard.gate_basic_auth,
        {"security": {"authn": {"enabled": False}}},
        {"basicAuthEnabled": True, "username": "u", "password": "p"},
    )
    assert r.data["security"]["authn"] == {
        "enabled": True,
        "basic": {"enabled": True, "user": {"username": "u", "password": "p"}},
    }
    assert r.notes[0].src_file == "service-settings/gate.yml"
    assert run(halyard.gate_basic_auth, {}, {"basicAuthEnabled": False, "username": "u"}).data == {}


def test_drop_invalid_leaves_only_what_the_strict_validator_accepts():
    d = {
        "version": "1.30.2",
        "features": {"artifacts": True, "pipelineTemplates": True},
        "providers": {
            "kubernetes": {
                "enabled": True,
                "accounts": [{"name": "a", "cacheIntervalSeconds": 30, "namespaces": ["x"]}],
            }
        },
        "security": {"authz": {"groupMembership": {"service": "EXTERNAL"}}},
    }
    assert validate(d)[1].issues
    r = run(halyard.drop_invalid, d)
    assert not validate(r.data)[1].issues
    assert r.data["providers"]["kubernetes"]["accounts"] == [{"name": "a", "namespaces": ["x"]}]
    why = {n.src: n.message for n in r.notes}
    assert "clouddriver-local.yml" in why[("providers", "kubernetes", "accounts", 0, "cacheIntervalSeconds")]
    assert "always on" in why[("features", "artifacts")]
    assert ("security", "authz", "groupMembership", "service") in why  # EXTERNAL is not in Kleat's enum


def test_prune_empty_counts_halyard_defaults():
    data, n = halyard.prune_empty(
        {"a": [], "b": {}, "c": None, "d": {"enabled": False}, "e": {"enabled": True, "x": []}, "f": [None, 1]}
    )
    assert data == {"e": {"enabled": True}, "f": [1]} and n == 6


def test_drop_invalid_fixes_scalars_with_one_obvious_reading():
    d = {"providers": {"google": {"enabled": "true", "accounts": [{"name": "g", "project": 12345}]}},
         "providers_typo": 1}
    r = run(halyard.drop_invalid, d)
    assert r.data == {"providers": {"google": {"enabled": True, "accounts": [{"name": "g", "project": "12345"}]}}}
    assert {n.topic for n in r.notes} == {"Types", "Dropped fields"}
    assert all("12345" not in n.message for n in r.notes)
