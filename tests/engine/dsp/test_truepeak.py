"""The one true-peak meter reads like a 4× polyphase resampler, at every resolution, on the one
array layout (channels, samples)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from nemo_widgets.engine.dsp.truepeak import true_peak_blocks, true_peak_db, true_peak_envelope

RATE = 48_000


def _reference_db(x: np.ndarray) -> float:
    up = resample_poly(x.astype(np.float64), 4, 1, axis=1)
    return 20 * float(np.log10(np.abs(up).max()))


def test_inter_sample_peak_is_found() -> None:
    # A sine at a quarter of the rate, phased so that every sample misses the crest by 45°:
    # sample peaks read 3 dB low, the true peak is 0 dBFS.
    n = np.arange(RATE)
    x = np.stack([np.sin(np.pi / 2 * n + np.pi / 4)] * 2).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.0, abs=0.05)
    assert true_peak_db(x) == pytest.approx(0.0, abs=0.2)  # BS.1770 allows more
    assert true_peak_db(x) == pytest.approx(_reference_db(x), abs=0.1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_meter_agrees_with_a_4x_resampler(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((2, RATE)) * 0.2).astype(np.float32)
    assert true_peak_db(x) == pytest.approx(_reference_db(x), abs=0.1)


def test_resolutions_agree_and_chunks_do_not_show() -> None:
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((2, 10_000)) * 0.3).astype(np.float32)
    envelope = true_peak_envelope(x)
    assert envelope.shape == (10_000,) and envelope.dtype == np.float32
    assert np.all(envelope >= np.abs(x).max(axis=0) - 1e-7)
    blocks = true_peak_blocks(x, 48)
    assert len(blocks) == -(-10_000 // 48)
    padded = np.zeros(len(blocks) * 48, dtype=np.float32)
    padded[:10_000] = envelope
    assert np.allclose(blocks, padded.reshape(-1, 48).max(axis=1), atol=1e-6)
    # small chunks (with their margins) read exactly what one pass over everything reads
    assert np.allclose(true_peak_blocks(x, 48, step=480), blocks, atol=1e-6)
    assert np.allclose(true_peak_blocks(x, 48, 10, 40, step=96), blocks[10:40], atol=1e-6)


def test_mono_silence_and_empty() -> None:
    assert true_peak_db(np.zeros((2, 100), dtype=np.float32)) == float("-inf")
    assert true_peak_db(np.zeros((2, 0), dtype=np.float32)) == float("-inf")
    mono = (0.5 * np.sin(2 * np.pi * 997 * np.arange(RATE) / RATE)).astype(np.float32)
    assert true_peak_db(mono) == pytest.approx(20 * np.log10(0.5), abs=0.05)
    assert true_peak_db(mono) == true_peak_db(np.stack([mono, mono * 0.5]))
