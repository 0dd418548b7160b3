"""Credential annotations: the build refuses literal secrets and wires credential files by them."""

from __future__ import annotations

import pytest

from spinops.credentials import credential_fields
from spinops.halconfig import schema as hs

SECRETS = [
    "artifacts.github.accounts[].token",
    "artifacts.github.accounts[].password",
    "artifacts.gitlab.accounts[].token",
    "artifacts.gitrepo.accounts[].sshPrivateKeyPassphrase",
    "artifacts.s3.accounts[].awsSecretAccessKey",
    "notifications.slack.token",
    "notifications.twilio.token",
    "notifications.githubStatus.token",
    "security.authn.oauth2.client.clientSecret",
    "security.authn.ldap.managerPassword",
    "security.authn.saml.keyStorePassword",
    "security.authn.basic.user.password",
    "security.authz.groupMembership.github.accessToken",
    "security.authz.groupMembership.ldap.managerPassword",
    "security.apiSecurity.ssl.keyStorePassword",
    "security.apiSecurity.ssl.trustStorePassword",
    "security.uiSecurity.ssl.sslCertificatePassphrase",
    "webhook.trust.trustStorePassword",
    "persistentStorage.s3.secretAccessKey",
    "persistentStorage.azs.storageAccountKey",
    "persistentStorage.oracle.privateKeyPassphrase",
    "persistentStorage.sql.default.password",
    "metricStores.datadog.api_key",
    "metricStores.datadog.apiKey",
    "metricStores.datadog.app_key",
    "metricStores.newrelic.insert_key",
    "providers.aws.secretAccessKey",
    "providers.azure.accounts[].appKey",
    "providers.dockerRegistry.accounts[].password",
    "providers.kubernetes.accounts[].kubeconfigContents",
    "providers.appengine.accounts[].githubOAuthAccessToken",
    "canary.serviceIntegrations.datadog.accounts[].apiKey",
    "canary.serviceIntegrations.datadog.accounts[].applicationKey",
    "canary.serviceIntegrations.signalfx.accounts[].accessToken",
    "ci.jenkins.masters[].password",
    "ci.travis.masters[].githubToken",
    "ci.codebuild.secretAccessKey",
    "repository.artifactory.searches[].password",
    "providers.dcos.clusters[].loadBalancer.serviceAccountSecret",  # Halyard treats it as a secret too
]
FILES = [
    "providers.kubernetes.accounts[].kubeconfigFile",
    "providers.google.accounts[].jsonPath",
    "providers.appengine.accounts[].sshPrivateKeyFilePath",
    "providers.dockerRegistry.accounts[].passwordFile",
    "artifacts.github.accounts[].tokenFile",
    "artifacts.bitbucket.accounts[].usernamePasswordFile",
    "artifacts.gcs.accounts[].jsonPath",
    "artifacts.gitrepo.accounts[].sshKnownHostsFilePath",
    "persistentStorage.gcs.jsonPath",
    "security.apiSecurity.ssl.keyStore",
    "security.apiSecurity.ssl.trustStore",
    "security.uiSecurity.ssl.sslCertificateFile",
    "security.uiSecurity.ssl.sslCertificateKeyFile",
    "security.authn.saml.keyStore",
    "security.authz.groupMembership.google.credentialPath",
    "webhook.trust.trustStore",
    "metricStores.stackdriver.credentials_path",
    "ci.gcb.accounts[].jsonKey",
    "pubsub.google.subscriptions[].jsonPath",
    "providers.kubernetes.accounts[].oAuthServiceAccount",  # clouddriver runs `oauth2l fetch --json <it>`
]
# Look like secrets by name but are identifiers: must NOT be annotated.
NOT_SECRETS = [
    "canary.serviceIntegrations.newrelic.accounts[].applicationKey",  # the New Relic account id
    "notifications.twilio.account",  # account SID
    "persistentStorage.s3.accessKeyId",
    "providers.dockerRegistry.accounts[].passwordCommand",
    "security.authn.oauth2.client.clientId",
]


def _path(pattern: str) -> tuple:
    out: list = []
    for part in pattern.split("."):
        while part.endswith("[]"):
            part = part[:-2]
            out += [part, 0] if part else [0]
            part = ""
        if part:
            out.append(part)
    return tuple(out)


@pytest.mark.parametrize("pattern", SECRETS)
def test_secret_strings_are_credentials(pattern):
    node = hs.at(_path(pattern))
    assert node is not None, pattern
    assert node.get("x-spinops-credential") is True and node["type"] == "string"
    assert (pattern, "credential") in credential_fields()


@pytest.mark.parametrize("pattern", FILES)
def test_credential_file_paths_are_annotated(pattern):
    node = hs.at(_path(pattern))
    assert node is not None, pattern
    assert node.get("x-spinops-credential-file") is True and node["type"] == "string"
    assert not node.get("x-spinops-credential")
    assert (pattern, "credential-file") in credential_fields()


@pytest.mark.parametrize("pattern", NOT_SECRETS)
def test_identifiers_are_not_credentials(pattern):
    node = hs.at(_path(pattern))
    assert node is not None, pattern
    assert not node.get("x-spinops-credential") and not node.get("x-spinops-credential-file")


def test_credential_fields_are_consistent_with_the_schema():
    fields = credential_fields()
    assert list(fields) == sorted(set(fields))
    for pattern, kind in fields:
        node = hs.at(_path(pattern))
        assert node[f"x-spinops-{kind}"] is True and node["type"] == "string", pattern
    # every field named like a secret somewhere in the format is annotated (guards against a forgotten one)
    suspicious = ("password", "token", "secret", "passphrase")
    for pattern, node in _all_string_fields():
        last = pattern.rsplit(".", 1)[-1].removesuffix("[]").lower()
        if any(word in last for word in suspicious) and last not in (
            "passwordcommand",
            "accesstokenuri",
        ):
            assert node.get("x-spinops-credential") or node.get("x-spinops-credential-file"), pattern


def _all_string_fields():
    schema = hs.load_schema()
    out = []

    def walk(node, prefix):
        if node.get("type") == "string" and "properties" not in node:
            out.append((prefix, node))
        node = hs.resolve(node, schema)
        if node.get("type") == "array":
            walk(node["items"], prefix + "[]")
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{prefix}.{name}" if prefix else name)

    walk(schema, "")
    return out
