"""Conventions every command keeps (issue 16.5): exit codes under `--help`, the same `--format` and
`-o/--output` on every command that writes a report, colour only on a terminal (NO_COLOR honoured),
help on every option, and bash completion with environment names from the overlays."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spinops import cli
from spinops_testlib import run_on_a_terminal, run_spinops

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORT_COMMANDS = ("check", "diff", "external-diff", "doctor")
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fiat\n  namespace: spinnaker\nspec:\n  replicas: {n}\n"
)


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser, _ = cli._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_command_documents_its_exit_codes_in_help(name):
    mod = importlib.import_module(f"spinops.commands.{cli.COMMANDS[name]}")
    assert {0, 2} <= set(mod.EXIT_CODES), "0 (success) and 2 (bad input or usage) mean the same everywhere"
    assert all(isinstance(m, str) and m for m in mod.EXIT_CODES.values())
    out = run_spinops(name, "--help").stdout
    table = out[out.index("exit codes:\n"):].splitlines()[1:]
    assert table == [f"  {code}  {meaning}" for code, meaning in sorted(mod.EXIT_CODES.items())]


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_option_has_help(name):
    for action in subparsers()[name]._actions:
        assert action.help, f"spinops {name} {'/'.join(action.option_strings) or action.dest}: no help"


def test_report_commands_share_format_and_output():
    helps = {}
    for name in REPORT_COMMANDS:
        actions = {a.dest: a for a in subparsers()[name]._actions}
        assert actions["output"].option_strings == ["-o", "--output"], name
        assert actions["format"].choices[0] == "text", name
        helps[name] = actions["output"].help
    assert len(set(helps.values())) == 1, helps


def kubectl_dirs(tmp_path: Path) -> tuple[Path, Path]:
    live, merged = tmp_path / "LIVE-1", tmp_path / "MERGED-1"
    for d, n in ((live, 1), (merged, 2)):
        d.mkdir()
        (d / "apps.v1.Deployment.spinnaker.fiat").write_text(DEPLOYMENT.format(n=n))
    return live, merged


@pytest.mark.parametrize("name", REPORT_COMMANDS)
def test_output_writes_the_report_to_the_file_and_nothing_to_stdout(name, tmp_path):
    out = tmp_path / "report.json"
    if name == "external-diff":
        live, merged = kubectl_dirs(tmp_path)
        args, codes = ["external-diff", str(live), str(merged)], (1,)
    elif name == "check":
        manifest = tmp_path / "m.yaml"
        manifest.write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: spinnaker\ndata: {a: b}\n"
        )
        args, codes = ["check", str(manifest), "--no-builtin"], (0,)
    elif name == "doctor":
        args, codes = ["doctor", "--no-github", "--repo", str(tmp_path)], (0, 1)
    else:
        pytest.skip(
            "diff --base needs two builds: its -o is the same emit() external-diff uses (tests/diff cover --output)"
        )
    plain = run_spinops(*args, "--format", "json", env={"KUBECONFIG": str(tmp_path / "none")})
    to_file = run_spinops(*args, "--format", "json", "-o", str(out), env={"KUBECONFIG": str(tmp_path / "none")})
    assert plain.returncode in codes and to_file.returncode == plain.returncode, to_file.stderr
    assert to_file.stdout == "" and out.read_text() == plain.stdout


def test_text_diff_is_coloured_on_a_terminal_unless_no_color(tmp_path):
    live, merged = kubectl_dirs(tmp_path)
    coloured = run_on_a_terminal("external-diff", str(live), str(merged), env={"NO_COLOR": ""})
    assert "\x1b[31m-  replicas: 1\x1b[0m" in coloured and "\x1b[32m+  replicas: 2\x1b[0m" in coloured
    # no-color.org
    assert "\x1b[" not in run_on_a_terminal("external-diff", str(live), str(merged), env={"NO_COLOR": "1"})
    piped = run_spinops("external-diff", str(live), str(merged), env={"NO_COLOR": ""})
    assert "+  replicas: 2" in piped.stdout and "\x1b[" not in piped.stdout
    run_on_a_terminal("external-diff", str(live), str(merged), "-o", str(tmp_path / "r.txt"), env={"NO_COLOR": ""})
    assert "\x1b[" not in (tmp_path / "r.txt").read_text()


def complete(line: str, cwd: Path) -> list[str]:
    """What bash offers for `line` through the completion argcomplete registers (the real bash function)."""
    script = (f'eval "$({BIN / "register-python-argcomplete"} spinops)"\n'
              'COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"\n'
              '[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")\n'
              'COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _python_argcomplete spinops; printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "-c", script, "bash", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return [w.strip() for w in proc.stdout.splitlines() if w.strip()]


@pytest.mark.skipif(not shutil.which("bash"), reason="bash completion needs bash")
def test_bash_completion_of_commands_options_and_environment_names(tmp_path):
    repo = tmp_path / "repo"
    for env in ("qa", "prod-eu"):
        (repo / "kustomize" / "overlays" / env).mkdir(parents=True)
        (repo / "kustomize" / "overlays" / env / "kustomization.yml").write_text("resources: []\n")
    (repo / "kustomize" / "overlays" / "notes").mkdir()  # no kustomization: not an environment
    assert complete("spinops doc", repo) == ["doctor"]
    assert complete("spinops build --env ", repo) == ["prod-eu", "qa"]
    assert complete("spinops diff --env p", repo) == ["prod-eu"]
    assert complete(f"spinops check --repo {ROOT} --env st", tmp_path) == ["staging"]  # --repo names the overlays
    assert "--output" in complete("spinops doctor --", repo)
