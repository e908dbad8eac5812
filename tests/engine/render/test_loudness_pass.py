"""The render's loudness pass: an export reads −14 LUFS with true peaks under −1 dBTP, and
``m.loudness: null`` leaves the mix as it is."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest

from nemo_widgets.engine.dsp.truepeak import true_peak_db
from nemo_widgets.engine.media import probe
from nemo_widgets.engine.render import plan_render, run_render
from tests.media_factory import make_audio, make_video

RATE = 48_000


def decoded(path: Path) -> np.ndarray:
    """The decoded sound as (channels, samples)."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray() for f in container.decode(audio=0)]
    return np.concatenate(frames, axis=1).astype(np.float32)


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
    assert audio.shape[1] == pytest.approx(4 * RATE, abs=RATE * 0.03)
    assert pyloudnorm.Meter(RATE).integrated_loudness(audio.T.astype(np.float64)) == \
        pytest.approx(-14.0, abs=1.0)
    assert true_peak_db(audio) <= -1.0
    assert not list((tmp_path / "work").glob("mix-*")), "the raw mix files are cleaned up"


def test_loudness_null_keeps_the_mix_level(tmp_path, quiet_clip):
    clip, song = quiet_clip
    out = _render(tmp_path, {"clip": clip, "song": song}, {"loudness": None})
    level = pyloudnorm.Meter(RATE).integrated_loudness(decoded(out).T.astype(np.float64))
    assert level < -20


def test_a_long_mix_is_normalised_in_bounded_memory(tmp_path):
    """The loudness pass reads the raw mix in chunks (twice) instead of loading it: three
    minutes of sound (69 MB) peak well under the size of the file."""
    import tracemalloc

    from nemo_widgets.engine.dsp.loudness import integrated_lufs
    from nemo_widgets.engine.render.loudness_pass import AudioPass, normalize_mix

    mix = tmp_path / "mix.f32"
    rng = np.random.default_rng(0)
    samples = RATE * 180
    with mix.open("wb") as handle:
        for start in range(0, samples, 1 << 20):
            count = min(1 << 20, samples - start)
            (rng.standard_normal((count, 2)) * 0.05).astype("<f4").tofile(handle)
    audio_pass = AudioPass(argv=[], mix=mix, normalized=tmp_path / "out.f32", target_lufs=-14.0)
    tracemalloc.start()
    try:
        normalize_mix(audio_pass)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < mix.stat().st_size / 1.5, f"peak {peak / 1e6:.0f} MB"
    out = np.fromfile(audio_pass.normalized, dtype="<f4").reshape(-1, 2).T
    assert out.shape[1] == samples
    assert integrated_lufs(out[:, : RATE * 30]) == pytest.approx(-14.0, abs=0.3)
    assert audio_pass.report is not None and audio_pass.report.output_lufs == \
        pytest.approx(-14.0, abs=0.1)
