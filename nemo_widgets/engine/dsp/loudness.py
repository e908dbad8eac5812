"""Loudness of the final mix: BS.1770 measurement and normalisation to a target.

Streaming platforms play everything at about −14 LUFS; an export that is already there sounds
the same before and after their normalisation, and one with true peaks at or below −1 dBTP does
not clip when decoded. FFmpeg's one-pass ``loudnorm`` is dynamic (it rides the gain) and misses
the target on short clips, so the render measures the mixed audio here, applies one static gain,
and catches the remaining peaks with a look-ahead limiter working on 4× oversampled peaks
(``truepeak``, the engine's one meter). Audio is (channels, samples), as everywhere in ``dsp``.

Speed: the K-weighted signal and the true-peak envelope are computed **once** per mix. Both are
linear in the signal, so a gain (and the limiter's slowly moving gain curve) applies to them as
well as to the audio: the rounds that raise the gain to make up for limiting re-measure block
powers only, never re-filter or re-oversample 60 s of audio (a 60 s mix normalises in about a
third of the time it took when each round measured from scratch).
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


def _k_weighted(audio: Audio, sample_rate: int) -> NDArray[np.float32]:
    """The K-weighted signal (channels, n), in float32: half the memory of float64 for a long
    mix, and loudness read from it agrees with pyloudnorm to 0.01 LU."""
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[None, :]
    for b, a in _k_weighting(sample_rate):
        data = signal.lfilter(b.astype(np.float32), a.astype(np.float32), data, axis=1)
    weighted: NDArray[np.float32] = data
    return weighted


def _gated(weighted: NDArray[np.float32], sample_rate: int,
           gain: NDArray[np.float32] | None = None) -> float:
    """Gated integrated loudness (BS.1770-4) of the K-weighted signal times ``gain``.

    Powers are summed per 100 ms step, and each 400 ms block (75 % overlap) adds four steps.
    """
    step = round(_STEP_S * sample_rate)
    per_block = round(_BLOCK_S / _STEP_S)
    steps = weighted.shape[1] // step
    if steps < per_block:
        return float("-inf")
    power = np.square(weighted[:, : steps * step], dtype=np.float32).sum(axis=0)
    if gain is not None:
        power *= np.square(gain[: steps * step])
    bins = power.reshape(steps, step).sum(axis=1, dtype=np.float64)
    blocks = sum(bins[i: steps - per_block + 1 + i] for i in range(per_block)) / (step * per_block)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(blocks)
    kept = blocks[loudness > _ABSOLUTE_GATE]
    if kept.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(kept.mean()) - 10
    final = blocks[(loudness > _ABSOLUTE_GATE) & (loudness > relative_gate)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def integrated_lufs(audio: Audio, sample_rate: int = SAMPLE_RATE) -> float:
    """Gated integrated loudness (BS.1770-4) of (channels, n) audio; −inf when all is gated."""
    return _gated(_k_weighted(audio, sample_rate), sample_rate)


def _limiter_gain(peaks: NDArray[np.float32], ceiling_dbtp: float, sample_rate: int
                  ) -> NDArray[np.float32] | None:
    """The look-ahead limiter's gain curve for these true peaks, or None when none is over.

    The required gain at each sample is spread ±2 ms by a minimum filter and then averaged over
    2 ms: the average of values that are all at most the requirement cannot exceed it, so
    every peak ends at or under the ceiling while the gain changes without clicks.
    """
    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    required = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks, np.float32(1e-9)))
    if required.min() >= 1.0:
        return None
    reach = max(1, round(0.002 * sample_rate))
    spread = ndimage.minimum_filter1d(required, size=2 * reach + 1, mode="nearest")
    smooth = ndimage.uniform_filter1d(spread, size=reach + 1, mode="nearest")
    gain: NDArray[np.float32] = np.minimum(smooth, spread + (smooth - spread).clip(max=0))
    return gain


def limit(audio: Audio, ceiling_dbtp: float, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Look-ahead peak limiter: true peaks end at or under ``ceiling_dbtp`` (see
    ``_limiter_gain``)."""
    gain = _limiter_gain(true_peak_envelope(audio), ceiling_dbtp, sample_rate)
    if gain is None:
        return audio
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
    what was lost and the peaks limited again (a few rounds settle within 0.1 LU). The rounds
    work on the K-weighted signal and the true-peak envelope measured once (see the module).
    """
    weighted = _k_weighted(audio, sample_rate)
    measured = _gated(weighted, sample_rate)
    if not np.isfinite(measured):
        return audio, LoudnessReport(measured, measured, 0.0, true_peak_db(audio))
    envelope = true_peak_envelope(audio)
    gain_db = min(MAX_GAIN_DB, target_lufs - measured)
    curve: NDArray[np.float32] | None = None
    reached = measured
    for _ in range(5):
        scale = np.float32(10 ** (gain_db / 20))
        curve = _limiter_gain(envelope * scale, ceiling_dbtp, sample_rate)
        reached = (measured + gain_db if curve is None
                   else _gated(weighted, sample_rate, curve * scale))
        shortfall = target_lufs - reached
        if abs(shortfall) < 0.1 or gain_db >= MAX_GAIN_DB:
            break
        gain_db = min(MAX_GAIN_DB, gain_db + shortfall)
    scale = np.float32(10 ** (gain_db / 20))
    total = scale if curve is None else curve * scale
    peak = float((envelope * total).max())  # both linear: the limited signal's true peak
    result: Audio = (audio * (total if curve is None else total[None, :])).astype(np.float32)
    return result, LoudnessReport(measured, reached, gain_db,
                                  20 * float(np.log10(peak)) if peak > 0 else float("-inf"))
