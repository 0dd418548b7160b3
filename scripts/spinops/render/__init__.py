"""Render a halconfig into the 13 files Kleat writes, one pure converter per Spinnaker service.

Input is CANONICAL halconfig data (`spinops.halconfig.load.load_halconfig(...).data`): validated,
JSON key names, enum names, zero scalars / empty lists / nulls dropped, set-but-empty messages
kept as `{}`, booleans kept when set. Each converter (`<service>.render(hal) -> dict`) picks and
renames sub-dicts and adds Kleat's few derived fields; it never mutates its input.

- `render_structs(hal)`: {filename: dict}, deep copies (safe to patch independently).
- `serialize(filename, struct)`: the file's text (YAML / settings.js / deck.env).
- `render_all(hal)`: {filename: text}.
- `SECTIONS`: Spinnaker service -> halconfig paths its files are built from (impact analysis).
- `CREDENTIAL_SECTIONS`: the subset whose credentials reach that service's files unchanged
  (secret wiring). Deck reads notifications but gets no credentials from them (settings.js is
  public), so they are in SECTIONS["deck"] and not in CREDENTIAL_SECTIONS["deck"].
- `FILES`: rendered filename -> service. `spinnaker-monitoring.yml` belongs to "monitoring", the
  monitoring daemon sidecar, which is not one of `spinops.spinnaker.services.SERVICES`.

See docs/rendering.md for the tables, Kleat's rules and our deliberate deviations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spinops.render import (
    clouddriver,
    deck,
    echo,
    fiat,
    front50,
    gate,
    igor,
    jsout,
    kayenta,
    keel,
    monitoring,
    orca,
    rosco,
    yamlout,
)
from spinops.render._data import deep_copy

__all__ = [
    "CREDENTIAL_SECTIONS",
    "FILES",
    "OUTPUTS",
    "SECTIONS",
    "Output",
    "render_all",
    "render_structs",
    "sections_markdown",
    "serialize",
]


@dataclass(frozen=True)
class Output:
    filename: str
    service: str
    render: Callable[[dict], dict]
    reads: dict[str, bool]  # halconfig path -> credentials in it reach this file unchanged
    serializer: Callable[[dict], str]


#: Kleat's files, in the order `kleat generate` writes them.
OUTPUTS: tuple[Output, ...] = (
    Output(clouddriver.FILE, clouddriver.SERVICE, clouddriver.render, clouddriver.READS, yamlout.dumps),
    Output(echo.FILE, echo.SERVICE, echo.render, echo.READS, yamlout.dumps),
    Output(front50.FILE, front50.SERVICE, front50.render, front50.READS, yamlout.dumps),
    Output(gate.FILE, gate.SERVICE, gate.render, gate.READS, yamlout.dumps),
    Output(fiat.FILE, fiat.SERVICE, fiat.render, fiat.READS, yamlout.dumps),
    Output(igor.FILE, igor.SERVICE, igor.render, igor.READS, yamlout.dumps),
    Output(kayenta.FILE, kayenta.SERVICE, kayenta.render, kayenta.READS, yamlout.dumps),
    Output(orca.FILE, orca.SERVICE, orca.render, orca.READS, yamlout.dumps),
    Output(rosco.FILE, rosco.SERVICE, rosco.render, rosco.READS, yamlout.dumps),
    Output(deck.FILE, deck.SERVICE, deck.render, deck.READS, jsout.settings_js),
    Output(deck.ENV_FILE, deck.SERVICE, deck.render_env, deck.ENV_READS, jsout.deck_env),
    Output(monitoring.FILE, monitoring.SERVICE, monitoring.render, monitoring.READS, yamlout.dumps),
    Output(keel.FILE, keel.SERVICE, keel.render, keel.READS, yamlout.dumps),
)
_BY_FILE = {o.filename: o for o in OUTPUTS}

FILES: dict[str, str] = {o.filename: o.service for o in OUTPUTS}


def _sections(credentials_only: bool) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for o in OUTPUTS:
        paths = table.setdefault(o.service, [])
        for path, creds in o.reads.items():
            if (creds or not credentials_only) and path not in paths:
                paths.append(path)
    return {svc: tuple(sorted(paths)) for svc, paths in sorted(table.items())}


SECTIONS: dict[str, tuple[str, ...]] = _sections(credentials_only=False)
CREDENTIAL_SECTIONS: dict[str, tuple[str, ...]] = _sections(credentials_only=True)


def sections_markdown() -> str:
    """SECTIONS as a markdown table (docs/rendering.md embeds it; a test keeps them in sync)."""
    lines = [
        "| service | files | halconfig paths it reads (**bold**: credentials in it reach the service) |",
        "| --- | --- | --- |",
    ]
    for svc, paths in SECTIONS.items():
        files = ", ".join(f"`{f}`" for f, s in FILES.items() if s == svc)
        cells = ", ".join(f"**`{p}`**" if p in CREDENTIAL_SECTIONS[svc] else f"`{p}`" for p in paths)
        lines.append(f"| {svc} | {files} | {cells} |")
    return "\n".join(lines) + "\n"


def _render_shared(hal_data: dict) -> dict[str, dict]:
    """Converter results; they may share sub-dicts with `hal_data` and with each other."""
    return {o.filename: o.render(hal_data) for o in OUTPUTS}


def render_structs(hal_data: dict) -> dict[str, dict]:
    """{filename: config dict} for the 13 files; every dict is an independent copy."""
    return {name: deep_copy(struct) for name, struct in _render_shared(hal_data).items()}


def serialize(filename: str, struct: dict) -> str:
    """The text of one rendered file."""
    try:
        output = _BY_FILE[filename]
    except KeyError:
        raise ValueError(f"not a rendered file: {filename!r}") from None
    return output.serializer(struct)


def render_all(hal_data: dict) -> dict[str, str]:
    """{filename: text} for the 13 files, in Kleat's order. Serializing does not mutate, so no copies."""
    return {name: _BY_FILE[name].serializer(struct) for name, struct in _render_shared(hal_data).items()}
