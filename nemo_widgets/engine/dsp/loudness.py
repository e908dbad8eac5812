"""Loudness of the final mix: BS.1770 measurement and normalisation to a target.

Streaming platforms play everything at about −14 LUFS; an export that is already there sounds
the same before and after their normalisation, and one with true peaks at or below −1 dBTP does
not clip when decoded. FFmpeg's one-pass ``loudnorm`` is dynamic (it rides the gain) and misses
the target on short clips, so the render measures the mixed audio here, applies one static gain,
and catches the remaining peaks with a look-ahead limiter working on 4× oversampled peaks
(``truepeak``, the engine's one meter). Audio is (channels, samples), as everywhere in ``dsp``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, signal

from nemo_widgets.engine.dsp.truepeak import true_peak_db, true_peak_envelope

SAMPLE_RATE = 48_000
_ABSOLUTE_GATE = -70.0
_BLOCK_S, _STEP_S = 0.4, 0.1
# Leave room for the AAC encoder, which moves peaks by a few tenths of a dB.
DEFAULT_CEILING_DBTP = -1.8
MAX_GAIN_DB = 24.0

Audio = NDArray[np.float32]


def _k_weighting(sample_rate: int) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """The two BS.1770 pre-filters (a high shelf, then a high pass) designed for the rate."""
    # Stage 1: high shelf, +4 dB above ~1.7 kHz (BS.1770-4 parameters).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sample_rate)
    vh, vb = 10 ** (gain_db / 20), (10 ** (gain_db / 20)) ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
                        (vh - vb * k / q + k * k) / a0])
    shelf_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    # Stage 2: second-order high pass at ~38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return [(shelf_b, shelf_a), (hp_b, hp_a)]


def integrated_lufs(audio: Audio, sample_rate: int = SAMPLE_RATE) -> float:
    """Gated integrated loudness (BS.1770-4) of (channels, n) audio; −inf when all is gated."""
    data = np.asarray(audio, dtype=np.float64)
    if data.ndim == 1:
        data = data[None, :]
    for b, a in _k_weighting(sample_rate):
        data = signal.lfilter(b, a, data, axis=1)
    block, step = round(_BLOCK_S * sample_rate), round(_STEP_S * sample_rate)
    if data.shape[1] < block:
        return float("-inf")
    squares = np.cumsum(np.hstack([np.zeros((data.shape[0], 1)), data ** 2]), axis=1)
    starts = np.arange(0, data.shape[1] - block + 1, step)
    power = ((squares[:, starts + block] - squares[:, starts]) / block).sum(axis=0)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(power)
    kept = power[loudness > _ABSOLUTE_GATE]
    if kept.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(kept.mean()) - 10
    with np.errstate(divide="ignore"):
        final = power[(loudness > _ABSOLUTE_GATE) & (-0.691 + 10 * np.log10(power)
                                                     > relative_gate)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def limit(audio: Audio, ceiling_dbtp: float, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Look-ahead peak limiter: a gain curve that dips smoothly around every over-ceiling peak.

    The required gain at each sample is spread ±2 ms by a minimum filter and then averaged over
    2 ms: the average of values that are all at most the requirement cannot exceed it, so
    every peak ends at or under the ceiling while the gain changes without clicks.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    peaks = true_peak_envelope(audio)
    required = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    if required.min() >= 1.0:
        return audio
    reach = max(1, round(0.002 * sample_rate))
    spread = ndimage.minimum_filter1d(required, size=2 * reach + 1, mode="nearest")
    smooth = ndimage.uniform_filter1d(spread, size=reach + 1, mode="nearest")
    gain = np.minimum(smooth, spread + (smooth - spread).clip(max=0))
    result: Audio = (audio * gain[None, :]).astype(np.float32)
    return result


@dataclass(frozen=True)
class LoudnessReport:
    """What normalisation did, for logs and for the render's answer."""

    input_lufs: float
    output_lufs: float
    gain_db: float
    true_peak_dbtp: float


def normalize(audio: Audio, target_lufs: float = -14.0,
              ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
              sample_rate: int = SAMPLE_RATE) -> tuple[Audio, LoudnessReport]:
    """Bring integrated loudness to the target with true peaks under the ceiling.

    Silence stays silence. The gain is capped at +24 dB so that a nearly silent recording is
    not turned into loud noise. Limiting lowers the loudness a little, so the gain is raised by
    what was lost and the peaks limited again (a few rounds settle within 0.1 LU).
    """
    measured = integrated_lufs(audio, sample_rate)
    if not np.isfinite(measured):
        return audio, LoudnessReport(measured, measured, 0.0, true_peak_db(audio))
    gain_db = min(MAX_GAIN_DB, target_lufs - measured)
    result = audio
    for _ in range(5):
        result = limit((audio * 10 ** (gain_db / 20)).astype(np.float32), ceiling_dbtp,
                       sample_rate)
        reached = integrated_lufs(result, sample_rate)
        shortfall = target_lufs - reached
        if abs(shortfall) < 0.1 or gain_db >= MAX_GAIN_DB:
            break
        gain_db = min(MAX_GAIN_DB, gain_db + shortfall)
    return result, LoudnessReport(measured, integrated_lufs(result, sample_rate), gain_db,
                                  true_peak_db(result))
