"""Credentials out of the config: names, Secrets, files, encrypted references; values never in notes."""

from __future__ import annotations

from spinops.migrate import secrets as sec
from spinops.migrate.model import MANUAL, SECRET
from spinops.migrate.source import HalSource


def source(**files: bytes) -> HalSource:
    return HalSource("hal", "backup", {k.replace("__", "/"): v for k, v in files.items()})


def test_literals_become_placeholders_named_after_the_path():
    creds = sec.Credentials()
    data = {
        "artifacts": {
            "github": {
                "accounts": [{"name": "my-account", "token": "tok-1"}, {"name": "other", "token": "${ALREADY_SET}"}]
            }
        },
        "notifications": {"githubStatus": {"token": "tok-2"}},
    }
    out, notes = sec.halconfig_credentials(data, source(), creds)
    assert out["artifacts"]["github"]["accounts"][0]["token"] == "${ARTIFACTS_GITHUB_MY_ACCOUNT_TOKEN}"
    assert out["artifacts"]["github"]["accounts"][1]["token"] == "${ALREADY_SET}"
    assert out["notifications"]["githubStatus"]["token"] == "${NOTIFICATIONS_GITHUB_STATUS_TOKEN}"
    assert creds.secrets() == {
        "spinnaker-artifacts-github": {
            "source": "workflow",
            "env": ["ALREADY_SET", "ARTIFACTS_GITHUB_MY_ACCOUNT_TOKEN"],
        },
        "spinnaker-notifications-github-status": {"source": "workflow", "env": ["NOTIFICATIONS_GITHUB_STATUS_TOKEN"]},
    }
    assert sec.env_file([e for e in creds.env if e.secret == "spinnaker-artifacts-github"]) == (
        "ARTIFACTS_GITHUB_MY_ACCOUNT_TOKEN=tok-1\n",
        {},
    )
    assert all("tok-" not in n.message for n in notes)
    assert [n.kind for n in notes].count(MANUAL) == 1  # ALREADY_SET: supply its value


def test_same_name_twice_gets_a_suffix():
    creds = sec.Credentials()
    data = {"ci": {"jenkins": {"masters": [{"name": "a-b", "password": "p1"}, {"name": "a_b", "password": "p2"}]}}}
    out, _ = sec.halconfig_credentials(data, source(), creds)
    assert [m["password"] for m in out["ci"]["jenkins"]["masters"]] == [
        "${CI_JENKINS_A_B_PASSWORD}",
        "${CI_JENKINS_A_B_PASSWORD_2}",
    ]


def test_secret_engine_references_stay_references_with_a_manual_step_naming_the_engine():
    """kork-secrets EncryptedSecret.java: `encrypted:<engine>!<k>:<v>...`; the service decrypts them when it starts."""
    creds = sec.Credentials()
    data = {
        "notifications": {"slack": {"token": "encrypted:s3!r:us-west-2!b:acme-bkt!f:secrets.yml!k:slack"}},
        "providers": {"google": {"accounts": [{"name": "g", "jsonPath": "encryptedFile:gcs!b:acme-bkt!f:gce.json"}]}},
    }
    out, notes = sec.halconfig_credentials(data, source(), creds)
    assert out == data
    assert {n.kind for n in notes} == {MANUAL} and len(notes) == 2
    assert "`encrypted:s3!...`" in notes[0].message and "`encryptedFile:gcs!...`" in notes[1].message
    assert all("acme-bkt" not in n.message for n in notes)  # the reference's parameters are not repeated
    assert creds.env == [] and creds.files == []  # nothing to store: no empty file, no unknown key


def test_cipher_values_become_placeholders_with_unknown_value_and_config_server_placeholders_are_reported():
    creds = sec.Credentials()
    data = {
        "notifications": {"slack": {"token": "{cipher}AQB3x9"}},
        "ci": {"jenkins": {"masters": [{"name": "j", "password": "${jenkins.password}"}]}},
    }
    out, notes = sec.halconfig_credentials(data, source(), creds)
    assert out["notifications"]["slack"]["token"] == "${NOTIFICATIONS_SLACK_TOKEN}"
    assert out["ci"]["jenkins"]["masters"][0]["password"] == "${jenkins.password}"
    assert [e.value for e in creds.env] == [None]  # ciphertext is not stored as if it were the password
    assert (
        "{cipher}" in notes[0].message
        and "spinnakerconfig.yml" in notes[1].message
        and {n.kind for n in notes} == {MANUAL}
    )


def test_files_copied_deduplicated_and_inline_kubeconfig_becomes_a_file():
    creds = sec.Credentials()
    src = source(secrets__a__kube=b"A", secrets__b__kube=b"B")
    data = {"providers": {"kubernetes": {"accounts": [
        {"name": "one", "kubeconfigFile": "/home/x/.hal/secrets/a/kube"},
        {"name": "two", "kubeconfigFile": "/home/x/.hal/secrets/b/kube"},
        {"name": "three", "kubeconfigFile": "/home/x/.hal/secrets/a/kube"},
        {"name": "inline", "kubeconfigContents": "apiVersion: v1\nkind: Config\n"}]}}}
    out, notes = sec.halconfig_credentials(data, src, creds)
    paths = [a.get("kubeconfigFile") for a in out["providers"]["kubernetes"]["accounts"]]
    assert paths == [
        "/var/secrets/spinnaker/kube",
        "/var/secrets/spinnaker/two-kube",
        "/var/secrets/spinnaker/kube",
        "/var/secrets/spinnaker/inline.kubeconfig",
    ]
    assert "kubeconfigContents" not in out["providers"]["kubernetes"]["accounts"][3]
    assert {f.key: f.content for f in creds.files} == {
        "kube": b"A",
        "two-kube": b"B",
        "inline.kubeconfig": b"apiVersion: v1\nkind: Config\n",
    }
    assert creds.secrets()["spinnaker-files"]["files"] == ["inline.kubeconfig", "kube", "two-kube"]
    assert all(n.kind == SECRET for n in notes)


