"""What a session made, from the magics: the music versions with players (sound embedded, no
backend address), going back to a version, saving the music with its stems and cue, and
following a render started by a kernel that has died since."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest
from IPython.utils.capture import capture_output

ROOT = Path(__file__).resolve().parents[2]
MUSIC = "generate a background music track that matches the mood of my video"


@pytest.fixture(scope="module")
def music_session(ip, media):
    """A session with two music versions (the second from a seed)."""
    ip.user_ns["clip"] = media["clip"]
    with capture_output():
        first = ip.run_cell_magic("nemo", "--session take --upload {clip} --quiet", MUSIC)
        second = ip.run_cell_magic("nemo", "--session take --quiet --tempo 120 --seed 3",
                                   "generate another background music track")
    assert first.ok and second.ok, (first.text, second.text)
    return "take"


def test_versions_have_embedded_players_and_no_address(ip, music_session, shared_engine):
    versions = ip.run_line_magic("nemo", f"versions --session {music_session}")
    assert versions.frame["version"].tolist() == [1, 2]
    shown = versions._repr_html_()
    assert shown.count("<audio") == 2 and shown.count("base64,") == 2
    assert shared_engine.url not in shown and "127.0.0.1" not in shown
    with capture_output():
        back = ip.run_line_magic("nemo", f"use 1 --session {music_session}")
    assert back.turn.message.lower().startswith("use music version 1"), back.turn.message
    assert back is ip.run_line_magic("nemo", f"last --session {music_session}")


def test_music_command_saves_mix_stems_and_cue(ip, music_session, tmp_path):
    folder = tmp_path / "music"
    with capture_output() as cap:
        player = ip.run_line_magic("nemo", f"music {folder} --stems --cue "
                                   f"--session {music_session}")
    assert cap.stdout.startswith("Saved "), cap.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert any(n.endswith("-cue.json") for n in names)
    assert len([n for n in names if n.endswith(".wav")]) >= 3, names
    assert player is not None and "base64," in player._repr_html_()


@pytest.mark.timeout(240)
def test_export_resume_follows_a_render_of_a_dead_kernel(ip, media, shared_engine, tmp_path):
    ip.user_ns["clip"] = media["clip"]
    with capture_output():
        placed = ip.run_cell_magic("nemo", "--session res --upload {clip} --quiet",
                                   "put my video on the timeline")
    session_id = placed.turn.session_id
    orphan = tmp_path / "orphan.mp4"
    code = ("from nemo_widgets.client import NemoClient\n"
            f"conv = NemoClient({shared_engine.url!r}).conversation({session_id!r})\n"
            f"conv.export({str(orphan)!r}, on_progress=lambda s, f: print(s, flush=True))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEMO_CLIENT_RENDER_POLL_S": "3"}
    kernel = subprocess.Popen([sys.executable, "-c", code], env=env, text=True, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert kernel.stdout is not None
        assert kernel.stdout.readline().strip() == "render"
        kernel.send_signal(signal.SIGKILL)  # the kernel dies while its render runs
        kernel.wait(timeout=10)
    finally:
        if kernel.poll() is None:
            kernel.kill()
    assert not orphan.exists()

    with capture_output() as cap:
        resumed = ip.run_line_magic("nemo", "export --resume --session res")
    assert resumed is not None, cap.stderr
    assert resumed.export.path == orphan and "<video" in resumed._repr_html_()
    with av.open(str(orphan)) as container:
        assert container.streams.video[0].codec_context.width == 1920
