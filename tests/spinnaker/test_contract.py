"""The runtime contract (spinops.spinnaker.contract): every requirement row with a failing and a passing example,
the removed-property and unresolvable-reference families, and the effective-property order kork uses."""

from __future__ import annotations

import re

import pytest

from spinops.spinnaker.catalog import release
from spinops.spinnaker.contract.evaluate import evaluate, load, removed_properties, requirements
from spinops.spinnaker.contract.properties import Properties, active_profiles, canonical

# row id -> (service, failing config files, passing config files, facts); files are what the service's
# ConfigMap holds (spinnaker.yml, <svc>.yml, <svc>-local.yml), read with the release 1.36.1 defaults.
DISCOVERY = {"services": {"igor": {"enabled": True}, "redis": {"enabled": True}, "front50": {"enabled": True}}}
GOOGLE_PUBSUB = {"enabled": True, "google": {"enabled": True}}
GCB_ECHO = {"enabled": True, "accounts": [{"name": "a", "project": "p", "subscriptionName": "s"}]}
GCB_IGOR = {"enabled": True, "accounts": [{"name": "a", "project": "p"}]}
EXAMPLES = {
    "echo-gcb-needs-igor": (
        "echo",
        {"echo.yml": {"gcb": {"enabled": True}}, "spinnaker.yml": {"services": {"redis": {"enabled": True}}}},
        {"echo.yml": {"gcb": GCB_ECHO, "pubsub": GOOGLE_PUBSUB}, "spinnaker.yml": DISCOVERY},
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
    "echo-gcb-needs-google-pubsub": (
        "echo",
        {"echo.yml": {"gcb": GCB_ECHO, "pubsub": {"enabled": True}}, "spinnaker.yml": DISCOVERY},
        {"echo.yml": {"gcb": GCB_ECHO, "pubsub": GOOGLE_PUBSUB}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "echo-gcb-accounts": (
        "echo",
        {"echo.yml": {"gcb": {"enabled": True}, "pubsub": GOOGLE_PUBSUB}, "spinnaker.yml": DISCOVERY},
        {"echo.yml": {"gcb": {"enabled": True, "accounts": []}, "pubsub": GOOGLE_PUBSUB}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "echo-gcb-account-subscription": (
        "echo",
        {"echo.yml": {"gcb": {**GCB_ECHO, "accounts": [{"name": "a", "project": "p"}]}, "pubsub": GOOGLE_PUBSUB},
         "spinnaker.yml": DISCOVERY},
        {"echo.yml": {"gcb": GCB_ECHO, "pubsub": GOOGLE_PUBSUB}, "spinnaker.yml": DISCOVERY},
        frozenset(),
    ),
    "echo-slack-token": (
        "echo",
        {"echo.yml": {"slack": {"enabled": True, "botName": "spinnakerbot"}}},
        {"echo.yml": {"slack": {"enabled": True, "botName": "spinnakerbot", "token": "${SLACK_TOKEN}"}}},
        frozenset(),
    ),
    "fiat-google-groups-domain": (
        "fiat",
        {"fiat.yml": {"auth": {"groupMembership": {"service": "GOOGLE", "google": {"domain": "example.com"}}}}},
        {
            "fiat.yml": {
                "auth": {
                    "groupMembership": {
                        "service": "GOOGLE",
                        "google": {"domain": "example.com", "adminUsername": "admin@example.com"},
                    }
                }
            }
        },
        frozenset(),
    ),
    "fiat-ldap-url": (
        "fiat",
        {"fiat.yml": {"auth": {"groupMembership": {"service": "ldap", "ldap": {"managerDn": "cn=x"}}}}},
        {"fiat.yml": {"auth": {"groupMembership": {"service": "ldap", "ldap": {"url": "ldaps://ldap:636/dc=x"}}}}},
        frozenset(),
    ),
    "front50-gcs-bucket": (
        "front50",
        {"front50.yml": {"spinnaker": {"gcs": {"enabled": True, "project": "p"}}}},
        {"front50.yml": {"spinnaker": {"gcs": {"enabled": True, "project": "p", "bucket": "b"}}}},
        frozenset(),
    ),
    "gate-oauth2-client-id": (
        "gate",
        {"gate.yml": {"security": {"oauth2": {"enabled": True, "client": {"clientSecret": "${S}"}}}}},
        {"gate.yml": {"security": {"oauth2": {"enabled": True, "client": {"clientId": "${OAUTH2_CLIENT_ID}"}}}}},
        frozenset(),
    ),
    "igor-gcb-needs-locking": (
        "igor",
        {"igor.yml": {"gcb": GCB_IGOR}},
        {"igor.yml": {"gcb": GCB_IGOR}, "igor-local.yml": {"locking": {"enabled": True}}},
        frozenset(),
    ),
    "igor-gcb-accounts": (
        "igor",
        {"igor.yml": {"gcb": {"enabled": True, "accounts": [{"name": "a"}]}, "locking": {"enabled": True}}},
        {"igor.yml": {"gcb": GCB_IGOR, "locking": {"enabled": True}}},
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


def test_google_pubsub_needs_redis_only_when_pubsub_itself_is_on():
    # echo v2.43.1 GooglePubsubConfig.java:46: `${pubsub.enabled:false} && ${pubsub.google.enabled:false}`; with
    # pubsub.enabled off there is no Google subscriber and nothing that needs Redis
    files = {"echo.yml": {"pubsub": {"enabled": False, "google": {"enabled": True}}}}
    assert "echo-pubsub-needs-redis" not in rules_of("echo", files)
    files = {"echo.yml": {"pubsub": {"enabled": True, "google": {"enabled": True}}}}
    assert "echo-pubsub-needs-redis" in rules_of("echo", files)


def test_conditional_on_property_without_having_value_matches_anything_but_false():
    # Spring Boot v2.7.18 OnPropertyCondition.java isMatch: without havingValue a property matches when it is
    # defined and not "false"; echo's GoogleCloudBuildConfig is @ConditionalOnProperty("gcb.enabled")
    # (echo v2.43.1 GoogleCloudBuildConfig.java:41), so `gcb.enabled: yes` turns it on too
    files = {"echo.yml": {"gcb": {"enabled": "yes"}}, "spinnaker.yml": {"services": {"redis": {"enabled": True}}}}
    assert "echo-gcb-needs-igor" in rules_of("echo", files)
    files["echo.yml"]["gcb"]["enabled"] = "FALSE"
    assert "echo-gcb-needs-igor" not in rules_of("echo", files)


def test_spring_application_json_beats_plain_variables_whatever_their_order():
    # Spring Boot v2.7.18 external-config.adoc, "Externalized Configuration": properties from SPRING_APPLICATION_JSON
    # come after (override) OS environment variables
    for env in ({"SPRING_APPLICATION_JSON": '{"a": {"b": "json"}}', "A_B": "env"},
                {"A_B": "env", "SPRING_APPLICATION_JSON": '{"a": {"b": "json"}}'}):
        props = load("gate", defaults=None, files={"gate.yml": {"a": {"b": "file"}}}, profiles=["local"], env=env)
        assert props.get("a.b").value == "json", env


def test_numeric_parts_of_environment_variables_are_list_indexes():
    # Spring Boot v2.7.18 SystemEnvironmentPropertyMapper.java:97-100: a numeric element becomes an index,
    # so GCB_ACCOUNTS_0_NAME is gcb.accounts[0].name
    assert canonical("GCB_ACCOUNTS_0_NAME") == canonical("gcb.accounts[0].name")
    assert canonical("SERVICES_IGOR_ENABLED") == canonical("services.igor.enabled")


def test_profiles_default_to_korks_when_the_container_names_none():
    # kork v7.245.1 DefaultPropertiesBuilder.java:28,33: spring.profiles.active defaults to
    # `${netflix.environment},local` with netflix.environment `test`; the variable replaces it
    assert active_profiles({}) == ["test", "local"]
    assert active_profiles({"SPRING_PROFILES_ACTIVE": "ro, local"}) == ["ro", "local"]


def test_each_item_of_a_list_is_checked_with_relaxed_names_and_placeholders():
    # echo v2.43.1 GooglePubsubSubscriber.java:111-116 opens ProjectSubscriptionName.of(project, subscriptionName)
    # for every account; a field binds under any relaxed spelling, and an ${ENV} value counts as set
    base = {"pubsub": {"enabled": True, "google": {"enabled": True}}}
    accounts = [{"name": "a", "project": "p", "subscription-name": "${SUB}"}, {"name": "b", "project": "p"}]
    files = {"echo.yml": {**base, "gcb": {"enabled": True, "accounts": accounts}}, "spinnaker.yml": DISCOVERY}
    assert "echo-gcb-account-subscription" in rules_of("echo", files)
    accounts[1]["subscriptionName"] = "s"
    assert "echo-gcb-account-subscription" not in rules_of("echo", files)
    accounts[1]["subscriptionName"] = "${not.defined}"
    assert "echo-gcb-account-subscription" in rules_of("echo", files)


def test_upstream_sources_name_the_release_tags():
    # every source of a Spinnaker service is read at that service's tag in release 1.36.1 (keel, in no release, at
    # its last tag v1.4.1; kork at v7.245.1, Spring Boot's and Spring Security's at the versions Spring Boot 2.7.18
    # pins), and names a file with a line or a line range
    rel = release("1.36.1")
    pinned = {f"spinnaker/{svc}": f"v{version}" for svc, version in rel.services.items()}
    pinned |= {"spinnaker/keel": "v1.4.1", "spinnaker/kork": "v7.245.1",
               "spring-projects/spring-security": "5.7.11", "spinnaker/spinnaker.io": "3bc6188"}
    for row in requirements():
        for src in row["upstream"]:
            repo, tag, where = src.split(" ")
            assert pinned[repo] == tag, (row["id"], src)
            assert re.fullmatch(r"[\w./-]+\.(java|groovy|kt|yml|md):\d+(-\d+)?", where), (row["id"], src)
