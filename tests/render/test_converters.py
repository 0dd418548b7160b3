"""Kleat's per-service rules (docs/rendering.md, kleat-spec section 6), one small halconfig each."""

from __future__ import annotations

import pytest

from spinops import __version__
from spinops.render import render_structs


def render(hal: dict, filename: str) -> dict:
    return render_structs(hal)[filename]


# --- empty halconfig: each file's minimal output ----------------------------------------------------

EMPTY = {
    "clouddriver.yml": {},
    "echo.yml": {"stats": {"deploymentMethod": {"type": "spinops", "version": __version__}}},
    "front50.yml": {"spinnaker": {}},
    "gate.yml": {},
    "fiat.yml": {},
    "igor.yml": {},
    "kayenta.yml": {},
    "orca.yml": {},
    "rosco.yml": {},
    "settings.js": {
        "gateUrl": "http://localhost:8084",
        "authEndpoint": "http://localhost:8084/auth/user",
        "bakeryDetailUrl": "http://localhost:8084/bakery/logs/{{context.region}}/{{context.status.resourceId}}",
        "canary": {"featureDisabled": True},
        "feature": {},
        "notifications": {},
        "providers": {},
    },
    "deck.env": {},
    "spinnaker-monitoring.yml": {"monitor": {}},
    "keel.yml": {},
}


@pytest.mark.parametrize("filename", list(EMPTY))
def test_empty_halconfig(filename):
    assert render({}, filename) == EMPTY[filename]


# --- clouddriver / rosco: pass-through ----------------------------------------------------------------


def test_clouddriver_passes_providers_and_artifacts_through_presence_preserved():
    hal = {"providers": {"kubernetes": {}, "google": {"enabled": False}}, "artifacts": {"templates": [{"name": "t"}]}}
    assert render(hal, "clouddriver.yml") == {
        "kubernetes": {},
        "google": {"enabled": False},
        "artifacts": {"templates": [{"name": "t"}]},
    }


def test_rosco_gets_only_baking_providers():
    hal = {
        "providers": {
            p: {"enabled": True} for p in ("kubernetes", "google", "aws", "azure", "huaweicloud", "oracle", "ecs")
        }
    }
    assert sorted(render(hal, "rosco.yml")) == ["aws", "azure", "google", "huaweicloud", "oracle"]


# --- deck -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "gate"),
    [
        ({}, "http://localhost:8084"),
        ({"ssl": {"enabled": True}}, "https://localhost:8084"),
        ({"ssl": {"enabled": False}}, "http://localhost:8084"),
        ({"overrideBaseUrl": "https://gate.test", "ssl": {"enabled": False}}, "https://gate.test"),
        ({"overrideBaseUrl": "http://gate.test", "ssl": {"enabled": True}}, "http://gate.test"),  # override wins
        ({"overrideBaseUrl": "https://x/"}, "https://x/"),
    ],
)
def test_deck_gate_url(api, gate):
    deck = render({"security": {"apiSecurity": api}}, "settings.js")
    assert deck["gateUrl"] == gate
    assert deck["authEndpoint"] == gate + "/auth/user"  # verbatim: "https://x/" gives "https://x//auth/user"
    assert deck["bakeryDetailUrl"] == gate + "/bakery/logs/{{context.region}}/{{context.status.resourceId}}"


def test_deck_canary_and_features():
    hal = {
        "canary": {"enabled": True, "defaultJudge": "j", "defaultMetricsAccount": "m",
                   "defaultMetricsStore": "prometheus",
                   "showAllConfigsEnabled": False, "storageAccountName": "s", "templatesEnabled": True},
        "features": {"pipelineTemplates": False, "chaos": True, "managedPipelineTemplatesV2UI": True, "gremlin": True},
        "security": {"authn": {"enabled": False}, "authz": {"enabled": True}},
        "managedDelivery": {"enabled": False},
        "timezone": "Europe/Paris",
        "version": "1.30.0",
    }  # fmt: skip
    deck = render(hal, "settings.js")
    assert deck["canary"] == {
        "featureDisabled": False, "defaultJudge": "j", "metricsAccountName": "m", "metricStore": "prometheus",
        "showAllConfigs": False, "storageAccountName": "s", "templatesEnabled": True,
    }  # fmt: skip
    assert deck["feature"] == {
        "pipelineTemplates": False, "chaosMonkey": True, "fiatEnabled": True, "managedPipelineTemplatesV2UI": True,
        "managedDelivery": False, "managedResources": False,
    }  # fmt: skip
    assert deck["authEnabled"] is False
    assert deck["defaultTimeZone"] == "Europe/Paris" and deck["version"] == "1.30.0"


