"""Effects and the master bus: reverb, sidechain pumping, bus compression, limiting, true-peak
normalisation and ducking under speech.

Reverb is an FFT convolution with a room's impulse response (``room``: image-source early
reflections of the style's room and a diffuse tail decaying faster in the highs): a recursive
Freeverb through ``lfilter`` costs seconds per minute of audio in numpy, the convolution a
fraction of one, and all stems' reverbs share one batch of FFTs.

The master bus is deliberately a *gain envelope* (linked across channels and stems) rather than
a waveshaper: compression, limiting, normalisation, fades and ducking then apply identically to
every stem, so the stems still add up to the mix exactly.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.fft as sfft
from scipy import ndimage, signal

from nemo_widgets.engine.dsp.truepeak import fractional_kernels as _fractional_kernels
from nemo_widgets.engine.dsp.truepeak import true_peak_blocks
from nemo_widgets.engine.music.model import SAMPLE_RATE
from nemo_widgets.engine.music.orchestration import Glue, MixEQ
from nemo_widgets.engine.music.room import DEFAULT_ROOM, Room, impulse_response
from nemo_widgets.engine.music.synth import Signal

SR = SAMPLE_RATE
CONTROL = SR // 1000  # samples per control block: master and ducking gains move per ms
TARGET_TRUE_PEAK_DB = -1.0
DUCK_DB = -20.0
DUCK_ATTACK_S = 0.08
DUCK_RELEASE_S = 0.4


# --- reverb ------------------------------------------------------------------------------------

def add_reverb(sends: list[npt.NDArray[np.float32]], outs: list[npt.NDArray[np.float32]],
               rt60: float, room: Room = DEFAULT_ROOM, block: int = 1 << 22) -> None:
    """Add the stereo reverb of each mono send into the matching ``(2, n)`` output.

    One FFT batch serves all sends; long pieces go block by block (overlap-add), so memory
    stays bounded however long the video. A block of 2^22 samples (87 s) takes a minute-long
    piece in one go: fewer, larger transforms waste less on the overlap than two half-size
    ones (about 30 % less work for 60 s). Single precision: a reverb tail is far below where
    float32 rounding matters.
    """
    if not sends:
        return
    ir = impulse_response(rt60, room)
    n = len(sends[0])
    block = max(1, min(block, n))
    size = sfft.next_fast_len(block + ir.shape[1] - 1, real=True)
    spec_ir = _ir_spectrum(rt60, room, size)
    count = len(sends)
    chunk = np.empty((count, block), dtype=np.float32)
    for start in range(0, n, block):
        length = min(block, n - start)
        for i, send in enumerate(sends):
            chunk[i, :length] = send[start:start + length]
        spec = sfft.rfft(chunk[:, :length], size, axis=1, workers=2)
        wet = sfft.irfft((spec[:, None, :] * spec_ir[None, :, :]).reshape(count * 2, -1),
                         size, axis=1, workers=2)
        end = min(start + size, n)
        for i, out in enumerate(outs):
            out[:, start:end] += wet[2 * i:2 * i + 2, :end - start]


@lru_cache(maxsize=4)
def _ir_spectrum(rt60: float, room: Room, size: int) -> npt.NDArray[np.complex64]:
    return np.asarray(sfft.rfft(impulse_response(rt60, room), size, axis=1, workers=2),
                      dtype=np.complex64)


# --- equaliser ---------------------------------------------------------------------------------

def _biquad(kind: str, f0: float, gain_db: float, q: float = 0.707) -> npt.NDArray[np.float64]:
    """One second-order section from the Audio EQ Cookbook (R. Bristow-Johnson): ``low`` and
    ``high`` shelves (shelf slope 1) and a ``peak``; as an SOS row."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * f0 / SR
    cw, sw = math.cos(w0), math.sin(w0)
    if kind == "peak":
        alpha = sw / (2.0 * q)
        b = [1 + alpha * a, -2 * cw, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cw, 1 - alpha / a]
    else:
        alpha = sw / 2.0 * math.sqrt(2.0)
        root = 2.0 * math.sqrt(a) * alpha
        if kind == "low":
            b = [a * ((a + 1) - (a - 1) * cw + root), 2 * a * ((a - 1) - (a + 1) * cw),
                 a * ((a + 1) - (a - 1) * cw - root)]
            den = [(a + 1) + (a - 1) * cw + root, -2 * ((a - 1) + (a + 1) * cw),
                   (a + 1) + (a - 1) * cw - root]
        else:
            b = [a * ((a + 1) + (a - 1) * cw + root), -2 * a * ((a - 1) + (a + 1) * cw),
                 a * ((a + 1) + (a - 1) * cw - root)]
            den = [(a + 1) - (a - 1) * cw + root, 2 * ((a - 1) - (a + 1) * cw),
                   (a + 1) - (a - 1) * cw - root]
    return np.asarray([b[0] / den[0], b[1] / den[0], b[2] / den[0], 1.0, den[1] / den[0],
                       den[2] / den[0]])


