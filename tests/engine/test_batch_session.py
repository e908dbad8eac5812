"""The product's batch workflow in one session, and a music length edit, through the real client
and engine: each upload gets its own instruction and its own render, checked with PyAV; a
shorter music keeps its composed ending and leaves the video alone."""

from __future__ import annotations

import av
import numpy as np
import pytest

from nemo_widgets.client import ClientSettings, NemoClient
from tests.media_factory import make_video, run_ffmpeg
from tests.test_music_engine import decode_audio

PROMPT = "generate a background music track that matches the mood of my video"


def coloured_clip(path, colour: str, seconds: float):
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c={colour}:size=320x240:rate=25:d={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", str(seconds),
                str(path)])
    return path


def duration_s(path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration) / av.time_base


def mean_colour(path) -> np.ndarray:
    """The middle frame's mean RGB: a red clip and a blue clip differ here."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[len(frames) // 2].reshape(-1, 3).mean(axis=0)


def test_two_uploads_two_instructions_two_renders(shared_engine, tmp_path):
    red = coloured_clip(tmp_path / "red_slow.mp4", "red", 2.0)
    blue = coloured_clip(tmp_path / "blue_fast.mp4", "blue", 3.0)
    with NemoClient(shared_engine.url, settings=ClientSettings(config_dir=tmp_path / "c")
                    ) as client:
        conv = client.conversation()
        conv.upload(red, blue)
        assert conv.ask("use red_slow.mp4").ok
        assert conv.ask(PROMPT).ok
        first = conv.export(tmp_path / "first.mp4")
        turn = conv.ask("replace the video with blue_fast.mp4")
        assert turn.ok, turn.text
        assert conv.ask("make it calmer").ok
        second = conv.export(tmp_path / "second.mp4")
    assert duration_s(first.path) == pytest.approx(2.0, abs=0.1)
    assert duration_s(second.path) == pytest.approx(3.0, abs=0.1)
    r1, _g1, b1 = mean_colour(first.path)
    r2, _g2, b2 = mean_colour(second.path)
    assert r1 > 150 > b1, "the first render shows the red clip only"
    assert b2 > 150 > r2, "the second render shows the blue clip only"


def test_a_shorter_music_keeps_its_ending_and_the_video(shared_engine, tmp_path):
    clip = make_video(tmp_path / "clip.mp4", seconds=4.0)
    with NemoClient(shared_engine.url, settings=ClientSettings(config_dir=tmp_path / "c")
                    ) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask(PROMPT).ok
        shorter = conv.ask("make the music 2 seconds long")
        assert shorter.ok, shorter.text
        assert shorter.after is not None
        assert shorter.after.timeline.duration_ms == pytest.approx(4000, abs=50), \
            "the video is left alone"
        versions = shorter.after.music_versions
        assert len(versions) == 2 and shorter.after.music_in_use() == versions[-1], versions
        assert versions[-1].duration_s == pytest.approx(2.0, abs=0.02), versions
        [wav] = conv.save_music(tmp_path / "music", version=2)
    mono, rate = decode_audio(wav, mono=True)
    assert mono.size / rate == pytest.approx(2.0, abs=0.02), "re-planned to the new length"
    block = rate // 100
    levels = [np.sqrt(np.mean(mono[i:i + block] ** 2)) + 1e-12
              for i in range(0, mono.size - block, block)]
    median_db = 20 * np.log10(np.median(levels))
    tail_db = 20 * np.log10(np.sqrt(np.mean(mono[-rate // 20:] ** 2)) + 1e-12)
    assert tail_db <= median_db - 30, "a composed ending, not a cut at full level"