def test_deck_canary_disabled_when_not_enabled():
    assert render({"canary": {"enabled": False}}, "settings.js")["canary"] == {"featureDisabled": True}


def test_deck_notifications_renamed_and_tokens_dropped():
    hal = {"notifications": {
        "slack": {"enabled": True, "botName": "bot", "token": "SLACK-SECRET"},
        "twilio": {"enabled": True, "account": "AC1", "token": "TWILIO-SECRET", "from": "+1"},
        "githubStatus": {"enabled": True, "token": "GH-SECRET"},
        "googlechat": {"enabled": True}, "bearychat": {}, "email": {"enabled": False}, "pubsub": {"enabled": True},
        "microsoftteams": {"enabled": True},
    }}  # fmt: skip
    notifications = render(hal, "settings.js")["notifications"]
    assert notifications == {
        "slack": {"enabled": True, "botName": "bot"},
        "sms": {"enabled": True, "account": "AC1", "from": "+1"},
        "githubStatus": {"enabled": True},
        "googleChat": {"enabled": True},
        "bearychat": {},
        "email": {"enabled": False},
        "pubsub": {"enabled": True},
    }


def test_deck_providers_defaults():
    hal = {"providers": {
        "aws": {"enabled": True, "primaryAccount": "a", "accounts": [
            {"name": "a", "regions": [{"name": "first"}]},
            {"name": "b", "regions": [{"name": "other"}]},
            {"name": "a", "regions": [{"name": "last-wins"}, {"name": "second"}]},
        ]},
        "google": {"enabled": True, "primaryAccount": "g", "accounts": [{"name": "g", "regions": ["us-east1"]}]},
        "azure": {"enabled": True, "accounts": [{"name": "z", "regions": ["westeurope"]}]},  # no primaryAccount
        "huaweicloud": {"enabled": True, "primaryAccount": "missing", "accounts": [{"name": "h", "regions": ["r"]}]},
        "appengine": {"enabled": True, "primaryAccount": "ae"},
        "ecs": {"enabled": False, "primaryAccount": "e"},
        "dcos": {"primaryAccount": "d"},
        "kubernetes": {"enabled": True, "primaryAccount": "k", "accounts": [{"name": "k"}]},
        "oracle": {"enabled": True, "primaryAccount": "o"},
        "dockerRegistry": {"enabled": True, "primaryAccount": "r"},
    }}  # fmt: skip
    assert render(hal, "settings.js")["providers"] == {
        "aws": {"defaults": {"account": "a", "region": "last-wins"}},
        "gce": {"defaults": {"account": "g", "region": "us-east1"}},
        "azure": {"defaults": {}},
        "huaweicloud": {"defaults": {"account": "missing"}},
        "appengine": {"defaults": {"account": "ae"}},
        "kubernetes": {},
    }


def test_deck_env_only_with_ui_tls_enabled():
    ssl = {"sslCertificateFile": "/c.crt", "sslCertificateKeyFile": "/k.pem", "sslCertificatePassphrase": "${PASS}",
           "sslCACertificateFile": "/ca.crt"}  # fmt: skip
    assert render({"security": {"uiSecurity": {"ssl": ssl}}}, "deck.env") == {}
    assert render({"security": {"uiSecurity": {"ssl": {**ssl, "enabled": False}}}}, "deck.env") == {}
    assert render({"security": {"uiSecurity": {"ssl": {**ssl, "enabled": True}}}}, "deck.env") == {
        "DECK_CERT": "/c.crt", "DECK_KEY": "/k.pem", "PASSPHRASE": "${PASS}",
    }  # fmt: skip


# --- echo -----------------------------------------------------------------------------------------


