"""`spinops migrate` on the classes of real Halyard homes that used to fail or lose data (issue 14), end to end.

The fixture is our own `~/.hal` (tests/fixtures/halyard/edge, see its README): placeholder credentials that are
common words, secrets in JAVA_OPTS system properties, in URL user-info (halconfig, profile, redis service-settings),
secret-engine references (kork-secrets `encrypted:` / `encryptedFile:`, SAML metadata and keystore included),
Spring Cloud Config `{cipher}` values and `${property}` placeholders, a `local:` version, `telemetry:`, disabled
services, per-shard overrideBaseUrl / `scheme: https`, JAVA_OPTS on a service and its shard, shard SQL profiles, plus
a vendor-version deployment and a Front50-on-Redis deployment.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from halfixture import make_backup, make_repo, migrate, migrated_git_repo, run_spinops

ROOT = Path(__file__).resolve().parents[2]
EDGE = ROOT / "tests" / "fixtures" / "halyard" / "edge"
SECRET_DIR = ".secrets"

#: Every credential in the edge fixture that spinops knows the value of, one per kind of place it sits in.
CANARIES = {
    "halconfig field": "CANARY-edge-datadog-api-key-3e4f",
    "halconfig field 2": "CANARY-edge-datadog-app-key-5a6b",
    "url user-info in the halconfig": "CANARY-edge-jenkins-url-token-1c2d",
    "url user-info in a profile": "CANARY-edge-webhook-password-0c1d",
    "url user-info in redis service-settings": "CANARY-edge-redis-password-4d5e",
    "system property in JAVA_OPTS": "CANARY-edge-truststore-pass-2b3c",
    "shard profile rw": "CANARY-edge-clouddriver-rw-sql-6f7a",
    "shard profile ro": "CANARY-edge-clouddriver-ro-sql-8b9c",
    "credential file": "CANARY-edge-front50-json-key-9e0f",
    "field Kleat lacks": "CANARY-edge-kayenta-aws-secret-7c8d",
}
#: Placeholder credentials that are common words (also key names and parts of other words in every output).
WORDS = {"secret": "providers.dockerRegistry", "token": "notifications.slack", "apiKey": "artifacts.http"}


def tracked(repo: Path) -> dict[str, bytes]:
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "--others", "--cached", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {p: (repo / p).read_bytes() for p in out.stdout.split()}


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    return migrated_git_repo(tmp_path_factory.mktemp("edge") / "repo", EDGE)


def report(repo: Path) -> str:
    return (repo / "MIGRATION.md").read_text()


def overlay(repo: Path, name: str) -> dict:
    return yaml.safe_load((repo / "kustomize/overlays/edge" / name).read_text())


# ----------------------------------------------------------------------------------- 1: no false refusals


def test_placeholder_credentials_that_are_common_words_migrate_without_a_refusal(edge):
    """Before: the guard searched raw bytes, found `secret` in `spinnaker-secrets`, `token` in `token:` keys... and
    refused."""
    repo, _ = edge
    hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
    assert (
        hal["providers"]["dockerRegistry"]["accounts"][0]["password"]
        == "${PROVIDERS_DOCKER_REGISTRY_REGISTRY_PASSWORD}"
    )
    assert hal["notifications"]["slack"]["token"] == "${NOTIFICATIONS_SLACK_TOKEN}"
    assert hal["artifacts"]["http"]["accounts"][0]["password"] == "${ARTIFACTS_HTTP_NEXUS_PASSWORD}"
    env = (repo / SECRET_DIR / "spinnaker-notifications-slack.env").read_text()
    assert env == "NOTIFICATIONS_SLACK_TOKEN=token\n"


def test_a_real_leak_is_refused_naming_both_files_and_lines_and_public_value_is_the_way_forward(tmp_path):
    hal = tmp_path / "hal"
    import shutil

    shutil.copytree(EDGE, hal)
    # the same word the docker password holds, inside a JDBC URL's query (not user-info: nothing moves it out)
    (hal / "edge/profiles/front50-local.yml").write_text(
        "sql:\n  connectionPools:\n    default:\n"
        "      jdbcUrl: jdbc:mysql://db.acme.example/front50?user=f50&pwd=secret\n"
    )
    repo = make_repo(tmp_path / "repo")
    proc = migrate(repo, str(hal))
    assert proc.returncode == 2 and not (repo / "MIGRATION.md").exists() and not (repo / "halconfig").exists()
    config_line = next(i for i, t in enumerate((hal / "config").read_text().splitlines(), 1) if "password: secret" in t)
    assert (
        "halconfig/profiles/front50-local.yml:4: error: refusing to write halconfig/profiles/front50-local.yml: it "
        "would hold the credential "
        f"from hal/config:{config_line}" in proc.stderr
    )
    assert "--public-value VALUE" in proc.stderr and "pwd=secret" not in proc.stderr
    proc = migrate(repo, str(hal), "--public-value", "secret")
    assert proc.returncode == 0, proc.stderr
    assert "pwd=secret" in (repo / "halconfig/profiles/front50-local.yml").read_text()


def test_leak_finder_matches_values_in_context_only():
    from spinops.migrate.leaks import find_leaks

    outputs = {
        "a.yml": b"secret:\n  secretAccessKey: ${X}\n  name: spinnaker-secret-files\n",  # a key, and inside other words
        "b.yml": b"opts: -Dx.password=secret -Dy=1\n",  # a token inside a value
        "c.yml": b"# the secret for x\nk: v\n",  # a plain word in a comment
        "d.md": b"create secret generic x\n",  # prose / our own commands
        "e.md": b"| `password: secret` |\n",
        "f.js": b"// secret\nwindow.x = {token: 'secret'};\n",
        "g.yml": b"k: v # old=hunter2x\n",
    }
    hits = find_leaks(outputs, ["secret", "hunter2x"])
    assert sorted((h.path, h.line) for h in hits) == [("b.yml", 1), ("e.md", 1), ("f.js", 2), ("g.yml", 1)]


# ----------------------------------------------------------------------------------- 2: JAVA_OPTS system properties


def test_system_property_secret_in_java_opts_moves_to_a_secret(edge):
    repo, _ = edge
    env = overlay(repo, "gate.yml")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0] == {
        "name": "GATE_ENV_JAVA_OPTS_TRUST_STORE_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "spinnaker-gate-env", "key": "GATE_ENV_JAVA_OPTS_TRUST_STORE_PASSWORD"}},
    }
    assert (
        env[1]["name"] == "JAVA_OPTS"
        and "-Djavax.net.ssl.trustStorePassword=$(GATE_ENV_JAVA_OPTS_TRUST_STORE_PASSWORD)" in env[1]["value"]
    )
    assert "-Djavax.net.ssl.trustStore=/opt/tls/truststore.jks" in env[1]["value"]
    declared = yaml.safe_load((repo / "halconfig/secrets.yml").read_text())["secrets"]
    assert declared["spinnaker-gate-env"]["env"] == ["GATE_ENV_JAVA_OPTS_TRUST_STORE_PASSWORD"]


# ----------------------------------------------------------------------------------- 4, 5: secrets left in Git


def test_url_user_info_moves_out_of_halconfig_profiles_and_redis_url(edge):
    repo, _ = edge
    hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
    assert (
        hal["ci"]["jenkins"]["masters"][0]["address"]
        == "https://bot:${CI_JENKINS_JENKINS_EDGE_ADDRESS_PASSWORD}@jenkins.acme.example"
    )
    orca = (repo / "halconfig/profiles/orca-local.yml").read_text()
    assert orca.startswith("# webhooks the pipelines call")  # round trip: the comment survives
    assert "url: https://hook:${ORCA_LOCAL_WEBHOOK_PRECONFIGURED_URL_PASSWORD}@hooks.acme.example/deploy" in orca
    shared = yaml.safe_load((repo / "halconfig/profiles/spinnaker-local.yml").read_text())
    assert (
        shared["services"]["redis"]["baseUrl"]
        == "redis://:${REDIS_OVERRIDE_BASE_URL_PASSWORD}@redis.edge.acme.example:6380"
    )
    assert overlay(repo, "redis.yml")["spec"]["externalName"] == "redis.edge.acme.example"


def test_secret_engine_references_stay_references_and_nothing_is_an_empty_file(edge):
    repo, _ = edge
    hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
    saml = hal["security"]["authn"]["saml"]
    assert saml["metadataUrl"] == "encryptedFile:s3!r:us-east-1!b:acme-edge-secrets!f:saml-metadata.xml"
    assert saml["keyStore"].startswith("encryptedFile:s3!") and saml["keyStorePassword"].startswith("encrypted:s3!")
    assert hal["providers"]["kubernetes"]["accounts"][0]["kubeconfigFile"].startswith("encryptedFile:s3!")
    assert "notary: encrypted:s3!" in (repo / "halconfig/profiles/orca-local.yml").read_text()
    assert not (repo / "kustomize/overlays/edge/saml-metadata.xml").exists()
    assert "configMapGenerator" not in overlay(repo, "kustomization.yml")
    for p in (repo / SECRET_DIR).rglob("*"):
        assert not p.is_file() or p.stat().st_size > 0, p
    text = report(repo)
    for what in (
        "`providers.kubernetes.accounts[0].kubeconfigFile`",
        "`security.authn.saml.keyStorePassword`",
        "`secrets.notary` in orca-local.yml",
    ):
        assert f"{what} is a secret-engine reference" in text
    assert "access to the `s3` engine's store" in text


def test_cipher_values_and_config_server_placeholders_are_reported(edge):
    repo, _ = edge
    hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
    assert hal["artifacts"]["github"]["accounts"][0]["token"] == "${ARTIFACTS_GITHUB_GH_EDGE_TOKEN}"
    assert hal["ci"]["jenkins"]["masters"][0]["password"] == "${jenkins.password}"
    assert not (repo / SECRET_DIR / "spinnaker-artifacts-github.env").exists()  # the ciphertext is no password
    text = report(repo)
    assert "`artifacts.github.accounts[0].token` is a Spring Cloud Config `{cipher}` value" in text
    assert "`secrets.legacyToken` in orca-local.yml is a Spring Cloud Config `{cipher}` value" in text
    assert "holds the Spring placeholder `${jenkins.password}`" in text
    assert "profile spinnakerconfig.yml configures a Spring Cloud Config server" in text


# ----------------------------------------------------------------------------------- 6: versions


def test_local_prefix_maps_to_the_release_and_the_mapping_is_reported(edge):
    repo, _ = edge
    assert yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())["version"] == "1.30.2"
    assert "images" not in overlay(repo, "kustomization.yml")  # build tags the images from `version:` (issue 10)
    assert "version `local:1.30.2` -> `1.30.2`" in report(repo)


def test_vendor_version_stops_with_a_clear_error_and_version_maps_it(tmp_path):
    repo = make_repo(tmp_path / "repo")
    proc = migrate(repo, str(EDGE), "--deployment", "armory")
    line = next(i for i, t in enumerate((EDGE / "config").read_text().splitlines(), 1) if "version: 2.26.3" in t)
    assert (
        proc.returncode == 2
        and f"config:{line}:3: error: version `2.26.3` is a vendor (Armory) release number" in proc.stderr
    )
    assert "--version" in proc.stderr and "catalog knows 1.30.0 .. 2026.2.3" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (repo / "halconfig").exists()
    proc = migrate(repo, str(EDGE), "--deployment", "armory", "--version", "1.26.6")
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())["version"] == "1.26.6"
    assert "version `2.26.3` -> `1.26.6` (--version)" in (repo / "MIGRATION.md").read_text()


def test_front50_on_redis_is_refused_with_file_and_line(tmp_path):
    repo = make_repo(tmp_path / "repo")
    proc = migrate(repo, str(EDGE), "--deployment", "old-redis")
    line = next(
        i for i, t in enumerate((EDGE / "config").read_text().splitlines(), 1) if "persistentStoreType: redis" in t
    )
    assert (
        proc.returncode == 2
        and f"config:{line}:5: error: persistentStorage.persistentStoreType is `redis`" in proc.stderr
    )


# ----------------------------------------------------------------------------------- 7, 9: silent data loss


def test_disabled_services_are_not_deployed(edge):
    repo, _ = edge
    for svc in ("fiat", "keel"):
        assert overlay(repo, f"{svc}.yml") == {
            "$patch": "delete",
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": svc},
        }
        assert overlay(repo, f"service-{svc}.yml")["$patch"] == "delete"
    assert "`enabled: false`: fiat not deployed" in report(repo)


def test_telemetry_becomes_stats(edge):
    repo, _ = edge
    hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
    assert "telemetry" not in hal and hal["stats"] == {
        "enabled": False,
        "endpoint": "https://stats.spinnaker.io",
        "instanceId": "01HEDGE0000000000000000000",
    }
    assert "renamed `telemetry` to `stats`" in report(repo)


def test_use_exec_health_check_false_has_a_report_row(edge):
    repo, _ = edge
    line = next(
        i
        for i, t in enumerate((EDGE / "edge/service-settings/gate.yml").read_text().splitlines(), 1)
        if "useExecHealthCheck" in t
    )
    assert f"`edge/edge/service-settings/gate.yml:{line}` | `kubernetes.useExecHealthCheck`" in report(repo)


def test_per_shard_urls_and_https_are_kept_and_java_opts_is_not_duplicated(edge):
    repo, _ = edge
    shared = yaml.safe_load((repo / "halconfig/profiles/spinnaker-local.yml").read_text())
    assert shared["services"]["clouddriver"]["baseUrl"] == "https://clouddriver-rw.spinnaker-edge:7002"
    orca = {
        e["name"]: e["value"] for e in overlay(repo, "orca.yml")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert orca == {"SERVICES_CLOUDDRIVER_BASEURL": "https://clouddriver-rw.spinnaker-edge:7002",
                    "CLOUDDRIVER_READONLY_BASEURL": "https://clouddriver-ro.spinnaker-edge:7002"}
    rw = overlay(repo, "clouddriver-rw.yml")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert rw == [{"name": "JAVA_OPTS", "value": "-XX:MaxRAMPercentage=75.0"}]  # the shard's own wins, once
    assert "clouddriver-ro serves TLS (https)" in report(repo)


# ----------------------------------------------------------------------------------- 8: fields Kleat's schema lacks


def test_fields_kleat_lacks_are_carried_into_the_profile_of_the_service_that_reads_them(edge):
    repo, _ = edge
    kayenta = yaml.safe_load((repo / "halconfig/profiles/kayenta-local.yml").read_text())["kayenta"]
    aws = kayenta["aws"]["accounts"][0]
    # the whole list (Spring replaces lists), credentials as placeholders like any other
    assert aws["secretAccessKey"] == "${KAYENTA_LOCAL_KAYENTA_AWS_ACCOUNTS_SECRET_ACCESS_KEY}"
    assert aws["supportedTypes"] == ["CONFIGURATION_STORE", "OBJECT_STORE"] and aws["bucket"] == "acme-edge-canary"
    dd = kayenta["datadog"]["accounts"][0]
    assert dd["supportedTypes"] == ["METRICS_STORE"] and dd["apiKey"] == "${CANARY_DATADOG_DD_EDGE_API_KEY}"
    clouddriver = yaml.safe_load((repo / "halconfig/profiles/clouddriver-local.yml").read_text())
    assert clouddriver["dockerRegistry"]["accounts"][0]["repositoriesRegex"] == "acme/.*"
    assert clouddriver["kubernetes"]["accounts"][0]["cacheIntervalSeconds"] == 45
    declared = yaml.safe_load((repo / "halconfig/secrets.yml").read_text())["secrets"]
    assert "KAYENTA_LOCAL_KAYENTA_AWS_ACCOUNTS_SECRET_ACCESS_KEY" in declared["spinnaker-profiles"]["env"]
    text = report(repo)
    line = next(i for i, t in enumerate((EDGE / "config").read_text().splitlines(), 1) if "secretAccessKey:" in t)
    assert (
        f"| `edge/config:{line}` | `halconfig/profiles/kayenta-local.yml` | "
        "`canary.serviceIntegrations.aws.accounts[0].secretAccessKey` "
        "has no Kleat field: carried into halconfig/profiles/kayenta-local.yml" in text
    )


def test_carried_properties_merge_into_the_users_profile_and_keep_what_it_sets(tmp_path):
    from spinops.migrate.carry import Additions, merge
    from spinops.migrate.model import CHANGED, Note

    adds = Additions()
    adds.add("x", ("services", "redis", "baseUrl"), "redis://r:6380", Note(CHANGED, "a -> b"))
    adds.add("x", ("services", "echo", "baseUrl"), "https://echo-worker:8089", Note(CHANGED, "c -> d"))
    text, kept = merge("# mine\nservices:\n  redis:\n    baseUrl: redis://mine:6379  # keep\n", adds.by_profile["x"])
    assert (
        text
        == "# mine\nservices:\n  redis:\n    baseUrl: redis://mine:6379  # keep\n  echo:\n    baseUrl: "
           "https://echo-worker:8089\n"
    )
    assert [k.path for k in kept] == [("services", "redis", "baseUrl")]


# ----------------------------------------------------------------------------------- build, check, leaks


@pytest.mark.slow
def test_edge_migration_builds_checks_and_no_credential_reaches_a_tracked_or_built_file(edge):
    repo, proc = edge
    build = run_spinops("build", "--env", "edge", "--repo", str(repo), "--format", "json")
    assert build.returncode == 0, build.stderr
    result = json.loads(build.stdout)
    assert "GATE_ENV_JAVA_OPTS_TRUST_STORE_PASSWORD" in " ".join(w["message"] for w in result["warnings"])
    manifests = list(yaml.safe_load_all((repo / "build/edge/manifests.yaml").read_text()))
    deployments = {d["metadata"]["name"]: d for d in manifests if d and d["kind"] == "Deployment"}
    assert "fiat" not in deployments and "keel" not in deployments and "gate" in deployments
    services = {d["metadata"]["name"] for d in manifests if d and d["kind"] == "Service"}
    assert "fiat" not in services and "keel" not in services
    ro_callers = [
        n
        for n, d in deployments.items()
        for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if e["name"] == "SERVICES_CLOUDDRIVER_BASEURL"
        and e.get("value") == "https://clouddriver-ro.spinnaker-edge:7002"
    ]
    assert sorted(ro_callers) == ["echo-scheduler", "echo-worker", "igor"]
    # each clouddriver shard gets only the SQL passwords of the shard profiles it loads (issue 14 item 9); ro-deck runs
    # Spring profiles ro and ro-deck (kustomize/components/ha), so it reads clouddriver-ro.yml too
    sql = {
        n: sorted(
            e["name"] for e in d["spec"]["template"]["spec"]["containers"][0].get("env", []) if "_SQL_" in e["name"]
        )
        for n, d in deployments.items()
        if n.startswith("clouddriver")
    }
    ro = "CLOUDDRIVER_RO_SQL_CONNECTION_POOLS_DEFAULT_PASSWORD"
    assert sql == {"clouddriver-caching": [], "clouddriver-ro": [ro], "clouddriver-ro-deck": [ro],
                   "clouddriver-rw": ["CLOUDDRIVER_RW_SQL_CONNECTION_POOLS_DEFAULT_PASSWORD"]}
    assert sorted(p.name for p in (repo / "build/edge/wire").glob("clouddriver*")) == [
        "clouddriver-caching.yml", "clouddriver-ro-deck.yml", "clouddriver-ro.yml", "clouddriver-rw.yml"]
    check = run_spinops("check", "--env", "edge", "--repo", str(repo))
    assert check.returncode == 0, check.stdout + check.stderr
    every_secret = "".join(p.read_text(errors="replace") for p in (repo / SECRET_DIR).rglob("*") if p.is_file())
    files = tracked(repo)
    assert "MIGRATION.md" in files and not any(p.startswith(SECRET_DIR) for p in files)
    built = "".join(p.read_text(errors="replace") for p in (repo / "build").rglob("*") if p.is_file())
    outputs = proc.stdout + proc.stderr + build.stdout + build.stderr + check.stdout + check.stderr
    for where, canary in CANARIES.items():
        assert canary in every_secret, where
        for path, content in files.items():
            assert canary.encode() not in content, (where, path)
        assert canary not in built and canary not in outputs, where


@pytest.mark.slow
def test_every_deployment_of_the_home_and_its_hal_backup_tar(tmp_path):
    """Item 11: a home with several deployments, migrated from its `hal backup create` tarball, each into its own
    repository."""
    backup = make_backup(EDGE, tmp_path / "halyard-2026-12-05_09-00-00-000+00:00.tar", required_files=True)
    results = {}
    # (issue 10) `--version` names a release of the catalog: build refuses versions it does not know
    for name, extra in (("edge", ()), ("armory", ("--version", "1.36.1")), ("old-redis", ())):
        repo = make_repo(tmp_path / name)
        proc = migrate(repo, str(backup), "--deployment", name, *extra)
        results[name] = proc.returncode
        if proc.returncode:
            continue
        build = run_spinops("build", "--env", name, "--repo", str(repo))
        assert build.returncode == 0, (name, build.stderr)
        check = run_spinops("check", "--env", name, "--repo", str(repo))
        assert check.returncode == 0, (name, check.stdout + check.stderr)
        text = (repo / "MIGRATION.md").read_text()
        assert "a `hal backup create` tar" in text and f"deployment `{name}`" in text
        assert "other deployments in this Halyard config were not migrated" in text
        if name == "armory":
            hal = yaml.safe_load((repo / "halconfig/halconfig.yml").read_text())
            assert (
                hal["providers"]["kubernetes"]["accounts"][0]["kubeconfigFile"]
                == "/var/secrets/spinnaker/armory.kubeconfig"
            )
            assert (
                b"CANARY-armory-kubeconfig-token-0a1b"
                in (repo / SECRET_DIR / "spinnaker-files/armory.kubeconfig").read_bytes()
            )
    assert results == {"edge": 0, "armory": 0, "old-redis": 2}
