"""Loudness of the final mix: BS.1770 measurement and normalisation to a target.

Streaming platforms play everything at about −14 LUFS; an export that is already there sounds
the same before and after their normalisation, and one with true peaks at or below −1 dBTP does
not clip when decoded. FFmpeg's one-pass ``loudnorm`` is dynamic (it rides the gain) and misses
the target on short clips, so the render measures the mixed audio here, applies one static gain,
and catches the remaining peaks with a look-ahead limiter working on 4× oversampled peaks
(``truepeak``, the engine's one meter). Audio is (channels, samples), as everywhere in ``dsp``.

One pass over the mix (``measure``) keeps, per millisecond block, the K-weighted power and the
true peak — 1/48 of the samples, so a two-hour mix measures in bounded memory, read in chunks
from a memory-mapped file. Both are linear in the signal, so the rounds that raise the gain to
make up for limiting work on those blocks alone (never re-filtering or re-oversampling the
audio), and a second pass (``apply_gain``) writes the result chunk by chunk. The limiter's gain
moves per block and is interpolated between block centres, the way the music master does it: a
peak anywhere in a block meets a gain no higher than what that block and its neighbours need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, signal

from nemo_widgets.engine.dsp.truepeak import CHUNK, true_peak_blocks

__all__ = ["DEFAULT_CEILING_DBTP", "LoudnessReport", "MixMeasure", "apply_gain",
           "integrated_lufs", "limit", "measure", "normalize", "plan_gain"]

SAMPLE_RATE = 48_000
_ABSOLUTE_GATE = -70.0
_BLOCK_S, _STEP_S = 0.4, 0.1
# Leave room for the AAC encoder, which moves peaks by a few tenths of a dB.
DEFAULT_CEILING_DBTP = -1.8
MAX_GAIN_DB = 24.0
LIMITER_REACH_MS = 2  # the limiter's gain spreads this many blocks either side of a peak

Audio = NDArray[np.float32]
Blocks = NDArray[np.float64]


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


def _control(sample_rate: int) -> int:
    return max(1, sample_rate // 1000)


@dataclass
class MixMeasure:
    """What one pass over a mix learns, per millisecond block (``sample_rate // 1000``
    samples): the K-weighted power summed over the block's samples and channels, and the
    true peak of all channels."""

    power: Blocks
    peaks: Blocks
    samples: int
    sample_rate: int


def measure(audio: NDArray[np.floating[Any]], sample_rate: int = SAMPLE_RATE,
            step: int = CHUNK) -> MixMeasure:
    """Measure (channels, n) ``audio`` — an array or a memory map — ``step`` samples at a time."""
    x = audio[None, :] if audio.ndim == 1 else audio
    control = _control(sample_rate)
    n = x.shape[1]
    count = -(-n // control)
    power = np.zeros(count)
    stages = [(b.astype(np.float32), a.astype(np.float32)) for b, a in _k_weighting(sample_rate)]
    states = [np.zeros((x.shape[0], len(a) - 1), dtype=np.float32) for _, a in stages]
    step = max(control, step - step % control)
    for start in range(0, n, step):
        # contiguous rows: the transpose of interleaved frames filters at half the speed
        data = np.ascontiguousarray(x[:, start:start + step], dtype=np.float32)
        for i, (b, a) in enumerate(stages):
            data, states[i] = signal.lfilter(b, a, data, axis=1, zi=states[i])
        energy = np.square(data).sum(axis=0, dtype=np.float64)
        full = len(energy) // control
        first = start // control
        power[first:first + full] = energy[: full * control].reshape(full, control).sum(axis=1)
        if len(energy) > full * control:
            power[first + full] = energy[full * control:].sum()
    peaks = true_peak_blocks(x, control, step=step)
    return MixMeasure(power=power, peaks=peaks, samples=n, sample_rate=sample_rate)


def _gated(mix: MixMeasure, gain: Blocks | None = None) -> float:
    """Gated integrated loudness (BS.1770-4) of the measured mix times a per-block ``gain``.

    Powers are summed per 100 ms step, and each 400 ms block (75 % overlap) adds four steps.
    """
    control = _control(mix.sample_rate)
    per_step = round(_STEP_S * 1000)
    per_block = round(_BLOCK_S / _STEP_S)
    steps = mix.samples // (per_step * control)
    if steps < per_block:
        return float("-inf")
    power = mix.power[: steps * per_step]
    if gain is not None:
        power = power * np.square(gain[: steps * per_step])
    bins = power.reshape(steps, per_step).sum(axis=1)
    blocks = sum(bins[i: steps - per_block + 1 + i] for i in range(per_block))
    blocks = blocks / (per_step * per_block * control)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(blocks)
    kept = blocks[loudness > _ABSOLUTE_GATE]
    if kept.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(kept.mean()) - 10
    final = blocks[(loudness > _ABSOLUTE_GATE) & (loudness > relative_gate)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def integrated_lufs(audio: NDArray[np.floating[Any]], sample_rate: int = SAMPLE_RATE) -> float:
    """Gated integrated loudness (BS.1770-4) of (channels, n) audio; −inf when all is gated."""
    return _gated(measure(audio, sample_rate))


def _limiter_gain(peaks: Blocks, ceiling_dbtp: float) -> Blocks | None:
    """The look-ahead limiter's per-block gain for these true peaks; None when none is over.

    The gain each block needs is spread ±2 blocks by a minimum filter and then averaged over 3
    blocks: an average of values that are all at most a block's need cannot exceed it, and
    neither can a value interpolated between two such blocks, so every peak ends at or under
    the ceiling while the gain changes without clicks.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    required = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    if required.min() >= 1.0:
        return None
    spread = ndimage.minimum_filter1d(required, size=2 * LIMITER_REACH_MS + 1, mode="nearest")
    smooth = ndimage.uniform_filter1d(spread, size=3, mode="nearest")
    gain: Blocks = np.minimum(smooth, spread)
    return gain


