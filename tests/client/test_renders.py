"""Render records and resumable renders: the id is written down (0600) before the submit goes
out; a process killed while its render runs leaves a record that a new process follows to
the finished MP4."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import av
import pytest

from nemo_widgets.client import ClientSettings, NemoClient
from nemo_widgets.client.renders import RenderBook, RenderRecord
from tests.media_factory import make_video

ROOT = Path(__file__).resolve().parents[2]


def test_records_are_private_filtered_and_survive_a_damaged_file(tmp_path):
    book = RenderBook(tmp_path)
    book.add(RenderRecord("render_1", "http://a", "s1", "/x/one.mp4", submitted_at=1e12))
    book.add(RenderRecord("render_2", "http://a", "s2", submitted_at=1e12 + 1))
    book.add(RenderRecord("render_3", "http://b", "s1", submitted_at=1e12 + 2))
    assert stat.S_IMODE(os.stat(book.path).st_mode) == 0o600
    assert [r.render_id for r in book.pending("http://a")] == ["render_1", "render_2"]
    assert [r.render_id for r in book.pending(session_id="s1")] == ["render_1", "render_3"]
    book.remove("render_1")
    assert book.get("render_1") is None and book.get("render_2") is not None
    book.path.write_text('{"renders": [{"render_id": 5}, "junk", {"render_id": "ok", '
                         '"submitted_at": "soon"}]}')
    assert book.pending() == []
    book.path.write_text("not json")
    assert book.pending() == [] and RenderBook(tmp_path / "nowhere").pending() == []


def _python(code: str, config_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEMO_CONFIG_DIR": str(config_dir)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


SUBMIT = """
from nemo_widgets.client import ClientSettings, NemoClient
client = NemoClient({url!r},
                    settings=ClientSettings.from_env(render_poll_s=3.0,
                                                     render_hold_s=0))
conv = client.conversation({session!r})
def progress(stage, fraction):
    print("RENDERING", stage, flush=True)
conv.export({output!r}, on_progress=progress)
print("FINISHED", flush=True)
"""

FOLLOW = """
import json
from nemo_widgets.client import NemoClient
conv = NemoClient({url!r}).conversation({session!r})
pending = [r.render_id for r in conv.pending_renders()]
result = conv.follow_render()
print(json.dumps({{"pending": pending, "path": str(result.path), "id": result.render_id,
                  "after": [r.render_id for r in conv.pending_renders()]}}))
"""


@pytest.mark.timeout(180)
def test_a_render_survives_the_death_of_its_process(shared_engine, tmp_path):
    config = tmp_path / "cfg"
    clip = make_video(tmp_path / "clip.mp4", seconds=1.5)
    with NemoClient(shared_engine.url, settings=ClientSettings(config_dir=config)) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask("add my video to the timeline").ok
        session = conv.session_id
    output = tmp_path / "orphan.mp4"
    child = _python(SUBMIT.format(url=shared_engine.url, session=session,
                                  output=str(output)), config)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # the first poll answered: the job exists
        assert line.startswith("RENDERING"), child.stderr.read() if child.stderr else line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert not output.exists(), "killed before the download"
    [record] = RenderBook(config).pending()
    assert record.session_id == session and record.output == str(output)

    follower = _python(FOLLOW.format(url=shared_engine.url, session=session), config)
    out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["pending"] == [record.render_id] == [answer["id"]]
    assert answer["path"] == str(output) and answer["after"] == []
    with av.open(str(output)) as container:
        assert float(container.duration) / av.time_base == pytest.approx(1.5, abs=0.15)
        assert container.streams.video[0].codec_context.width == 1920
