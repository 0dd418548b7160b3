"""Benchmark: `spinops check` on the reference build and on 2,000 generated resources.

Rows:
- whole process `spinops check build/production/manifests.yaml` (reference build) and on a file
  of 2,000 generated resources (500 x Deployment + Service + ConfigMap + Secret);
- in process, resources/second for schema validation with the cache (warm; the first compile of
  each kind is reported separately) and for lint (built-in rules plus kube-lint's example rule
  set), beside the uncached `kubernetes_validate.validate(obj, version, strict=True)` measured in
  the same run on a sample, and the cached pure-Python jsonschema validator from the tooling notes.
Target (issue 4): >= 2,000 resources/s validation with the cache.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from spinops.benchmarks._timing import compare_process, median_call
from spinops.build import build_env
from spinops.check import engine, validate_k8s
from spinops.check.rules import Context, builtin_rules
from spinops.check.source import parse_manifest
from spinops.manifests import dump_documents

ROOT = Path(__file__).resolve().parents[3]
TARGET_RPS = 2000
RULES = ROOT / "tests" / "check" / "fixtures" / "kube-lint-example.yaml"


def generate(n_apps: int = 500) -> str:
    """n_apps x (Deployment, Service, ConfigMap, Secret): Spinnaker-shaped, schema-valid, lint-clean."""
    docs = []
    for i in range(n_apps):
        name = f"cd-app-{i:04d}"  # kube-lint's example rule set wants `cd-` names
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "bench", "app": name}
        probe = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10}
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"{name}-config", "labels": labels},
                "data": {
                    f"{name}.yml": f"server:\n  port: 8080\nservice:\n  token: ${{TOKEN_{i % 10}}}\n  name: {name}\n"
                },
            }
        )
        docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-secret", "labels": labels},
                     "type": "Opaque", "stringData": {f"TOKEN_{i % 10}": "placeholder"}})
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "selector": {"app.kubernetes.io/name": name},
                    "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
                },
            }
        )
        docs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "securityContext": {"runAsNonRoot": True, "runAsUser": 10111},
                            "containers": [
                                {
                                    "name": "app",
                                    "image": f"registry.example.com/{name}:1.{i % 7}.0",
                                    "ports": [{"name": "http", "containerPort": 6379}],
                                    "envFrom": [{"secretRef": {"name": f"{name}-secret"}}],
                                    "resources": {
                                        "requests": {"cpu": "100m", "memory": "128Mi"},
                                        "limits": {"cpu": "1", "memory": "256Mi"},
                                    },
                                    "readinessProbe": probe,
                                    "livenessProbe": probe,
                                    "volumeMounts": [{"name": "config", "mountPath": "/opt/spinnaker/config"}],
                                }
                            ],
                            "volumes": [{"name": "config", "configMap": {"name": f"{name}-config"}}],
                        },
                    },
                },
            }
        )
    return dump_documents(docs)


def _process(args: list[str], runs: int) -> dict:
    """Median wall and CPU time of the whole `spinops check` process (exit 1, findings, is a normal result)."""
    return compare_process([sys.executable, "-m", "spinops", "check", *args], runs, ok=(0, 1)).fields()


def _in_process(label: str, text: str, runs: int, sample: int) -> list[dict]:
    objs = [r.obj for r in parse_manifest(text, label).resources]
    n = len(objs)
    validate_k8s._validator.cache_clear()
    validator = validate_k8s.SchemaValidator(validate_k8s.DEFAULT_KUBE_VERSION)
    cold = median_call(lambda: [validator.validate(o) for o in objs], 1)
    warm = median_call(lambda: [validator.validate(o) for o in objs], runs)
    lint_rules = engine.load_rule_file(RULES)
    mods = builtin_rules()
    lint_s = median_call(lambda: _lint(objs, mods, lint_rules), runs)
    picked = objs[:: max(1, n // sample)][:sample]
    uncached = median_call(
        lambda: [kubernetes_validate.validate(o, validate_k8s.DEFAULT_KUBE_VERSION, strict=True) for o in picked], 1
    ) / len(picked)
    py_cached = _python_jsonschema_per_resource(validator.version, picked, runs)
    per = warm / n
    return [
        {"name": f"{label}: validate, cached (jsonschema-rs)", "median_s": warm, "runs": runs, "resources": n,
         "per_sec": n / warm, "cold_first_run_s": cold, "target_rps": TARGET_RPS,
         "speedup_vs_uncached": uncached / per},
        {"name": f"{label}: validate, kubernetes_validate.validate uncached", "median_s": uncached * n, "runs": 1,
         "resources": len(picked), "per_sec": 1 / uncached, "note": f"measured on {len(picked)}, scaled to {n}"},
        {"name": f"{label}: validate, cached Python jsonschema", "median_s": py_cached * n, "runs": runs,
         "resources": len(picked), "per_sec": 1 / py_cached},
        {"name": f"{label}: lint ({len(mods)} built-in + {len(lint_rules)} kube-lint rules)", "median_s": lint_s,
         "runs": runs, "resources": n, "per_sec": n / lint_s},
    ]


def _lint(objs: list[dict], mods: tuple, lint_rules: list) -> None:
    """Every built-in rule and every kube-lint rule over every resource (what `spinops check` lints)."""
    ctx = Context(resources=objs)
    for o in objs:
        for m in mods:
            for _ in m.check(o, ctx):
                pass
        for rule in lint_rules:
            for doc, _ in engine.targets(rule, o):
                engine.evaluate(rule, doc)


def _python_jsonschema_per_resource(version: str, picked: list[dict], runs: int) -> float:
    """Seconds per resource of the tooling notes' cache: one Python jsonschema validator per kind (for comparison)."""
    d = f"kubernetes-json-schema/v{version}-local-strict"
    defs = Resource.from_contents(schema_contents(f"{d}/_definitions.json", version))
    py_cache: dict = {}

    def py_validate(o):
        key = (o["kind"], o["apiVersion"])
        if key not in py_cache:
            av = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", o["apiVersion"])
            schema = schema_contents(f"{d}/{o['kind'].lower()}-{av}.json", version)
            py_cache[key] = jsonschema.Draft202012Validator(
                schema, registry=defs @ (Resource.from_contents(schema) @ Registry())
            )
        return list(py_cache[key].iter_errors(o))

    [py_validate(o) for o in picked]
    return median_call(lambda: [py_validate(o) for o in picked], runs) / len(picked)


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="spinops-bench-check-") as tmp_name:
        tmp = Path(tmp_name)
        ref = Path(build_env(ROOT, "production", out=tmp / "build" / "production").manifests_path)
        gen = tmp / "generated.yaml"
        gen.write_text(generate(500))
        rows.append({"name": "spinops check reference build (whole process)",
                     **_process([str(ref), "--repo", str(ROOT)], runs)})
        rows.append({"name": "spinops check 2,000 generated resources (whole process)",
                     **_process([str(gen), "--rules", str(RULES)], runs)})
        rows += _in_process("reference build", ref.read_text(), runs, sample=48)
        rows += _in_process("2,000 generated", gen.read_text(), runs, sample=40 if quick else 100)
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
