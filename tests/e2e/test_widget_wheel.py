"""A plain install ships the widget's front end: the built wheel holds the ES module and its
CSS, and the widget reads them from there when the checkout's ``js/`` is not around."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_built_wheel_contains_the_front_end(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True, timeout=600)
    [wheel] = tmp_path.glob("nemo_widgets-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        shipped = archive.read("nemo_widgets/static/widget.js").decode()
    assert {"nemo_widgets/static/widget.js", "nemo_widgets/static/widget.css",
            "nemo_widgets/widget/widget.py", "nemo_widgets/widget/state.py"} <= names
    assert shipped == (ROOT / "js" / "src" / "widget.js").read_text()
    assert "export default { render }" in shipped
    assert not any("node_modules" in name or name.startswith("js/") for name in names)
