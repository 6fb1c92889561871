"""The emitted rule files pass the real promtool (Debian's prometheus package)."""
from __future__ import annotations

import glob
import os
import subprocess

from conftest import ROOT


def test_promtool_check_rules_on_out(promtool):
    files = sorted(glob.glob(os.path.join(ROOT, "out", "prometheus", "*.rules.yaml")))
    assert files, "out/prometheus/ holds no rule files"
    result = subprocess.run([promtool, "check", "rules", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)
