"""The magics' fixtures: IPython's one test shell with the extension loaded, connected to a
module's engine with a configuration folder of its own (its own token), and small media."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.testing import globalipapp
from IPython.utils.capture import capture_output

from tests.media_factory import make_audio, make_video


def ipython_shell():
    """IPython's global test shell (made once per process)."""
    return globalipapp.start_ipython() or globalipapp.get_ipython()


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("magic-media")
    notes = folder / "notes.txt"
    notes.write_text("not a video")
    return {"clip": make_video(folder / "beach.mp4", seconds=2.0),
            "other": make_video(folder / "city.mp4", seconds=1.5, tone_hz=300),
            "song": make_audio(folder / "song.mp3", seconds=2.0), "notes": notes}


@pytest.fixture(scope="module")
def ip(shared_engine, tmp_path_factory):
    """IPython's test shell with the extension loaded and connected to the test engine; the
    client's token cache is kept in a folder of its own."""
    shell = ipython_shell()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEMO_CONFIG_DIR", str(tmp_path_factory.mktemp("magic-config")))
        patch.delenv("NEMO_TOKEN", raising=False)
        shell.run_line_magic("load_ext", "nemo_widgets")
        with capture_output():
            shell.run_line_magic("nemo", f"connect {shared_engine.url}")
        yield shell
        shell.run_line_magic("unload_ext", "nemo_widgets")
