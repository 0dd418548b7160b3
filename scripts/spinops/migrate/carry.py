"""Settings migrate carries into profiles (`halconfig/profiles/<svc>-local.yml`, `spinnaker-local.yml`).

Some Halyard settings have no Kleat field but the service still reads the property: the service-discovery
URL of a service Halyard ran with `overrideBaseUrl` or `scheme: https`, a Redis URL with a password, and
halconfig fields Kleat's schema lacks. They go into the profile Spring loads after the rendered file, so
the running service gets the same property.

`Additions` collects (profile, property path, value, note); `merge` writes them into the profile's text:
into the user's own profile when SOURCE has one (ruamel round trip, so comments and order survive; a key
the user set already is kept and the note says so), or a new file. Pure: text in, text out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from spinops import render
from spinops.migrate.model import Note

HEADER = "# Settings carried over from Halyard by `spinops migrate` (see MIGRATION.md).\n"


@dataclass
class Addition:
    path: tuple[str, ...]
    value: object
    note: Note


@dataclass
class Additions:
    by_profile: dict[str, list[Addition]] = field(default_factory=dict)

    def add(self, profile: str, path: tuple[str, ...], value, note: Note) -> None:
        self.by_profile.setdefault(profile, []).append(Addition(tuple(path), value, note))


def _yaml():
    from ruamel.yaml import YAML  # noqa: PLC0415 start-up: ruamel.yaml

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)
    return y


def merge(text: str | None, additions: list[Addition]) -> tuple[str, list[Addition]]:
    """(new profile text, the additions the user's profile already set and so were not carried)."""
    from ruamel.yaml.comments import CommentedMap  # noqa: PLC0415 start-up: ruamel.yaml

    y = _yaml()
    doc = y.load(text) if text else None
    if not isinstance(doc, dict):
        doc = CommentedMap()
    kept: list[Addition] = []
    for a in additions:
        node = doc
        for i, key in enumerate(a.path):
            last = i == len(a.path) - 1
            if last:
                if key in node:
                    kept.append(a)
                else:
                    node[key] = a.value
            else:
                if key not in node:
                    node[key] = CommentedMap()
                elif not isinstance(node[key], dict):
                    kept.append(a)
                    break
                node = node[key]
    buf = io.StringIO()
    y.dump(doc, buf)
    out = buf.getvalue()
    return (out if text else HEADER + out), kept


# --------------------------------------------------------------------------------------------
# halconfig fields Kleat's schema lacks, carried into the reading service's profile


#: Rendered files a Spring service reads (deck's settings.js and the monitoring daemon are not Spring).
SPRING_FILES = (
    "clouddriver.yml",
    "echo.yml",
    "fiat.yml",
    "front50.yml",
    "gate.yml",
    "igor.yml",
    "kayenta.yml",
    "orca.yml",
    "rosco.yml",
    "keel.yml",
)


def rendered_differences(with_fields: dict, without: dict) -> dict[str, list[tuple[tuple, object]]]:
    """{service: [(property path, value)]}: what rendering the halconfig WITH the dropped fields adds to each Spring
    service's file. Kleat's converters copy whole blocks (accounts, integrations), so an unknown field inside one
    reaches the file at the place the service reads it. A list that differs is carried whole: Spring Boot replaces a
    list set in a later property source instead of merging it (Spring Boot reference, "Merging Complex Types")."""
    out: dict[str, list] = {}
    for o in render.OUTPUTS:
        if o.filename not in SPRING_FILES:
            continue
        try:
            a, b = o.render(with_fields), o.render(without)
        except Exception:  # noqa: BLE001 - a converter meeting a shape it never sees after validation: nothing to carry
            continue
        diffs = list(_diff(a, b, ()))
        if diffs:
            out.setdefault(o.service, []).extend(diffs)
    return out


def _diff(a, b, path):
    if isinstance(a, dict) and isinstance(b, dict):
        for k, v in a.items():
            if k not in b:
                yield path + (k,), v
            elif v != b[k]:
                yield from _diff(v, b[k], path + (k,))
    elif isinstance(a, list) and a != b:
        yield path, a
