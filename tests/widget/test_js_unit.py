"""The view's JavaScript unit tests (vitest, jsdom, a fake model), run from pytest so that the
README's one test command covers them. ``npm ci`` installs the locked tools into ``js/``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "js"


@pytest.mark.slow
def test_vitest_suite_passes():
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are needed for the widget's front-end tests"
    if not (JS / "node_modules" / ".bin" / "vitest").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=600)
    run = subprocess.run([str(JS / "node_modules" / ".bin" / "vitest"), "run", "--reporter=dot"],
                         cwd=JS, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NO_COLOR": "1", "CI": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert " passed" in run.stdout and " failed" not in run.stdout


@pytest.mark.slow
def test_front_end_type_checks():
    """``// @ts-check``: the module's JSDoc types (traits, message kinds) are checked by tsc."""
    tsc = JS / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        npm = shutil.which("npm")
        assert npm, "Node.js and npm are needed for the widget's front-end checks"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=600)
    run = subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=JS, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
