"""The loudness pass's mix summed in numpy is the FFmpeg graph's mix, bit for bit:
in-points, fades, delays, volumes, a mono 44.1 kHz source, AAC inside an MP4, a WAV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nemo_widgets.engine.media import probe
from nemo_widgets.engine.render.clips import MediaLookup, audio_clips, read_canvas, video_clips
from nemo_widgets.engine.render.ffmpeg import run_ffmpeg
from nemo_widgets.engine.render.graph import ffmpeg_caps
from nemo_widgets.engine.render.loudness_pass import plan_audio_pass
from nemo_widgets.engine.render.numpy_mix import mix_in_numpy, numpy_mixable
from nemo_widgets.engine.render.plan import validate_draft
from tests.media_factory import make_audio, make_video
from tests.media_factory import run_ffmpeg as make_with_ffmpeg


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mixsrc")
    mono = folder / "mono44.wav"
    make_with_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100:duration=3",
                      "-ac", "1", str(mono)])
    return {"clip": make_video(folder / "clip.mp4", seconds=4.0, tone_hz=300),
            "song": make_audio(folder / "song.wav", seconds=5.0, tone_hz=523),
            "mono": mono}


def _mixes(tmp_path: Path, sources: dict[str, Path], segments: list[dict]
           ) -> tuple[np.ndarray, np.ndarray]:
    """(numpy mix, FFmpeg mix) of a 4 s draft: the clip on the video track, ``segments``
    on an audio track."""
    infos = {name: (path, probe(path)) for name, path in sources.items()}
    draft = {"t": [{"tt": 0, "sg": [{"id": "v", "kind": "video", "source": "clip",
                                     "start_ms": 0, "duration_ms": 4000, "volume": 0.8,
                                     "fade_in_ms": 300}]},
                   {"tt": 1, "sg": segments}],
             "d": 4000, "m": {"width": 1920, "height": 1080}}
    timeline = validate_draft(draft)
    canvas = read_canvas(timeline)
    media = MediaLookup(infos.__getitem__)
    sounds = audio_clips(timeline, canvas, media, video_clips(timeline, canvas, media))
    assert numpy_mixable(sounds)
    reference = plan_audio_pass(canvas, sounds, ffmpeg_caps(), tmp_path, "ref", -14.0,
                                use_numpy=False)
    assert reference.sounds is None and reference.argv
    run_ffmpeg(reference.argv, reference.mix, canvas.duration_ms)
    ours = mix_in_numpy(sounds, canvas.total_samples, tmp_path / "numpy.f32")
    assert ours is not None and not (tmp_path / "numpy.f32").exists(), "a short mix: in memory"
    return ours, np.fromfile(reference.mix, dtype="<f4").reshape(-1, 2)


def test_the_numpy_mix_is_the_ffmpeg_mix(tmp_path, sources):
    ours, theirs = _mixes(tmp_path, sources, [
        {"id": "m", "kind": "audio", "source": "song", "start_ms": 500, "duration_ms": 3000,
         "source_in_ms": 700, "volume": 0.3512345678, "fade_out_ms": 800},
        {"id": "n", "kind": "audio", "source": "mono", "start_ms": 1000,
         "duration_ms": 2500, "volume": 1.2, "fade_in_ms": 250, "fade_out_ms": 250}])
    assert ours.shape == theirs.shape == (4 * 48_000, 2)
    assert np.abs(theirs).max() > 0.15, "the sounds are there"
    assert np.array_equal(ours, theirs), f"differs by up to {np.abs(ours - theirs).max()}"


def test_the_video_sound_alone_with_an_in_point_and_a_silent_tail(tmp_path, sources):
    ours, theirs = _mixes(tmp_path, sources, [
        {"id": "m", "kind": "audio", "source": "song", "start_ms": 3000, "duration_ms": 1000,
         "source_in_ms": 4500, "volume": 0.5}])  # only 0.5 s left in the file: then silence
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs), f"differs by up to {np.abs(ours - theirs).max()}"
    assert np.abs(ours).max() > 0.05, "the sounds are there"


def test_loops_and_in_points_in_compressed_sound_keep_the_ffmpeg_pass(sources):
    from nemo_widgets.engine.render.clips import AudioClip

    song, clip = sources["song"], sources["clip"]
    looped = AudioClip(path=song, info=probe(song), start_ms=0, duration_ms=9000, loop=True)
    trimmed = AudioClip(path=clip, info=probe(clip), start_ms=0, duration_ms=2000,
                        source_in_ms=500, video_index=0)
    wav_in = AudioClip(path=song, info=probe(song), start_ms=0, duration_ms=2000,
                       source_in_ms=500)
    assert not numpy_mixable([looped]) and not numpy_mixable([])
    assert not numpy_mixable([trimmed, wav_in]) and numpy_mixable([wav_in])


def test_a_long_mix_is_summed_into_a_file_not_memory(tmp_path, sources, monkeypatch):
    from nemo_widgets.engine.render import numpy_mix

    (tmp_path / "a").mkdir()
    in_memory, _ = _mixes(tmp_path / "a", sources, [])
    monkeypatch.setattr(numpy_mix, "IN_MEMORY_BYTES", 1024)
    clip = sources["clip"]
    from nemo_widgets.engine.render.clips import AudioClip

    sound = AudioClip(path=clip, info=probe(clip), start_ms=0, duration_ms=4000, volume=0.8,
                      fade_in_ms=300, video_index=0)
    out = tmp_path / "long.f32"
    assert mix_in_numpy([sound], 4 * 48_000, out) is None
    assert np.array_equal(np.fromfile(out, dtype="<f4").reshape(-1, 2), in_memory)
