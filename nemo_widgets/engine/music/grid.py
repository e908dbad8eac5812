"""The beat grid: one constant tempo and phase chosen so that the video's cuts land on beats.

A cut that lands within ±45 ms of a beat looks "on the beat" (the broadcast lip-sync threshold
where early sound starts to be noticed). For every candidate tempo (0.05 BPM steps over the
style's range) the best phase is found exactly: cuts are folded onto one beat period, and the
densest circular window of 90 ms (weighted by cut strength) is the set of cuts one phase can
catch. A mild preference for the mood's tempo breaks ties, so with few or no cuts the tempo
follows the mood. The winner is refined by least squares (tempo and phase fitted to the cuts it
caught), and bar lines are then placed so that the strongest cuts fall on downbeats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOLERANCE_S = 0.045
STRETCH = 0.06  # how far beyond a style's tempo range the search may go, as a fraction
_SEARCH_TOL_S = 0.040  # search a little tighter than the promise: refinement can move a cut


@dataclass(frozen=True)
class Grid:
    """Beat ``i`` (any integer, negative before the first beat) is at ``offset + i * period``;
    downbeats are the beats with ``(i - bar_phase) % beats_per_bar == 0``."""

    tempo_bpm: float
    offset: float  # time of beat 0, the first beat at or after 0 s
    bar_phase: int
    beats_per_bar: int = 4

    @property
    def period(self) -> float:
        return 60.0 / self.tempo_bpm

    def time(self, beat: float) -> float:
        return self.offset + beat * self.period

    def beat_at(self, t: float) -> float:
        return (t - self.offset) / self.period

    def nearest_beat(self, t: float) -> int:
        return round(self.beat_at(t))

    def is_downbeat(self, beat: int) -> bool:
        return (beat - self.bar_phase) % self.beats_per_bar == 0

    def beats_until(self, end: float) -> list[int]:
        last = math.floor(self.beat_at(end) - 1e-9)
        return list(range(0, last + 1))


@dataclass(frozen=True)
class Fit:
    """The result of the search, with what the reasons need."""

    grid: Grid
    aligned: int
    total: int
    mean_error_ms: float


def _usable_cuts(cuts: list[float], strengths: list[float], duration: float
                 ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    pairs = []
    for i, c in enumerate(cuts):
        s = strengths[i] if i < len(strengths) else 1.0
        if 0.05 < c < duration - 0.05 and c == c:
            pairs.append((float(c), float(min(max(s, 0.0), 1.0))))
    pairs.sort()
    times = np.array([p[0] for p in pairs], dtype=np.float64)
    weights = np.array([0.35 + 0.65 * p[1] for p in pairs], dtype=np.float64)
    return times, weights


def _best_phases(cuts: npt.NDArray[np.float64], weights: npt.NDArray[np.float64],
                 periods: npt.NDArray[np.float64], tol: float
                 ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """For each period, the weight a single phase can catch within ±tol, and that phase.

    Residues are folded onto [0, period); a window starting at each residue and spanning
    2·tol catches every residue within that arc (circularly); the phase is the middle of the
    caught residues' extent.
    """
    scores = np.zeros(len(periods))
    phases = np.zeros(len(periods))
    n = len(cuts)
    chunk = max(1, int(4_000_000 // max(n * n, 1)))
    for lo in range(0, len(periods), chunk):
        p = periods[lo:lo + chunk, None]
        res = np.mod(cuts[None, :], p)  # (m, n)
        # diff[m, i, j] = distance going up from residue i to residue j, circular
        diff = np.mod(res[:, None, :] - res[:, :, None], p[:, :, None])
        inside = diff <= 2.0 * tol
        caught = (inside * weights[None, None, :]).sum(axis=2)  # (m, i)
        best_i = np.argmax(caught, axis=1)
        rows = np.arange(len(best_i))
        scores[lo:lo + chunk] = caught[rows, best_i]
        span = np.where(inside[rows, best_i], diff[rows, best_i], 0.0).max(axis=1)
        phases[lo:lo + chunk] = np.mod(res[rows, best_i] + span / 2.0, p[:, 0])
    return scores, phases


def fit_grid(cuts: list[float], strengths: list[float], duration: float,
             tempo_range: tuple[float, float], target_bpm: float,
             exact_bpm: float | None = None, beats_per_bar: int = 4,
             stretch: float = STRETCH) -> Fit:
    """Choose tempo, phase and bar lines. ``exact_bpm`` fixes the tempo (phase still fitted).

    The search also covers ``stretch`` (6 %) beyond each end of ``tempo_range``, at a cost of
    up to 0.6 of a cut's weight at the far edge: a style played a few BPM outside its usual
    range still sounds like itself, and catching the cuts is worth more than that.
    """
    times, weights = _usable_cuts(cuts, strengths, duration)
    low, high = sorted(tempo_range)
    if exact_bpm is not None:
        bpms = np.array([float(exact_bpm)])
    else:
        bpms = np.round(np.arange(low * (1 - stretch), high * (1 + stretch) + 1e-9, 0.05), 4)
        if len(bpms) == 0:
            bpms = np.array([low])
    periods = 60.0 / bpms
    if len(times) == 0:
        core = bpms[(bpms >= low - 1e-9) & (bpms <= high + 1e-9)]
        pool = core if len(core) else bpms
        bpm = float(pool[int(np.argmin(np.abs(pool - target_bpm)))])
        grid = Grid(bpm, 0.0, 0, beats_per_bar)
        return Fit(grid, 0, 0, 0.0)
    scores, phases = _best_phases(times, weights, periods, _SEARCH_TOL_S)
    span = max(high - low, 1.0)
    preference = 0.3 * (1.0 - np.minimum(np.abs(bpms - target_bpm) / span, 1.0))
    outside = np.maximum(low - bpms, 0.0) / low + np.maximum(bpms - high, 0.0) / high
    total = scores + preference - 0.6 * outside / max(stretch, 1e-9)
    best = int(np.argmax(total))
    bpm, phase = float(bpms[best]), float(phases[best])
    bounds = (float(bpms.min()), float(bpms.max()))
    bpm, phase = _refine(times, weights, bpm, phase, exact_bpm is not None, bounds)
    period = 60.0 / bpm
    offset = phase % period
    if offset > period - 1e-6:
        offset = 0.0
    grid = Grid(bpm, offset, 0, beats_per_bar)
    grid = Grid(bpm, offset, choose_bar_phase(grid, times, weights, duration), beats_per_bar)
    errors = _errors(grid, times)
    caught = np.abs(errors) <= TOLERANCE_S
    mean_err = float(np.mean(np.abs(errors[caught])) * 1000.0) if caught.any() else 0.0
    return Fit(grid, int(caught.sum()), len(times), mean_err)


def _errors(grid: Grid, times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    beats = np.round((times - grid.offset) / grid.period)
    return times - (grid.offset + beats * grid.period)


def _refine(times: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], bpm: float,
            phase: float, fixed_tempo: bool, tempo_range: tuple[float, float]
            ) -> tuple[float, float]:
    """Least-squares fit of the caught cuts (weighted), kept only if it catches no fewer."""
    period = 60.0 / bpm

    def caught_weight(per: float, ph: float) -> float:
        k = np.round((times - ph) / per)
        err = np.abs(times - (ph + k * per))
        return float(weights[err <= TOLERANCE_S].sum()) - float(
            (weights * np.minimum(err, TOLERANCE_S)).sum()) * 0.5

    k = np.round((times - phase) / period)
    err = times - (phase + k * period)
    use = np.abs(err) <= _SEARCH_TOL_S
    if use.sum() < 2:
        return bpm, phase
    w = weights[use]
    if fixed_tempo or len(set(k[use].tolist())) < 2:
        new_period = period
        new_phase = float(np.sum(w * (times[use] - k[use] * period)) / np.sum(w))
    else:
        a = np.stack([np.ones(int(use.sum())), k[use]], axis=1) * np.sqrt(w)[:, None]
        b = times[use] * np.sqrt(w)
        sol, *_ = np.linalg.lstsq(a, b, rcond=None)
        new_phase, new_period = float(sol[0]), float(sol[1])
        low, high = sorted(tempo_range)
        if not (low - 1e-6 <= 60.0 / new_period <= high + 1e-6):
            new_period = period
            new_phase = float(np.sum(w * (times[use] - k[use] * period)) / np.sum(w))
    if caught_weight(new_period, new_phase) >= caught_weight(period, phase):
        return 60.0 / new_period, new_phase
    return bpm, phase


def choose_bar_phase(grid: Grid, times: npt.NDArray[np.float64],
                     weights: npt.NDArray[np.float64], duration: float) -> int:
    """Which beat of four is the downbeat: strong cuts count most (squared weight), cuts on
    the half bar a little, and a bar line shortly before the end helps the ending."""
    beats = np.round((times - grid.offset) / grid.period).astype(int)
    err = np.abs(times - (grid.offset + beats * grid.period))
    on = err <= TOLERANCE_S
    end_beats = [b for b in range(0, int(grid.beat_at(duration)) + 1)
                 if 0.8 <= duration - grid.time(b) <= 2.0]
    best, best_score = 0, -1.0
    for phase in range(grid.beats_per_bar):
        pos = (beats - phase) % grid.beats_per_bar
        score = float(np.sum((weights ** 2)[on & (pos == 0)]))
        score += 0.25 * float(np.sum(weights[on & (pos == grid.beats_per_bar // 2)]))
        if any((b - phase) % grid.beats_per_bar == 0 for b in end_beats):
            score += 0.3
        if phase == 0:
            score += 0.01  # ties: start on a bar line
        if score > best_score:
            best, best_score = phase, score
    return best


def alignment(grid: Grid, cuts: list[float], strengths: list[float], duration: float
              ) -> list[dict[str, float | bool]]:
    """Per cut: its nearest beat, the signed error (positive: the cut comes after the beat)
    and whether that beat is a bar line."""
    out: list[dict[str, float | bool]] = []
    for i, c in enumerate(cuts):
        if not (0.0 <= c <= duration):
            continue
        beat = max(grid.nearest_beat(c), 0)
        t = grid.time(beat)
        out.append({
            "cut": round(float(c), 4),
            "strength": round(float(strengths[i]) if i < len(strengths) else 1.0, 3),
            "nearest_beat": round(t, 4),
            "error_ms": round((float(c) - t) * 1000.0, 2),
            "on_downbeat": grid.is_downbeat(beat),
        })
    return out
