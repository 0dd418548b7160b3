"""Plan and apply a migration: compute every output file, compare with the repository, write atomically.

    plan = make_plan(repo, source, deployment)     pure apart from reading SOURCE and a few repo files
    plan.conflicts                                  existing files that differ (refused without --force)
    apply_plan(plan, force=...)                     writes every changed file, all-or-nothing

Outputs (see docs/migrate.md): halconfig/halconfig.yml, halconfig/secrets.yml (merged round-trip
when it exists), halconfig/profiles/*, halconfig/patches/migrated-kubernetes-v1-accounts.yml,
kustomize/overlays/<deployment>/, MIGRATION.md, `.secrets/` (git-ignored, 0600) and a `.secrets/`
line in .gitignore. Running twice gives the same bytes, so the second run has nothing to do.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from spinops import render
from spinops.environments import variable_suffix
from spinops.errors import InputError, Problem
from spinops.halconfig.validate import validate
from spinops.migrate import halyard, sizing
from spinops.migrate import secrets as sec
from spinops.migrate.carry import Additions, merge, rendered_differences
from spinops.migrate.leaks import find_leaks
from spinops.migrate.model import CHANGED, DROPPED, HALCONFIG_OUT, MANUAL, Note, dotted, env_name, load_yaml
from spinops.migrate.report import render_report, source_location
from spinops.migrate.sizing import dump
from spinops.migrate.source import HalSource, Located, open_source, parse_yaml
from spinops.profiles import profile_names
from spinops.spinnaker.services import SERVICES, SHARDS
from spinops.wire import services_reading

SECRETS_OUT = "halconfig/secrets.yml"
REPORT_OUT = "MIGRATION.md"
V1_PATCH_OUT = "halconfig/patches/migrated-kubernetes-v1-accounts.yml"
GITIGNORE = ".gitignore"
SECRET_MODE = 0o600
#: Spring Cloud Config client settings Halyard shipped to every service (`spinnaker` prefix profiles).
CONFIG_SERVER_PROFILES = ("spinnakerconfig.yml", "spinnakerconfig-local.yml")
_ENV = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
HEADER = (
    "# Migrated from Halyard by `spinops migrate` (see MIGRATION.md). Kleat's halconfig format: `spinops schema`.\n"
    "# Credentials are ${NAME} placeholders declared in halconfig/secrets.yml; their values are in .secrets/ (never "
    "committed).\n"
)


@dataclass
class Output:
    path: str  # relative to the repo
    content: bytes
    secret: bool = False  # under .secrets/: mode 0600, never printed
    status: str = ""  # create | update | unchanged | conflict


@dataclass
class Plan:
    repo: Path
    source: HalSource
    deployment: str
    env: str
    outputs: list[Output] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secret_values: list[str] = field(default_factory=list)
    # (value, Halyard file, path): never printed
    secret_origins: list[tuple[str, str, tuple | None]] = field(default_factory=list)
    additions: Additions = field(default_factory=Additions)  # properties carried into profiles (migrate/carry.py)
    deletions: list[str] = field(default_factory=list)  # files of the installation --replace deletes
    replace: bool = False
    namespace: str = "spinnaker"

    @property
    def conflicts(self) -> list[Output]:
        return [o for o in self.outputs if o.status == "conflict"]

    @property
    def changes(self) -> list[Output]:
        return [o for o in self.outputs if o.status in ("create", "update", "conflict")]

    @property
    def has_work(self) -> bool:
        return bool(self.changes or self.deletions)


# --------------------------------------------------------------------------------------------


def make_plan(repo: Path, source: str | Path, deployment: str | None = None, env: str | None = None, *,
              public_values: tuple[str, ...] = (), version: str | None = None, replace: bool = False) -> Plan:
    """Everything a migration would write, with each file's status; nothing is written.

    env: the environment (overlay kustomize/overlays/<env>/) to write; default: the deployment's name.
    public_values: values the user declared placeholders, allowed in tracked files (the leak guard skips them).
    replace: delete another installation found in halconfig/ and kustomize/overlays/ (otherwise: refuse).
    """
    repo = Path(repo)
    if not (repo / "kustomize" / "base").is_dir():
        raise InputError(
            Problem(
                "not a spinops repository: kustomize/base/ is missing (the migrated overlay builds on it)",
                file=str(repo),
                code="not-a-repo",
                hint="run `spinops migrate` at the root of a copy of the spinops template, or pass --repo DIR",
            )
        )
    src = open_source(source)
    config = parse_yaml(src.text("config") or "", src.where("config"))
    idx, dep, notes = halyard.select_deployment(config.data, deployment, src.where("config"))
    dep_name = str(dep.get("name"))
    name = env or dep_name
    if not _ENV.fullmatch(name):
        raise InputError(
            Problem(
                f"{name!r} cannot be an environment name (kustomize/overlays/<name>): use letters, digits, '.', '_' "
                "and '-'",
                file=src.where("config"),
                code="bad-env",
                hint="choose one with --env NAME",
            )
        )
    plan = Plan(repo, src, dep_name, name, replace=replace)
    prefix = ("deploymentConfigurations", idx)
    settings_docs = _service_settings(src, dep_name)
    settings = {k: v.data for k, v in settings_docs.items()}
    creds = sec.Credentials()

    try:
        r = halyard.release_version(dep, version)
        dep = r.data
        notes += _with_prefix(r.notes, prefix)
        notes += _with_prefix(_halconfig_step(plan, dep, settings, creds), prefix)
    except InputError as e:  # a transform refused: point at the Halyard line it refused

        def locate(p: Problem) -> Problem:
            if p.file is not None or "path" not in p.extra:
                return p
            line, column = config.position(prefix + tuple(p.extra["path"])) or (None, None)
            return dataclasses.replace(p, file=config.file, line=line, column=column)

        raise InputError([locate(p) for p in e.problems]) from None
    notes += _with_prefix(_overlay_step(plan, dep, settings, creds), prefix)
    for c in creds.found():  # credentials found in config: the same prefix as the notes
        if c.src_file == "config" and c.src is not None:
            c.src = prefix + tuple(c.src)
    notes += _profiles(plan, src, dep_name, creds)
    notes += _secrets_step(plan, creds)
    notes += _replace_or_refuse(plan, replace)
    notes += _github_steps(plan, creds)
    plan.notes = notes

    # the report last: it needs every other output for its line numbers

    files = {o.path: o.content for o in plan.outputs if not o.secret}
    docs = {"config": config, **{f"service-settings/{k}.yml": v for k, v in settings_docs.items()}}
    plan.outputs.append(Output(REPORT_OUT, render_report(plan, docs, files).encode()))
    _guard(plan, _source_scalars(dep, settings, src, dep_name), frozenset(public_values))
    _status(plan)
    return plan


def _with_prefix(notes: list[Note], prefix: tuple) -> list[Note]:
    """Paths in Halyard's `config` are relative to the deployment until here."""
    for n in notes:
        if n.src_file == "config" and n.src is not None:
            n.src = prefix + tuple(n.src)
    return notes


