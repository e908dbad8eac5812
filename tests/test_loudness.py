"""Loudness: our BS.1770 meter agrees with pyloudnorm, and exports land at −14 LUFS."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from nemo_widgets.engine.loudness import integrated_lufs, normalize, true_peak_db
from nemo_widgets.engine.media import probe
from nemo_widgets.engine.render import plan_render, run_render
from tests.media_factory import make_audio, make_video

RATE = 48_000


def _music_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    clicks = np.zeros_like(t)
    clicks[:: RATE // 2] = 1.0
    drums = signal.lfilter([1], [1, -0.995], clicks) * 0.5
    left = tone + drums + 0.02 * rng.standard_normal(len(t))
    return np.stack([left, np.roll(left, 50)], axis=1).astype(np.float32)


def decoded(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray() for f in container.decode(audio=0)]
    data = np.concatenate(frames, axis=1).T
    return data.astype(np.float32)


@pytest.mark.parametrize("seed", [0, 1])
def test_meter_agrees_with_pyloudnorm(seed):
    audio = _music_like(6.0, seed) * (0.3 + seed)
    ours = integrated_lufs(audio)
    theirs = pyloudnorm.Meter(RATE).integrated_loudness(audio.astype(np.float64))
    assert ours == pytest.approx(theirs, abs=0.1)


def test_silence_stays_silence():
    silent = np.zeros((RATE * 2, 2), dtype=np.float32)
    result, report = normalize(silent)
    assert not np.any(result) and report.gain_db == 0


def test_normalize_hits_target_under_the_ceiling():
    audio = _music_like(8.0) * 0.2
    result, report = normalize(audio, -14.0)
    assert pyloudnorm.Meter(RATE).integrated_loudness(result.astype(np.float64)) == \
        pytest.approx(-14.0, abs=0.3)
    assert true_peak_db(result) <= -1.7
    assert report.gain_db > 3


@pytest.fixture(scope="module")
def quiet_clip(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("loud")
    clip = make_video(folder / "quiet.mp4", seconds=4.0, extra=[
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-af", "volume=0.05"])
    song = make_audio(folder / "song.wav", seconds=4.0, tone_hz=523)
    return clip, song


def _render(tmp_path: Path, sources: dict[str, Path], meta: dict) -> Path:
    infos = {name: (path, probe(path)) for name, path in sources.items()}
    doc = {"t": [
        {"tt": 0, "sg": [{"id": "v", "kind": "video", "source": "clip", "start_ms": 0,
                          "duration_ms": 4000, "volume": 1.0}]},
        {"tt": 1, "sg": [{"id": "m", "kind": "audio", "source": "song", "start_ms": 0,
                          "duration_ms": 4000, "volume": 0.35}]}],
        "d": 4000, "m": {"width": 1920, "height": 1080, **meta}}
    out = tmp_path / "out.mp4"
    run_render(plan_render(doc, infos.__getitem__, out, tmp_path / "work"))
    return out


def test_export_reads_minus_14_lufs_with_peaks_under_minus_1(tmp_path, quiet_clip):
    clip, song = quiet_clip
    out = _render(tmp_path, {"clip": clip, "song": song}, {})
    audio = decoded(out)
    assert len(audio) == pytest.approx(4 * RATE, abs=RATE * 0.03)
    assert pyloudnorm.Meter(RATE).integrated_loudness(audio.astype(np.float64)) == \
        pytest.approx(-14.0, abs=1.0)
    assert true_peak_db(audio) <= -1.0
    assert not list((tmp_path / "work").glob("mix-*")), "the raw mix files are cleaned up"


def test_loudness_null_keeps_the_mix_level(tmp_path, quiet_clip):
    clip, song = quiet_clip
    out = _render(tmp_path, {"clip": clip, "song": song}, {"loudness": None})
    level = pyloudnorm.Meter(RATE).integrated_loudness(decoded(out).astype(np.float64))
    assert level < -20
