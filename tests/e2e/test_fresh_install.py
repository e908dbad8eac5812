"""A newcomer's first hour, end to end: a fresh virtual environment, the README's install
(`pip install .`, plus ipykernel standing in for the Jupyter the user opens the notebooks
with), then the four notebooks in order, each in a fresh kernel of that environment, sharing
one configuration folder and the engine the first one starts. Nothing else is installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["01-quickstart", "02-magics", "03-batch", "04-iterate"]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_readme_install_runs_the_four_notebooks_in_order(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT), "ipykernel"],
                   check=True, timeout=1200, cwd=tmp_path)
    kernels = tmp_path / "kernels"
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(kernels),
                    "--name", "fresh"], check=True, timeout=120, capture_output=True)
    monkeypatch.setenv("JUPYTER_PATH", str(kernels / "share" / "jupyter"))
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "PYTHON"))}
    env.update(NEMO_HOME=str(tmp_path / "home"), NEMO_CONFIG_DIR=str(tmp_path / "config"))
    try:
        for name in NAMES:
            book = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
            book.cells.append(nbformat.v4.new_code_cell(
                "import nemo_widgets\nprint(nemo_widgets.__file__)"))
            NotebookClient(book, timeout=600, kernel_name="fresh",
                           resources={"metadata": {"path": str(work)}}).execute(env=env)
            errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "error"]
            assert not errors, (name, errors)
            where = book.cells[-1].outputs[0]["text"]
            assert where.startswith(str(venv)), f"{name} used {where}, not the fresh install"
    finally:
        subprocess.run([str(venv / "bin" / "nemo-widgets"), "stop"], env=env, timeout=60,
                       check=False, capture_output=True)
    renders = {"quickstart.mp4", "magics.mp4", "bright-music.mp4", "bars-music.mp4",
               "fractal-music.mp4", "iterated.mp4"}
    made = {p.name for p in (work / "nemo-demo").glob("*.mp4")}
    assert renders <= made, f"every notebook rendered: {sorted(renders - made)} missing"