def test_backup_file_names_lose_their_hash_prefix():
    creds = sec.Credentials()
    assert creds.file_key(".backup/required-files/1846723-prod.kubeconfig", "x") == "prod.kubeconfig"


def test_env_vars_that_look_secret():
    creds = sec.Credentials()
    assert sec.env_var_secret("gate", "JAVA_OPTS", "-Xmx1g", creds) == [{"name": "JAVA_OPTS", "value": "-Xmx1g"}]
    assert sec.env_var_secret("gate", "DB_PASSWORD", "pw", creds) == [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "spinnaker-gate-env", "key": "GATE_ENV_DB_PASSWORD"}},
        }
    ]
    # a secret-engine reference stays as it is: Spring resolves it (kork-secrets SecretAwarePropertySource)
    assert sec.env_var_secret("gate", "SOME_SETTING", "encrypted:vault!e:secret!n:x!k:y", creds) == [
        {"name": "SOME_SETTING", "value": "encrypted:vault!e:secret!n:x!k:y"}]
    assert [e.value for e in creds.env] == ["pw"]


def test_system_property_secrets_in_java_opts_move_to_a_secret_and_are_referenced_with_dollar_parentheses():
    """Kubernetes expands $(NAME) in an env value from env entries defined before it ("Define Dependent Environment
    Variables")."""
    creds = sec.Credentials()
    value = (
        "-Xmx2g -Djavax.net.ssl.keyStorePassword=changeit -Dspring.datasource.password='p w' -Dx.token=tok1 "
        "-Dx.user=bob"
    )
    entries = sec.env_var_secret(
        "gate", "JAVA_OPTS", value, creds, src_file="service-settings/gate.yml", src=("env", "JAVA_OPTS")
    )
    names = ["GATE_ENV_JAVA_OPTS_KEY_STORE_PASSWORD", "GATE_ENV_JAVA_OPTS_PASSWORD", "GATE_ENV_JAVA_OPTS_TOKEN"]
    assert entries[:3] == [
        {"name": n, "valueFrom": {"secretKeyRef": {"name": "spinnaker-gate-env", "key": n}}} for n in names
    ]
    assert entries[3] == {
        "name": "JAVA_OPTS",
        "value": "-Xmx2g -Djavax.net.ssl.keyStorePassword=$(GATE_ENV_JAVA_OPTS_KEY_STORE_PASSWORD) "
        "-Dspring.datasource.password='$(GATE_ENV_JAVA_OPTS_PASSWORD)' "
        "-Dx.token=$(GATE_ENV_JAVA_OPTS_TOKEN) -Dx.user=bob",
    }
    assert [e.value for e in creds.env] == ["changeit", "p w", "tok1"]
    assert {e.src_file for e in creds.env} == {"service-settings/gate.yml"}


def test_url_user_info_is_found_and_replaced():
    assert [(f.what) for f in sec.secrets_in_string("redis://:pw1@redis:6379")] == ["url password"]
    assert [(f.what) for f in sec.secrets_in_string("https://bot:tok@jenkins.acme/x")] == ["url password"]
    assert [(f.what) for f in sec.secrets_in_string("https://ghp_abc@github.com/acme/r.git")] == ["url token"]
    assert sec.secrets_in_string("ssh://git@github.com/acme/r.git") == []  # a user name, not a token
    assert sec.secrets_in_string("https://u:${PW}@host") == []  # already a placeholder
    creds = sec.Credentials()
    data = {"ci": {"jenkins": {"masters": [{"name": "j", "address": "https://bot:tok-9@jenkins.acme"}]}}}
    out, notes = sec.halconfig_credentials(data, source(), creds)
    assert out["ci"]["jenkins"]["masters"][0]["address"] == "https://bot:${CI_JENKINS_J_ADDRESS_PASSWORD}@jenkins.acme"
    assert [(e.secret, e.value) for e in creds.env] == [("spinnaker-ci-jenkins", "tok-9")] and "tok-9" not in notes[
        0
    ].message


def test_multi_line_values_go_to_their_own_file():
    entries = [sec.EnvSecret("s", "A", "one", ""), sec.EnvSecret("s", "B", "line1\nline2", "")]
    assert sec.env_file(entries) == ("A=one\n", {"B": "line1\nline2"})


def test_a_numeric_password_is_a_credential_too():
    creds = sec.Credentials()
    out, notes = sec.halconfig_credentials(
        {"ci": {"jenkins": {"masters": [{"name": "j", "password": 123456}]}}}, source(), creds
    )
    assert out["ci"]["jenkins"]["masters"][0]["password"] == "${CI_JENKINS_J_PASSWORD}"
    assert sec.env_file(creds.env)[0] == "CI_JENKINS_J_PASSWORD=123456\n" and "123456" not in notes[0].message
