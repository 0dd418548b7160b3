"""Every key Kleat passes through from a halconfig block to a service config exists in the schema there.

Kleat's expected outputs (tests/fixtures/kleat/<service>.yml) copy whole halconfig sub-messages.
For each such pass-through (output path <- halconfig path, from docs/kleat-spec section 6), every
key found in the output subtree must be a property at the same place in our schema, recursively.
"""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from spinops.halconfig import schema as hs

PROVIDERS = [
    "kubernetes",
    "google",
    "appengine",
    "aws",
    "azure",
    "cloudfoundry",
    "dcos",
    "dockerRegistry",
    "ecs",
    "huaweicloud",
    "oracle",
]

# file -> [(output path, halconfig path)]
PASS_THROUGH: dict[str, list[tuple[str, str]]] = {
    "clouddriver.yml": [(p, f"providers.{p}") for p in PROVIDERS] + [("artifacts", "artifacts")],
    "rosco.yml": [(p, f"providers.{p}") for p in ["google", "aws", "azure", "huaweicloud", "oracle"]],
    "echo.yml": [
        ("slack", "notifications.slack"),
        ("twilio", "notifications.twilio"),
        ("githubStatus", "notifications.githubStatus"),
        ("microsoftteams", "notifications.microsoftteams"),
        ("artifacts", "artifacts"),
        ("pubsub", "pubsub"),
        ("gcb", "ci.gcb"),
    ],
    "fiat.yml": [("auth", "security.authz")],
    "front50.yml": [(f"spinnaker.{s}", f"persistentStorage.{s}") for s in ["gcs", "azs", "oracle", "s3"]],
    "gate.yml": [
        ("server.ssl", "security.apiSecurity.ssl"),
        ("security.oauth2", "security.authn.oauth2"),
        ("security.basic", "security.authn.basic"),
        ("saml", "security.authn.saml"),
        ("ldap", "security.authn.ldap"),
        ("x509", "security.authn.x509"),
        ("google.iap", "security.authn.iap"),
    ],
    "igor.yml": [
        ("artifactory", "repository.artifactory"),
        ("artifacts.templates", "artifacts.templates"),
        *[(c, f"ci.{c}") for c in ["gcb", "codebuild", "concourse", "jenkins", "travis", "wercker"]],
    ],
    "kayenta.yml": [
        *[
            (f"kayenta.{s}", f"canary.serviceIntegrations.{s}")
            for s in ["prometheus", "datadog", "signalfx", "newrelic"]
        ],
        ("kayenta.google.accounts", "canary.serviceIntegrations.google.accounts"),
        ("kayenta.aws.accounts", "canary.serviceIntegrations.aws.accounts"),
    ],
    "keel.yml": [
        ("keel", "managedDelivery.keel"),
        ("eureka", "managedDelivery.eureka"),
        ("sql.connectionPools.default", "persistentStorage.sql.default"),
        ("sql.migration", "persistentStorage.sql.migration"),
    ],
    "orca.yml": [("webhook", "webhook")],
    "spinnaker-monitoring.yml": [
        (s, f"metricStores.{s}") for s in ["datadog", "newrelic", "prometheus", "stackdriver"]
    ],
    "deck.yml": [
        *[
            (f"notifications.{s}", f"notifications.{s}")
            for s in ["bearychat", "email", "githubStatus", "pubsub", "slack"]
        ],
        ("notifications.googleChat", "notifications.googlechat"),
        ("notifications.sms", "notifications.twilio"),
    ],
}
# Files that are pure pass-through: every top-level key must be covered by the table above.
PURE = {"clouddriver.yml", "rosco.yml"}


def _get(data, dotted):
    for key in dotted.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _missing(value, node, where):
    """Keys of `value` (recursively) that the schema does not allow at `node`."""
    out = []
    if isinstance(value, dict):
        for key, sub in value.items():
            child = hs.child(node, key)
            if child is None:
                out.append(f"{where}.{key}")
            else:
                out += _missing(sub, child, f"{where}.{key}")
    elif isinstance(value, list):
        child = hs.child(node, 0)
        for i, sub in enumerate(value):
            if child is None:
                out.append(f"{where}[{i}] (not a list in the schema)")
            else:
                out += _missing(sub, child, f"{where}[{i}]")
    return out


@pytest.fixture(scope="module")
def hal(fixtures):
    with open(fixtures / "kleat" / "halconfig.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.mark.parametrize("filename", sorted(PASS_THROUGH))
def test_pass_through_keys_exist_in_schema(fixtures, hal, filename):
    with open(fixtures / "kleat" / filename, encoding="utf-8") as fh:
        out = yaml.safe_load(fh)
    checked = 0
    for out_path, hal_path in PASS_THROUGH[filename]:
        value = _get(out, out_path)
        # the table is right only if the output has the block exactly when the halconfig has it
        assert (value is None) == (_get(hal, hal_path) is None), (out_path, hal_path)
        if value is None:
            continue
        node = hs.at(tuple(hal_path.split(".")))
        assert node is not None, hal_path
        assert _missing(value, node, hal_path) == []
        # and the values have the types and enum names the schema gives them
        sub = jsonschema.Draft202012Validator({"$defs": hs.load_schema()["$defs"], **node})
        assert [f"{hal_path}.{list(e.absolute_path)}: {e.message}" for e in sub.iter_errors(value)] == []
        checked += 1
    assert checked
    if filename in PURE:
        assert set(out) <= {p.split(".")[0] for p, _ in PASS_THROUGH[filename]}


def test_the_walk_really_detects_a_key_the_schema_lacks():
    node = hs.at(("providers", "kubernetes"))
    assert _missing({"accounts": [{"name": "a", "kubeconfigFiel": "/x"}]}, node, "k") == [
        "k.accounts[0].kubeconfigFiel"
    ]
