"""How the arrangement figures of issue 11 are measured, with tools not written here.

librosa (onset strength, onset detection) and pyloudnorm (BS.1770 loudness) do the hearing;
this module only windows, gates and counts. The same functions serve the tests and
``docs/figures/arrangement_figures.py``, so the before/after table in ``docs/music.md`` and the
tests measure alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.analysis import VideoFeatures

SR = 48_000
ONSET_SR = 22_050
Audio = npt.NDArray[Any]


def clip(duration: float, *, cuts: list[float] | None = None,
         strengths: list[float] | None = None, brightness: float = 0.5,
         saturation: float = 0.4, warmth: float = 0.1, motion: float = 0.3) -> VideoFeatures:
    """Features of a made-up video (constant picture, the given cuts)."""
    seconds = math.ceil(duration)
    cuts = list(cuts or [])
    strengths = list(strengths if strengths is not None else [1.0] * len(cuts))
    return VideoFeatures(duration=duration, brightness=[brightness] * seconds,
                         saturation=[saturation] * seconds, warmth=[warmth] * seconds,
                         motion=[motion] * seconds, cuts=cuts, cut_strength=strengths,
                         loudness_db=[-20.0] * seconds, speech=[], has_audio=False)


def regular_cuts(duration: float, pace: float = 2.0, jitter: float = 0.02, seed: int = 0
                 ) -> tuple[list[float], list[float]]:
    """A cut every ``pace`` s (± ``jitter``), every fourth one strong."""
    rng = np.random.default_rng(seed)
    cuts: list[float] = []
    t = pace
    while t < duration - 0.3:
        cuts.append(round(t + float(rng.uniform(-jitter, jitter)), 4))
        t += pace
    return cuts, [1.0 if i % 4 == 3 else 0.6 for i in range(len(cuts))]


def figures_clip(duration: float = 30.0) -> VideoFeatures:
    """The figures' clip (``docs/figures``): cut every 2 s, every fourth cut strong."""
    cuts, strengths = regular_cuts(duration, pace=2.0, seed=1)
    return clip(duration, cuts=cuts, strengths=strengths)


def irregular_cuts(duration: float, seed: int = 0) -> tuple[list[float], list[float]]:
    """Cuts 0.6–1.1 s apart at random, with random strengths (the fast, free cutting that no
    steady tempo catches)."""
    rng = np.random.default_rng([seed, 11])
    cuts: list[float] = []
    t = float(rng.uniform(0.6, 1.1))
    while t < duration - 0.5:
        cuts.append(round(t, 4))
        t += float(rng.uniform(0.6, 1.1))
    strengths = [round(float(s), 3) for s in rng.uniform(0.3, 1.0, len(cuts))]
    return cuts, strengths


def mono(mix: Audio) -> npt.NDArray[np.float64]:
    x = np.asarray(mix, dtype=np.float64)
    return x.mean(axis=1) if x.ndim == 2 else x


def short_term_loudness(mix: Audio, window_s: float = 3.0, hop_s: float = 0.5
                        ) -> npt.NDArray[np.float64]:
    """BS.1770 loudness (pyloudnorm, K-weighted) of 3 s windows every 0.5 s."""
    import pyloudnorm

    meter = pyloudnorm.Meter(SR, block_size=window_s)
    x = np.asarray(mix, dtype=np.float64)
    size, hop = int(window_s * SR), int(hop_s * SR)
    values = []
    for start in range(0, max(len(x) - size, 0) + 1, hop):
        values.append(meter.integrated_loudness(x[start:start + size]))
    return np.asarray(values, dtype=np.float64)


def level_spread(mix: Audio) -> float:
    """Short-term level spread in dB: the 10th to 95th percentile of the short-term loudness,
    gated at −70 LUFS and 20 LU under the mean (EBU Tech 3342's loudness range recipe)."""
    st = short_term_loudness(mix)
    st = st[np.isfinite(st) & (st > -70.0)]
    if len(st) < 2:
        return 0.0
    mean = 10.0 * math.log10(float(np.mean(10.0 ** (st / 10.0))))
    st = st[st > mean - 20.0]
    return float(np.percentile(st, 95) - np.percentile(st, 10))


