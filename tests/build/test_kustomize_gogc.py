"""kubectl kustomize runs with GOGC=400 (less garbage-collection work) unless GOGC is set; the output does not
depend on it (the pinned kubectl on the frozen reference installation's overlay)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from spinops import bundle, tools

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"


def _recording_kubectl(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "env.json"
    script = tmp_path / "kubectl"
    script.write_text(
        f"#!{sys.executable}\nimport json, os\n"
        f"json.dump({{'GOGC': os.environ.get('GOGC')}}, open({str(log)!r}, 'w'))\nprint('kind: ConfigMap')\n"
    )
    script.chmod(0o755)
    return script, log


def test_kustomize_runs_with_gogc_400(tmp_path, monkeypatch):
    script, log = _recording_kubectl(tmp_path)
    monkeypatch.setenv("SPINOPS_KUBECTL", str(script))
    monkeypatch.delenv("GOGC", raising=False)
    tools.kubectl.cache_clear()
    try:
        bundle.run_kustomize(tmp_path, display="build/x")
        assert json.loads(log.read_text()) == {"GOGC": "400"}
        monkeypatch.setenv("GOGC", "150")  # the user's own setting wins
        bundle.run_kustomize(tmp_path, display="build/x")
        assert json.loads(log.read_text()) == {"GOGC": "150"}
    finally:
        tools.kubectl.cache_clear()


def test_the_output_does_not_depend_on_gogc():
    overlay = REFERENCE / "kustomize" / "overlays" / "production"
    outs = set()
    for gogc in ("100", bundle.KUBECTL_GOGC):
        proc = subprocess.run([tools.kubectl(), "kustomize", str(overlay)], capture_output=True, text=True,
                              env={**os.environ, "GOGC": gogc}, check=True)
        outs.add(proc.stdout)
    assert len(outs) == 1 and "kind: Deployment" in outs.pop()