def _halconfig_step(plan: Plan, dep: dict, settings: dict, creds: sec.Credentials) -> list[Note]:
    """transforms -> Halyard defaults pruned -> credentials out -> what the strict validator rejects dropped."""
    v1 = halyard.v1_accounts(dep)  # before provider_versions removes the field
    data: dict = dep
    notes: list[Note] = []
    for t in halyard.TRANSFORMS:
        r = t(data)
        data, notes = r.data, notes + r.notes
    r = halyard.gate_basic_auth(data, settings.get("gate"))
    data, notes = r.data, notes + r.notes
    data, pruned = halyard.prune_empty(data)
    data, cred_notes = sec.halconfig_credentials(data, plan.source, creds)
    r = halyard.drop_invalid(data)
    drop_notes = _carry_dropped(plan, data, r.data, r.notes, creds) + r.notes
    data = r.data
    if validate(data)[1].issues:  # pragma: no cover - drop_invalid guarantees this
        raise RuntimeError("the migrated halconfig does not validate")
    renames = [n for n in notes if n.rename]
    for n in cred_notes + drop_notes:  # found in the Kleat-shaped data: map back to Halyard's file and path
        n.src_file, n.src = _src_of(n.src, renames)
    for c in creds.found():  # so far only the halconfig's: the same mapping
        c.src_file, c.src = _src_of(c.src, renames)
    notes = [n for n in notes if n.topic != "_path"] + cred_notes + drop_notes
    if pruned:
        notes.append(
            Note(
                DROPPED,
                f"{pruned} empty values (null, [], {{}}, sections with only `enabled: false`) that Halyard writes for "
                "every unset field were left out",
                src=None,
                out=None,
                topic="Halyard defaults",
            )
        )
    if v1:
        version = halyard.parse_version(dep.get("version"))
        if version is not None and version < halyard.V1_REMOVED_IN:
            for a in plan.additions.by_profile.get("clouddriver-local.yml", []):
                if a.path == ("kubernetes", "accounts") and isinstance(
                    a.value, list
                ):  # this list replaces the rendered one: keep V1 in it
                    for acct in a.value:
                        if isinstance(acct, dict) and acct.get("name") in v1:
                            acct["providerVersion"] = "V1"
            plan.outputs.append(Output(V1_PATCH_OUT, _v1_patch(v1).encode()))
            notes.append(
                Note(
                    CHANGED,
                    f"Kubernetes V1 accounts {', '.join(v1)}: version {dep.get('version')} is below 1.21, so "
                    f"{V1_PATCH_OUT} (jq, when spinnakerVersion <1.21) sets `providerVersion: V1` on them in "
                    "clouddriver.yml",
                    src=("providers", "kubernetes"),
                    out=("args", "v1Accounts"),
                    out_file=V1_PATCH_OUT,
                    topic="Kubernetes V1 accounts",
                )
            )
        else:
            notes.append(
                Note(
                    MANUAL,
                    f"Kubernetes V1 accounts {', '.join(v1)}: Spinnaker {dep.get('version')} has no V1 provider and "
                    "the rendered "
                    "config carries no providerVersion, so clouddriver loads them as standard (V2) accounts: move "
                    "their pipelines "
                    "to the manifest stages (Deploy/Patch/Delete (Manifest)) before switching",
                    src=("providers", "kubernetes"),
                    out=("providers", "kubernetes"),
                    topic="Kubernetes V1 accounts",
                )
            )
    plan.outputs.append(Output(HALCONFIG_OUT, (HEADER + sizing.dump(data)).encode()))
    return notes


def _carry_dropped(
    plan: Plan, with_fields: dict, without: dict, drop_notes: list[Note], creds: sec.Credentials
) -> list[Note]:
    """Fields Kleat's schema lacks but a service reads: into `<svc>-local.yml` at the property the service reads
    (issue 14 item 8); credentials in them become ${NAME} like any other (Secret spinnaker-profiles)."""
    notes = []
    carried: dict[str, set[str]] = {}  # service -> every key name inside what it gets
    for svc, diffs in sorted(rendered_differences(with_fields, without).items()):
        profile = f"{svc}-local.yml"
        for prop, value in diffs:
            box = {prop[-1]: copy.deepcopy(value)}  # profile_secrets replaces in place, under the property's own key
            names = [n for _p, n in sec.profile_secrets(profile, box, creds, tuple(prop[:-1]), src_file="config")]
            names += [
                n
                for _p, ns in sec.string_secrets(
                    box,
                    creds,
                    sec.PROFILES_SECRET,
                    lambda p, svc=svc: [svc, *(x for x in p if isinstance(x, str))],
                    "config",
                    tuple(prop[:-1]),
                )
                for n in ns
            ]
            value = box[prop[-1]]
            keys = set(_keys(value)) | {prop[-1]}
            carried.setdefault(svc, set()).update(keys)
            note = Note(
                CHANGED,
                f"`{'.'.join(map(str, prop))}` -> halconfig/profiles/{profile}: Kleat's schema lacks fields of it "
                f"that {svc} reads"
                + (" (the whole list: Spring replaces a list instead of merging it)" if isinstance(value, list) else "")
                + (
                    f"; credentials in it became {', '.join('${' + n + '}' for n in names)} (Secret "
                    f"{sec.PROFILES_SECRET})"
                    if names
                    else ""
                ),
                src=None,
                out=tuple(prop),
                out_file=f"halconfig/profiles/{profile}",
                topic="Carried to profiles",
            )
            plan.additions.add(profile, tuple(map(str, prop)), value, note)
            notes.append(note)

    for n in drop_notes:  # say where each dropped field went, when a service that reads its section got it
        if n.src and n.kind == DROPPED:
            svcs = [s for s in services_reading(tuple(n.src), render.SECTIONS) if n.src[-1] in carried.get(s, ())]
            if svcs:
                n.kind, n.topic, n.out_file = CHANGED, "Carried to profiles", f"halconfig/profiles/{svcs[0]}-local.yml"
                n.message = (
                    f"`{dotted(n.src)}` has no Kleat field: carried into "
                    + ", ".join(f"halconfig/profiles/{s}-local.yml" for s in svcs)
                    + " (the block it is in, below)"
                )
    return notes


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def _overlay_step(plan: Plan, dep: dict, settings: dict, creds: sec.Credentials) -> list[Note]:
    """deploymentEnvironment + service-settings -> kustomize/overlays/<env>/."""
    notes: list[Note] = []
    saml_bytes = _saml_metadata(plan, dep, notes)
    secret_env, secret_string = _secret_moves(creds, notes)
    ov = sizing.build_overlay(
        plan.env, dep, settings, _base_resources(plan.repo), saml_bytes, secret_env, secret_string
    )
    for profile, adds in ov.additions.by_profile.items():
        plan.additions.by_profile.setdefault(profile, []).extend(adds)
    notes += ov.notes
    odir = f"kustomize/overlays/{plan.env}"
    plan.outputs.append(
        Output(
            f"{odir}/kustomization.yml",
            (_overlay_header(plan.env, plan.deployment) + sizing.dump(sizing.kustomization(ov))).encode(),
        )
    )
    for fname, patch in sorted(ov.patches.items()):
        plan.outputs.append(
            Output(f"{odir}/{fname}", ("# Migrated from Halyard (see MIGRATION.md).\n" + sizing.dump(patch)).encode())
        )
    for fname, content in sorted(ov.extra_files.items()):
        plan.outputs.append(Output(f"{odir}/{fname}", content))
    if "redis.yml" not in ov.patches and "redis" not in settings:
        notes.append(
            Note(
                MANUAL,
                "point the `redis` ExternalName Service at your Redis: add a patch like "
                f"kustomize/overlays/staging/redis.yml to {odir}/",
                src=None,
                out=None,
                topic="Redis",
            )
        )
    notes.append(
        Note(
            MANUAL,
            f"build and check: `spinops build --env {plan.env} && spinops check --env {plan.env}`; Halyard named "
            "objects spin-<svc> and selected them by other labels, so this is a side-by-side cut-over: re-point "
            "ingresses/load balancers from spin-gate/spin-deck to gate/deck, then delete the spin-* objects",
            src=None,
            out=None,
            topic="Cut-over",
        )
    )
    plan.namespace = ov.namespace
    return notes


def _saml_metadata(plan: Plan, dep: dict, notes: list[Note]) -> bytes | None:
    """The SAML metadata file the overlay mounts into gate (metadataLocal, read from SOURCE), or None for none.
    Missing from SOURCE: empty, with a manual step to put it in place."""
    saml_local = halyard.get(dep, ("security", "authn", "saml", "metadataLocal"))
    if (
        not saml_local
        or halyard.get(dep, ("security", "authn", "saml", "metadataRemote"))
        or sec.is_encrypted(saml_local)
    ):
        return None
    _found, saml_bytes = plan.source.resolve_file(str(saml_local))
    if saml_bytes is None:
        notes.append(
            Note(
                MANUAL,
                f"SAML metadata file {saml_local} is not in SOURCE: put it at "
                f"kustomize/overlays/{plan.env}/saml-metadata.xml",
                src=("security", "authn", "saml", "metadataLocal"),
                out=None,
                topic="Security",
            )
        )
        return b""
    return saml_bytes


def _secret_moves(creds: sec.Credentials, notes: list[Note]):
    """(secret_env, secret_string) for sizing.build_overlay: credentials in container env and in values carried
    into profiles move to Secret keys (recorded in `creds`), encrypted ones get a note."""

    def secret_env(owner, var, value, src_file, src):
        entries = sec.env_var_secret(owner, var, value, creds, src_file=src_file, src=src)
        if sec.is_encrypted(value):
            notes.append(sec.encrypted_note(f"env `{var}` of {owner}", value, src, src_file, out=None, out_file="-"))
        return entries

    def secret_string(owner, value, src_file, src):
        found = sec.secrets_in_string(value)
        if not found:
            return value
        names = []
        for f in found:
            name = creds.new_name(
                env_name(
                    [
                        owner,
                        *[p for p in src if isinstance(p, str)],
                        "password" if f.what == "url password" else "token",
                    ]
                ),
                f"{src_file} {f.what}",
            )
            creds.add_env(
                f"spinnaker-{owner}", name, value[f.start : f.end], f"{src_file} ({f.what})", src_file=src_file, src=src
            )
            names.append(name)
        return sec.replace_in_string(value, found, names, "${{{}}}")

    return secret_env, secret_string


#: Where an installation lives in this repository: its halconfig and its kustomize overlays (docs/contracts.md).
INSTALLATION_DIRS = ("halconfig", "kustomize/overlays")


def _other_installation(plan: Plan) -> list[str]:
    """Files of another installation (the template's reference one): in halconfig/ or kustomize/overlays/, not
    written by us.

    They would take part in the build (halconfig fragments, patches, profiles, env overlays) or keep an
    environment of their own (overlays with the same namespace, Secrets the workflows expect)."""
    ours = {o.path for o in plan.outputs} | {REPORT_OUT, SECRETS_OUT}
    found = []
    for top in INSTALLATION_DIRS:
        d = plan.repo / top
        if d.is_dir():
            found += [
                p.relative_to(plan.repo).as_posix() for p in d.rglob("*") if p.is_file() and not p.name.startswith(".")
            ]
    return sorted(f for f in found if f not in ours)


def _replace_or_refuse(plan: Plan, replace: bool) -> list[Note]:
    """One installation per repository: delete the other one (--replace) or refuse, naming what is there."""
    others = _other_installation(plan)
    if not others:
        return []
    if not replace:
        envs = sorted({f.split("/")[2] for f in others if f.startswith("kustomize/overlays/") and f.count("/") >= 3})
        shown = others[:12] + ([f"... and {len(others) - 12} more"] if len(others) > 12 else [])
        raise InputError(
            Problem(
                "this repository holds another installation"
                + (f" (environments {', '.join(envs)})" if envs else "")
                + ": migrating beside it would mix its halconfig files, overlays, Secrets and namespaces with the "
                  "migrated one: "
                + ", ".join(shown),
                file=str(plan.repo),
                code="other-installation",
                hint="pass --replace to delete it and keep only the migrated installation (review with `git status` "
                     "before committing), "
                "or migrate into a fresh copy of the template",
            )
        )
    plan.deletions = (
        others  # listed by the command, not in MIGRATION.md: a second run must reproduce the report byte for byte
    )
    return []


def _secrets_step(plan: Plan, creds: sec.Credentials) -> list[Note]:
    """halconfig/secrets.yml, .secrets/ and .gitignore, from everything the other steps took out of the config."""
    notes = []
    for e in creds.env:
        notes.append(Note(MANUAL if e.value is None else "secret", f"{e.key} (Secret {e.secret}) from {e.where}: "
                          + ("value unknown: supply it" if e.value is None else f"value in .secrets/{e.secret}.env"),
                          src=None, out=("secrets", e.secret), out_file=SECRETS_OUT, topic="_secrets"))
    plan.outputs.append(
        Output(SECRETS_OUT, _secrets_yml(None if plan.replace else plan.repo, creds.secrets()).encode())
    )
    plan.outputs.extend(_secret_files(creds))
    plan.secret_origins = [(e.value, e.src_file, e.src) for e in creds.env if e.value and len(e.value) >= 4] + [
        (f.content.decode("utf-8", "replace").strip(), f.src_file, f.src)
        for f in creds.files
        if f.content and len(f.content.strip()) >= 16
    ]
    plan.secret_values = sorted({v for v, _f, _s in plan.secret_origins})
    gi = _gitignore(plan.repo)
    if gi is not None:
        plan.outputs.append(Output(GITIGNORE, gi.encode()))
    if creds.files:
        notes.append(
            Note(
                MANUAL,
                f"create the file Secret: `kubectl -n {plan.namespace} create secret generic {sec.FILES_SECRET} "
                f"--from-file=.secrets/{sec.FILES_SECRET}/` (or an ExternalSecret); it is `source: external`",
                src=None,
                out=None,
                out_file=SECRETS_OUT,
                topic="Credentials",
            )
        )
    return notes


WORKFLOWS = ".github/workflows"


def _workflow_variables(repo: Path) -> list[str]:
    """The `vars.*` names the repository's workflows read (from their text)."""
    variables = set()
    d = repo / WORKFLOWS
    for f in sorted(d.glob("*.y*ml")) if d.is_dir() else []:
        text = f.read_text(encoding="utf-8", errors="replace")
        variables.update(re.findall(r"\bvars\.([A-Za-z_][A-Za-z0-9_]*)", text))
    return sorted(variables)


def _github_steps(plan: Plan, creds: sec.Credentials) -> list[Note]:
    """What must be done on GitHub for the pipeline to deploy the migrated installation (docs/pipeline.md).

    The workflows build their matrices from the overlays (`spinops env list`), so the migrated environment is
    picked up as it is: nothing in .github/ names an environment."""
    variables = _workflow_variables(plan.repo)
    e = plan.env
    notes = [
        Note(
            MANUAL,
            f"create the GitHub environment `{e}` (repository Settings > Environments; add required reviewers if "
            f"deploys need approval; deployment branches: main only). The workflows deploy every overlay of "
            f"kustomize/overlays/ (`spinops env list`), `{e}` included: nothing in .github/ changes",
            src=None,
            out=None,
            topic="GitHub",
        )
    ]
    keys = sorted({k.key for k in creds.env})
    if keys:
        bad = [k for k in keys if k.startswith("GITHUB_")]
        notes.append(
            Note(
                MANUAL,
                f"store each key of .secrets/*.env as a secret of environment `{e}` (`gh secret set -e {e} -f "
                ".secrets/<secret>.env`; "
                "a key whose value is unknown yet has no line there: `gh secret set -e "
                + e
                + " NAME`), and pass each to the apply step of "
                f"{WORKFLOWS}/deploy.yml as `NAME: ${{{{ secrets.NAME }}}}` (`spinops apply` creates the `source: "
                "workflow` Secrets from "
                "those variables), replacing the previous installation's names. Keys: "
                + ", ".join(keys)
                + (
                    f". GitHub secret names cannot start with GITHUB_: store {', '.join(bad)} under another name and "
                    "map it in the workflow"
                    if bad
                    else ""
                ),
                src=None,
                out=None,
                out_file=SECRETS_OUT,
                topic="GitHub",
            )
        )
    suffix = variable_suffix(e)
    cluster = [f"GKE_CLUSTER_{suffix}", f"GKE_LOCATION_{suffix}"]  # the defaults of the overlay's spinops.yml
    if variables:
        notes.append(
            Note(
                MANUAL,
                f"set the variables the workflows read (`gh variable set NAME`; for environment `{e}`: `gh variable "
                f"set -e {e} NAME`): " + ", ".join(variables)
                + f"; and the repository variables {cluster[0]} and {cluster[1]} (the GKE cluster of `{e}` and its "
                f"location, named by kustomize/overlays/{e}/spinops.yml `gke:`)",
                src=None,
                out=None,
                topic="GitHub",
            )
        )
    notes.append(
        Note(
            MANUAL,
            f"Workload Identity: let the workflow jobs of environment `{e}` impersonate the deploy service account "
            "(grant roles/iam.workloadIdentityUser to the principalSet `.../attribute.environment/"
            + e
            + "` of a provider whose attribute condition requires this repository's numeric `repository_id` and "
            "`repository_owner_id`, never its name: docs/pipeline.md, Workload Identity Federation; `spinops check` "
            "rule workload-identity-ids), and give that account access to the cluster and to namespace "
            f"`{plan.namespace}`",
            src=None,
            out=None,
            topic="GitHub",
        )
    )
    return notes


def _src_of(path: tuple | None, renames: list[Note]) -> tuple[str, tuple | None]:
    """(Halyard file, path) of a path in the migrated halconfig, following the renames the transforms made."""
    if path is None:
        return "config", None
    path = tuple(path)
    best: Note | None = None
    best_out: tuple = ()
    for n in renames:
        o = tuple(n.out or ())
        if path[: len(o)] == o and (best is None or len(o) > len(best_out)):
            best, best_out = n, o
    if best is None:
        return "config", path
    return best.src_file, tuple(best.src or ()) + path[len(best_out) :]


def _service_settings(src: HalSource, deployment: str) -> dict[str, Located]:
    out = {}
    for rel in src.listdir(f"{deployment}/service-settings"):
        fname = rel.rsplit("/", 1)[-1]
        if not fname.endswith((".yml", ".yaml")) or "/" in rel[len(deployment) + len("/service-settings/"):]:
            continue
        doc = parse_yaml(src.text(rel) or "", src.where(rel))
        if isinstance(doc.data, dict):
            out[fname.rsplit(".", 1)[0]] = doc
        elif doc.data is not None:
            raise InputError(
                Problem(
                    "service settings are a mapping (env, kubernetes, targetSize, ...)",
                    file=src.where(rel),
                    line=1,
                    code="not-halyard",
                )
            )
    return out


def _base_resources(repo: Path) -> dict[str, dict]:
    """Container resources of kustomize/base/<svc>/deployment.yml (to keep requests <= limits)."""
    out = {}
    for svc in SERVICES:
        p = repo / "kustomize" / "base" / svc / "deployment.yml"
        try:
            doc = load_yaml(p.read_text(encoding="utf-8"))
            for c in doc["spec"]["template"]["spec"]["containers"]:
                if c.get("name") == svc:
                    out[svc] = c.get("resources") or {}
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            continue
    return out


