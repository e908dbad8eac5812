"""The scripted methods inside a real IPython kernel, as a notebook runs them (nbclient): the
kernel's event loop is running, the widget's tasks live on it, and ``w.upload`` / ``w.ask`` /
``w.export`` still block until done and return their results."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.browser_lab import CHECKOUT, write_notebook
from tests.media_factory import make_video


@pytest.mark.slow
def test_scripted_widget_in_a_kernel(start_engine, tmp_path, monkeypatch):
    engine = start_engine()
    clip = make_video(tmp_path / "walk.mp4", seconds=2.0)
    monkeypatch.setenv("NEMO_API_URL", engine.url)
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("PYTHONPATH", str(CHECKOUT))  # the kernel imports this checkout
    path = write_notebook(tmp_path / "scripted.ipynb", [
        "from nemo_widgets.widget import NemoWidget\nw = NemoWidget()\nw",
        f"files = w.upload({str(clip)!r})\nprint(files[0].filename, files[0].duration)",
        "r = w.ask('generate a background music track that matches the mood of my video')\n"
        "print(r.ok, [t['kind'] for t in w.timeline['tracks']])",
        "x = w.export('out.mp4')\nprint(x.width, x.height, w.exported['name'])",
        "import asyncio\nawait asyncio.sleep(0.5)\nprint(w.status, w.credits < 100, w.error)",
    ])
    notebook = nbformat.read(str(path), as_version=4)
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = ["".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells]
    assert outputs[1] == "walk.mp4 2.0\n"
    assert outputs[2] == "True ['video', 'audio']\n"
    assert outputs[3] == "1920 1080 out.mp4\n"
    assert outputs[4] == "ready True {}\n"
    assert (tmp_path / "out.mp4").stat().st_size > 0