def onset_envelope(mix: Audio) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """librosa's onset strength (on a 22.05 kHz mono copy) and its frame times."""
    import librosa

    y = librosa.resample(mono(mix).astype(np.float32), orig_sr=SR, target_sr=ONSET_SR)
    env = librosa.onset.onset_strength(y=y, sr=ONSET_SR)
    return np.asarray(env, dtype=np.float64), librosa.times_like(env, sr=ONSET_SR)


def onset_correlation(a: Audio, b: Audio) -> float:
    """Pearson correlation of two pieces' onset-strength envelopes."""
    ea, _ = onset_envelope(a)
    eb, _ = onset_envelope(b)
    n = min(len(ea), len(eb))
    return float(np.corrcoef(ea[:n], eb[:n])[0, 1])


def window_levels(mix: Audio, window_s: float, hop_s: float) -> npt.NDArray[np.float64]:
    """RMS level in dBFS of ``window_s`` windows every ``hop_s``."""
    x = mono(mix)
    size, hop = max(int(window_s * SR), 1), max(int(hop_s * SR), 1)
    count = max((len(x) - size) // hop + 1, 0)
    idx = np.arange(count)[:, None] * hop + np.arange(size)[None, :]
    power = np.mean(x[idx] ** 2, axis=1) if count else np.zeros(0)
    return np.asarray(10.0 * np.log10(power + 1e-20), dtype=np.float64)


def ending_figures(mix: Audio) -> dict[str, float]:
    """The ending, as issue 11 words it: the steepest drop within 20 ms in the last 2 s while
    something sounds (10 ms RMS windows every 2.5 ms, the level before the drop within 40 dB of
    the track's median), and how far the last 50 ms sit under the median 50 ms level."""
    median = float(np.median(window_levels(mix, 0.05, 0.05)))
    tail = np.asarray(mix)[-int(2.0 * SR):]
    lv = window_levels(tail, 0.01, 0.0025)
    lag = 8  # 20 ms in 2.5 ms hops
    before, after = lv[:-lag], lv[lag:]
    sounding = before > median - 40.0
    drops = (before - after)[sounding]
    last = float(window_levels(np.asarray(mix)[-int(0.05 * SR):], 0.05, 0.05)[0])
    return {"max_drop_db": float(drops.max()) if len(drops) else 0.0,
            "last_50ms_under_median_db": median - last}


def cut_accents(mix: Audio, cuts: list[float], strengths: list[float],
                tolerance_s: float = 0.045) -> float:
    """Share of the strongest half of the cuts answered by an accent: a librosa onset (default
    ``onset_detect``) within ±45 ms whose strength — the onset envelope's peak over the
    detected frame and the two after it — is in the top fifth of the piece's onsets."""
    import librosa

    env, times = onset_envelope(mix)
    frames = librosa.onset.onset_detect(onset_envelope=env, sr=ONSET_SR, units="frames")
    if len(frames) == 0 or not cuts:
        return 0.0
    # an onset's strength is its envelope's peak: the detector marks where the rise starts,
    # and a sharp hit's flux is often split over that frame and the next one or two
    values = np.array([env[f:f + 3].max() for f in frames])
    accents = times[frames][values >= np.percentile(values, 80)]
    order = np.argsort(-np.asarray(strengths), kind="stable")
    strongest = [cuts[i] for i in order[: math.ceil(len(cuts) / 2)]]
    hit = [bool(np.any(np.abs(accents - c) <= tolerance_s)) for c in strongest]
    return float(np.mean(hit))


def grid_catch(beats: list[float], cuts: list[float], tolerance_s: float = 0.045) -> float:
    """Share of cuts within ±45 ms of a planned beat."""
    b = np.asarray(beats)
    if not cuts or not len(b):
        return 0.0
    return float(np.mean([np.min(np.abs(b - c)) <= tolerance_s for c in cuts]))


def beat_f_measure(mix: Audio, planned_beats: list[float]) -> float:
    """mir_eval's F-measure of librosa's beat tracker against the planned grid (both trimmed
    of their first 5 s, mir_eval's convention, so the tracker's start-up is not counted)."""
    import librosa
    import mir_eval

    _tempo, tracked = librosa.beat.beat_track(y=mono(mix), sr=SR, units="time")
    return float(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(np.asarray(planned_beats)),
                                         mir_eval.beat.trim_beats(np.asarray(tracked))))
