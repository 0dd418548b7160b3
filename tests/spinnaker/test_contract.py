"""The runtime contract (spinops.spinnaker.contract): every requirement row with a failing and a passing example,
the removed-property and unresolvable-reference families, and the effective-property order kork uses."""

from __future__ import annotations

import pytest

from spinops.spinnaker.catalog import release
from spinops.spinnaker.contract.evaluate import evaluate, load, removed_properties, requirements
from spinops.spinnaker.contract.properties import Properties, canonical

# row id -> (service, failing config files, passing config files, facts); files are what the service's
# ConfigMap holds (spinnaker.yml, <svc>.yml, <svc>-local.yml), read with the release 1.36.1 defaults.
DISCOVERY = {"services": {"igor": {"enabled": True}, "redis": {"enabled": True}, "front50": {"enabled": True}}}
EXAMPLES = {
    "echo-gcb-needs-igor": (
        "echo",
        {"echo.yml": {"gcb": {"enabled": True}}, "spinnaker.yml": {"services": {"redis": {"enabled": True}}}},
        {"echo.yml": {"gcb": {"enabled": True}}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "echo-gcb-needs-redis": (
        "echo",
        {"echo.yml": {"gcb": {"enabled": True}}, "spinnaker.yml": {"services": {"igor": {"enabled": True}}}},
        {"echo.yml": {"gcb": {"enabled": True}}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "echo-pubsub-needs-redis": (
        "echo",
        {"echo.yml": {"pubsub": {"enabled": True, "google": {"enabled": True}}}},
        {"echo.yml": {"pubsub": {"enabled": True, "google": {"enabled": True}}}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "fiat-github-base-url": (
        "fiat",
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {"service": "GITHUB", "github": {"organization": "o", "accessToken": "${T}"}}
                }
            }
        },
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {
                        "service": "GITHUB",
                        "github": {"baseUrl": "https://api.github.com", "organization": "o", "accessToken": "${T}"},
                    }
                }
            }
        },
        frozenset(),
    ),
    "fiat-github-organization": (
        "fiat",
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {"service": "GITHUB", "github": {"baseUrl": "https://x", "accessToken": "${T}"}}
                }
            }
        },
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {
                        "service": "GITHUB",
                        "github": {"baseUrl": "https://x", "organization": "o", "accessToken": "${T}"},
                    }
                }
            }
        },
        frozenset(),
    ),
    "fiat-github-access-token": (
        "fiat",
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {"service": "GITHUB", "github": {"baseUrl": "https://x", "organization": "o"}}
                }
            }
        },
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {
                        "service": "GITHUB",
                        "github": {"baseUrl": "https://x", "organization": "o", "accessToken": "${T}"},
                    }
                }
            }
        },
        frozenset(),
    ),
    "gate-managed-redis": (
        "gate",
        {"gate-local.yml": {"redis": {"connection": "${services.redis.baseUrl}"}}, "spinnaker.yml": DISCOVERY},
        {"gate-local.yml": {"redis": {"configuration": {"secure": True}}}, "spinnaker.yml": DISCOVERY},
        frozenset({"redis-external"}),
    ),
    "keel-needs-its-database": (
        "keel",
        {"spinnaker.yml": DISCOVERY},
        {
            "spinnaker.yml": DISCOVERY,
            "keel-local.yml": {"sql": {"connectionPools": {"default": {"jdbcUrl": "jdbc:mysql://db:3306/keel"}}}},
        },
        frozenset(),
    ),
    "keel-needs-front50-enabled": (
        "keel",
        {"keel-local.yml": {"sql": {"connectionPools": {"default": {"jdbcUrl": "jdbc:mysql://db:3306/keel"}}}}},
        {
            "spinnaker.yml": DISCOVERY,
            "keel-local.yml": {"sql": {"connectionPools": {"default": {"jdbcUrl": "jdbc:mysql://db:3306/keel"}}}},
        },
        frozenset(),
    ),
}


def rules_of(service: str, files: dict, facts=frozenset(), env=None) -> set[str]:
    props = load(
        service, defaults=release("1.36.1").defaults.get(service), files=files, profiles=["local"], env=env or {}
    )
    return {v.rule for v in evaluate(service, props, facts)}


def test_every_row_has_examples_and_cites_its_upstream_source():
    ids = [row["id"] for row in requirements()]
    assert sorted(ids) == sorted(EXAMPLES) and len(set(ids)) == len(ids)
    for row in requirements():
        assert row["upstream"] and all(":" in src.rsplit(" ", 1)[-1] for src in row["upstream"]), row["id"]
        assert row["message"] and row["hint"]