@dataclass(frozen=True)
class LoudnessReport:
    """What normalisation did, for logs and for the render's answer."""

    input_lufs: float
    output_lufs: float
    gain_db: float
    true_peak_dbtp: float


def plan_gain(mix: MixMeasure, target_lufs: float = -14.0,
              ceiling_dbtp: float = DEFAULT_CEILING_DBTP) -> tuple[Blocks, LoudnessReport]:
    """The per-block gain that brings the mix to the target with true peaks under the ceiling.

    Silence stays silence. The gain is capped at +24 dB so that a nearly silent recording is
    not turned into loud noise. Limiting lowers the loudness a little, so the gain is raised by
    what was lost and the peaks limited again (a few rounds settle within 0.1 LU).
    """
    measured = _gated(mix)
    if not np.isfinite(measured):
        peak = float(mix.peaks.max()) if mix.peaks.size else 0.0
        return (np.ones(len(mix.power)),
                LoudnessReport(measured, measured, 0.0, _db(peak)))
    gain_db = min(MAX_GAIN_DB, target_lufs - measured)
    curve: Blocks | None = None
    reached = measured
    for _ in range(5):
        scale = 10 ** (gain_db / 20)
        curve = _limiter_gain(mix.peaks * scale, ceiling_dbtp)
        reached = measured + gain_db if curve is None else _gated(mix, curve * scale)
        shortfall = target_lufs - reached
        if abs(shortfall) < 0.1 or gain_db >= MAX_GAIN_DB:
            break
        gain_db = min(MAX_GAIN_DB, gain_db + shortfall)
    scale = 10 ** (gain_db / 20)
    total = np.full(len(mix.power), scale) if curve is None else curve * scale
    # true peaks are linear in the signal: the result's are the mix's times the gain
    return total, LoudnessReport(measured, reached, gain_db, _db(float((mix.peaks * total).max())))


def _db(peak: float) -> float:
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")


def apply_gain(audio: NDArray[np.floating[Any]], gain: Blocks, write: Callable[[Audio], None],
               sample_rate: int = SAMPLE_RATE, step: int = CHUNK) -> None:
    """Multiply (channels, n) ``audio`` by the per-block ``gain`` (interpolated between block
    centres) and hand the result to ``write`` chunk by chunk, in order."""
    x = audio[None, :] if audio.ndim == 1 else audio
    control = _control(sample_rate)
    centres = (np.arange(len(gain)) + 0.5) * control - 0.5
    n = x.shape[1]
    for start in range(0, n, step):
        stop = min(start + step, n)
        per_sample = np.interp(np.arange(start, stop), centres, gain).astype(np.float32)
        write((np.asarray(x[:, start:stop], dtype=np.float32) * per_sample).astype(np.float32))


def limit(audio: Audio, ceiling_dbtp: float, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Look-ahead peak limiter: true peaks end at or under ``ceiling_dbtp``."""
    mix = measure(audio, sample_rate)
    gain = _limiter_gain(mix.peaks, ceiling_dbtp)
    if gain is None:
        return audio
    return _applied(audio, gain, sample_rate)


def _applied(audio: Audio, gain: Blocks, sample_rate: int) -> Audio:
    parts: list[Audio] = []
    apply_gain(audio, gain, parts.append, sample_rate)
    x = audio[None, :] if audio.ndim == 1 else audio
    result: Audio = (np.concatenate(parts, axis=1) if parts
                     else np.zeros_like(x, dtype=np.float32))
    return result[0] if audio.ndim == 1 else result


def normalize(audio: Audio, target_lufs: float = -14.0,
              ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
              sample_rate: int = SAMPLE_RATE) -> tuple[Audio, LoudnessReport]:
    """Bring in-memory (channels, n) audio to the target with true peaks under the ceiling
    (``measure`` → ``plan_gain`` → ``apply_gain``)."""
    mix = measure(audio, sample_rate)
    gain, report = plan_gain(mix, target_lufs, ceiling_dbtp)
    if report.gain_db == 0.0 and not np.isfinite(report.input_lufs):
        return audio, report
    return _applied(audio, gain, sample_rate), report
