"""Hand-written profiles (`halconfig/profiles/`) and the files a service's ConfigMap holds.

Accepted profile files:
- `<svc>-local.yml` for every Spring service (clouddriver, echo, fiat, front50, gate, igor, kayenta,
  keel, orca, rosco): Spring loads it after `<svc>.yml` because every service runs profile `local`;
- `<svc>-<shard profile>.yml` for the HA shards' Spring profiles (`clouddriver-caching.yml`,
  `clouddriver-ro.yml`, `echo-scheduler.yml`, ...);
- `spinnaker-local.yml`: shipped to every Spring service;
- `settings-local.js`: Deck's local settings, loaded by the browser after settings.js.

Every other name is an error (a typo would otherwise be silently ignored by Spring).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinops import yamlio
from spinops.credentials import is_credential_key, is_literal
from spinops.errors import InputError, Problem
from spinops.layout import PROFILES, Repo
from spinops.spinnaker.services import SERVICES, SHARDS

SPRING_SERVICES = tuple(s for s in SERVICES if s != "deck")
SHARED_PROFILE = "spinnaker-local.yml"
DECK_LOCAL = "settings-local.js"


@functools.cache
def profile_names() -> dict[str, str | None]:
    """Valid profile file name -> the service it belongs to (None: every Spring service)."""
    out: dict[str, str | None] = {f"{s}-local.yml": s for s in SPRING_SERVICES}
    for svc, shards in SHARDS.items():
        for profile in shards.values():
            out[f"{svc}-{profile}.yml"] = svc
    out[SHARED_PROFILE] = None
    out[DECK_LOCAL] = "deck"
    return out


@dataclass
class Profiles:
    data: dict[str, Any] = field(default_factory=dict)  # YAML profiles: name -> mapping
    deck_js: str = ""  # hand-written settings-local.js text
    docs: dict[str, yamlio.Located] = field(default_factory=dict)  # YAML profiles as parsed, with positions


def load_profiles(repo: Path) -> Profiles:

    directory = Repo(repo).profiles
    out = Profiles()
    if not directory.is_dir():
        if directory.exists():  # e.g. a file named `profiles`: its profiles would be skipped without a word
            raise InputError(Problem("expected a directory of profile files", file=str(PROFILES), code="profile-dir"))
        return out
    valid = profile_names()
    problems: list[Problem] = []
    # every entry, not only regular files: a dangling symlink or a directory is an error, not skipped
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith(".")):
        display = f"halconfig/profiles/{path.name}"
        if path.name not in valid:
            problems.append(
                Problem(
                    f"unknown profile file {path.name!r}",
                    file=display,
                    hint="profiles are <service>-local.yml, spinnaker-local.yml, settings-local.js (and HA shard "
                         "profiles such as clouddriver-caching.yml)",
                    code="profile-name",
                )
            )
            continue
        try:  # never outside the repository: a symlink to /proc/self/environ would ship the environment
            text = yamlio.read_text(path, display, root=Path(repo))
        except InputError as e:
            problems.extend(e.problems)
            continue
        if path.name == DECK_LOCAL:
            problems += browser_credentials(text, display)
            out.deck_js = text
            continue
        try:
            doc = yamlio.load(text, display)
        except InputError as e:
            problems.extend(e.problems)
            continue
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem("a Spring profile is a YAML mapping", file=display, line=1, code="profile-shape"))
            continue
        out.data[path.name] = doc.data
        out.docs[path.name] = doc
    if problems:
        raise InputError(problems)
    return out


#: `key: 'value'` / `key = "value"` anywhere on a line of JavaScript (object literals, assignments).
_JS_PAIR = re.compile(r"""(?:^|[\s{,;(])["']?([A-Za-z_$][\w$.-]*)["']?\s*[:=]\s*(["'`])(.*?)\2""")


def browser_credentials(js: str, display: str) -> list[Problem]:
    """Literal credentials written by hand in settings-local.js (`apiKey: 'xyz'`, `token = "..."`): Deck
    serves the file to every browser. The key decides (spinops.credentials); the value is never shown."""
    out = []
    for n, line in enumerate(js.splitlines(), 1):
        if line.lstrip().startswith(("//", "*", "/*")):
            continue
        for m in _JS_PAIR.finditer(line):
            key = m.group(1).rsplit(".", 1)[-1]
            if is_credential_key(key) and is_literal(m.group(3)):
                out.append(
                    Problem(
                        f"`{key}` holds a literal credential and Deck serves this file to every browser",
                        file=display,
                        line=n,
                        column=m.start(1) + 1,
                        code="credential-in-browser",
                        hint="remove it; Deck needs no credentials",
                    )
                )
    return out


def settings_local_js(hand_written: str, overrides: dict) -> str:
    """Deck's settings-local.js: the hand-written text, then patch overrides deep-merged into the settings."""
    parts = []
    if hand_written.strip():
        parts.append(hand_written.rstrip("\n") + "\n")
    if overrides:
        data = json.dumps(overrides, indent=2, sort_keys=True, ensure_ascii=True)
        # "</" cannot close a <script> element; U+2028/9 are escaped by ensure_ascii
        data = data.replace("</", "<\\/")
        parts.append(
            "// From halconfig/patches (spinops build): deep-merged into window.spinnakerSettings.\n"
            "(function (target, source) {\n"
            "  function merge(t, s) {\n"
            "    Object.keys(s).forEach(function (k) {\n"
            "      var v = s[k];\n"
            "      if (v && typeof v === 'object' && !Array.isArray(v) && t[k] && typeof t[k] === 'object' && "
            "!Array.isArray(t[k])) {\n"
            "        merge(t[k], v);\n"
            "      } else {\n"
            "        t[k] = v;\n"
            "      }\n"
            "    });\n"
            "  }\n"
            "  merge(target, source);\n"
            f"}})(window.spinnakerSettings, {data});\n"
        )
    return "\n".join(parts)
