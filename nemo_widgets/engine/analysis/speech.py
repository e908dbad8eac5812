"""Where the source sound is speech-like: a small detector whose every rule can be explained.

Speech is found where, over a sliding 1.2 s window, all four of these hold:

1. **it is heard**: at least ``ACTIVE_FRACTION`` of the 10 ms frames are ``ACTIVE_DB`` above
   the recording's noise floor (its 10th-percentile frame level) and above ``ABSOLUTE_DB``;
2. **it sits in the voice band**: at least ``BAND_FRACTION`` of the energy is between 300 and
   3400 Hz (the telephone band, which carries voices and not kick drums or hiss);
3. **it comes in syllables**: the voice-band loudness envelope swings at 2-8 Hz, the rate of
   syllables, by at least ``MODULATION`` of its mean (a held note or a drone does not);
4. **it is one voice that glides**: in at least ``GLIDE_FRACTION`` of the heard frames the
   sound is strongly periodic (a single pitch: autocorrelation peak at least ``VOICED``) and
   that pitch moves smoothly, by 0.1-5 % per 10 ms, as intonation does. Instruments hold each
   note's pitch and jump between notes, and a chord is not one periodic voice at all, so
   plucked chords or a melody played in a syllable-like rhythm, which pass rules 1-3, fail
   here. (Rule 4 also accepts singing, under which music should duck just the same.)

Frames of passing windows that are themselves heard form intervals; gaps up to ``BRIDGE``
seconds are bridged and intervals shorter than ``MIN_SPEECH`` are dropped. The features are
computed as the sound streams in (``SpeechFrames``), so an hour of sound never sits in memory
at once; the decision runs on the small per-frame arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms
FFT_SIZE = 1024  # over twice the window: the autocorrelation from it is not circular
FRAME_RATE = SAMPLE_RATE // HOP
VOICE_BAND = (300.0, 3400.0)
PITCH_LAGS = (40, 190)  # samples: a pitch between 84 and 400 Hz

DECISION_WINDOW = 120  # frames (1.2 s)
DECISION_HOP = 10  # frames (0.1 s)
ACTIVE_DB = 6.0
ABSOLUTE_DB = -55.0
ACTIVE_FRACTION = 0.3
BAND_FRACTION = 0.5
MODULATION = 0.25
VOICED = 0.8
GLIDE = (0.001, 0.05)  # relative pitch change per frame that is a glide (not noise, no jump)
GLIDE_FRACTION = 0.08
BRIDGE = 0.3
MIN_SPEECH = 0.3

FloatArray = NDArray[np.float64]


@dataclass
class FrameFeatures:
    """Per 10 ms frame: level (dBFS), voice-band and total energy, pitch (Hz) and periodicity
    (the autocorrelation peak at that pitch: ~1 for one periodic voice, low for noise or
    chords)."""

    level_db: FloatArray
    band_energy: FloatArray
    total_energy: FloatArray
    pitch: FloatArray
    periodicity: FloatArray


_Parts = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


class SpeechFrames:
    """Streams 16 kHz mono samples in, keeps per-frame features (a few floats per 10 ms)."""

    def __init__(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float32)
        self._window = np.hanning(WINDOW)
        freqs = np.fft.rfftfreq(FFT_SIZE, 1.0 / SAMPLE_RATE)
        self._band = (freqs >= VOICE_BAND[0]) & (freqs <= VOICE_BAND[1])
        # The window's own autocorrelation, to undo the taper's bias towards short lags.
        taper = np.fft.irfft(np.abs(np.fft.rfft(self._window, FFT_SIZE)) ** 2)[:PITCH_LAGS[1] + 2]
        self._taper = taper / taper[0]
        self._parts: list[_Parts] = []

    def push(self, samples: NDArray[np.float32]) -> None:
        buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        count = 1 + (len(buffer) - WINDOW) // HOP if len(buffer) >= WINDOW else 0
        if count > 0:
            self._parts.append(self._frames(buffer[:(count - 1) * HOP + WINDOW], count))
        self._buffer = buffer[count * HOP:]

    def _frames(self, samples: NDArray[np.float32], count: int) -> _Parts:
        view = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[::HOP][:count]
        level = 10.0 * np.log10(np.mean(np.square(view, dtype=np.float64), axis=1) + 1e-12)
        power = np.abs(np.fft.rfft(view * self._window, FFT_SIZE, axis=1)) ** 2
        pitch, periodicity = self._pitch(power)
        return (level, power[:, self._band].sum(axis=1), power.sum(axis=1) + 1e-12, pitch,
                periodicity)

    def _pitch(self, power: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Pitch from the autocorrelation's highest peak in the voice's range, refined between
        lags by a parabola (a tenth of a percent matters: that is how much voices glide)."""
        lo, hi = PITCH_LAGS
        corr = np.fft.irfft(power, axis=1)[:, :hi + 2] / self._taper
        corr = corr / np.maximum(corr[:, :1], 1e-12)
        rows = np.arange(len(corr))
        lag = lo + np.argmax(corr[:, lo:hi], axis=1)
        left, mid, right = corr[rows, lag - 1], corr[rows, lag], corr[rows, lag + 1]
        bend = left - 2.0 * mid + right
        shift = np.where(np.abs(bend) > 1e-9, 0.5 * (left - right) / np.where(
            np.abs(bend) > 1e-9, bend, 1.0), 0.0)
        exact = lag + np.clip(shift, -0.5, 0.5)
        return SAMPLE_RATE / exact, mid

    def finish(self) -> FrameFeatures:
        if not self._parts:
            empty = np.zeros(0)
            return FrameFeatures(empty, empty, empty, empty, empty)
        level, band, total, pitch, periodicity = (
            np.concatenate(p) for p in zip(*self._parts, strict=True))
        return FrameFeatures(level, band, total, pitch, periodicity)


