"""One `spinops check` run: validate, lint (built-in rules and kube-lint rule files), apply
opt-outs, locate and trace findings, and return a sorted `Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spinops.check import engine, optout, repository
from spinops.check.findings import Finding, Location, OptOut, Report, ResourceRef, Skipped
from spinops.check.k8s import get_path, jsonpath, may_hold_credentials
from spinops.check.rules import Context, Hit, builtin_rules, summary
from spinops.check.source import Manifest, Resource
from spinops.check.trace import Tracer
from spinops.check.validate_k8s import DEFAULT_KUBE_VERSION, SchemaValidator
from spinops.credentials import SECRETS_FILE, load_secrets
from spinops.errors import Problem, UsageError

SCHEMA_RULE = "schema"


@dataclass
class Options:
    kube_version: str = DEFAULT_KUBE_VERSION
    strict: bool = True
    crd_schemas: Path | None = None
    validate: bool = True
    builtin: bool = True
    only_rules: tuple[str, ...] = ()  # restrict built-in rules to these IDs (empty: all)
    disable_rules: tuple[str, ...] = ()
    lint_rules: list[engine.LintRule] = field(default_factory=list)  # from kube-lint rule files
    tags: tuple[str, ...] = ()
    repo: Path | None = None
    env: str | None = None
    fail_on: str = "error"


def load_context(manifest: Manifest, repo: Path | None) -> Context:
    """Everything rules may know from outside the manifest: secrets.yml and the halconfig schema."""
    return Context(
        resources=[r.obj for r in manifest.resources],
        declared_secrets=load_declared_secrets(repo) if repo else None,
        repo=repo,
    )


def load_declared_secrets(repo: Path) -> dict[str, frozenset[str]] | None:
    """Secret name -> keys (env names and files) from `halconfig/secrets.yml`, read by the build's own
    loader (spinops.credentials), so check and build agree; None when the repo has no secrets.yml."""
    if not (repo / SECRETS_FILE).is_file():
        return None
    inventory = load_secrets(repo)
    return {name: frozenset((*decl.env, *decl.files)) for name, decl in inventory.secrets.items()}


def selected_builtins(opts: Options):
    mods = builtin_rules()
    known = {m.ID for m in mods} | set(repository.RULES)
    for rid in (*opts.only_rules, *opts.disable_rules):
        if rid not in known:
            raise UsageError(
                Problem(
                    f"unknown built-in rule {rid!r}",
                    hint=f"built-in rules: {', '.join(sorted(known))}",
                    code="unknown-rule",
                )
            )
    if not opts.builtin:
        return []
    return [m for m in mods if (not opts.only_rules or m.ID in opts.only_rules) and m.ID not in opts.disable_rules]


def selected_repository_rules(opts: Options) -> set[str]:
    """Repository rules run with the built-ins, for an environment of a repository (`--env`, `--repo`)."""
    if not opts.builtin or opts.repo is None or not opts.env:
        return set()
    return {
        r for r in repository.RULES if (not opts.only_rules or r in opts.only_rules) and r not in opts.disable_rules
    }


def run_check(manifest: Manifest, opts: Options) -> Report:
    validator = (
        SchemaValidator(opts.kube_version, strict=opts.strict, crd_schemas=opts.crd_schemas) if opts.validate else None
    )
    builtins = selected_builtins(opts)
    lint_rules = engine.select(opts.lint_rules, list(opts.tags))
    reserved = {m.ID for m in builtin_rules()} | {SCHEMA_RULE, optout.RULE_MISSING_REASON, optout.RULE_UNKNOWN}
    for r in opts.lint_rules:
        if r.name in reserved:
            raise UsageError(
                Problem(
                    f"rule {r.name!r} has the name of a built-in rule; rename it",
                    file=r.file,
                    line=r.line,
                    code="invalid-rule-file",
                )
            )

    report = Report(
        input=manifest.name,
        kube_version=validator.minor if validator else opts.kube_version,
        resources=len(manifest.resources),
        fail_on=opts.fail_on,
    )
    repo_rules = selected_repository_rules(opts)
    report.rules = _rule_table(validator, opts.strict, builtins, lint_rules, repo_rules)
    ctx = load_context(manifest, opts.repo)
    raw: list[tuple[Resource, Finding, Hit]] = []
    refs = {res.index: ResourceRef.of(res.obj, res.index, res.line) for res in manifest.resources}
    for res in manifest.resources:
        ref = refs[res.index]
        if validator:
            raw += _validate(validator, res, ref, report, manifest.name)
        raw += _builtin_findings(builtins, res, ref, ctx)
        raw += _lint_findings(lint_rules, res, ref)
    requests = {res.index: optout.request_of(res.obj) for res in manifest.resources}
    raw += _optout_findings(manifest, requests, refs, reserved | {r.name for r in opts.lint_rules})

    tracer = _tracer(opts)
    suppressed: dict[int, int] = {}
    for res, finding, hit in raw:
        req = requests.get(res.index)
        placed = _place(finding, res, hit, manifest, tracer)
        if (
            req is not None
            and req.honoured
            and finding.rule in req.rules
            and finding.rule not in (optout.RULE_MISSING_REASON, optout.RULE_UNKNOWN)
        ):
            suppressed[res.index] = suppressed.get(res.index, 0) + 1
            report.suppressed.append(placed)
        else:
            report.findings.append(placed)
    if repo_rules and opts.repo is not None and opts.env:  # selected only for a repository and an environment
        report.findings += repository.repository_findings(opts.repo, opts.env, repo_rules)
    for res in manifest.resources:
        req = requests[res.index]
        if req is not None:
            line, column, _ = res.position_of(("metadata", "annotations", optout.IGNORE))
            silenced = suppressed.get(res.index, 0) if req.honoured else 0
            report.opt_outs.append(
                OptOut(refs[res.index], req.rules, req.reason, silenced, Location(manifest.name, line, column))
            )
    report.sort()
    return report


def _rule_table(validator, strict: bool, builtins, lint_rules, repo_rules=()) -> dict[str, dict]:
    """Every rule that ran, with its description and default severity (for JSON and SARIF)."""
    rules: dict[str, dict] = {}
    if validator:
        rules[SCHEMA_RULE] = {
            "description": f"Kubernetes {validator.minor} schema (strict: {strict})",
            "severity": "error",
            "help": "kubernetes-validate schema validation",
        }
    for m in builtins:
        rules[m.ID] = {"description": m.DESCRIPTION, "severity": m.SEVERITY, "help": summary(m)}
    for rid in sorted(repo_rules):
        severity, description = repository.RULES[rid]
        rules[rid] = {
            "description": description,
            "severity": severity,
            "help": f"repository rule ({repository.__name__})",
        }
    for r in lint_rules:
        what = f"{r.field} {r.operator}" + ("" if r.value is None else f" {r.value!r}")
        rules[r.name] = {
            "description": r.description or r.field,
            "severity": r.severity,
            "help": f"{r.file}:{r.line}: {what}",
        }
    rules[optout.RULE_MISSING_REASON] = {
        "description": f"{optout.IGNORE} needs a reason in {optout.REASON}",
        "severity": "error",
        "help": "opt-outs must say why",
    }
    rules[optout.RULE_UNKNOWN] = {
        "description": f"{optout.IGNORE} names a rule that does not exist",
        "severity": "warning",
        "help": "a typo silences nothing",
    }
    return rules


def _validate(validator: SchemaValidator, res: Resource, ref: ResourceRef, report: Report, input_name: str):
    outcome = validator.validate(res.obj)
    if outcome.status == "skipped":
        report.skipped.append(Skipped(ref, outcome.reason, Location(input_name, res.line)))
    return [
        (res, Finding(SCHEMA_RULE, "error", msg, ref, jsonpath(path)), Hit(path=path)) for path, msg in outcome.errors
    ]


def _builtin_findings(builtins, res: Resource, ref: ResourceRef, ctx: Context):
    out = []
    for mod in builtins:
        for hit in mod.check(res.obj, ctx):
            out.append(
                (
                    res,
                    Finding(mod.ID, hit.severity or mod.SEVERITY, hit.message, ref, jsonpath(hit.path), hint=hit.hint),
                    hit,
                )
            )
    return out


def _lint_findings(lint_rules, res: Resource, ref: ResourceRef):
    out = []
    for rule in lint_rules:
        for doc, to_resource in engine.targets(rule, res.obj):
            result = engine.evaluate(rule, doc)
            if result.passed:
                continue
            path = to_resource(result.path)
            if not result.actual:
                shown = " (not set)"
            elif may_hold_credentials(res.obj, path) or may_hold_credentials(
                res.obj, to_resource(engine.field_keys(rule.field))
            ):
                shown = " (found: a value not shown here: it may be a credential)"
            else:
                shown = f" (found: {result.actual[:120]!r}{'...' if len(result.actual) > 120 else ''})"
            expected = "" if rule.value is None else f" {rule.value!r}"
            msg = f"{rule.description or rule.name}: {rule.field} {rule.operator}{expected} failed{shown}"
            out.append((res, Finding(rule.name, rule.severity, msg, ref, jsonpath(path)), Hit(path=path)))
    return out


def _optout_findings(manifest: Manifest, requests: dict, refs: dict[int, ResourceRef], known: set[str]):
    """An opt-out without a reason (not honoured) is an error; one naming an unknown rule a warning."""
    out = []
    ann_path = ("metadata", "annotations", optout.IGNORE)
    for res in manifest.resources:
        req = requests[res.index]
        if req is None:
            continue
        ref = refs[res.index]
        if not req.honoured:
            msg = f"{optout.IGNORE} ({', '.join(req.rules)}) has no {optout.REASON}: the opt-out is not honoured"
            out.append(
                (
                    res,
                    Finding(
                        optout.RULE_MISSING_REASON,
                        "error",
                        msg,
                        ref,
                        jsonpath(ann_path),
                        hint=f"add the annotation {optout.REASON}: <why this resource is an exception>",
                    ),
                    Hit(path=ann_path),
                )
            )
        for rid in req.rules:
            if rid not in known:
                out.append(
                    (
                        res,
                        Finding(
                            optout.RULE_UNKNOWN,
                            "warning",
                            f"{optout.IGNORE} names unknown rule {rid!r}",
                            ref,
                            jsonpath(ann_path),
                        ),
                        Hit(path=ann_path),
                    )
                )
    return out


def _tracer(opts: Options):
    if opts.repo is None or not (opts.repo / "kustomize").is_dir() and not (opts.repo / "halconfig").is_dir():
        return None

    return Tracer(opts.repo, opts.env)


def _place(finding: Finding, res: Resource, hit: Hit | None, manifest: Manifest, tracer) -> Finding:
    """Add the manifest line (and, inside embedded config files, the line within the block) and the traced source."""
    path = hit.path if hit else ()
    line, column, exact = res.position_of(path)
    if hit and hit.inner_line and exact:
        node = res.scalar_node(path)
        if node is not None and getattr(node, "style", None) in ("|", ">"):
            line, column = res.chunk.first_line + node.start_mark.line + hit.inner_line, None
    location = Location(manifest.name, line, column)
    source = None
    if tracer is not None:
        if hit and hit.evidence:
            source = tracer.find_value(hit.evidence)
        elif hit and hit.trace_key:
            source = tracer.find_key(hit.trace_key)
        elif path and path[-1] == "image" and isinstance(get_path(res.obj, path), str):
            source = tracer.locate_image(get_path(res.obj, path)) or tracer.locate(res.obj, tuple(path))
        else:
            source = tracer.locate(res.obj, tuple(path))
    return Finding(
        finding.rule, finding.severity, finding.message, finding.resource, finding.path, location, source, finding.hint
    )
