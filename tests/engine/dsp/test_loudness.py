"""Loudness: our BS.1770 meter agrees with pyloudnorm; normalisation hits the target under the
ceiling. Audio is (channels, samples) as everywhere in ``engine.dsp``; pyloudnorm takes the
transpose."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from nemo_widgets.engine.dsp.loudness import integrated_lufs, normalize
from nemo_widgets.engine.dsp.truepeak import true_peak_db

RATE = 48_000


def _music_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    clicks = np.zeros_like(t)
    clicks[:: RATE // 2] = 1.0
    drums = signal.lfilter([1], [1, -0.995], clicks) * 0.5
    left = tone + drums + 0.02 * rng.standard_normal(len(t))
    return np.stack([left, np.roll(left, 50)]).astype(np.float32)  # (channels, samples)


@pytest.mark.parametrize("seed", [0, 1])
def test_meter_agrees_with_pyloudnorm(seed):
    audio = _music_like(6.0, seed) * (0.3 + seed)
    ours = integrated_lufs(audio)
    theirs = pyloudnorm.Meter(RATE).integrated_loudness(audio.T.astype(np.float64))
    assert ours == pytest.approx(theirs, abs=0.1)


def test_silence_stays_silence():
    silent = np.zeros((2, RATE * 2), dtype=np.float32)
    result, report = normalize(silent)
    assert not np.any(result) and report.gain_db == 0


def test_normalize_hits_target_under_the_ceiling():
    audio = _music_like(8.0) * 0.2
    result, report = normalize(audio, -14.0)
    assert pyloudnorm.Meter(RATE).integrated_loudness(result.T.astype(np.float64)) == \
        pytest.approx(-14.0, abs=0.3)
    assert true_peak_db(result) <= -1.7
    assert report.gain_db > 3


@pytest.mark.parametrize("level", [0.05, 0.2, 0.9])
def test_the_report_says_what_the_result_measures(level):
    """The rounds work on signals measured once; what they report must still be the truth."""
    audio = _music_like(6.0, 2) * level
    result, report = normalize(audio, -14.0)
    assert report.output_lufs == pytest.approx(integrated_lufs(result), abs=0.1)
    assert report.true_peak_dbtp == pytest.approx(true_peak_db(result), abs=0.1)
    assert integrated_lufs(audio) == pytest.approx(report.input_lufs, abs=1e-6)
