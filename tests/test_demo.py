"""The README's main job, as a user runs it: ``nemo-widgets demo -o out.mp4``: a video in,
a 1080p MP4 out with music composed for it, at streaming loudness."""

from __future__ import annotations

import os
import subprocess
import sys

import av
import numpy as np
import pyloudnorm
import pytest

from nemo_widgets.engine.server import stop_engine


@pytest.mark.slow
def test_demo_command_makes_a_1080p_mp4_with_music_that_fits(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "NEMO_HOME": str(home)}
    env.pop("NEMO_API_URL", None)
    output = tmp_path / "out.mp4"
    try:
        run = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "demo", "-o",
                              str(output)], env=env, capture_output=True, text=True,
                             timeout=300)
    finally:
        stop_engine(home)
    assert run.returncode == 0, run.stderr
    assert "saved" in run.stdout
    with av.open(str(output)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (1920, 1080)
        assert audio.codec_context.name == "aac"
        assert float(container.duration) / av.time_base == pytest.approx(10.0, abs=0.1)
        rate = audio.codec_context.sample_rate
        frames = [f.to_ndarray() for f in container.decode(audio)]
    samples = np.concatenate(frames, axis=1).T.astype(np.float64)
    assert samples.shape[0] / rate == pytest.approx(10.0, abs=0.05), "music as long as the video"
    loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
    assert loudness == pytest.approx(-14.0, abs=1.0)
    assert "BPM" in run.stdout, "the agent says what it composed"
    assert "BGM" in run.stdout, "and the timeline has a music track"
