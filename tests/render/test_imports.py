"""`spinops render` starts fast: importing the renderer pulls in no YAML library or schema machinery."""

from __future__ import annotations

import json
import subprocess
import sys


def test_render_imports_stay_lean():
    code = (
        "import sys, json; import spinops.render as r; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('yaml', 'ruamel', 'yaml_rs', 'jsonschema', 'jsonschema_rs', 'decimal', 'jq', 'jsonpatch'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []
