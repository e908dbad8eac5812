"""The four demo notebooks, run the way a newcomer runs them: in order, each in a fresh kernel,
all sharing one configuration folder (one client id, one token) and one engine on its default
profile. Each makes what it promises — 1080p MP4s with sound, DataFrames with the expected
columns and rows, pictures and players — and no saved notebook holds an error, a token or the
engine's loopback address (media reach the browser through the kernel). The notebooks are
committed without outputs."""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import av
import nbformat
import pytest
from nbclient import NotebookClient

from nemo_widgets.engine.server import ensure_engine, stop_engine
from nemo_widgets.engine.settings import EngineSettings

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01-quickstart", "02-magics", "03-batch", "04-iterate"]
LOOPBACK = re.compile(r"(?:https?://)?(?:127\.0\.0\.1|localhost|\[::1\]):\d+")

PROBES = {
    "01-quickstart": "{'widget': type(w).__name__, 'kinds': list(views.tracks_frame("
                     "w.conversation.state())['kind'])}",
    "02-magics": "{'tracks': list(music.tracks.columns), 'kinds': list(music.tracks.kind),"
                 " 'credits': list(credits.columns), 'actions': list(credits.action),"
                 " 'na': int(credits.isna().sum().sum()), 'times': list(credits.time),"
                 " 'sessions': list(get_ipython().run_line_magic('nemo', 'sessions').name)}",
    "03-batch": "{'columns': list(results.columns), 'rows': len(results),"
                " 'outputs': list(results.output), 'res': list(results.resolution)}",
    "04-iterate": "{'columns': list(versions.frame.columns), 'rows': len(versions),"
                  " 'labels': list(versions.frame.label)}",
}


@dataclass
class Ran:
    """The executed notebooks (book, probe facts) and the folder they ran in."""

    workdir: Path
    books: dict[str, tuple[nbformat.NotebookNode, dict]]

    def __getitem__(self, name: str) -> tuple[nbformat.NotebookNode, dict]:
        return self.books[name]


@pytest.fixture(scope="module")
def local_engine(tmp_path_factory) -> Iterator[str]:
    """One engine on the default ``local`` profile, as a user's machine runs it: credits are
    recorded but never block. Its URL."""
    home = tmp_path_factory.mktemp("local-engine-home")
    settings = EngineSettings.from_env(env={}, home=home, keepalive_s=1.0, profile="local")
    try:
        yield ensure_engine(settings).url
    finally:
        stop_engine(home)