def _range_sums(values: FloatArray, starts: NDArray[np.intp], ends: NDArray[np.intp]
                ) -> FloatArray:
    """``values[s:e].sum()`` for every pair of ``starts`` and ``ends``."""
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return np.asarray(cumulative[ends] - cumulative[starts], dtype=np.float64)


def speech_frames(features: FrameFeatures) -> NDArray[np.bool_]:
    """Per frame: is this 10 ms inside speech-like sound (rules in the module docstring)."""
    n = len(features.level_db)
    if n < DECISION_WINDOW // 3:
        return np.zeros(n, dtype=bool)
    floor = float(np.percentile(features.level_db, 10))
    active = features.level_db >= max(floor + ACTIVE_DB, ABSOLUTE_DB)

    # Rule 3: the envelope's syllable-rate part, relative to the envelope's mean.
    envelope = np.sqrt(features.band_energy)
    sos = signal.butter(2, [2.0, 8.0], btype="bandpass", fs=FRAME_RATE, output="sos")
    syllabic = signal.sosfiltfilt(sos, envelope, padlen=min(n - 1, 12))

    # Rule 4: pairs of consecutive frames of one periodic voice whose pitch glides.
    voiced = active & (features.periodicity >= VOICED)
    step = np.abs(np.diff(np.log(np.maximum(features.pitch, 1.0))))
    glides = np.zeros(n)
    glides[:-1] = voiced[1:] & voiced[:-1] & (step >= GLIDE[0]) & (step < GLIDE[1])

    # One decision per DECISION_HOP frames, over DECISION_WINDOW frames centred on them.
    centres = np.arange(DECISION_HOP // 2, n, DECISION_HOP, dtype=np.intp)
    starts = np.maximum(0, centres - DECISION_WINDOW // 2)
    ends = np.minimum(n, centres + DECISION_WINDOW // 2)
    counts = (ends - starts).astype(np.float64)
    heard_count = _range_sums(active.astype(np.float64), starts, ends)
    in_band = (_range_sums(features.band_energy, starts, ends)
               / np.maximum(_range_sums(features.total_energy, starts, ends), 1e-9))
    swing = np.sqrt(_range_sums(syllabic ** 2, starts, ends) / counts)
    modulation = swing / np.maximum(_range_sums(envelope, starts, ends) / counts, 1e-9)
    glide_share = _range_sums(glides, starts, ends) / np.maximum(heard_count, 1.0)
    passing = ((heard_count / counts >= ACTIVE_FRACTION) & (in_band >= BAND_FRACTION)
               & (modulation >= MODULATION) & (glide_share >= GLIDE_FRACTION))

    labels = np.zeros(n, dtype=bool)
    decided = np.repeat(passing, DECISION_HOP)[:n]
    labels[:len(decided)] = decided
    labels[len(decided):] = bool(passing[-1])  # the last few frames follow the last decision
    heard_or_between = _bridge(active, round(BRIDGE * FRAME_RATE))
    return np.asarray(labels & heard_or_between, dtype=bool)


def _bridge(mask: NDArray[np.bool_], gap: int) -> NDArray[np.bool_]:
    """Fill runs of False no longer than ``gap`` frames between Trues."""
    out: NDArray[np.bool_] = np.array(mask, dtype=bool)
    true_at = np.flatnonzero(mask)
    if true_at.size > 1:
        jumps = np.flatnonzero(np.diff(true_at) > 1)
        for j in jumps:
            a, b = true_at[j], true_at[j + 1]
            if b - a - 1 <= gap:
                out[a + 1:b] = True
    return out


def intervals(labels: NDArray[np.bool_], offset: float = 0.0) -> list[tuple[float, float]]:
    """Speech intervals in seconds: gaps to ``BRIDGE`` bridged, pieces under ``MIN_SPEECH``
    dropped. Frame ``i`` covers ``[i, i+1) * 10 ms`` (plus ``offset``)."""
    mask = _bridge(labels, round(BRIDGE * FRAME_RATE))
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    out = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if (end - start) / FRAME_RATE >= MIN_SPEECH:
            out.append((offset + float(start) / FRAME_RATE, offset + float(end) / FRAME_RATE))
    return out


def detect_speech(features: FrameFeatures) -> list[tuple[float, float]]:
    """Speech-like intervals (seconds from the first frame)."""
    return intervals(speech_frames(features))
