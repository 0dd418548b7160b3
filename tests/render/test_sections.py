"""SECTIONS / CREDENTIAL_SECTIONS / FILES describe what the converters really read.

Checked against the converters themselves on Kleat's full halconfig: every string value that
reaches a service's files comes from a path SECTIONS declares for that service; every credential
(per the halconfig schema) that reaches it is in CREDENTIAL_SECTIONS; Deck gets none; and every
declared path changes the service's output when it is removed.
"""

from __future__ import annotations

import copy

import pytest

from spinops.render import CREDENTIAL_SECTIONS, FILES, OUTPUTS, SECTIONS, render_structs
from spinops.spinnaker.services import SERVICES


def _mark(data, path=()):
    """Replace every string leaf by a unique marker naming its path."""
    if isinstance(data, dict):
        return {k: _mark(v, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_mark(v, (*path, str(i))) for i, v in enumerate(data)]
    if isinstance(data, str):
        return "@" + ".".join(path) + "@"
    return data


def _markers(data, found):
    if isinstance(data, dict):
        for v in data.values():
            _markers(v, found)
    elif isinstance(data, list):
        for v in data:
            _markers(v, found)
    elif isinstance(data, str):
        for part in data.split("@")[1::2]:
            found.add(tuple(part.split(".")))
    return found


def _covered(path: tuple, sections) -> bool:
    return any(path[: len(s)] == s for s in (tuple(x.split(".")) for x in sections))


# What Kleat's halconfig leaves out, so that every declared section is exercised.
EXTRA = {
    "providers": {
        "azure": {"enabled": True, "primaryAccount": "az", "accounts": [{"name": "az", "regions": ["westeurope"]}]}
    },
    "canary": {"defaultJudge": "NetflixACAJudge-v1.0"},
    "notifications": {"microsoftteams": {"enabled": True}},
    "security": {"apiSecurity": {"corsAccessPattern": "https://.*[.]test"}},
    "managedDelivery": {"eureka": {"enabled": True}},
}


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


@pytest.fixture(scope="module")
def full_hal(kleat_hal) -> dict:
    return _merge(kleat_hal, EXTRA)


def _reached(kleat_hal) -> dict[str, set]:
    """service -> halconfig leaf paths whose string value appears in one of its files."""
    structs = render_structs(_mark(kleat_hal))
    out: dict[str, set] = {}
    for filename, struct in structs.items():
        _markers(struct, out.setdefault(FILES[filename], set()))
    return out


def test_files_and_services():
    assert set(FILES.values()) - {"monitoring"} == set(SERVICES)
    assert FILES["settings.js"] == FILES["deck.env"] == "deck"
    assert FILES["spinnaker-monitoring.yml"] == "monitoring"
    assert set(SECTIONS) == set(FILES.values()) == set(CREDENTIAL_SECTIONS)


def test_credential_sections_are_a_subset():
    for svc, paths in CREDENTIAL_SECTIONS.items():
        assert set(paths) <= set(SECTIONS[svc])


def test_every_value_a_service_gets_is_declared(full_hal):
    reached = _reached(full_hal)
    assert sum(map(len, reached.values())) > 300  # the fixture exercises nearly every section
    for svc, paths in reached.items():
        undeclared = sorted(".".join(p) for p in paths if not _covered(p, SECTIONS[svc]))
        assert not undeclared, f"{svc} reads {undeclared} but SECTIONS does not say so"


def test_every_credential_a_service_gets_is_wired(full_hal):
    from spinops.halconfig import schema

    def is_credential(path):
        node = schema.at(tuple(int(p) if p.isdigit() else p for p in path))
        return bool(node) and bool(node.get("x-spinops-credential") or node.get("x-spinops-credential-file"))

    reached = _reached(full_hal)
    credentials = {svc: sorted(".".join(p) for p in paths if is_credential(p)) for svc, paths in reached.items()}
    assert len(credentials["clouddriver"]) > 10 and credentials["gate"] and credentials["fiat"]
    # deck.env only: settings.js (public) carries none
    assert credentials["deck"] == [
        "security.uiSecurity.ssl.sslCertificateFile",
        "security.uiSecurity.ssl.sslCertificateKeyFile",
        "security.uiSecurity.ssl.sslCertificatePassphrase",
    ]
    for svc, paths in credentials.items():
        unwired = [p for p in paths if not _covered(tuple(p.split(".")), CREDENTIAL_SECTIONS[svc])]
        assert not unwired, f"{svc} gets credentials {unwired} outside CREDENTIAL_SECTIONS"


def test_deck_reads_notifications_but_gets_no_credentials_from_them():
    assert "notifications.slack" in SECTIONS["deck"]
    assert not any(p.startswith("notifications") for p in CREDENTIAL_SECTIONS["deck"])


# Declared reads whose removal is masked in Kleat's halconfig by another setting (tested below instead).
MASKED = {
    ("deck", "security.apiSecurity.ssl.enabled"),  # overrideBaseUrl is set and wins
}


def _delete(data: dict, path: tuple) -> bool:
    for k in path[:-1]:
        data = data.get(k)
        if not isinstance(data, dict):
            return False
    return data.pop(path[-1], None) is not None


@pytest.mark.parametrize(
    ("svc", "section"), [(s, p) for s, paths in SECTIONS.items() for p in paths if (s, p) not in MASKED]
)
def test_every_declared_section_matters(full_hal, svc, section):
    files = [o.filename for o in OUTPUTS if o.service == svc]
    before = render_structs(full_hal)
    hal = copy.deepcopy(full_hal)
    assert _delete(hal, tuple(section.split("."))), f"{section} is not set in the test halconfig"
    after = render_structs(hal)
    assert any(before[f] != after[f] for f in files), f"removing {section} does not change {svc}"


def test_deck_ssl_flag_matters_without_override(kleat_hal):
    hal = copy.deepcopy(kleat_hal)
    del hal["security"]["apiSecurity"]["overrideBaseUrl"]
    assert render_structs(hal)["settings.js"]["gateUrl"] == "https://localhost:8084"
    del hal["security"]["apiSecurity"]["ssl"]["enabled"]
    assert render_structs(hal)["settings.js"]["gateUrl"] == "http://localhost:8084"


def test_docs_table_in_sync(root):
    from spinops.render import sections_markdown

    assert sections_markdown() in (root / "docs" / "rendering.md").read_text(), (
        "docs/rendering.md: paste spinops.render.sections_markdown() in place of the old table"
    )