def _overlay_header(name: str, deployment: str) -> str:
    return (f"# Environment `{name}`, migrated from the Halyard deployment `{deployment}` (see MIGRATION.md).\n"
            f"# Build it with `spinops build --env {name}`. One patch file per Deployment it changes.\n")


def _v1_patch(accounts: list[str]) -> str:
    return (
        "# Migrated from Halyard: these Kubernetes accounts ran the legacy V1 provider. Kleat has no providerVersion "
        "field,\n"
        "# so it is set after rendering; clouddriver before 1.21 reads it. Remove this file once the accounts are V2.\n"
        + dump(
            {
                "kind": "jq",
                "target": "clouddriver.yml",
                "when": {"spinnakerVersion": "<1.21"},
                "args": {"v1Accounts": accounts},
                "patch": '.kubernetes.accounts |= map(if (.name | IN($v1Accounts[])) then .providerVersion = "V1" '
                         'else . end)\n',
            }
        )
    )


# ------------------------------------------------------------------------------------ profiles

def _profiles(plan: Plan, src: HalSource, deployment: str, creds: sec.Credentials) -> list[Note]:
    notes = []
    valid = profile_names()
    base = f"{deployment}/profiles/"
    for rel in src.listdir(f"{deployment}/profiles"):
        fname = rel[len(base):]
        target = _profile_target(fname, valid)
        if fname in CONFIG_SERVER_PROFILES:
            notes.append(
                Note(
                    MANUAL,
                    f"profile {fname} configures a Spring Cloud Config server (its `{{cipher}}` values and `${{...}}` "
                    "properties were resolved by it); spinops runs none and does not ship this file: move what the "
                    "server supplied into halconfig/profiles/*-local.yml, with credentials as ${NAME} placeholders "
                    "declared in halconfig/secrets.yml",
                    src=None,
                    src_file=f"{deployment}/profiles/{fname}",
                    out=None,
                    topic="Secret engines",
                )
            )
            continue
        if "/" in fname or target not in valid:
            notes.append(
                Note(
                    MANUAL,
                    f"profile file {fname} has no place in halconfig/profiles/ (only <service>-local.yml, "
                    "spinnaker-local.yml, settings-local.js and shard profiles); port it by hand (e.g. rosco packer "
                    "templates need a ConfigMap mounted into rosco)",
                    src=None,
                    src_file=f"{deployment}/profiles/{fname}",
                    out=None,
                    topic="Profiles",
                )
            )
            continue
        notes += _copy_profile(plan, src, rel, fname, target, deployment, creds)
    notes += _carry(plan)
    return notes


def _profile_target(fname: str, valid) -> str:
    """The name a Halyard profile takes here: its own, or for Halyard's shard profile `<svc>-<shard>-local.yml` our
    shard profile `<svc>-<shard>.yml`."""
    m = re.fullmatch(r"([a-z0-9]+)-([a-z-]+)-local\.yml", fname)
    if (
        m
        and f"{m.group(1)}-{m.group(2)}.yml" in valid
        and f"{m.group(1)}-{m.group(2)}" in SHARDS.get(m.group(1), {})
    ):
        return f"{m.group(1)}-{m.group(2)}.yml"
    return fname


def _copy_profile(
    plan: Plan, src: HalSource, rel: str, fname: str, target: str, deployment: str, creds: sec.Credentials
) -> list[Note]:
    """One profile into halconfig/profiles/, its literal credentials replaced by placeholders (YAML profiles)."""
    notes = []
    out_path = f"halconfig/profiles/{target}"
    content = src.files[rel]
    replaced: list[tuple[tuple, str]] = []
    refs: list[sec.ProfileRef] = []
    src_file = f"{deployment}/profiles/{fname}"
    if target.endswith(".yml"):
        content, replaced, refs = _profile_secrets(target, content, src.where(rel), creds, src_file)
    elif re.search(rb"(?i)(token|password|secret)\s*[:=]\s*['\"][^'\"$]", content):
        notes.append(
            Note(
                MANUAL,
                f"{fname} seems to hold a credential: Deck serves this file to every browser; remove it",
                src=None,
                src_file=f"{deployment}/profiles/{fname}",
                out=None,
                topic="Profiles",
            )
        )
    plan.outputs.append(Output(out_path, content))
    notes.append(
        Note(
            CHANGED,
            f"profile {fname} -> {out_path}" + (" (Halyard's shard profile)" if target != fname else ""),
            src=None,
            src_file=f"{deployment}/profiles/{fname}",
            out=None,
            out_file=out_path,
            topic="Profiles",
        )
    )
    return notes + _profile_credential_notes(fname, src_file, out_path, replaced, refs)


