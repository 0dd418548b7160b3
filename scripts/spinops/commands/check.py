"""spinops check [FILE|-] [--env ENV] [--format text|json|github|sarif] [--fail-on LEVEL] ..."""

from __future__ import annotations

import os
from pathlib import Path

from spinops.check.settings import KUBE_VERSION_ENV, SETTINGS_FILE
from spinops.cliopts import add_report_options, wants_color, write_report
from spinops.layout import ENV_VARIABLE, Repo, env_of_manifests

HELP = "lint and schema-validate a manifest file (default: build/ENV/manifests.yaml)"
DESCRIPTION = (
    "Validate every resource against the Kubernetes schemas of the pinned version (kubernetes-validate, strict), "
    "run the built-in Spinnaker rules and any kube-lint rule files, and report findings with the resource, the "
    "JSONPath and, where traceable, the kustomize or halconfig file and line."
)
#: Exit code -> meaning, shown under `--help` (spinops.cli).
EXIT_CODES = {
    0: "no finding at or above --fail-on",
    1: "findings at or above --fail-on",
    2: "bad input or usage",
    3: "internal error",
}

def add_arguments(p) -> None:
    p.add_argument(
        "manifest", nargs="?", help="manifest file to check, or - for stdin (default: REPO/build/ENV/manifests.yaml)"
    )
    p.add_argument(
        "--env",
        default=os.environ.get(ENV_VARIABLE) or None,
        help="environment (or `all`): picks build/ENV/manifests.yaml and ENV's pinned Kubernetes version (default: "
             f"${ENV_VARIABLE})",
    )
    p.add_argument(
        "--repo",
        default=".",
        help="repository root, for secrets.yml, the halconfig schema and source tracing (default: .)",
    )
    add_report_options(
        p, ("text", "json", "github", "sarif"), format_help="github: workflow annotations, sarif: code scanning"
    )
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    g = p.add_argument_group("schema validation")
    g.add_argument(
        "--kube-version",
        default=None,
        help="Kubernetes version to validate against (default: the environment's `kubernetesVersion` in "
             f"{SETTINGS_FILE}, ${KUBE_VERSION_ENV}, else the built-in default)",
    )
    g.add_argument("--no-strict", dest="strict", action="store_false", help="allow unknown fields (default: strict)")
    g.add_argument(
        "--crd-schemas",
        default=None,
        metavar="DIR",
        help="JSON Schemas for CRDs (DIR/<group>/<kind>_<version>.json); without one a CRD is reported as skipped",
    )
    g.add_argument("--no-validate", dest="validate", action="store_false", help="skip schema validation")
    g = p.add_argument_group("lint rules")
    g.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="FILE",
        help="a kube-lint rule file (YAML list of rules); repeatable",
    )
    g.add_argument(
        "--tags",
        action="append",
        default=[],
        help="run only the rule-file rules carrying one of these tags (comma-separated; repeatable)",
    )
    g.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="RULE",
        help="run only these built-in rules (comma-separated; repeatable)",
    )
    g.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="RULE",
        help="do not run these built-in rules (comma-separated; repeatable)",
    )
    g.add_argument(
        "--no-builtin", dest="builtin", action="store_false", help="run no built-in rule (only --rules files)"
    )
    g.add_argument("--list-rules", action="store_true", help="list the built-in rules and exit")


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for item in values for v in item.split(",") if v.strip()}))


def run(args) -> int:
    from spinops.environments import ALL, for_each

    if args.env == ALL and not args.list_rules:
        if args.format in ("json", "sarif"):
            from spinops.errors import Problem, UsageError

            raise UsageError(
                Problem("--env all prints one report per environment: use --format text or github", code="usage")
            )
        return for_each(args, run, refuse=("manifest", "output"))
    from spinops.check import engine
    from spinops.check.output import render
    from spinops.check.rules import builtin_rules
    from spinops.check.runner import Options, run_check
    from spinops.check.settings import kube_version
    from spinops.check.source import parse_manifest, read_input
    from spinops.check.validate_k8s import DEFAULT_KUBE_VERSION
    from spinops.errors import EXIT_FINDINGS, EXIT_OK, InputError, Problem, UsageError

    if args.list_rules:
        for m in builtin_rules():
            print(f"{m.ID:<28} {m.SEVERITY:<8} {m.DESCRIPTION}")
        return EXIT_OK

    repo = Repo(args.repo)
    manifest_arg = args.manifest
    if manifest_arg is None:
        if not args.env:
            raise UsageError(
                Problem(
                    "give a manifest file (or - for stdin), or --env ENV to check build/ENV/manifests.yaml",
                    code="usage",
                )
            )
        manifest_arg = str(repo.built_manifests(args.env))
        from spinops.freshness import stale

        if stale(repo.root, repo.build_dir(args.env)):
            raise InputError(
                Problem(
                    f"{manifest_arg} was built from other halconfig/ and kustomize/ files than the working tree's "
                    "(a later build failed, or they changed since)",
                    file=manifest_arg,
                    code="stale-build",
                    hint=f"run `spinops build --env {args.env}` (and fix what it reports) before checking",
                )
            )
    env = args.env or env_of_manifests(manifest_arg)

    lint_rules = []
    for f in args.rules:
        lint_rules.extend(engine.load_rule_file(f))

    name, path, text = read_input(manifest_arg)
    manifest = parse_manifest(text, name, path)
    if not manifest.resources:
        # an empty input is a failed build upstream, not a clean one (checkov#7599: green runs that checked nothing)
        raise InputError(
            Problem("no Kubernetes resources in the input; did the build fail?", file=name, code="empty-input")
        )
    opts = Options(
        kube_version=kube_version(repo, env, args.kube_version, DEFAULT_KUBE_VERSION),
        strict=args.strict,
        crd_schemas=Path(args.crd_schemas) if args.crd_schemas else None,
        validate=args.validate,
        builtin=args.builtin,
        only_rules=_split(args.only),
        disable_rules=_split(args.disable),
        lint_rules=lint_rules,
        tags=_split(args.tags),
        repo=repo.root if repo.root.is_dir() else None,
        env=env,
        fail_on=args.fail_on,
    )
    report = run_check(manifest, opts)
    out = render(report, args.format, color=args.output is None and args.format == "text" and wants_color())
    write_report(out, args.output)
    return EXIT_FINDINGS if report.failed() else EXIT_OK