def test_echo_blocks_and_derived_fields():
    hal = {
        "notifications": {"slack": {"enabled": True}, "twilio": {}, "githubStatus": {"enabled": False},
                          "microsoftteams": {"enabled": True}, "bearychat": {"enabled": True},
                          "email": {"enabled": True}, "googlechat": {"enabled": True}, "pubsub": {"enabled": True}},
        "artifacts": {"github": {"enabled": True}},
        "pubsub": {"enabled": True},
        "ci": {"gcb": {"enabled": True}, "jenkins": {"enabled": True}},
        "stats": {"enabled": True, "instanceId": "abc", "endpoint": "https://stats.test"},
        "version": "1.30.0",
        "timezone": "UTC",
        "managedDelivery": {"enabled": True},
    }  # fmt: skip
    assert render(hal, "echo.yml") == {
        "slack": {"enabled": True}, "twilio": {}, "githubStatus": {"enabled": False},
        "microsoftteams": {"enabled": True},
        "artifacts": {"github": {"enabled": True}}, "pubsub": {"enabled": True}, "gcb": {"enabled": True},
        "stats": {"enabled": True, "instanceId": "abc", "endpoint": "https://stats.test", "spinnakerVersion": "1.30.0",
                  "deploymentMethod": {"type": "spinops", "version": __version__}},
        "scheduler": {"cron": {"timezone": "UTC"}},
        "services": {"keel": {"enabled": True}},
    }  # fmt: skip


def test_echo_stats_enabled_false_kept_keel_only_when_enabled():
    echo = render({"stats": {"enabled": False}, "managedDelivery": {"enabled": False}}, "echo.yml")
    assert echo["stats"]["enabled"] is False
    assert "services" not in echo and "scheduler" not in echo


# --- fiat / front50 -------------------------------------------------------------------------------


def test_fiat_auth_is_authz():
    authz = {"enabled": True, "groupMembership": {"service": "GITHUB", "github": {"organization": "o"}}}
    assert render({"security": {"authz": authz}}, "fiat.yml") == {"auth": authz}
    assert render({"security": {"authz": {}}}, "fiat.yml") == {"auth": {}}


def test_front50_stores_and_delivery():
    hal = {"persistentStorage": {"gcs": {"bucket": "b"}, "s3": {"rootFolder": "", "serverSideEncryption": "AES256"},
                                 "sql": {"enabled": True}},
           "managedDelivery": {"enabled": True}}  # fmt: skip
    assert render(hal, "front50.yml") == {"spinnaker": {
        "gcs": {"bucket": "b"}, "s3": {"rootFolder": "", "serverSideEncryption": "AES256"},
        "delivery": {"enabled": True},
    }}  # fmt: skip
    assert render({"managedDelivery": {"enabled": False}}, "front50.yml") == {"spinnaker": {}}


# --- gate -----------------------------------------------------------------------------------------


def test_gate_oauth2_dropped_unless_enabled():
    oauth2 = {"client": {"clientId": "id", "clientSecret": "${S}"}}
    assert render({"security": {"authn": {"oauth2": oauth2}}}, "gate.yml") == {}
    assert render({"security": {"authn": {"oauth2": {**oauth2, "enabled": False}}}}, "gate.yml") == {}
    enabled = {**oauth2, "enabled": True}
    assert render({"security": {"authn": {"oauth2": enabled}}}, "gate.yml") == {"security": {"oauth2": enabled}}


def test_gate_other_auth_methods_pass_through_when_present():
    authn = {"basic": {}, "saml": {"enabled": False}, "ldap": {"url": "ldaps://l"}, "x509": {},
             "iap": {"audience": "a"},
             "enabled": True}  # fmt: skip
    assert render({"security": {"authn": authn}}, "gate.yml") == {
        "security": {"basic": {}}, "saml": {"enabled": False}, "ldap": {"url": "ldaps://l"}, "x509": {},
        "google": {"iap": {"audience": "a"}},
    }  # fmt: skip


