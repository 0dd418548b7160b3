"""Helpers for the check tests: run the engine on YAML text, find findings of one rule."""

from __future__ import annotations

import textwrap

from spinops.check.runner import Options, run_check
from spinops.check.source import parse_manifest


def check_text(text: str, **opts):
    manifest = parse_manifest(textwrap.dedent(text), "test.yaml")
    return run_check(manifest, Options(**opts))


def rules_of(report) -> list[str]:
    return [f.rule for f in report.findings]