@pytest.fixture(scope="module")
def ran(local_engine, tmp_path_factory) -> Ran:
    """All four notebooks, executed in order in one working folder, on one configuration."""
    pytest.importorskip("nemo_widgets.widget")
    workdir = tmp_path_factory.mktemp("notebooks")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
    env.update(NEMO_API_URL=local_engine,
               NEMO_HOME=str(tmp_path_factory.mktemp("nb-home")),
               NEMO_CONFIG_DIR=str(tmp_path_factory.mktemp("nb-config")),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return Ran(workdir, {name: run(name, workdir, env, PROBES[name]) for name in NAMES})


def run(name: str, workdir: Path, env: dict[str, str], probe: str):
    """Execute the notebook in ``workdir``, then ``probe`` in the same kernel; the probe's
    printed JSON is returned and its cell removed (the saved notebook never holds it)."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(
        "import json as _json\nprint('PROBE' + _json.dumps(" + probe + ", default=str))"))
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    probe_cell = book.cells.pop()
    errors = [o for o in probe_cell.outputs if o.output_type == "error"]
    assert not errors, errors
    text = "".join(o.get("text", "") for o in probe_cell.outputs if o.output_type == "stream")
    return book, json.loads(text.split("PROBE", 1)[1])


def outputs(book) -> list[dict]:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]


def cell_outputs(book, source_start: str) -> list[dict]:
    found = [c for c in book.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    assert found, source_start
    return found[0].outputs


def mime(book, kind: str) -> list[str]:
    return [o["data"][kind] for o in outputs(book) if kind in o.get("data", {})]


def check_clean(book) -> None:
    """No error output, no traceback, no token and no loopback address in the outputs."""
    assert not [o for o in outputs(book) if o.output_type == "error"]
    shown = json.dumps(outputs(book))
    assert "Traceback" not in shown
    saved = json.dumps(book)
    assert "nmv_" not in saved and "Bearer" not in saved
    assert not LOOPBACK.findall(shown), LOOPBACK.findall(shown)[:3]


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


def test_quickstart_drives_the_widget(ran):
    book, facts = ran["01-quickstart"]
    workdir = ran.workdir
    check_clean(book)
    assert facts == {"widget": "NemoWidget", "kinds": ["video", "audio"]}
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs(book)), "the widget is displayed"
    assert probe_mp4(workdir / "nemo-demo" / "quickstart.mp4") == (1920, 1080, True)


def test_quickstart_widget_state_holds_no_loopback_address(ran):
    book, _ = ran["01-quickstart"]
    state = json.dumps(book.metadata.get("widgets", {}))
    assert not LOOPBACK.findall(state)


def test_magics_notebook(ran):
    book, facts = ran["02-magics"]
    workdir = ran.workdir
    check_clean(book)
    assert not LOOPBACK.findall(json.dumps(book.metadata))
    assert facts["tracks"] == ["track", "kind", "start_s", "end_s", "duration_s", "volume",
                               "label", "source"]
    assert facts["kinds"] == ["video", "audio"]
    assert facts["credits"] == ["time", "action", "delta", "available", "frozen", "total"]
    assert {"balance", "upload", "music", "edit", "export"} <= set(facts["actions"])
    assert "turn" not in facts["actions"] and facts["na"] == 0
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in facts["times"])
    assert facts["sessions"] == ["default", "street"]
    assert probe_mp4(workdir / "nemo-demo" / "magics.mp4") == (1920, 1080, True)
    html = "\n".join(mime(book, "text/html"))
    assert "Timeline (2 tracks)" in html and html.count("Exported ") == 1
    # music.plot(): one picture, no "<Axes …>" line above it.
    plotted = cell_outputs(book, "music.plot()")
    assert len(plotted) == 1 and "image/png" in plotted[0]["data"]
    assert "<Axes" not in json.dumps(outputs(book))
    # --export shows a player, with the file embedded; no advice to export again.
    exported = cell_outputs(book, "%%nemo --export")
    shown = json.dumps(exported)
    assert "<video" in shown and "data:video/mp4;base64," in shown and "%nemo export" not in shown
    for output in exported:  # each representation (plain, markdown, HTML) says it once
        for kind, text in output.get("data", {}).items():
            assert text.count("Exported ") <= 1, kind
    assert sum(o["data"].get("text/html", "").count("Exported ") for o in exported) == 1
    assert len(mime(book, "image/png")) == 2, "the timeline picture and the credits plot"


def test_batch_notebook(ran):
    book, facts = ran["03-batch"]
    workdir = ran.workdir
    check_clean(book)
    assert not LOOPBACK.findall(json.dumps(book.metadata))
    assert facts["columns"] == ["video", "music", "tempo_bpm", "key", "duration_s",
                                "resolution", "size_mb", "output", "credits_left"]
    assert facts["rows"] == 3 and facts["res"] == ["1920x1080"] * 3
    for output in facts["outputs"]:
        assert probe_mp4(workdir / output) == (1920, 1080, True)
    assert len(mime(book, "image/png")) == 1 and "<video" in "".join(mime(book, "text/html"))


def test_iterate_notebook(ran):
    book, facts = ran["04-iterate"]
    workdir = ran.workdir
    check_clean(book)
    assert not LOOPBACK.findall(json.dumps(book.metadata))
    assert facts["columns"] == ["version", "label", "style", "tempo_bpm", "key", "duration_s"]
    assert facts["rows"] == 3 and len(set(facts["labels"])) >= 2
    players = [h for h in mime(book, "text/html") if "<figure" in h]
    assert len(players) == 1 and players[0].count("<audio") == 3
    assert players[0].count("base64,") == 3, "the sound is embedded, not linked"
    assert probe_mp4(workdir / "nemo-demo" / "iterated.mp4") == (1920, 1080, True)


def test_every_module_the_notebooks_import_comes_with_pip_install():
    """`pip install .` (the README's install) brings everything the notebooks import: their
    own imports and the views they call (matplotlib draws the pictures)."""
    pyproject = (NOTEBOOKS.parent / "pyproject.toml").read_text()
    listed = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.S | re.M)
    assert listed is not None
    required = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower().replace("_", "-")
                for d in re.findall(r'^\s*"([^"]+)"', listed.group(1), re.M)}
    modules = {"matplotlib"}  # views.plot_* and NemoResult.plot
    for name in NAMES:
        book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        for cell in book.cells:
            if cell.cell_type != "code":
                continue
            if cell.source.startswith("%%"):
                continue  # a cell magic: the body is a prompt, not Python
            code = "\n".join(line for line in cell.source.splitlines()
                             if not line.lstrip().startswith("%") and "= %" not in line)
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module:
                    modules.add(node.module.split(".")[0])
    owners = packages_distributions()
    for module in sorted(modules - set(sys.stdlib_module_names) - {"nemo_widgets"}):
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        assert dists & required, f"the notebooks import {module}, not in the dependencies"