@lru_cache(maxsize=32)
def eq_sos(eq: MixEQ) -> npt.NDArray[np.float64]:
    """The equaliser's sections: high-pass, low shelf, mid cut, presence, high shelf."""
    rows = [signal.butter(2, eq.highpass_hz, "highpass", fs=SR, output="sos")[0]]
    for kind, f0, gain, q in (("low", eq.low_shelf_hz, eq.low_db, 0.707),
                              ("peak", eq.mid_hz, eq.mid_db, eq.mid_q),
                              ("peak", eq.presence_hz, eq.presence_db, 0.8),
                              ("high", eq.high_shelf_hz, eq.high_db, 0.707)):
        if gain:
            rows.append(_biquad(kind, f0, gain, q))
    return np.asarray(rows, dtype=np.float64)


def equalise(x: npt.NDArray[np.float32], eq: MixEQ) -> None:
    """Equalise the stereo bus ``x`` (2, n) in place, both channels in one call. Linear, so
    equalising every stem equalises their sum — in double precision: the 28 Hz high-pass and
    the low shelf have poles close to the unit circle, where single-precision rounding in the
    recursion grows to ~1e-3 and the stems would no longer add up to the mix."""
    step = 1 << 20
    zi = np.zeros((eq_sos(eq).shape[0], 2, 2))
    for start in range(0, x.shape[1], step):  # chunks: no full-length float64 copy
        y, zi = signal.sosfilt(eq_sos(eq), x[:, start:start + step].astype(np.float64),
                               axis=1, zi=zi)
        x[:, start:start + step] = y


# --- sidechain ---------------------------------------------------------------------------------

def sidechain_gain(kicks: list[float], n: int, depth_db: float, period: float
                   ) -> npt.NDArray[np.float32]:
    """Kick-keyed pumping: a fast dip at every kick, recovering over about a beat."""
    if not kicks or depth_db <= 0:
        return np.ones(n, dtype=np.float32)
    length = int(min(period * 0.9, 0.6) * SR)
    t = np.arange(length) / SR
    shape = np.exp(-t / (period * 0.22))
    attack = int(0.004 * SR)
    shape[:attack] = np.linspace(0.0, 1.0, attack)
    env = np.zeros(n + length, dtype=np.float32)
    for k in kicks:
        s = round(k * SR)
        if 0 <= s < n:
            np.maximum(env[s:s + length], shape, out=env[s:s + length])
    depth = np.float32(1.0 - math.pow(10.0, -depth_db / 20.0))
    gain: npt.NDArray[np.float32] = np.float32(1.0) - depth * env[:n]
    return gain


# --- master ------------------------------------------------------------------------------------

GROUP_BLOCKS = 64  # blocks read together by read_true_peaks (64 ms)