def test_gate_server_cors_services_integrations():
    hal = {
        "security": {"apiSecurity": {"ssl": {}, "corsAccessPattern": "https://.*", "overrideBaseUrl": "https://gate"},
                     "uiSecurity": {"overrideBaseUrl": "https://deck"}},
        "canary": {"enabled": True},
        "features": {"gremlin": True},
    }  # fmt: skip
    assert render(hal, "gate.yml") == {
        "server": {"ssl": {}},
        "cors": {"allowedOriginsPattern": "https://.*"},
        "services": {"deck": {"baseUrl": "https://deck"}, "kayenta": {"enabled": True}},
        "integrations": {"gremlin": {"enabled": True}},
    }
    assert render({"canary": {"enabled": False}, "features": {"gremlin": False}}, "gate.yml") == {}


# --- igor -----------------------------------------------------------------------------------------


def test_igor_docker_registry_enabled_only():
    hal = {"providers": {"dockerRegistry": {"enabled": True, "accounts": [{"name": "r", "password": "${P}"}]}}}
    assert render(hal, "igor.yml") == {"dockerRegistry": {"enabled": True}}
    assert render({"providers": {"dockerRegistry": {"accounts": [{"name": "r"}]}}}, "igor.yml") == {
        "dockerRegistry": {}
    }


def test_igor_ci_repository_and_templates_only():
    hal = {
        "ci": {c: {"enabled": True} for c in ("gcb", "codebuild", "concourse", "jenkins", "travis", "wercker")},
        "repository": {"artifactory": {"enabled": True}},
        "artifacts": {"github": {"enabled": True}, "templates": [{"name": "t", "templatePath": "/t"}]},
    }
    igor = render(hal, "igor.yml")
    assert igor["artifacts"] == {"templates": [{"name": "t", "templatePath": "/t"}]}
    assert igor["artifactory"] == {"enabled": True}
    assert sorted(igor) == sorted(
        ["artifactory", "artifacts", "gcb", "codebuild", "concourse", "jenkins", "travis", "wercker"]
    )
    assert "artifacts" not in render({"artifacts": {"github": {}}}, "igor.yml")


# --- kayenta --------------------------------------------------------------------------------------


def test_kayenta_empty_unless_canary_enabled():
    integrations = {"prometheus": {"enabled": True}}
    assert render({"canary": {"serviceIntegrations": integrations}}, "kayenta.yml") == {}
    assert render({"canary": {"enabled": False, "serviceIntegrations": integrations}}, "kayenta.yml") == {}
    assert render({"canary": {"enabled": True}}, "kayenta.yml") == {"kayenta": {}}


def test_kayenta_google_split_in_three_and_aws_in_two():
    google = {"enabled": True, "accounts": [{"name": "g", "rootFolder": ""}], "stackdriverEnabled": False,
              "metadataCachingIntervalMS": 60000, "gcsEnabled": True}  # fmt: skip
    aws = {"enabled": False, "accounts": [{"name": "a"}], "s3Enabled": True}
    hal = {
        "canary": {"enabled": True, "serviceIntegrations": {"google": google, "aws": aws, "datadog": {"enabled": True}}}
    }
    assert render(hal, "kayenta.yml") == {"kayenta": {
        "google": {"enabled": True, "accounts": [{"name": "g", "rootFolder": ""}]},
        "stackdriver": {"enabled": False, "metadataCachingIntervalMS": 60000},
        "gcs": {"enabled": True},
        "aws": {"enabled": False, "accounts": [{"name": "a"}]},
        "s3": {"enabled": True},
        "datadog": {"enabled": True},
    }}  # fmt: skip


def test_kayenta_set_but_empty_google_gives_three_empty_blocks():
    hal = {"canary": {"enabled": True, "serviceIntegrations": {"google": {}}}}
    assert render(hal, "kayenta.yml") == {"kayenta": {"google": {}, "stackdriver": {}, "gcs": {}}}


# --- keel -----------------------------------------------------------------------------------------


def test_keel_sql_connection_pools():
    sql = {"enabled": True, "default": {"jdbcUrl": "jdbc:mysql://d", "user": "u", "password": "${DB}"},
           "migration": {"jdbcUrl": "jdbc:mysql://m"}}  # fmt: skip
    hal = {"managedDelivery": {"enabled": True, "keel": {"plugins": {"k8s": {"enabled": True}}},
                               "eureka": {"enabled": False}},
           "persistentStorage": {"sql": sql}}  # fmt: skip
    assert render(hal, "keel.yml") == {
        "sql": {"enabled": True, "connectionPools": {"default": sql["default"]}, "migration": sql["migration"]},
        "keel": {"plugins": {"k8s": {"enabled": True}}},
        "eureka": {"enabled": False},
    }


