"""load_halconfig in-process: normalisation (Kleat's presence rules), fragments, overlays, positions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spinops.errors import InputError
from spinops.halconfig.load import load_halconfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load_text(tmp_path: Path, text: str, **kw):
    return load_halconfig(write(tmp_path / "halconfig.yml", text), **kw)


def problems_of(fn) -> list:
    with pytest.raises(InputError) as e:
        fn()
    return e.value.problems


# ------------------------------------------------------------------ normalisation


def test_presence_rules(tmp_path):
    hal = load_text(tmp_path, """\
        version: ""                # plain string: "" is unset
        timezone: ~                # null is unset
        providers:
          kubernetes: {}           # a set-but-empty message stays {}
          google:
            enabled: false         # booleans are kept when set, also false
            accounts: []           # empty lists are unset
        persistentStorage:
          gcs:
            rootFolder: ""         # x-kleat-wrapper (StringValue): "" is a real value
            bucket: ""
        metricStores:
          period: 0                # plain int: 0 is unset
        security:
          authn:
            oauth2:
              userInfoRequirements: {}   # an empty map is unset
    """)
    assert hal.data == {
        "providers": {"kubernetes": {}, "google": {"enabled": False}},
        "persistentStorage": {"gcs": {"rootFolder": ""}},
        "metricStores": {},
        "security": {"authn": {"oauth2": {}}},
    }


def test_enum_numbers_and_zero_names(tmp_path):
    hal = load_text(tmp_path, """\
        persistentStorage:
          s3: {serverSideEncryption: 1}
        security:
          apiSecurity:
            ssl: {clientAuth: UNSPECIFIED}
        canary:
          serviceIntegrations:
            google:
              accounts:
              - name: a
                supportedTypes: [2, METRICS_STORE, 0]
    """)
    assert hal.data["persistentStorage"] == {"s3": {"serverSideEncryption": "AES256"}}
    assert hal.data["security"] == {"apiSecurity": {"ssl": {}}}  # the zero enum is unset
    # in a list, protobuf keeps zero values: numbers still become names
    assert hal.data["canary"]["serviceIntegrations"]["google"]["accounts"][0]["supportedTypes"] == [
        "CONFIGURATION_STORE", "METRICS_STORE", "UNSPECIFIED"]


def test_proto_name_aliases_become_json_names(tmp_path):
    hal = load_text(tmp_path, """\
        metricStores:
          datadog: {enabled: true, apiKey: "${DD_API_KEY}", app_key: "${DD_APP_KEY}"}
          prometheus: {pushGateway: http://gw:9091}
    """)
    assert hal.data["metricStores"] == {
        "datadog": {"enabled": True, "api_key": "${DD_API_KEY}", "app_key": "${DD_APP_KEY}"},
        "prometheus": {"push_gateway": "http://gw:9091"},
    }
    assert hal.locate(("metricStores", "datadog", "api_key")) == (str(tmp_path / "halconfig.yml"), 2, 36)


def test_alias_and_json_name_both_set_is_an_error(tmp_path):
    (p,) = problems_of(lambda: load_text(tmp_path, "metricStores:\n  datadog: {apiKey: a, api_key: b}\n"))
    assert p.message == "`api_key` is set twice (as `api_key` and as its alias)"


def test_map_values_keep_zero_values_and_keys_are_strings(tmp_path):
    hal = load_text(tmp_path, """\
        security:
          authn:
            oauth2:
              userInfoRequirements: {hd: "", 2: x, true: "yes", 'null': z, 1e3: k, 1.5e7: f}
    """)
    # non-string keys as sigs.k8s.io/yaml v1.3.0 YAMLToJSON writes them (yaml.go: FormatFloat(f, 'g', -1, 32) for
    # floats)
    assert hal.data["security"]["authn"]["oauth2"]["userInfoRequirements"] == {
        "hd": "", "2": "x", "true": "yes", "null": "z", "1000": "k", "1.5e+07": "f"}


def test_lists_of_strings_keep_empty_strings(tmp_path):
    hal = load_text(tmp_path, "providers:\n  kubernetes:\n    accounts:\n    - name: a\n      namespaces: ['', b]\n")
    assert hal.data["providers"]["kubernetes"]["accounts"] == [{"name": "a", "namespaces": ["", "b"]}]


def test_input_data_is_not_mutated_and_output_shares_nothing_mutable(tmp_path):
    hal = load_text(tmp_path, "providers:\n  kubernetes:\n    accounts:\n    - name: a\n      namespaces: [x]\n")
    hal.data["providers"]["kubernetes"]["accounts"][0]["namespaces"].append("y")
    hal.data["providers"]["kubernetes"]["accounts"][0]["name"] = "changed"
    # locate reads the raw data: changes to the normalised copy must not reach it
    (raw,) = hal._layers
    assert raw.data == {"providers": {"kubernetes": {"accounts": [{"name": "a", "namespaces": ["x"]}]}}}


def test_merge_keys(tmp_path):
    hal = load_text(tmp_path, """\
        providers:
          kubernetes:
            accounts:
            - &base {name: a, cacheThreads: 2, onlySpinnakerManaged: true}
            - <<: *base
              name: b
    """)
    assert hal.data["providers"]["kubernetes"]["accounts"][1] == {
        "name": "b",
        "cacheThreads": 2,
        "onlySpinnakerManaged": True,
    }


def test_kleat_testdata_loads_and_keeps_its_wrapper_empty_string():
    hal = load_halconfig(FIXTURES / "kleat" / "halconfig.yml")
    google = hal.data["canary"]["serviceIntegrations"]["google"]["accounts"][0]
    assert google["rootFolder"] == ""
    assert hal.files == [FIXTURES / "kleat" / "halconfig.yml"]


# ------------------------------------------------------------------ fragments and overlays


def test_fragments_merge_in_name_order_and_locate_their_file(tmp_path):
    d = tmp_path / "halconfig"
    write(d / "20-providers.yml", "providers:\n  kubernetes:\n    enabled: true\n    accounts: [{name: a}]\n")
    # equal list: fine
    write(d / "10-base.yml", "version: 1.30.0\nproviders:\n  kubernetes:\n    accounts: [{name: a}]\n")
    write(d / "30-null.yml", "version: ~\n")  # null in a fragment is "not set": no conflict
    write(d / "secrets.yml", "secrets: {}\n")  # not a fragment
    write(d / "env" / "prod.yml", "version: 9\n")  # not a fragment (and not read without env)
    write(d / ".hidden.yml", "junk: 1\n")
    hal = load_halconfig(d)
    assert hal.files == [d / "10-base.yml", d / "20-providers.yml", d / "30-null.yml"]
    assert hal.data == {
        "version": "1.30.0",
        "providers": {"kubernetes": {"enabled": True, "accounts": [{"name": "a"}]}},
    }
    assert hal.locate(("providers", "kubernetes", "enabled")) == (str(d / "20-providers.yml"), 3, 14)
    assert hal.locate(("version",)) == (str(d / "10-base.yml"), 1, 10)


def test_every_fragment_conflict_is_reported_with_both_places(tmp_path):
    d = tmp_path / "halconfig"
    write(d / "a.yml", "version: 1.30.0\ntimezone: UTC\nproviders: {kubernetes: {enabled: true}}\n")
    write(d / "b.yml", "version: 1.31.0\ntimezone: UTC\nproviders: {kubernetes: 5}\n")
    problems = problems_of(lambda: load_halconfig(d))
    assert [(p.file, p.line, p.column) for p in problems] == [(str(d / "b.yml"), 1, 10), (str(d / "b.yml"), 3, 25)]
    assert f"here and at {d / 'a.yml'}:1:10" in problems[0].message
    assert f"here and at {d / 'a.yml'}:3:25" in problems[1].message


def test_overlay_overrides_replaces_lists_and_null_deletes(tmp_path):
    d = tmp_path / "halconfig"
    write(d / "halconfig.yml", """\
        version: 1.30.0
        timezone: UTC
        providers:
          kubernetes:
            enabled: true
            primaryAccount: a
            accounts: [{name: a}, {name: b}]
    """)
    write(d / "env" / "staging.yml", """\
        version: 1.31.0
        timezone: null
        providers:
          kubernetes:
            accounts: [{name: staging}]
    """)
    hal = load_halconfig(d, env="staging")
    assert hal.data == {
        "version": "1.31.0",
        "providers": {"kubernetes": {"enabled": True, "primaryAccount": "a", "accounts": [{"name": "staging"}]}},
    }
    assert hal.files == [d / "halconfig.yml", d / "env" / "staging.yml"]
    assert hal.locate(("providers", "kubernetes", "accounts", 0, "name")) == (str(d / "env" / "staging.yml"), 5, 23)
    assert hal.locate(("providers", "kubernetes", "enabled")) == (str(d / "halconfig.yml"), 5, 14)
    # no overlay file for this env: the base alone
    assert load_halconfig(d, env="production").data["version"] == "1.30.0"


def test_overlay_errors_are_located_in_the_overlay(tmp_path):
    d = tmp_path / "halconfig"
    write(d / "halconfig.yml", "version: 1.30.0\n")
    write(d / "env" / "prod.yml", "features:\n  chaos: yes\n")
    (p,) = problems_of(lambda: load_halconfig(d, env="prod"))
    assert (p.file, p.line, p.column, p.code) == (str(d / "env" / "prod.yml"), 2, 10, "yaml-1.1")


def test_overlay_next_to_a_single_file(tmp_path):
    f = write(tmp_path / "hal.yml", "version: 1.30.0\n")
    write(tmp_path / "env" / "dev.yml", "version: 1.31.0\n")
    assert load_halconfig(f, env="dev").data == {"version": "1.31.0"}


@pytest.mark.parametrize("env", ["../x", "a/b", "", ".hidden"])
def test_bad_env_names(tmp_path, env):
    f = write(tmp_path / "hal.yml", "version: 1.30.0\n")
    (p,) = problems_of(lambda: load_halconfig(f, env=env))
    assert "invalid environment name" in p.message


def test_problems_from_several_files_in_one_run(tmp_path):
    d = tmp_path / "halconfig"
    write(d / "a.yml", "versoin: 1\n")
    write(d / "b.yml", "a: [\n")
    write(d / "c.yml", "")
    problems = problems_of(lambda: load_halconfig(d))
    assert [(Path(p.file).name, p.code) for p in problems] == [
        ("a.yml", "unknown-key"),
        ("b.yml", "yaml-syntax"),
        ("c.yml", "empty-file"),
    ]
