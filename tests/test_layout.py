"""spinops.layout: one place for the paths of a checkout and the one `--env` default, used by every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinops import cli
from spinops.errors import EXIT_INTERNAL, InputError
from spinops.layout import FALLBACK_ENV, Repo, default_env, env_of_manifests
from spinops_testlib import run_spinops


def _checkout(tmp_path: Path, *envs: str, bare: tuple[str, ...] = ()) -> Repo:
    for env in envs:
        (tmp_path / "kustomize" / "overlays" / env).mkdir(parents=True)
        (tmp_path / "kustomize" / "overlays" / env / "kustomization.yaml").write_text("namespace: spinnaker\n")
    for d in bare:  # an overlay directory without a kustomization is no environment
        (tmp_path / "kustomize" / "overlays" / d).mkdir(parents=True)
    return Repo(tmp_path)


def test_paths_of_a_checkout(tmp_path):
    repo = Repo(str(tmp_path))
    assert repo.root == tmp_path
    assert repo.halconfig == tmp_path / "halconfig"
    assert repo.secrets_file == tmp_path / "halconfig" / "secrets.yml"
    assert repo.patches == tmp_path / "halconfig" / "patches" and repo.profiles == tmp_path / "halconfig" / "profiles"
    assert repo.overlay("qa") == tmp_path / "kustomize" / "overlays" / "qa"
    assert repo.env_settings("qa") == tmp_path / "kustomize" / "overlays" / "qa" / "spinops.yml"
    assert repo.ha_component == tmp_path / "kustomize" / "components" / "ha"
    assert repo.manifests("qa") == tmp_path / "build" / "qa" / "manifests.yaml"


def test_default_env_is_spinops_env_else_production(monkeypatch):
    monkeypatch.delenv("SPINOPS_ENV", raising=False)
    assert default_env() == FALLBACK_ENV == "production"
    monkeypatch.setenv("SPINOPS_ENV", "staging")
    assert default_env() == "staging"
    monkeypatch.setenv("SPINOPS_ENV", "")
    assert default_env() == "production"


def test_env_of_manifests():
    assert env_of_manifests("repo/build/qa/manifests.yaml") == "qa"
    assert env_of_manifests("build/qa/other.yaml") is None
    assert env_of_manifests("manifests.yaml") is None


def test_envs_are_overlays_with_a_kustomization(tmp_path):
    repo = _checkout(tmp_path, "staging", "production", bare=("scratch",))
    assert repo.envs() == ["production", "staging"]
    assert repo.require_env("staging") == repo.overlay("staging")
    with pytest.raises(InputError) as e:
        repo.require_env("scratch")
    (p,) = e.value.problems
    assert (p.code, p.file, p.hint) == (
        "unknown-env",
        "kustomize/overlays",
        "available environments: production, staging",
    )
    with pytest.raises(InputError) as e:
        Repo(tmp_path / "nowhere").require_env("staging")
    assert e.value.problems[0].code == "not-a-repo"


def test_built_manifests_says_build_first_or_names_the_environments(tmp_path):
    repo = _checkout(tmp_path, "staging")
    with pytest.raises(InputError) as e:
        repo.built_manifests("staging")
    assert e.value.problems[0].message.startswith("no build for 'staging'")
    assert e.value.problems[0].hint == "run `spinops build --env staging` first"
    with pytest.raises(InputError, match="unknown environment 'qa'"):
        repo.built_manifests("qa")
    repo.manifests("staging").parent.mkdir(parents=True)
    repo.manifests("staging").write_text("kind: List\n")
    assert repo.built_manifests("staging") == repo.manifests("staging")


@pytest.mark.parametrize("command", ["build", "diff"])
def test_build_and_diff_share_the_env_default(tmp_path, command):
    """`spinops build` used to default to production whatever $SPINOPS_ENV said; diff honoured it."""
    _checkout(tmp_path, "staging")
    args = ["--repo", str(tmp_path)] + (["--live"] if command == "diff" else [])
    r = run_spinops(command, *args, env={"SPINOPS_ENV": "qa", "KUBECONFIG": str(tmp_path / "none")})
    assert r.returncode == 2, r.stderr
    if command == "build":
        assert "unknown environment 'qa'" in r.stderr
    else:  # the live diff looks for the build of the default environment
        assert str(Path("build") / "qa" / "manifests.yaml") in r.stderr


def test_a_missing_command_module_fails_loudly(monkeypatch, capsys):
    """The CLI used to drop a command whose module is missing; `spinops --help` then just did not list it."""
    monkeypatch.setitem(cli.COMMANDS, "ghost", "ghost_that_is_not_there")
    assert cli.main(["--help"]) == EXIT_INTERNAL
    assert "spinops.commands.ghost_that_is_not_there is missing" in capsys.readouterr().err
    assert cli.main(["ghost"]) == EXIT_INTERNAL
