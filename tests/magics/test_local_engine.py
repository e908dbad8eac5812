"""The local engine never locks its user out: twenty music generations in a row through
``%%nemo``, on an engine with default settings, all succeed, and ``%nemo credits`` lists every
one of them."""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

from tests.magics.conftest import ipython_shell
from tests.media_factory import make_video

GENERATIONS = 20


@pytest.mark.slow
def test_twenty_music_generations_in_a_row(start_engine, tmp_path, monkeypatch):
    engine = start_engine(profile="local")  # the default profile, as a user runs it
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    clip = make_video(tmp_path / "tiny.mp4", seconds=1.0)
    ip = ipython_shell()
    ip.run_line_magic("load_ext", "nemo_widgets")
    try:
        ip.user_ns["clip"] = clip
        with capture_output() as cap:
            ip.run_line_magic("nemo", f"connect {engine.url}")
            first = ip.run_cell_magic("nemo", "--quiet --session many --upload {clip}",
                                      "generate a background music track that matches the "
                                      "mood of my video, 10 seconds long")
            results = [first] + [
                ip.run_cell_magic("nemo", f"--quiet --session many --seed {n}",
                                  "generate a new background music track, 10 seconds long")
                for n in range(1, GENERATIONS)]
            credits = ip.run_line_magic("nemo", "credits --session many")
        failed = [(n, r.text if r is not None else cap.stderr)
                  for n, r in enumerate(results, 1) if r is None or not r.ok]
        assert not failed, failed[:2]
        assert all(any(c.name == "generate_music" for c in r.turn.tool_calls) for r in results)
        music_rows = credits[credits["action"] == "music"]
        assert len(music_rows) == GENERATIONS, credits["action"].tolist()
        assert "Register" not in cap.stdout + cap.stderr
    finally:
        ip.run_line_magic("unload_ext", "nemo_widgets")
