"""From decoded runs to the picture's curves: colour, motion and cuts on a 10 Hz grid.

Samples land in the grid bin of their time and are averaged there; bins that no sample
reached (a sparse scan samples each group of pictures once, a 5 fps clip every other bin) are
filled by linear interpolation between their neighbours, so the curves have no holes.

Motion is the mean absolute luma change between thumbnails ``MOTION_STEP`` apart, mapped
through ``1 - exp(-change / MOTION_SCALE)``: 0 for a static shot, about 0.3-0.5 for a
handheld camera, approaching 1 for a whip pan. Changes that straddle a cut are left out: a cut
is editing, not movement.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nemo_widgets.engine.analysis.cuts import Cut, find_cuts, merge_cuts
from nemo_widgets.engine.analysis.decode import PictureScan
from nemo_widgets.engine.analysis.features import RATE, bins_count
from nemo_widgets.engine.analysis.frames import Thumb

MOTION_NOISE = 0.002
"""Luma change a static shot still shows (sensor and compression noise at thumbnail size)."""
MOTION_SCALE = 0.07
"""Luma change per ``MOTION_STEP`` that reads as motion 0.63: a brisk handheld walk."""


@dataclass
class PictureCurves:
    brightness: list[float]
    saturation: list[float]
    warmth: list[float]
    motion: list[float]
    cuts: list[Cut]


def motion_score(change: float) -> float:
    """0..1 from a raw luma change per ``MOTION_STEP``."""
    return 1.0 - math.exp(-max(0.0, change - MOTION_NOISE) / MOTION_SCALE)


def binned(times: Sequence[float], values: Sequence[float], count: int) -> list[float]:
    """Mean of the values in each of ``count`` bins of 1/RATE s; empty bins interpolated."""
    if not times:
        return [0.0] * count
    index = np.clip((np.asarray(times) * RATE).astype(np.int64), 0, count - 1)
    sums = np.bincount(index, weights=np.asarray(values, dtype=np.float64), minlength=count)
    counts = np.bincount(index, minlength=count)
    known = counts > 0
    positions = np.arange(count)
    means = sums[known] / counts[known]
    filled = np.interp(positions, positions[known], means)
    return [float(v) for v in filled]


def picture_curves(scan: PictureScan, duration: float) -> PictureCurves:
    """The picture's curves over ``duration`` seconds from a scan's runs."""
    count = bins_count(duration)
    cuts = [c for c in merge_cuts([find_cuts(run) for run in scan.runs]) if c[0] < duration]
    cut_times = [time for time, _ in cuts]
    colour = [s for run in scan.runs for s in run.colour]
    times = [s.time for s in colour]
    motion_times: list[float] = []
    motion_values: list[float] = []
    for run in scan.runs:
        for sample in run.motion:
            after = bisect.bisect_right(cut_times, sample.start)
            if after < len(cut_times) and cut_times[after] <= sample.end:
                continue
            motion_times.append(0.5 * (sample.start + sample.end))
            motion_values.append(motion_score(sample.change))
    return PictureCurves(
        brightness=binned(times, [s.brightness for s in colour], count),
        saturation=binned(times, [s.saturation for s in colour], count),
        warmth=binned(times, [s.warmth for s in colour], count),
        motion=binned(motion_times, motion_values, count),
        cuts=cuts,
    )


def still_curves(thumb: Thumb, duration: float) -> PictureCurves:
    """A picture that does not change: constant colour, no motion, no cuts."""
    count = bins_count(duration)
    return PictureCurves(brightness=[thumb.brightness] * count,
                         saturation=[thumb.saturation] * count,
                         warmth=[thumb.warmth] * count, motion=[0.0] * count, cuts=[])


def blank_curves(duration: float) -> PictureCurves:
    """No picture at all (a sound file): black, still, uncut."""
    count = bins_count(duration)
    return PictureCurves(brightness=[0.0] * count, saturation=[0.0] * count,
                         warmth=[0.0] * count, motion=[0.0] * count, cuts=[])
