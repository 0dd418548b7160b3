"""spinops build [--env ENV] [--repo DIR] [--out DIR] [--verbose] [--format text|json|github]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from spinops.layout import ENV_VARIABLE, FALLBACK_ENV, default_env

HELP = "render, patch and wire the halconfig, then build one environment's manifests with kustomize"
DESCRIPTION = (
    "Render the halconfig (with halconfig/env/ENV.yml on top), apply halconfig/patches and profiles, wire every "
    "credential into exactly the services that use it, write the kustomize layer build/ENV/ and run kustomize into "
    "build/ENV/manifests.yaml. Atomic: on error build/ENV is untouched."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {0: "built", 1: "internal error", 2: "bad input or usage; build/ENV untouched"}


def add_arguments(p) -> None:
    p.add_argument(
        "--env",
        default=default_env(),
        help=f"environment: a directory kustomize/overlays/ENV, or `all` (default: ${ENV_VARIABLE} or {FALLBACK_ENV})",
    )
    p.add_argument("--repo", default=".", help="repository root (default: the current directory)")
    p.add_argument("--out", default=None, help="output directory (default: REPO/build/ENV)")
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list patches (applied or skipped), the wiring of every service and stage timings",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="output format (json: the whole result; github: warnings as annotations)",
    )


def run(args) -> int:
    from spinops.environments import ALL, for_each

    if args.env == ALL:
        if args.format == "json":
            from spinops.errors import Problem, UsageError

            raise UsageError(
                Problem("--env all prints one environment after another: use --format text or github", code="usage")
            )
        return for_each(args, run, refuse=("out",))
    from spinops.build import build_env

    result = build_env(Path(args.repo), args.env, out=Path(args.out) if args.out else None, verbose=args.verbose)
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2, sort_keys=True))
        return 0
    if args.format == "github":
        for w in result.warnings:
            print(w.github())
    else:
        for w in result.warnings:
            print(w.text(), file=sys.stderr)
    counts = result.resource_counts()
    total = sum(counts.values())
    kinds = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(
        f"{result.manifests_path}: {total} resources ({kinds}); namespace "
        f"{result.namespace}{', HA' if result.ha else ''}"
    )
    if args.verbose:
        print(_verbose(result))
    return 0


def _verbose(result) -> str:
    lines = ["patches:"]
    if not result.patches:
        lines.append("  (none)")
    for a in result.patches:
        p = a.patch
        cond = f" when spinnakerVersion {p.when_text}" if p.when_text else ""
        if a.skipped:
            lines.append(f"  skipped {p.file} ({p.kind}{cond}): {a.skipped}")
        else:
            changed = ", ".join(a.changed) or "nothing (already in place)"
            lines.append(f"  applied {p.file} ({p.kind}{cond}) -> changed {changed}")
    lines.append("configs:")
    for svc, files in result.configs.items():
        lines.append(f"  {svc}-config: {', '.join(files)}")
    lines.append("wiring:")
    for svc, w in result.wiring.items():
        if not (w["env"] or w["files"]):
            lines.append(f"  {svc}: (no credentials)")
            continue
        parts = []
        if w["env"]:
            parts.append("env " + ", ".join(w["env"]))
        if w["files"]:
            parts.append("files " + ", ".join(w["files"]))
        lines.append(f"  {svc}: {'; '.join(parts)} (Secrets {', '.join(w['secrets'])})")
    lines.append("timings: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
    return "\n".join(lines)