@pytest.mark.parametrize("row", sorted(EXAMPLES))
def test_row_fails_on_its_failing_example(row):
    service, failing, _, facts = EXAMPLES[row]
    assert row in rules_of(service, failing, facts)


@pytest.mark.parametrize("row", sorted(EXAMPLES))
def test_row_passes_on_its_passing_example(row):
    service, _, passing, facts = EXAMPLES[row]
    assert row not in rules_of(service, passing, facts)


def test_the_environment_beats_the_files_with_relaxed_binding():
    # e.g. SERVICES_IGOR_ENABLED=true satisfies echo's igor.enabled: ${services.igor.enabled:false} (echo.yml:19)
    files = {
        "echo.yml": {"gcb": {"enabled": True}},
        "spinnaker.yml": {"services": {"igor": {"enabled": False}, "redis": {"enabled": True}}},
    }
    assert "echo-gcb-needs-igor" in rules_of("echo", files)
    assert "echo-gcb-needs-igor" not in rules_of("echo", files, env={"SERVICES_IGOR_ENABLED": "true"})


def test_profiles_win_in_order_and_local_last():
    props = load(
        "gate",
        defaults=None,
        profiles=["ro", "local"],
        env={},
        files={
            "spinnaker.yml": {"a": 1, "b": 1, "c": 1},
            "gate.yml": {"b": 2, "c": 2},
            "gate-ro.yml": {"c": 3, "d": 3},
            "gate-local.yml": {"d": 4},
        },
    )
    assert {k: props.get(k).value for k in "abcd"} == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_removed_spring_boot_properties_name_their_replacement():
    # Spring Boot 2.4.13 ServerProperties.java:479 deprecated it for server.tomcat.remoteip.protocol-header; 2.5 removed
    # it
    props = load(
        "gate",
        defaults=None,
        profiles=["local"],
        env={},
        files={"gate-local.yml": {"server": {"tomcat": {"protocolHeader": "X-Forwarded-Proto"}}}},
    )
    [v] = [v for v in evaluate("gate", props) if v.rule == "removed-property"]
    assert v.at.source == "gate-local.yml" and v.at.key == "server.tomcat.protocolHeader"
    assert "server.tomcat.remoteip.protocol-header" in v.hint
    ok = load(
        "gate",
        defaults=None,
        profiles=["local"],
        env={},
        files={"gate-local.yml": {"server": {"tomcat": {"remoteip": {"protocolHeader": "X"}}}}},
    )
    assert not [v for v in evaluate("gate", ok) if v.rule == "removed-property"]


def test_the_removed_table_comes_from_spring_boot_metadata():
    gone = removed_properties()
    assert len(gone) > 200
    name, replacement, source = gone[canonical("server.tomcat.remote-ip-header")]
    assert replacement == "server.tomcat.remoteip.remote-ip-header" and source.startswith("v2.4.13:")
    assert all(src.split(":", 1)[0] in ("v2.7.18", "v2.4.13") for _, _, src in gone.values())


def test_unresolvable_reference_without_default():
    # keel v1.4.1 keel.yml:39 `front50.enabled: ${services.front50.enabled}`: nothing defines it without spinnaker.yml
    defaults = {"properties": {"front50.enabled": "${services.front50.enabled}", "cf.api": "${providers.cf.api}"}}
    props = load("keel", defaults=defaults, files={}, profiles=["local"], env={})
    found = [v for v in evaluate("keel", props) if v.rule == "unresolvable-reference"]
    # only the services.* one: Spring resolves a default only when a bean reads it, and cf is off
    assert [v.at.key for v in found] == ["front50.enabled"]
    props = load("keel", defaults=defaults, files={"spinnaker.yml": DISCOVERY}, profiles=["local"], env={})
    assert not [v for v in evaluate("keel", props) if v.rule == "unresolvable-reference"]
    ours = load(
        "gate",
        defaults=None,
        files={"gate-local.yml": {"x": "${not.defined}", "y": "${with.default:1}", "z": "${ENV_NAME}"}},
        profiles=["local"],
        env={},
    )
    assert [v.at.key for v in evaluate("gate", ours) if v.rule == "unresolvable-reference"] == ["x"]


def test_relaxed_names():
    assert (
        canonical("server.tomcat.remoteIpHeader")
        == canonical("server.tomcat.remote-ip-header")
        == canonical("SERVER_TOMCAT_REMOTEIPHEADER")
    )
    p = Properties()
    p.add("a.yml", {"x.y": "${a.b:${c.d:fallback}}"})
    assert p.resolve("x.y") == ("fallback", [])