def sample_peak_blocks(x: npt.NDArray[np.floating[Any]], step: int = 1 << 20) -> Signal:
    """The largest sample magnitude of the stereo ``x`` (2, n) in each ``CONTROL`` block."""
    n = x.shape[1]
    count = -(-n // CONTROL)
    out = np.zeros(count)
    step -= step % CONTROL
    for start in range(0, n, step):
        seg = np.abs(np.asarray(x[:, start:start + step], dtype=np.float32)).max(axis=0)
        full = len(seg) // CONTROL
        first = start // CONTROL
        out[first:first + full] = seg[: full * CONTROL].reshape(full, CONTROL).max(axis=1)
        if len(seg) > full * CONTROL:
            out[first + full] = float(seg[full * CONTROL:].max())
    return out


def true_peak_bound(sample_peaks: Signal) -> Signal:
    """An upper bound of what ``peak_blocks`` can read in each block, from the sample peaks:
    an in-between point is a weighted sum of 16 samples within 8 of it — inside the block or
    its neighbours — so it is at most the kernel's absolute sum times their largest
    magnitude."""
    near = sample_peaks.copy()
    if len(near) > 1:
        np.maximum(near[1:], sample_peaks[:-1], out=near[1:])
        np.maximum(near[:-1], sample_peaks[1:], out=near[:-1])
    gain = max(1.0, float(np.abs(_fractional_kernels()).sum(axis=1).max()))
    return np.asarray(near * gain, dtype=np.float64)


def peak_blocks(x: npt.NDArray[np.floating[Any]]) -> Signal:
    """True-peak (4× oversampled) maximum of the stereo ``x`` (2, n) in each ``CONTROL``-sample
    block — what the limiter and the normaliser need, at 1/48 of the memory of a per-sample
    envelope.

    The samples themselves are one phase of the oversampled signal; only the three points in
    between each pair are interpolated, each by a 16-tap FIR (the approach of ITU-R BS.1770's
    true-peak meter, whose kernels have 12 taps). That is about a third of the work of a
    generic polyphase resampler with SciPy's default 20-tap phases, and it reads within
    ~0.05 dB of it.
    """
    return _true_peaks(x, 0, -(-x.shape[1] // CONTROL))


def read_true_peaks(x: npt.NDArray[np.floating[Any]], peaks: Signal,
                    where: npt.NDArray[np.bool_]) -> None:
    """Replace, in the per-block ``peaks`` (sample peaks, say), the blocks flagged in ``where``
    — and the rest of their ``GROUP_BLOCKS`` group — by their true peaks (``peak_blocks``)."""
    count = len(peaks)
    groups = -(-count // GROUP_BLOCKS)
    wanted = np.zeros(groups * GROUP_BLOCKS, dtype=bool)
    wanted[:count] = where
    flagged = wanted.reshape(groups, GROUP_BLOCKS).any(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flagged.astype(np.int8), [0]))))
    for first_group, end_group in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        first = first_group * GROUP_BLOCKS
        last = min(end_group * GROUP_BLOCKS, count)
        peaks[first:last] = _true_peaks(x, first, last)


def _true_peaks(x: npt.NDArray[np.floating[Any]], first: int, last: int,
                step: int = 1 << 20) -> Signal:
    """``peak_blocks`` for the blocks ``first`` to ``last`` (exclusive): the engine's one
    true-peak meter (``engine.dsp.truepeak``), read per ``CONTROL`` block."""
    peaks: Signal = true_peak_blocks(x, CONTROL, first, last, step)
    return peaks


def drum_bus_clip(x: npt.NDArray[np.float32], reduce_db: float) -> npt.NDArray[np.float32]:
    """Soft-clip a drum bus so that its peaks come down by about ``reduce_db``: transients are
    what make a mix spiky, and taming them on the drums (as producers do) keeps the kick's
    punch while the whole mix can sit denser under the same true peak."""
    if reduce_db <= 0:
        return x
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0:
        return x
    threshold = np.float32(peak * math.pow(10.0, -reduce_db / 20.0))
    out: npt.NDArray[np.float32] = np.tanh(x / threshold) * threshold
    return out


def glue_gain(x: npt.NDArray[np.floating[Any]], glue: Glue) -> Signal | None:
    """A bus compressor's gain for the stereo bus ``x`` (2, n), one value per ``CONTROL``
    block (``apply_gain`` applies it), or None when it would do nothing.

    The "glue" of a mix engineer's drum or music bus: the level (RMS of 5 ms blocks) above a
    threshold ``glue.depth_db`` under the bus's loud level (95th percentile of 50 ms RMS) is
    reduced by ``glue.ratio``, with the attack and release of an analogue bus compressor, so
    the hits and the parts move together instead of each poking out on its own. Computed at
    a 5 ms block rate (the smoothing is sequential) and interpolated. A gain, not a
    waveshaper: applied alike to every stem of a bus, the stems still add up."""
    n = x.shape[1]
    if n == 0 or glue.ratio <= 1.0:
        return None
    block = 5 * CONTROL
    lv = _block_rms_db(x, block)
    power = 10.0 ** (lv / 10.0)  # the 50 ms levels from the 5 ms ones: one pass over x
    tens = len(power) // 10
    levels = 10.0 * np.log10(np.maximum(power[: tens * 10].reshape(tens, 10).mean(axis=1),
                                        1e-12)) if tens else lv
    loud = float(np.percentile(levels, 95))
    if loud < -90.0:
        return None
    want = -np.maximum(lv - (loud - glue.depth_db), 0.0) * (1.0 - 1.0 / glue.ratio)
    att = math.exp(-block / (glue.attack_s * SR))
    rel = math.exp(-block / (glue.release_s * SR))
    smooth = _attack_release(want, att, rel)
    count = -(-n // CONTROL)
    centres = np.arange(count) + 0.5
    reduction = np.interp(centres, (np.arange(len(smooth)) + 0.5) * 5, smooth)
    return np.asarray(10.0 ** ((reduction + glue.makeup_db) / 20.0), dtype=np.float64)


def _block_rms_db(x: npt.NDArray[np.floating[Any]], block: int, scale: float = 1.0
                  ) -> Signal:
    """RMS level (dB) of each ``block`` samples of the stereo ``x`` (2, n), both channels
    averaged; the last partial block counts. Worked through in chunks, without a full-length
    float64 copy of the signal."""
    n = x.shape[1]
    count = -(-n // block)
    out = np.empty(count)
    per_chunk = max(1, (1 << 20) // block)
    for first in range(0, count, per_chunk):
        last = min(first + per_chunk, count)
        seg = np.asarray(x[:, first * block:last * block], dtype=np.float64)
        full = min(last, n // block) - first
        if full > 0:
            sq = np.square(seg[:, : full * block]).reshape(2, full, block)
            out[first:first + full] = sq.mean(axis=(0, 2))
        if first + full < last:  # the partial last block
            out[last - 1] = float(np.mean(np.square(seg[:, full * block:])))
    out *= scale * scale
    return np.asarray(10.0 * np.log10(np.maximum(out, 1e-12)), dtype=np.float64)


def master_gain(x: npt.NDArray[np.floating[Any]], intensity: float = 0.5) -> Signal:
    """The master bus for the stereo bus ``x`` (2, n), as one gain per millisecond
    (``CONTROL`` samples; see ``apply_gain``), normalised so the bus ends at −1 dBTP.

    1. level: scale so that loud passages (95th percentile of 50 ms RMS) sit at −18 dBFS;
    2. gentle compression above −20 dBFS RMS, 15 ms attack, 250 ms release, computed on
       5 ms blocks (the smoothing is sequential, so it runs at a block rate, not per sample);
    3. limiting: the gain that holds the true peak under a ceiling, ramping down ahead of each
       peak (3 ms look-ahead) and recovering with an 80 ms time constant — fast enough to be
       inaudible, slow enough not to follow (and distort) a kick's waveform;
    4. normalisation to −1 dBTP true peak (4× oversampled), the 50 ms end fade included.

    ``intensity`` (0 calm … 1 energetic) sets how hard: 1.5:1 and at most 0.5 dB of limiting
    for calm pieces, which keep their dynamics, up to 3:1 and 6 dB for energetic ones, which
    are meant to sound dense — the way such genres are mastered. At the same true peak,
    energetic music therefore ends up with more RMS.

    The limiter's guarantee holds per sample: a block's gain is the minimum over itself and
    three blocks either side, and gains are interpolated linearly between block centres, so
    around every peak the gain is at most what that peak needs.
    """
    n = x.shape[1]
    count = -(-n // CONTROL)
    if n == 0:
        return np.ones(0)
    levels = _block_rms_db(x, int(0.05 * SR))
    loud = float(np.percentile(levels, 95)) if len(levels) else -60.0
    if loud < -90.0:
        return np.ones(count)
    pre = 10.0 ** ((-18.0 - loud) / 20.0)
    block = 5 * CONTROL
    lv = _block_rms_db(x, block, pre)
    lv = np.asarray(ndimage.uniform_filter1d(lv, 6, mode="nearest"), dtype=np.float64)
    intensity = min(max(intensity, 0.0), 1.0)
    ratio = 1.5 + 1.5 * intensity
    want = -np.maximum(lv - (-20.0), 0.0) * (1.0 - 1.0 / ratio)
    att = math.exp(-block / (0.015 * SR))
    rel = math.exp(-block / (0.25 * SR))
    smooth = _attack_release(want, att, rel)
    centres = np.arange(count) + 0.5  # in control blocks
    comp_db = np.interp(centres, (np.arange(len(smooth)) + 0.5) * 5, smooth)
    gain = pre * 10.0 ** (comp_db / 20.0)
    shave_db = 0.5 + 5.5 * intensity
    # True peaks matter only where the limiter may act: blocks whose bound (see
    # true_peak_bound) stays under the lowest the ceiling can be are read as sample peaks.
    sample = sample_peak_blocks(x)
    bound = true_peak_bound(sample)
    floor = float(np.max(sample * gain)) * 10.0 ** (-shave_db / 20.0)
    exact = bound * gain >= floor
    peaks = sample.copy()
    read_true_peaks(x, peaks, exact)
    y_peak = peaks * gain  # the compressor moves slowly: peaks scale with it
    ceiling = max(float(y_peak.max()) * 10.0 ** (-shave_db / 20.0), 1e-12)
    need = np.minimum(1.0, ceiling / np.maximum(y_peak, 1e-12))
    need = ndimage.minimum_filter1d(need, 7, mode="nearest")
    rel_c = math.exp(-1.0 / 80.0)
    held = np.empty(count)
    g = 1.0
    for i, v in enumerate(need.tolist()):
        g = v if v < g else rel_c * g + (1.0 - rel_c) * v
        held[i] = g
    gain *= held
    gain *= edge_fades(count * CONTROL, n)
    # a peak anywhere in a block meets a gain interpolated towards a neighbour's: the
    # highest gain a block's samples can see is at its centre or at one of its edges
    edges = 0.5 * (gain[:-1] + gain[1:])
    reach = gain.copy()
    if len(gain) > 1:
        np.maximum(reach[1:], edges, out=reach[1:])
        np.maximum(reach[:-1], edges, out=reach[:-1])
    top = float(np.max(peaks * reach))
    # a block read by its sample peak could still set the top where the gain it meets rose
    # (the limiter's release, the fades): read those exactly too
    unsure = ~exact & (bound * reach > top)
    if unsure.any():
        read_true_peaks(x, peaks, unsure)
        top = float(np.max(peaks * reach))
    if top > 0.0:
        gain *= 10.0 ** ((TARGET_TRUE_PEAK_DB - 0.01) / 20.0) / top
    return np.asarray(gain, dtype=np.float64)


def edge_fades(span: int, n: int, fade_in_s: float = 0.005, fade_out_s: float = 0.05
               ) -> Signal:
    """Per control block: a click-free start and the last 50 ms faded (the ending itself is
    composed). ``span`` is the blocks' total length in samples, ``n`` the piece's."""
    count = span // CONTROL
    t = (np.arange(count) + 0.5) * CONTROL
    g = np.ones(count)
    a = max(min(fade_in_s * SR, n / 4), 1.0)
    b = max(min(fade_out_s * SR, n / 4), 1.0)
    g *= 0.5 - 0.5 * np.cos(math.pi * np.clip(t / a, 0.0, 1.0))
    g *= 0.5 - 0.5 * np.cos(math.pi * np.clip((n - t) / b, 0.0, 1.0))
    return g


def duck_gain(speech: list[tuple[float, float]], count: int, depth_db: float = DUCK_DB,
              attack: float = DUCK_ATTACK_S, release: float = DUCK_RELEASE_S) -> Signal:
    """Per control block (1 ms): a gain that is ``depth_db`` during speech, reached ``attack``
    before the voice starts and released over ``release`` after it stops, with smooth
    (raised-cosine) ramps in dB.

    The ramp down happens just *before* each interval (offline, we can look ahead) so the
    first syllable is never masked; gaps shorter than attack + release stay ducked instead of
    pumping up and down between words.
    """
    if not speech or count == 0:
        return np.ones(count)
    t = (np.arange(count) + 0.5) * CONTROL / SR
    depth = np.zeros(count)
    merged: list[list[float]] = []
    for s, e in sorted((float(a), float(b)) for a, b in speech if b > a):
        if merged and s - merged[-1][1] < attack + release:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    for s, e in merged:
        down = np.clip((t - (s - attack)) / attack, 0.0, 1.0)
        up = np.clip(((e + release) - t) / release, 0.0, 1.0)
        shape = np.minimum(down, up)
        np.maximum(depth, 0.5 - 0.5 * np.cos(math.pi * shape), out=depth)
    return np.asarray(10.0 ** (depth * depth_db / 20.0), dtype=np.float64)


def apply_gain(x: npt.NDArray[np.float32], gain: Signal, step: int = 1 << 20) -> None:
    """Multiply ``x`` (2, n) in place by a per-control-block gain, interpolated linearly
    between block centres (chunk by chunk: no full-length temporary)."""
    n = x.shape[1]
    centres = (np.arange(len(gain)) + 0.5) * CONTROL
    for start in range(0, n, step):
        stop = min(start + step, n)
        g = np.interp(np.arange(start, stop, dtype=np.float64), centres, gain)
        x[:, start:stop] *= g.astype(np.float32)


def _attack_release(want: np.ndarray, att: float, rel: float) -> np.ndarray:
    """A gain-reduction curve (dB, ≤ 0) smoothed one-pole: ``att`` while the reduction deepens,
    ``rel`` while it lets go — a compressor's ballistics, shared by the bus glue and the
    master compressor."""
    smooth = np.empty_like(want)
    g = 0.0
    for i, w in enumerate(want.tolist()):
        coeff = att if w < g else rel
        g = coeff * g + (1.0 - coeff) * w
        smooth[i] = g
    return smooth
