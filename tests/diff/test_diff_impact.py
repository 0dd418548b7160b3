"""Impact of a halconfig change: sections, the services that read them, credentials."""

from __future__ import annotations

from spinops.credentials import credential_paths
from spinops.diff.impact import analyse, changed_leaves

SECTIONS = {
    "echo": ("notifications", "artifacts", "ci.gcb"),
    "clouddriver": ("providers", "artifacts"),
    "gate": ("security.authn", "security.apiSecurity"),
    "fiat": ("security.authz", "providers"),
    "igor": ("ci",),
}

BASE = {
    "providers": {"kubernetes": {"enabled": True, "accounts": [{"name": "a"}]}},
    "notifications": {"slack": {"enabled": True, "botName": "spinnakerbot", "token": "${SLACK_TOKEN}"}},
    "security": {"authn": {"enabled": True}},
}


def test_changed_leaves_treat_lists_as_values():
    b = {"a": {"x": [1, 2], "y": 1}, "c": 1}
    h = {"a": {"x": [1, 3], "y": 1}, "d": 2}
    assert changed_leaves(b, h) == [("a", "x"), ("c",), ("d",)]


def test_slack_channel_change_names_the_section_and_echo_only():
    head = {**BASE, "notifications": {"slack": {**BASE["notifications"]["slack"], "botName": "spinbot"}}}
    imp = analyse(BASE, head, SECTIONS, config_changed=["echo"])
    assert imp.sections == ["notifications.slack"]
    assert imp.services == {"notifications.slack": ["echo"]}
    assert imp.affected == ["echo"] and imp.config_changed == ["echo"]
    assert imp.enabled == [] and imp.new_credentials == [] and imp.missing_credentials == []


def test_second_level_and_deeper_section_paths_match_both_ways():
    head = {
        **BASE,
        "ci": {"gcb": {"enabled": True, "accounts": [{"name": "g"}]}},
        "security": {"authn": {"enabled": True, "oauth2": {"enabled": True}}},
    }
    imp = analyse(BASE, head, SECTIONS)
    assert imp.sections == ["ci.gcb", "security.authn"]
    assert imp.services == {"ci.gcb": ["echo", "igor"], "security.authn": ["gate"]}
    assert imp.enabled == ["ci.gcb", "security.authn.oauth2"]


def test_newly_wired_credentials_are_named_with_their_secret():
    base = {k: v for k, v in BASE.items() if k != "notifications"}
    base_wiring = {"echo": {"env": ["GITHUB_TOKEN"], "secrets": ["spinnaker-github"], "files": []}}
    head_wiring = {
        "echo": {
            "env": ["GITHUB_TOKEN", "SLACK_TOKEN"],
            "secrets": ["spinnaker-github", "spinnaker-slack"],
            "files": [],
        }
    }
    secrets = {
        "spinnaker-slack": {"source": "workflow", "env": ["SLACK_TOKEN"], "files": []},
        "spinnaker-github": {"source": "workflow", "env": ["GITHUB_TOKEN"], "files": []},
    }
    imp = analyse(
        base, BASE, SECTIONS, config_changed=["echo"], base_wiring=base_wiring, head_wiring=head_wiring, secrets=secrets
    )
    assert imp.enabled == ["notifications.slack"]
    assert imp.new_credentials == [
        {"service": "echo", "kind": "env", "name": "SLACK_TOKEN", "secret": "spinnaker-slack", "source": "workflow"}
    ]


def test_enabling_a_feature_without_its_credential_is_reported_missing():
    paths = credential_paths()
    assert ("notifications", "slack", "token") in paths
    assert ("security", "authz", "groupMembership", "github", "accessToken") in paths
    base = {k: v for k, v in BASE.items() if k != "notifications"}
    head = {
        **base,
        "notifications": {"slack": {"enabled": True, "botName": "b"}},
        "artifacts": {
            "github": {"enabled": True, "accounts": [{"name": "gh", "username": "u", "password": "${GH_PASSWORD}"}]}
        },
    }
    imp = analyse(base, head, SECTIONS, credential_paths=paths)
    assert imp.enabled == ["artifacts.github", "notifications.slack"]
    # the GitHub account has a password (an alternative to a token): not missing
    assert imp.missing_credentials == [{"section": "notifications.slack", "path": "notifications.slack.token"}]


def test_new_credential_files_name_their_external_secret(tmp_path):
    from spinops.diff.trees import _secrets

    (tmp_path / "halconfig").mkdir()
    (tmp_path / "halconfig" / "secrets.yml").write_text(
        "secrets:\n  spinnaker-gcp:\n    source: external\n    mountPath: /var/secrets/gcp\n    files: [gcb.json]\n"
    )
    secrets = _secrets(tmp_path)
    assert secrets == {"spinnaker-gcp": {"source": "external", "env": [], "files": ["gcb.json"]}}
    base = {"ci": {"gcb": {"enabled": False}}}
    head = {"ci": {"gcb": {"enabled": True, "accounts": [{"name": "g", "jsonKey": "/var/secrets/gcp/gcb.json"}]}}}
    imp = analyse(
        base, head, SECTIONS,
        base_wiring={"igor": {"env": [], "secrets": [], "files": []}},
        head_wiring={"igor": {"env": [], "secrets": ["spinnaker-gcp"], "files": ["/var/secrets/gcp/gcb.json"]}},
        secrets=secrets,
    )
    assert imp.enabled == ["ci.gcb"]
    assert imp.new_credentials == [
        {
            "service": "igor",
            "kind": "file",
            "name": "/var/secrets/gcp/gcb.json",
            "secret": "spinnaker-gcp",
            "source": "external",
        }
    ]
