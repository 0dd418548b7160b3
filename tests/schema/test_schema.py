"""The halconfig JSON Schema: valid draft 2020-12, accepts Kleat's testdata, covers Kleat's outputs."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from spinops.halconfig import schema as hs

KLEAT = "kleat"


@pytest.fixture(scope="module")
def schema() -> dict:
    return hs.load_schema()


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def _load(fixtures, name):
    with open(fixtures / KLEAT / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_schema_is_valid_draft_2020_12(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/halconfig.schema.json")
    assert schema["additionalProperties"] is False


def test_top_level_has_the_17_kleat_sections(schema):
    assert sorted(schema["properties"]) == sorted(
        [
            "persistentStorage",
            "providers",
            "artifacts",
            "notifications",
            "pubsub",
            "ci",
            "stats",
            "features",
            "webhook",
            "security",
            "canary",
            "timezone",
            "version",
            "repository",
            "metricStores",
            "spinnaker",
            "managedDelivery",
        ]
    )


def test_every_message_is_closed_and_every_ref_resolves(schema):
    defs = schema["$defs"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    for name, d in defs.items():
        if d["type"] == "object":
            assert d["additionalProperties"] is False, name
            assert "properties" in d, name
        else:
            assert d["type"] == "string" and d["enum"], name
    used = {r.removeprefix("#/$defs/") for r in refs}
    assert used <= set(defs), used - set(defs)
    assert set(defs) <= used, f"unreachable $defs: {set(defs) - used}"


def test_kleat_testdata_halconfig_is_valid(validator, fixtures):
    data = _load(fixtures, "halconfig.yml")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    # with the plugins file (`spinnaker`) it exercises every top-level section: a real test of the whole schema
    plugins = _load(fixtures, "halconfig_with_plugins.yml")
    assert set(data) | set(plugins) - {"name"} == set(hs.load_schema()["properties"])


def test_halconfig_with_plugins_fails_only_on_unknown_name(validator, fixtures):
    data = _load(fixtures, "halconfig_with_plugins.yml")
    errors = list(validator.iter_errors(data))
    assert len(errors) == 1
    assert errors[0].validator == "additionalProperties" and list(errors[0].absolute_path) == []
    assert "'name'" in errors[0].message
    data.pop("name")
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize(
    "bad, where",
    [
        ({"providers": {"kubernetes": {"acounts": []}}}, ["providers", "kubernetes"]),
        (
            {"persistentStorage": {"s3": {"serverSideEncryption": "AES128"}}},
            ["persistentStorage", "s3", "serverSideEncryption"],
        ),
        ({"features": {"chaos": "true"}}, ["features", "chaos"]),
        ({"metricStores": {"period": "30"}}, ["metricStores", "period"]),
        ({"version": 1.2}, ["version"]),
        ({"providers": {"kubernetes": {"accounts": {"name": "a"}}}}, ["providers", "kubernetes", "accounts"]),
        (
            {"security": {"authn": {"oauth2": {"userInfoRequirements": {"hd": 1}}}}},
            ["security", "authn", "oauth2", "userInfoRequirements", "hd"],
        ),
    ],
)
def test_wrong_keys_types_and_enums_are_rejected(validator, bad, where):
    errors = list(validator.iter_errors(bad))
    assert [list(e.absolute_path) for e in errors] == [where]


def test_snake_case_json_names_and_their_proto_aliases(schema, validator):
    cases = {
        ("metricStores", "datadog"): {"api_key": "apiKey", "app_key": "appKey"},
        ("metricStores", "newrelic"): {"insert_key": "insertKey"},
        ("metricStores", "prometheus"): {"push_gateway": "pushGateway"},
        ("metricStores", "stackdriver"): {"credentials_path": "credentialsPath"},
    }
    for path, names in cases.items():
        node = hs.resolve(hs.at(path))
        for json_name, proto_name in names.items():
            main, alias = node["properties"][json_name], node["properties"][proto_name]
            assert "x-kleat-alias-of" not in main
            assert alias["x-kleat-alias-of"] == json_name
            assert alias["type"] == main["type"] == "string"
            for key in ("x-spinops-credential", "x-spinops-credential-file"):
                assert alias.get(key) == main.get(key)
    assert list(validator.iter_errors({"metricStores": {"datadog": {"apiKey": "${DD}", "api_key": "${DD}"}}})) == []
    perms = hs.resolve(hs.at(("providers", "kubernetes", "accounts", 0, "permissions")))
    assert sorted(perms["properties"]) == ["EXECUTE", "READ", "WRITE"]


def test_wrappers_and_enums_carry_kleat_annotations(schema):
    for path in [
        ("persistentStorage", "s3", "rootFolder"),
        ("persistentStorage", "gcs", "rootFolder"),
        ("canary", "serviceIntegrations", "google", "accounts", 0, "rootFolder"),
        ("canary", "serviceIntegrations", "aws", "accounts", 0, "rootFolder"),
    ]:
        node = hs.at(path)
        assert node == {**node, "type": "string", "x-kleat-wrapper": True}, path
    assert hs.at(("features", "chaos"))["type"] == "boolean"
    sse = hs.resolve(hs.at(("persistentStorage", "s3", "serverSideEncryption")))
    assert sse["enum"] == ["UNSPECIFIED", "AES256", "AWSKMS"]
    assert sse["x-kleat-enum-numbers"] == {"0": "UNSPECIFIED", "1": "AES256", "2": "AWSKMS"}
    service = hs.resolve(hs.at(("security", "authz", "groupMembership", "service")))
    assert set(service["enum"]) >= {"FILE", "GOOGLE", "GITHUB", "LDAP"}
    # every enum maps each of its names to exactly one number
    for name, d in schema["$defs"].items():
        if "enum" in d:
            assert sorted(d["x-kleat-enum-numbers"].values()) == sorted(d["enum"]), name
            assert "0" in d["x-kleat-enum-numbers"], name


def test_schema_file_is_deterministic_and_sorted():
    text = hs.schema_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    from importlib import resources

    # the shipped file is byte-identical to what `spinops schema` prints
    assert resources.files("spinops.halconfig").joinpath(hs.SCHEMA_FILE).read_text(encoding="utf-8") == text


def test_kinds_and_omit_kinds_are_mutually_exclusive_like_kleat(validator, schema):
    def account(**kw):
        return {"providers": {"kubernetes": {"accounts": [{"name": "a", **kw}]}}}

    assert list(validator.iter_errors(account(kinds=["deployment"]))) == []
    assert list(validator.iter_errors(account(kinds=[], omitKinds=["secret"]))) == []
    errors = list(validator.iter_errors(account(kinds=["deployment"], omitKinds=["secret"])))
    assert [(e.validator, list(e.absolute_path)) for e in errors] == [
        ("not", ["providers", "kubernetes", "accounts", 0])
    ]
    # the message a validator shows for that rule (Kleat's wording)
    assert (
        schema["$defs"]["cloudprovider.KubernetesAccount"]["x-spinops-message"]
        == "Cannot specify both kinds and omitKinds."
    )


def test_every_message_and_top_level_section_is_described(schema):
    assert all(d.get("description") for d in schema["$defs"].values())
    assert all(p.get("description") for p in schema["properties"].values())
    assert hs.at(("providers", "kubernetes", "accounts", 0, "requiredGroupMembership"))["deprecated"] is True


# Keywords whose meaning is the same in draft-07 and 2020-12: editors whose yaml-language-server only
# implements draft-07 still validate and complete the schema correctly (`deprecated` is a hint they may ignore).
PORTABLE_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "deprecated", "type", "properties",
    "additionalProperties", "items", "enum", "minimum", "maximum", "minItems", "required", "not",
}  # fmt: skip


def test_schema_uses_only_keywords_that_editors_with_draft_07_understand(schema):
    used = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                used.add(key)
                if key in ("properties", "$defs"):
                    for sub in value.values():
                        walk(sub)
                elif not key.startswith("x-"):
                    walk(value)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(schema)
    assert {k for k in used if not k.startswith("x-")} <= PORTABLE_KEYWORDS
    assert {k for k in used if k.startswith("x-")} == {
        "x-kleat-alias-of", "x-kleat-enum-numbers", "x-kleat-wrapper",
        "x-spinops-credential", "x-spinops-credential-file", "x-spinops-message",
    }  # fmt: skip


def test_draft_07_validator_gives_the_same_answers(schema, validator, fixtures):
    draft7 = jsonschema.Draft7Validator(schema)
    good = _load(fixtures, "halconfig.yml")
    bad = _load(fixtures, "halconfig_with_plugins.yml")
    for data in (good, bad, {"providers": {"kubernetes": {"accounts": [{"nmae": "x"}]}}}):
        assert sorted(e.message for e in draft7.iter_errors(data)) == sorted(
            e.message for e in validator.iter_errors(data)
        )
