"""Music taken away from the real engine: the version on the timeline, saved as WAV and MP3
(encoded with imageio-ffmpeg's binary), with its stems and its cue file; a version that does
not exist is a clear error. And ``use_music`` / ``redo`` through the cloud-shaped fake."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from nemo_widgets.client import ClientSettings, NemoClient, NemoError
from tests.client.cloud_fake import CloudFake
from tests.client.test_cloud_workflow import fake_client
from tests.media_factory import make_video

PROMPT = "generate a background music track that matches the mood of my video"


def _seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration) / av.time_base


def test_save_music_from_the_engine(shared_engine, tmp_path):
    clip = make_video(tmp_path / "clip.mp4", seconds=3.0)
    with NemoClient(shared_engine.url, settings=ClientSettings(config_dir=tmp_path / "c")
                    ) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask("add my video to the timeline").ok
        made = conv.ask(PROMPT)
        assert made.reasons, "the music's reasons are kept, folded out of the reply"
        assert not any(reason in made.text for reason in made.reasons)
        assert made.ok and made.after is not None, made.text
        [version] = made.after.music_versions
        assert version.version == 1 and version.tempo_bpm and version.style and version.key
        assert version.duration_s == pytest.approx(3.0, abs=0.2)
        assert made.after.music_in_use() == version and conv.music_versions() == [version]
        saved = conv.save_music(tmp_path / "out", stems=True, cue=True,
                                formats=("wav", "mp3"))
        wav, mp3 = saved[0], saved[1]
        assert wav.name.startswith("music-v1-") and wav.suffix == ".wav"
        assert mp3.suffix == ".mp3" and _seconds(mp3) == pytest.approx(_seconds(wav), abs=0.1)
        stems = [p for p in saved[2:] if p.suffix == ".wav"]
        assert len(stems) == len(version.stem_urls) >= 2
        cue = json.loads(saved[-1].read_text())
        assert saved[-1].name.endswith("-cue.json") and cue
        assert not list((tmp_path / "out").glob("*.part")), "no half-written file left"
        with pytest.raises(NemoError, match="no music version 4"):
            conv.save_music(tmp_path / "out", version=4)
        with pytest.raises(ValueError, match="formats"):
            conv.save_music(tmp_path / "out", formats=("ogg",))


def test_use_music_and_redo_send_the_agents_phrases(tmp_path):
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0)
    with CloudFake(tmp_path / "cloud") as fake, fake_client(fake, tmp_path / "cfg") as client:
        conv = client.conversation()
        conv.upload(clip)
        conv.ask("add my video")
        conv.ask("add music")
        second = conv.ask("add other music")
        assert second.after is not None and second.after.music_in_use().version == 2
        back = conv.use_music(1)
        assert back.ok and back.after is not None and back.after.music_in_use().version == 1
        undone = conv.undo()
        assert undone.after is not None and undone.after.music_in_use().version == 2
        redone = conv.redo()
        assert redone.after is not None and redone.after.music_in_use().version == 1
        sent = [b["new_message"]["parts"][0]["text"] for b in fake.bodies("/run_sse")]
        assert sent[-3:] == ["use music version 1", "undo", "redo"]
