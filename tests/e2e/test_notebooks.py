"""Every demo notebook runs top to bottom in a real kernel (nbclient), against a test engine,
and makes what it promises: 1080p MP4s with sound, DataFrames with the expected columns and
rows, pictures and players. The notebooks are committed without outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import av
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01-quickstart", "02-magics", "03-batch", "04-iterate"]


@pytest.fixture
def kernel_env(shared_engine, tmp_path_factory) -> dict[str, str]:
    """The kernel talks to the test engine, with a config folder of its own: a new client id,
    so each notebook has its own anonymous token and its own 100 credits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_API_URL=shared_engine.url,
               NEMO_HOME=str(tmp_path_factory.mktemp("nb-home")),
               NEMO_CONFIG_DIR=str(tmp_path_factory.mktemp("nb-config")),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


def run(name: str, workdir: Path, env: dict[str, str], probe: str | None = None):
    """Execute the notebook in ``workdir``; ``probe`` is extra code run at the end in the same
    kernel, whose printed JSON is returned (the saved notebook never holds it)."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if probe is not None:
        book.cells.append(nbformat.v4.new_code_cell(
            "import json as _json\nprint('PROBE' + _json.dumps(" + probe + ", default=str))"))
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    facts = None
    if probe is not None:
        text = "".join(o.get("text", "") for o in book.cells[-1].outputs
                       if o.output_type == "stream")
        facts = json.loads(text.split("PROBE", 1)[1])
    return book, facts


def outputs(book) -> list[dict]:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]


def mime(book, kind: str) -> list[str]:
    return [o["data"][kind] for o in outputs(book) if kind in o.get("data", {})]


def check_clean(book) -> None:
    """No error output, no traceback, and no token anywhere in the saved notebook: outputs and
    metadata alike (nbclient saves the widgets' state there)."""
    assert not [o for o in outputs(book) if o.output_type == "error"]
    assert "Traceback" not in json.dumps(outputs(book))
    saved = json.dumps(book)
    assert "nmv_" not in saved and "Bearer" not in saved


def probe_mp4(path: Path) -> tuple[int, int, bool]:
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        return video.width, video.height, bool(container.streams.audio)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name):
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_quickstart_drives_the_widget(kernel_env, tmp_path):
    pytest.importorskip("nemo_widgets.widget")
    book, facts = run("01-quickstart", tmp_path, kernel_env,
                      "{'widget': type(w).__name__, 'kinds': list(views.tracks_frame("
                      "w.conversation.state())['kind'])}")
    check_clean(book)
    assert facts == {"widget": "NemoWidget", "kinds": ["video", "audio"]}
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs(book)), "the widget is displayed"
    assert probe_mp4(tmp_path / "nemo-demo" / "quickstart.mp4") == (1920, 1080, True)


def test_magics_notebook(kernel_env, tmp_path):
    book, facts = run("02-magics", tmp_path, kernel_env,
                      "{'tracks': list(music.tracks.columns), 'kinds': list(music.tracks.kind),"
                      " 'credits': list(credits.columns), 'actions': list(credits.action),"
                      " 'sessions': list(_ip.run_line_magic('nemo', 'sessions').name)}"
                      .replace("_ip", "get_ipython()"))
    check_clean(book)
    assert facts["tracks"] == ["track", "kind", "start_s", "end_s", "duration_s", "volume",
                               "label", "source"]
    assert facts["kinds"] == ["video", "audio"]
    assert facts["credits"] == ["time", "action", "delta", "available", "frozen", "total"]
    assert {"balance", "upload", "turn", "export"} <= set(facts["actions"])
    assert facts["sessions"] == ["default", "street"]
    assert probe_mp4(tmp_path / "nemo-demo" / "magics.mp4") == (1920, 1080, True)
    html = "\n".join(mime(book, "text/html"))
    assert "Timeline (2 tracks)" in html and "Exported" in html and "<video" in html
    assert len(mime(book, "image/png")) == 2, "the timeline picture and the credits plot"


def test_batch_notebook(kernel_env, tmp_path):
    book, facts = run("03-batch", tmp_path, kernel_env,
                      "{'columns': list(results.columns), 'rows': len(results),"
                      " 'outputs': list(results.output), 'res': list(results.resolution)}")
    check_clean(book)
    assert facts["columns"] == ["video", "music", "tempo_bpm", "key", "duration_s",
                                "resolution", "size_mb", "output", "credits_left"]
    assert facts["rows"] == 3 and facts["res"] == ["1920x1080"] * 3
    for output in facts["outputs"]:
        assert probe_mp4(tmp_path / output) == (1920, 1080, True)
    assert len(mime(book, "image/png")) == 1 and "<video" in "".join(mime(book, "text/html"))


def test_iterate_notebook(kernel_env, tmp_path):
    book, facts = run("04-iterate", tmp_path, kernel_env,
                      "{'columns': list(versions.columns), 'rows': len(versions),"
                      " 'labels': list(versions.label)}")
    check_clean(book)
    assert facts["columns"] == ["version", "label", "style", "tempo_bpm", "key", "duration_s",
                                "url"]
    assert facts["rows"] == 3 and len(set(facts["labels"])) >= 2
    players = [h for h in mime(book, "text/html") if "<figure" in h]
    assert len(players) == 1 and players[0].count("<audio") == 3
    assert probe_mp4(tmp_path / "nemo-demo" / "iterated.mp4") == (1920, 1080, True)
