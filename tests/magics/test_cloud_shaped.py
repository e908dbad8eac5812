"""The faces against the cloud-shaped fake (``tests/client/cloud_fake.py``: public keys only,
foreign segment keys, the cloud's music records): the magics and the CLI run the quick edit and
the iterate workflow with summaries, frames and versions that show real times and names, take
the music away and export — nothing in them depends on the embedded engine's own keys."""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

from nemo_widgets.cli import main
from nemo_widgets.client import NemoClient
from tests.client.cloud_fake import CloudFake

FAST = {"NEMO_CLIENT_RENDER_POLL_S": "0.05", "NEMO_CLIENT_RENDER_POLL_MAX_S": "0.2",
        "NEMO_CLIENT_RATE_LIMIT_WAIT_S": "0.2"}


@pytest.fixture
def fast(monkeypatch):
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


def test_magics_quick_edit_and_iterate(ip, media, tmp_path, fast):
    ip.user_ns["clip"] = media["clip"]
    with CloudFake(tmp_path / "cloud") as fake, capture_output() as cap:
        url = fake.url
        ip.run_line_magic("nemo", f"connect {url}")
        placed = ip.run_cell_magic("nemo", f"--backend {url} --upload {{clip}}",
                                   "add my video to the timeline")
        music = ip.run_cell_magic("nemo", f"--backend {url}", "add fitting background music")
        tracks = ip.run_line_magic("nemo", f"tracks --backend {url}")
        versions = ip.run_line_magic("nemo", f"versions --backend {url}")
        player = ip.run_line_magic("nemo", f"music {tmp_path / 'music'} --stems --cue "
                                   f"--backend {url}")
        exported = ip.run_line_magic("nemo", f"export {tmp_path / 'quick.mp4'} "
                                     f"--backend {url}")
        undone = ip.run_line_magic("nemo", f"undo --backend {url}")
    assert placed.ok and placed.summary == "Timeline (1 track): 1. Video: beach.mp4 (0-2s)"
    assert "%nemo export" in placed.text, "the cloud's GUI hint in the notebook's words"
    assert music.ok and "Lo-fi Sunset 1 (0-2s, 35%)" in music.summary
    assert tracks["label"].tolist() == ["beach.mp4", "Lo-fi Sunset 1"]
    assert tracks["end_s"].tolist() == [2.0, 2.0] and tracks["volume"].tolist() == [1.0, 0.35]
    assert versions.frame.to_dict("records") == [
        {"version": 1, "label": "Lo-fi Sunset 1", "style": "lofi", "tempo_bpm": 90.0,
         "key": "A minor", "duration_s": 2.0}]
    assert versions._repr_html_().count("<audio") == 1
    names = sorted(p.name for p in (tmp_path / "music").iterdir())
    assert names == ["music-v1-lofi-bass.wav", "music-v1-lofi-cue.json",
                     "music-v1-lofi-drums.wav", "music-v1-lofi.wav"]
    assert player is not None and "base64," in player._repr_html_()
    assert exported.export.path.exists() and "<video" in exported._repr_html_()
    assert undone.ok and "Lo-fi" not in undone.summary, undone.summary
    assert "Traceback" not in cap.stderr


def test_cli_quick_edit_music_and_status(media, tmp_path, monkeypatch, capsys, fast):
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    with CloudFake(tmp_path / "cloud") as fake:
        monkeypatch.setenv("NEMO_API_URL", fake.url)
        output = tmp_path / "out.mp4"
        assert main(["generate", str(media["clip"]), "-p", "add my video to the timeline",
                     "-o", str(output)]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert "`nemo-widgets export`" in out and output.exists()
        assert main(["status", "--table"]) == 0
        out = capsys.readouterr().out
        assert "Timeline (1 track): 1. Video: beach.mp4 (0-2s)" in out
        assert "beach.mp4" in out and "2.0" in out, "the segment table has real times"
        session = next(iter(fake.sessions))
        with NemoClient(fake.url) as client:
            assert client.conversation(session).ask("add fitting background music").ok
        assert main(["music", session, "-o", str(tmp_path / "m"), "--mp3"]) == 0
        saved = sorted(p.name for p in (tmp_path / "m").iterdir())
        assert saved == ["music-v1-lofi.mp3", "music-v1-lofi.wav"]

        folder = tmp_path / "clips"
        folder.mkdir()
        for name in ("a.mp4", "b.mp4"):
            (folder / name).write_bytes(media["clip"].read_bytes())
        argv = ["generate", str(folder), "-p", "add my video to the timeline and music",
                "-o", str(tmp_path / "batch")]
        assert main(argv) == 0, capsys.readouterr().err
        assert "2 done, 0 skipped, 0 failed" in capsys.readouterr().out
        assert len(fake.sessions) == 1 + 2, "one session per file of the folder"
        assert main(argv) == 0 and "0 done, 2 skipped" in capsys.readouterr().out