def _profile_credential_notes(
    fname: str, src_file: str, out_path: str, replaced: list[tuple[tuple, str]], refs: list[sec.ProfileRef]
) -> list[Note]:
    """A note per literal credential replaced in a profile and per secret reference it keeps or gets."""
    notes = []
    for path, name in replaced:
        notes.append(
            Note(
                "secret",
                f"literal credential `{'.'.join(map(str, path))}` in {fname} replaced by ${{{name}}} (Secret "
                f"{sec.PROFILES_SECRET})",
                src=path,
                src_file=src_file,
                out=path,
                out_file=out_path,
                topic="Credentials",
            )
        )
    for path, kind, what in refs:
        at = f"`{'.'.join(map(str, path))}` in {fname}"
        if kind == "encrypted":
            notes.append(sec.encrypted_note(at, what, path, src_file, out_file=out_path))
        elif kind == "cipher":
            notes.append(sec.cipher_note(at, what, sec.PROFILES_SECRET, path, src_file, out_file=out_path))
        else:  # a secret inside a string (URL user-info, -D property)
            notes.append(
                Note(
                    "secret",
                    f"{at}: {kind} replaced by {what} (Secret {sec.PROFILES_SECRET})",
                    src=path,
                    src_file=src_file,
                    out=path,
                    out_file=out_path,
                    topic="Credentials",
                )
            )
    return notes


def _carry(plan: Plan) -> list[Note]:
    """Merge the carried properties into the profiles (the user's own, copied above, or new files)."""
    notes: list[Note] = []
    outputs = {o.path: o for o in plan.outputs}
    for profile, adds in sorted(plan.additions.by_profile.items()):
        out_path = f"halconfig/profiles/{profile}"
        existing = outputs.get(out_path)
        text, kept = merge(existing.content.decode("utf-8") if existing else None, adds)
        if existing:
            existing.content = text.encode()
        else:
            plan.outputs.append(Output(out_path, text.encode()))
        for a in kept:
            a.note.kind, a.note.topic = MANUAL, a.note.topic
            a.note.message = (
                f"{a.note.message.split(' -> ')[0]}: your {profile} sets `{'.'.join(a.path)}` already, so it was kept "
                "and the Halyard "
                "value not carried; check which one is right"
            )
    return notes


def _profile_secrets(
    name: str, content: bytes, where: str, creds: sec.Credentials, src_file: str
) -> tuple[bytes, list[tuple[tuple, str]], list[sec.ProfileRef]]:
    from ruamel.yaml import YAML  # noqa: PLC0415 start-up: ruamel.yaml
    from ruamel.yaml.error import YAMLError  # noqa: PLC0415 start-up: ruamel.yaml

    y = YAML()  # round-trip: comments, order and quoting of the hand-written file survive
    y.preserve_quotes = True
    y.width = 4096
    try:
        doc = y.load(content.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError) as e:
        raise InputError(Problem(f"malformed YAML profile: {e}", file=where, code="yaml-syntax")) from None
    refs: list[sec.ProfileRef] = []
    replaced = sec.profile_secrets(name, doc, creds, src_file=src_file, refs=refs)
    stem = name.rsplit(".", 1)[0]
    for path, names in sec.string_secrets(
        doc, creds, sec.PROFILES_SECRET, lambda p: [stem, *[x for x in p if isinstance(x, str)]], src_file
    ):
        refs.append(
            (path, "a secret inside the value (URL user-info or -D property)", ", ".join("${" + n + "}" for n in names))
        )
    if not replaced and not any(r[1] not in ("encrypted",) for r in refs):
        return content, [], refs
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue().encode(), replaced, refs


# ------------------------------------------------------------------------------------ secrets

def _secrets_yml(repo: Path | None, declared: dict[str, dict]) -> str:
    """halconfig/secrets.yml with our Secrets: a new file (repo None: --replace), or the existing one edited
    round-trip."""
    from ruamel.yaml import YAML  # noqa: PLC0415 start-up: ruamel.yaml
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # noqa: PLC0415 start-up: ruamel.yaml

    path = repo / SECRETS_OUT if repo is not None else None
    y = YAML()
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)
    if path is not None and path.is_file():
        doc = y.load(path.read_text(encoding="utf-8")) or CommentedMap()
    else:
        doc = CommentedMap()
        doc.yaml_set_start_comment(
            "Which Kubernetes Secret holds which credential: names only, never values (migrated from Halyard).\n"
            "`spinops build` wires each key into exactly the services that read it; `spinops apply` creates the\n"
            "`source: workflow` Secrets from the workflow's env vars of the same names. Values: .secrets/ "
            "(git-ignored)."
        )
    if doc.get("secrets") is None:
        doc["secrets"] = CommentedMap()
    for name, decl in declared.items():
        entry = CommentedMap()
        entry["source"] = decl["source"]
        if "mountPath" in decl:
            entry["mountPath"] = decl["mountPath"]
        for k in ("env", "files"):
            if k in decl:
                seq = CommentedSeq(decl[k])
                seq.fa.set_flow_style()
                entry[k] = seq
        doc["secrets"][name] = entry
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


def _secret_files(creds: sec.Credentials) -> list[Output]:
    out = []
    by_secret: dict[str, list] = {}
    for e in creds.env:
        by_secret.setdefault(e.secret, []).append(e)
    for secret, entries in sorted(by_secret.items()):
        text, multi = sec.env_file(entries)
        if text:
            out.append(Output(f"{sec.SECRETS_DIR}/{secret}.env", text.encode(), secret=True))
        for key, value in sorted(multi.items()):
            out.append(Output(f"{sec.SECRETS_DIR}/{secret}/{key}", value.encode(), secret=True))
    for f in sorted(creds.files, key=lambda f: f.key):
        if f.content is not None:
            out.append(Output(f"{sec.SECRETS_DIR}/{sec.FILES_SECRET}/{f.key}", f.content, secret=True))
    return out


