"""The folder batch on a Dask ``LocalCluster`` of two worker processes, each with its own
embedded engine: three clips in, three 1080p H.264/AAC MP4s at −14 LUFS out, skipped on a
second run."""

from __future__ import annotations

import av
import numpy as np
import pyloudnorm
import pytest

from nemo_widgets.batch import find_videos, plan
from nemo_widgets.cluster import progress_line, run_on_cluster
from tests.media_factory import make_cut_video

distributed = pytest.importorskip("distributed")

PROMPT = "generate a background music track that matches the mood of my video"


def loudness_and_shape(path) -> tuple[float, tuple[int, int], str, str, float]:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        size = (video.codec_context.width, video.codec_context.height)
        names = (video.codec_context.name, audio.codec_context.name)
        rate = audio.codec_context.sample_rate
        frames = [f.to_ndarray() for f in container.decode(audio)]
    samples = np.concatenate(frames, axis=1).T.astype(np.float64)
    return (pyloudnorm.Meter(rate).integrated_loudness(samples), size, *names,
            samples.shape[0] / rate)


def test_progress_line_fills_with_the_count() -> None:
    assert progress_line(0, 4, width=8) == "[........] 0/4"
    assert progress_line(2, 4, width=8) == "[####....] 2/4"
    assert progress_line(4, 4, width=8) == "[########] 4/4"


@pytest.mark.slow
def test_three_clips_on_two_workers(tmp_path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for number, cuts in enumerate(([1.0, 2.2], [0.8, 1.9, 2.6], [1.5])):
        make_cut_video(folder / f"clip{number}.mp4", cuts, 3.0)
    items = plan(find_videos(folder), tmp_path / "out")
    lines: list[str] = []
    done = run_on_cluster(items, PROMPT, workers=2, engine_root=tmp_path / "engines",
                          say=lines.append)
    assert [item.status for item in done] == ["done"] * 3, [item.error for item in done]
    workers = {line.split("(worker ")[1].split(",")[0] for line in lines if "(worker " in line}
    assert len(workers) == 2, f"both workers took files: {lines}"
    for item in done:
        lufs, size, video_codec, audio_codec, seconds = loudness_and_shape(item.output)
        assert (size, video_codec, audio_codec) == ((1920, 1080), "h264", "aac")
        assert seconds == pytest.approx(3.0, abs=0.05)
        assert lufs == pytest.approx(-14.0, abs=1.0)
    again = run_on_cluster(plan(find_videos(folder), tmp_path / "out"), PROMPT, workers=2,
                           say=lines.append)
    assert [item.status for item in again] == ["skipped"] * 3