def test_keel_sql_without_default_pool_and_disabled_sql():
    hal = {"managedDelivery": {"enabled": True}, "persistentStorage": {"sql": {"enabled": True}}}
    assert render(hal, "keel.yml") == {"sql": {"enabled": True, "connectionPools": {}}}
    hal["persistentStorage"]["sql"]["enabled"] = False
    assert render(hal, "keel.yml") == {}


def test_keel_empty_unless_managed_delivery_enabled():
    hal = {"managedDelivery": {"keel": {"plugins": {}}}, "persistentStorage": {"sql": {"enabled": True}}}
    assert render(hal, "keel.yml") == {}


# --- monitoring -----------------------------------------------------------------------------------


def test_monitoring_metric_store_order_and_disabled_stores():
    hal = {"metricStores": {
        "stackdriver": {"enabled": True, "credentials_path": "/c"},
        "prometheus": {"enabled": False, "push_gateway": "http://p"},
        "datadog": {"enabled": True, "api_key": "${DD}"},
        "period": 30,
    }}  # fmt: skip
    out = render(hal, "spinnaker-monitoring.yml")
    assert out["monitor"] == {"period": 30, "metric_store": ["datadog", "stackdriver"]}
    assert out["prometheus"] == {"enabled": False, "push_gateway": "http://p"}  # copied, not listed
    assert "newrelic" not in out


# --- orca -----------------------------------------------------------------------------------------


def test_orca_rules():
    hal = {
        "providers": {"aws": {"enabled": True, "primaryAccount": "aws-main"}},
        "features": {"pipelineTemplates": False},
        "webhook": {"trust": {"enabled": True}},
        "canary": {"enabled": True},
        "managedDelivery": {"enabled": True},
        "timezone": "Asia/Tokyo",
    }
    assert render(hal, "orca.yml") == {
        "default": {"bake": {"account": "aws-main"}},
        "pipelineTemplates": {"enabled": False},
        "webhook": {"trust": {"enabled": True}},
        "services": {"kayenta": {"enabled": True}, "keel": {"enabled": True}},
        "tasks": {"executionWindow": {"timezone": "Asia/Tokyo"}},
    }


def test_orca_services_and_bake_defaults_edge_cases():
    assert render({"providers": {"aws": {"enabled": True}}}, "orca.yml") == {"default": {"bake": {}}}
    assert render({"providers": {"aws": {"primaryAccount": "x"}}}, "orca.yml") == {}
    assert render({"canary": {"enabled": True}}, "orca.yml") == {"services": {"kayenta": {"enabled": True}}}
    assert render({"managedDelivery": {"enabled": True}}, "orca.yml") == {"services": {"keel": {"enabled": True}}}


# --- data no service gets -------------------------------------------------------------------------


def test_plugins_reach_no_service(kleat_dir, tmp_path):
    from spinops.halconfig.load import load_halconfig

    # Kleat's plugin fixture, minus Halyard's top-level `name` (ignored by Kleat, rejected by us)
    text = (kleat_dir / "halconfig_with_plugins.yml").read_text().replace("name: test\n", "")
    (tmp_path / "halconfig.yml").write_text(text)
    hal = load_halconfig(tmp_path / "halconfig.yml").data
    assert hal["spinnaker"]["extensibility"]["plugins"]
    from spinops.render import render_all

    for name, out in render_all(hal).items():
        assert "Test." not in out and "test-url" not in out, name
    assert render_all(hal)["echo.yml"].count("1.24.0") == 1  # only stats.spinnakerVersion


def test_ui_ca_certificate_and_halyard_only_fields_are_dropped():
    hal = {"security": {"uiSecurity": {"ssl": {"enabled": True, "sslCACertificateFile": "/ca.crt"}}}}
    assert all("/ca.crt" not in str(s) for s in render_structs(hal).values())