def _gitignore(repo: Path) -> str | None:
    p = repo / GITIGNORE
    text = p.read_text(encoding="utf-8") if p.is_file() else ""
    lines = {ln.strip() for ln in text.splitlines()}
    if lines & {".secrets/", ".secrets", "/.secrets/", "/.secrets"}:
        return text if p.is_file() else None
    return (
        text
        + ("" if not text or text.endswith("\n") else "\n")
        + "# credentials written by `spinops migrate`: never commit\n.secrets/\n"
    )


# ------------------------------------------------------------------------------------ safety, status, writing

def _guard(plan: Plan, source_scalars: Counter, public_values: frozenset[str]) -> None:
    """No credential value may reach a tracked file (or the report): refuse rather than write one (migrate/leaks.py).

    Not a leak: a value that a non-credential field of the Halyard input holds as well (a password equal
    to the user name is public anyway), and a value the user declared a placeholder (--public-value).
    A refusal names the output file:line and the Halyard file:line of the credential, never the value.
    """
    as_credential = Counter(v for v, _f, _s in plan.secret_origins)
    values = [
        v for v in plan.secret_values if v not in public_values and source_scalars.get(v, 0) <= as_credential.get(v, 0)
    ]
    hits = find_leaks({o.path: o.content for o in plan.outputs if not o.secret}, values)
    if not hits:
        return
    problems = []
    for h in hits:
        origins = [source_location(plan, f, p) for v, f, p in plan.secret_origins if v == h.value] or [
            "a credential file"
        ]
        problems.append(
            Problem(
                f"refusing to write {h.path}: it would hold the credential from {origins[0]}",
                file=h.path,
                line=h.line,
                code="secret-leak",
                hint="if that value is a placeholder and not a real credential (e.g. a vendor default such as "
                     "`changeit`), rerun "
                "with --public-value VALUE to allow it in tracked files; otherwise report this as a bug in spinops "
                "migrate",
            )
        )
    raise InputError(problems)


def _source_scalars(dep: dict, settings: dict, src: HalSource, deployment: str) -> Counter:
    """How often each whole scalar value occurs in the Halyard input (config, service-settings, YAML profiles)."""
    counts: Counter = Counter(_scalars(dep))
    for data in settings.values():
        counts.update(_scalars(data))
    for rel in src.listdir(f"{deployment}/profiles"):
        if rel.endswith((".yml", ".yaml")):
            with contextlib.suppress(yaml.YAMLError, UnicodeDecodeError):
                counts.update(_scalars(load_yaml(src.files[rel].decode("utf-8"))))
    return counts


def _scalars(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield str(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _scalars(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _scalars(v)


def _status(plan: Plan) -> None:
    for o in plan.outputs:
        p = plan.repo / o.path
        if not p.exists():
            o.status = "create"
            continue
        try:
            current = p.read_bytes()
        except OSError:
            o.status = "conflict"
            continue
        if current == o.content:
            o.status = "unchanged"
        elif (
            o.path in (SECRETS_OUT, GITIGNORE)
            and not (plan.replace and o.path == SECRETS_OUT)
            and _only_added(current, o.content, o.path)
        ):
            o.status = "update"
        else:
            o.status = "conflict"


def _only_added(old: bytes, new: bytes, path: str) -> bool:
    """True when `new` keeps every entry `old` had (we only added ours)."""
    if path == GITIGNORE:
        return new.startswith(old)

    try:
        a = (load_yaml(old) or {}).get("secrets") or {}
        b = (load_yaml(new) or {}).get("secrets") or {}
    except (yaml.YAMLError, AttributeError):
        return False
    return all(b.get(k) == v for k, v in a.items())


def apply_plan(plan: Plan, *, force: bool = False) -> list[Output]:
    """Write every created/updated (and, with force or --replace, conflicting) output, then delete what --replace
    deletes; all-or-nothing for the writes. Returns what was written."""
    force = force or plan.replace
    todo = [o for o in plan.outputs if o.status in ("create", "update") or (force and o.status == "conflict")]
    if plan.conflicts and not force:
        raise InputError(
            [
                Problem(
                    "exists with different content; not overwritten",
                    file=o.path,
                    code="would-overwrite",
                    hint="rerun with --force to overwrite (review `git diff` afterwards)",
                )
                for o in plan.conflicts
            ]
        )
    staged: list[tuple[str, Path]] = []
    try:
        for o in todo:
            target = plan.repo / o.path
            if o.secret:
                _secure_dirs(plan.repo, target.parent)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(o.content)
            os.chmod(tmp, SECRET_MODE if o.secret else 0o644)
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for rel in plan.deletions:
        (plan.repo / rel).unlink(missing_ok=True)
    for top in INSTALLATION_DIRS:  # directories the deletions emptied (deepest first)
        d = plan.repo / top
        for sub in (
            sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
            if d.is_dir()
            else []
        ):
            with contextlib.suppress(OSError):
                sub.rmdir()
    return todo


def _secure_dirs(repo: Path, d: Path) -> None:
    """Create .secrets/ (and below) as 0700."""
    rel = d.relative_to(repo)
    cur = repo
    for part in rel.parts:
        cur = cur / part
        if not cur.exists():
            cur.mkdir(mode=0o700)
        if cur.name == sec.SECRETS_DIR or str(cur.relative_to(repo)).startswith(sec.SECRETS_DIR):
            os.chmod(cur, 0o700)
