"""The engine's one true-peak meter (4× oversampled, as ITU-R BS.1770 recommends).

One array layout for all of ``engine.dsp`` and the music engine: **(channels, samples)**,
float32 or float64 (FFmpeg's interleaved frames are its transpose: ``frames.T`` is a view).

The samples themselves are one phase of the oversampled signal; only the three points between
each pair are interpolated, each by a 16-tap Kaiser-windowed sinc (the approach of BS.1770's
meter, whose kernels have 12 taps). That is about a third of the work of a generic polyphase
resampler with SciPy's default 20-tap phases and reads within ~0.05 dB of it. The signal is read
in overlapping chunks that carry real samples past both ends, so a span of blocks reads exactly
what the whole signal would and memory stays bounded for long videos.

Callers choose the resolution: per sample (``true_peak_envelope``, for a limiter), per block of
``block`` samples (``true_peak_blocks``, for the music master's per-millisecond gain) or the
single maximum (``true_peak_db``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal

__all__ = ["HALF_TAPS", "fractional_kernels", "true_peak_blocks", "true_peak_db",
           "true_peak_envelope"]

HALF_TAPS = 8  # interpolation kernel: 16 taps per in-between point
CHUNK = 1 << 20  # samples read at a time


@lru_cache(maxsize=1)
def fractional_kernels() -> npt.NDArray[np.float32]:
    """Three Kaiser-windowed sinc kernels (3, 2·H) that interpolate a signal a quarter, a half
    and three quarters of a sample ahead: the in-between points of a 4× oversampling. Each is
    scaled to unit DC gain."""
    half = HALF_TAPS
    k = np.arange(2 * half)
    rows = []
    for delay in (0.25, 0.5, 0.75):
        u = half - k - delay  # each tap's distance (in samples) from the point wanted
        window = np.i0(5.0 * np.sqrt(np.clip(1.0 - (u / (half + 0.5)) ** 2, 0.0, 1.0)))
        kernel = np.sinc(u) * window
        rows.append(kernel / kernel.sum())
    return np.asarray(rows, dtype=np.float32)


def _as_channels(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    """A mono signal as one channel; anything else must already be (channels, samples)."""
    return x[None, :] if x.ndim == 1 else x


def true_peak_blocks(x: npt.NDArray[np.floating[Any]], block: int, first: int = 0,
                     last: int | None = None, step: int = CHUNK,
                     dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    """The true-peak maximum (linear, all channels) of each ``block``-sample block of ``x``
    (channels, samples), for the blocks ``first`` to ``last`` (exclusive; default: to the end).
    """
    x = _as_channels(x)
    n = x.shape[1]
    if last is None:
        last = -(-n // block)
    out = np.zeros(last - first, dtype=dtype)
    half = HALF_TAPS
    pad = 2 * half
    kernels = fractional_kernels()
    step = max(block, step - step % block)
    for start in range(first * block, min(last * block, n), step):
        stop = min(start + step, last * block, n)
        lo, hi = max(start - pad, 0), min(stop + pad, n)
        seg = np.ascontiguousarray(x[:, lo:hi], dtype=np.float32)  # rows: twice as fast
        env = np.abs(seg).max(axis=0)
        for kernel in kernels:
            # upfirdn's output m is sum_k kernel[k]·seg[m − k]: the point between samples i
            # and i + 1 lands at m = i + half
            between = signal.upfirdn(kernel, seg, axis=1)[:, half:half + (hi - lo)]
            np.maximum(env, np.abs(between).max(axis=0), out=env)
        own = env[start - lo:stop - lo]
        at = start // block - first
        if block == 1:
            out[at:at + len(own)] = own
            continue
        full = len(own) // block
        if full:
            out[at:at + full] = own[: full * block].reshape(full, block).max(axis=1)
        if len(own) > full * block:
            out[at + full] = float(own[full * block:].max())
    return out


def true_peak_envelope(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    """Per sample, the largest |value| among it and the three oversampled points after it
    (all channels): what a look-ahead limiter holds under its ceiling."""
    envelope: npt.NDArray[np.float32] = true_peak_blocks(x, 1, dtype=np.float32)
    return envelope


def true_peak_db(x: npt.NDArray[np.floating[Any]]) -> float:
    """The true peak of ``x`` (channels, samples) in dBTP; −inf for silence or no samples."""
    x = _as_channels(x)
    if x.shape[1] == 0:
        return float("-inf")
    peak = float(true_peak_blocks(x, CHUNK).max())
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")
