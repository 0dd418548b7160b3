"""Credential wiring, pure: placeholders, secrets.yml, the halconfig credential check and the per-service plan."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spinops import yamlio
from spinops.build.origin import Written
from spinops.errors import InputError
from spinops.wire import (
    check_halconfig,
    find_placeholders,
    is_env_credential,
    load_secrets,
    parse_secrets,
    plan,
)
from spinops.yamlio import read as read_yaml

CANARY = "canary-literal-7f3a9c"

SECRETS = """\
secrets:
  spinnaker-github:
    source: workflow
    env: [GITHUB_TOKEN]
  spinnaker-oauth2:
    source: workflow
    env: [OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET]
  spinnaker-kubeconfigs:
    source: external
    mountPath: /var/secrets/kubeconfigs
    files: [prod.kubeconfig, staging.kubeconfig]
  spinnaker-deck-tls:
    env: [DECK_PASSPHRASE]
    mountPath: /var/secrets/deck
    files: [deck.crt, deck.key]
"""

SECTIONS = {
    "clouddriver": ("providers", "artifacts"),
    "echo": ("notifications.slack", "artifacts", "ci.gcb"),
    "gate": ("security.authn", "security.apiSecurity"),
    "igor": ("ci",),
    "deck": ("security.uiSecurity", "notifications"),
}


def inventory(tmp_path: Path, text: str = SECRETS):
    (tmp_path / "halconfig").mkdir(exist_ok=True)
    (tmp_path / "halconfig" / "secrets.yml").write_text(textwrap.dedent(text))
    return load_secrets(tmp_path)


def test_find_placeholders():
    data = {
        "a": "${A}",
        "b": ["x ${B:default} y ${services.redis.baseUrl}"],
        "${KEY_IN_KEY}": 1,
        "c": "$NOT {X}",
        "d": 5,
    }
    assert find_placeholders(data) == {"A", "B", "services.redis.baseUrl", "KEY_IN_KEY"}
    assert find_placeholders("token: ${GITHUB_TOKEN}\n") == {"GITHUB_TOKEN"}


def test_env_credential_rule(tmp_path):
    inv = inventory(tmp_path)
    assert is_env_credential("GITHUB_TOKEN")
    assert is_env_credential("SOME_UNDECLARED_KEY")
    assert not is_env_credential("services.redis.baseUrl", inv)
    assert not is_env_credential("server.port", inv)


def test_secrets_inventory(tmp_path):
    inv = inventory(tmp_path)
    assert inv.env_owner == {
        "GITHUB_TOKEN": "spinnaker-github",
        "OAUTH2_CLIENT_ID": "spinnaker-oauth2",
        "OAUTH2_CLIENT_SECRET": "spinnaker-oauth2",
        "DECK_PASSPHRASE": "spinnaker-deck-tls",
    }
    assert inv.file_owner["/var/secrets/kubeconfigs/prod.kubeconfig"] == ("spinnaker-kubeconfigs", "prod.kubeconfig")
    assert inv.secrets["spinnaker-deck-tls"].source == "external"


def test_empty_secret_is_a_warning(tmp_path):
    inv = inventory(tmp_path, "secrets:\n  spinnaker-nothing:\n    source: external\n")
    (w,) = inv.warnings
    assert w.severity == "warning" and w.line == 2 and "neither env keys nor files" in w.message


def test_missing_secrets_file_is_an_empty_inventory(tmp_path):
    assert load_secrets(tmp_path).secrets == {}


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("secrets:\n  Bad_Name:\n    env: [A]\n", 2, "not a valid Kubernetes Secret name"),
        ("secrets:\n  a:\n    env: [lower]\n", 3, "UPPER_SNAKE_CASE"),
        ("secrets:\n  a:\n    env: [A]\n  b:\n    env: [A]\n", 5, "also declared by Secret a"),
        ("secrets:\n  a:\n    files: [x.json]\n", 2, "needs `mountPath`"),
        (
            "secrets:\n  a:\n    mountPath: /var/s\n    files: [x]\n  b:\n    mountPath: /var/s/sub\n    files: [y]\n",
            6,
            "overlaps",
        ),
        ("secrets:\n  a:\n    mountPath: /opt/spinnaker/config\n    files: [x]\n", 3, "absolute directory of its own"),
        ("secrets:\n  a:\n    mountPath: /var/s\n    files: [../x]\n", 4, "plain key name"),
        ("secrets:\n  a:\n    source: vault\n    env: [A]\n", 3, "source must be one of"),
        ("secrets:\n  a:\n    env: [A]\n    keys: [B]\n", 4, "unknown field 'keys'"),
        ("secret:\n  a: {}\n", 1, "unknown field 'secret'"),
        ("- a\n", 1, "one key, `secrets:`"),
        ("secrets:\n  a: [A]\n", 2, "a Secret declares source and env"),
    ],
)
def test_bad_secrets_yml(tmp_path, text, line, words):
    with pytest.raises(InputError) as e:
        inventory(tmp_path, text)
    assert any(words in p.message and p.line == line and p.file == "halconfig/secrets.yml" for p in e.value.problems), [
        p.text() for p in e.value.problems
    ]


# ------------------------------------------------------------------ halconfig check (real schema)


def locate(path):
    return ("halconfig/halconfig.yml", 10 + len(path), 3)


def test_literal_credential_in_halconfig_is_refused_without_echoing_it(tmp_path):
    inv = inventory(tmp_path)
    hal = {"artifacts": {"github": {"enabled": True, "accounts": [{"name": "gh", "token": CANARY}]}}}
    (p,) = check_halconfig(hal, inv, locate, SECTIONS)
    assert p.code == "literal-credential" and p.file == "halconfig/halconfig.yml" and p.line == 15
    assert "artifacts.github.accounts[0].token" in p.message and "clouddriver, echo" in p.message
    assert "${" in p.hint and "secrets.yml" in p.hint
    assert CANARY not in p.text() and CANARY not in str(p.as_dict())


def test_placeholders_and_declared_files_pass(tmp_path):
    inv = inventory(tmp_path)
    hal = {
        "artifacts": {"github": {"accounts": [{"name": "gh", "token": "${GITHUB_TOKEN}"}]}},
        "providers": {
            "kubernetes": {"accounts": [{"name": "prod", "kubeconfigFile": "/var/secrets/kubeconfigs/prod.kubeconfig"}]}
        },
    }
    assert check_halconfig(hal, inv, locate, SECTIONS) == []


def test_undeclared_credential_file(tmp_path):
    inv = inventory(tmp_path)
    hal = {
        "providers": {
            "kubernetes": {
                "accounts": [
                    {"name": "a", "kubeconfigFile": "/var/secrets/kubeconfigs/new.kubeconfig"},
                    {"name": "b", "kubeconfigFile": "/home/me/.kube/config"},
                ]
            }
        }
    }
    p1, p2 = check_halconfig(hal, inv, locate, SECTIONS)
    assert p1.code == p2.code == "undeclared-credential-file"
    assert "spinnaker-kubeconfigs" in p1.hint and "new.kubeconfig" in p1.hint
    assert "mountPath: /home/me/.kube" in p2.hint and "clouddriver" in p2.message


# ------------------------------------------------------------------ plan


def test_plan_wires_exactly_what_each_service_reads(tmp_path):
    inv = inventory(tmp_path)
    files = {
        "clouddriver": {
            "clouddriver.yml": {
                "artifacts": {"github": {"accounts": [{"token": "${GITHUB_TOKEN}"}]}},
                "kubernetes": {"accounts": [{"kubeconfigFile": "/var/secrets/kubeconfigs/prod.kubeconfig"}]},
            }
        },
        "echo": {
            "echo.yml": {"artifacts": {"github": {"accounts": [{"token": "${GITHUB_TOKEN}"}]}}},
            "echo-local.yml": {"redis": {"connection": "${services.redis.baseUrl}"}},
        },
        "gate": {"gate.yml": {"security": {"oauth2": {"client": {"clientSecret": "${OAUTH2_CLIENT_SECRET}"}}}}},
        "orca": {"orca.yml": {}},
        "deck": {
            "settings.js": {"gateUrl": "x"},
            "deck.env": {
                "DECK_CERT": "/var/secrets/deck/deck.crt",
                "DECK_KEY": "/var/secrets/deck/deck.key",
                "PASSPHRASE": "${DECK_PASSPHRASE}",
            },
        },
    }
    wiring, problems = plan(files, inv)
    assert wiring["clouddriver"].env_from == ["spinnaker-github"]
    assert wiring["clouddriver"].volumes == [("spinnaker-kubeconfigs", "/var/secrets/kubeconfigs", ["prod.kubeconfig"])]
    assert wiring["echo"].env_from == ["spinnaker-github"] and wiring["echo"].volumes == []
    # gate uses one of the two keys of spinnaker-oauth2: only that key, not envFrom
    assert wiring["gate"].env_from == [] and wiring["gate"].env_keys == [
        ("OAUTH2_CLIENT_SECRET", "spinnaker-oauth2", "OAUTH2_CLIENT_SECRET")
    ]
    assert wiring["orca"].empty()
    deck = wiring["deck"]
    assert deck.env_from == [] and deck.env_keys == [("PASSPHRASE", "spinnaker-deck-tls", "DECK_PASSPHRASE")]
    assert deck.volumes == [("spinnaker-deck-tls", "/var/secrets/deck", None)]  # every file: the whole Secret
    assert wiring["gate"].summary() == {"env": ["OAUTH2_CLIENT_SECRET"], "secrets": ["spinnaker-oauth2"], "files": []}
    unused = sorted(p.message.split(" ")[0] for p in problems if p.code == "unused-secret-key")
    assert unused == ["/var/secrets/kubeconfigs/staging.kubeconfig", "OAUTH2_CLIENT_ID"]
    assert all(p.severity == "warning" for p in problems)
    assert next(p for p in problems if "OAUTH2_CLIENT_ID" in p.message).line == 7


def test_undeclared_placeholder_names_the_services(tmp_path):
    inv = inventory(tmp_path)
    files = {
        "echo": {"echo.yml": {"slack": {"token": "${SLACK_TOKEN}"}}},
        "igor": {"igor.yml": {"x": "${SLACK_TOKEN}"}},
        "gate": {"gate.yml": {"y": "${PORT_OVERRIDE:8084}"}},
    }
    asked = []

    def locate(service, fname, path, needle):
        asked.append((service, fname, path, needle))
        return "halconfig/halconfig.yml", 42, 12

    _, problems = plan(files, inv, locate)
    err = [p for p in problems if p.severity == "error"]
    (p,) = err
    assert p.code == "undeclared-placeholder" and "${SLACK_TOKEN} is used by echo, igor" in p.message
    assert (p.file, p.line) == ("halconfig/halconfig.yml", 42) and p.extra["services"] == ["echo", "igor"]
    # located at a use of it: the first one of each file that has one, where its value is
    assert ("echo", "echo.yml", ("slack", "token"), "${SLACK_TOKEN") in asked
    assert any(w.code == "undeclared-placeholder-default" and "PORT_OVERRIDE" in w.message for w in problems)


def test_credentials_never_reach_deck_settings(tmp_path):
    inv = inventory(tmp_path)
    files = {
        "deck": {
            "settings.js": {"notifications": {"slack": {"token": "${GITHUB_TOKEN}"}}},
            "settings-local.js": {"x": {"apiKey": "abc"}},
        }
    }
    wiring, problems = plan(files, inv)
    codes = sorted(p.code for p in problems if p.severity == "error")
    assert codes == ["credential-in-browser", "credential-in-browser"]
    assert wiring["deck"].empty()


def test_literal_credential_in_a_profile(tmp_path):
    inv = inventory(tmp_path)
    files = {"gate": {"gate-local.yml": {"ldap": {"managerPassword": CANARY, "url": "ldap://x"}}}}
    doc = yamlio.load("ldap:\n  managerPassword: x\n", "halconfig/profiles/gate-local.yml")
    _, problems = plan(
        files, inv, lambda svc, fname, path, needle: Written(doc).locate(path, needle),
        hand_written={"gate": {"gate-local.yml"}},
    )
    (p,) = [p for p in problems if p.severity == "error"]
    assert p.code == "literal-credential" and (p.file, p.line) == ("halconfig/profiles/gate-local.yml", 2)
    assert CANARY not in p.text()


def test_file_under_a_mount_but_not_declared(tmp_path):
    inv = inventory(tmp_path)
    _, problems = plan(
        {"clouddriver": {"clouddriver-local.yml": {"x": "/var/secrets/kubeconfigs/other"}}}, inv
    )
    assert [p.code for p in problems if p.severity == "error"] == ["undeclared-credential-file"]


def test_read_yaml_positions(tmp_path):
    f = tmp_path / "s.yml"
    f.write_text(SECRETS)
    doc = read_yaml(f, "s.yml")
    assert doc.line(("secrets", "spinnaker-oauth2", "env", 1)) == 7
    assert parse_secrets(doc).secrets["spinnaker-github"].env == ("GITHUB_TOKEN",)


def test_undeclared_deck_passphrase_is_one_error(tmp_path):
    inv = inventory(tmp_path)
    _, problems = plan({"deck": {"deck.env": {"PASSPHRASE": "${TLS_PASS}"}}}, inv)
    (p,) = [p for p in problems if p.severity == "error"]
    assert p.code == "undeclared-placeholder" and "TLS_PASS" in p.message and p.extra["services"] == ["deck"]


def test_literal_passphrase_patched_into_deck_env(tmp_path):
    inv = inventory(tmp_path)
    _, problems = plan(
        {"deck": {"deck.env": {"PASSPHRASE": "hunter2"}}}, inv, hand_written={"deck": {"deck.env"}}
    )
    assert [p.code for p in problems if p.severity == "error"] == ["literal-credential"]
