"""Which jumps of the picture are shot cuts: a content detector with an adaptive threshold.

A frame is the first of a new shot when its change from the previous frame is

1. large in absolute terms (``CUT_MIN``: a coarse-grid YUV difference, the same scale as a
   content detector's HSV score of ~15/255),
2. several times the typical change of the frames around it (``CUT_RATIO`` times their
   median): fast motion changes every frame a lot, a cut changes one frame far more, and
3. lasting: the picture two frames later still differs from the one two frames before (so a
   camera flash or a single glitched frame is not a cut).

The runs hand over every frame's change, so the cut time is the exact timestamp of the first
frame of the new shot. Two cuts closer than ``MIN_SHOT`` keep only the larger jump (a cut
smeared over two frames by a blend or a rate conversion is one cut).
"""

from __future__ import annotations

import numpy as np

from nemo_widgets.engine.analysis.runs import Candidate, Run

CUT_MIN = 0.05
CUT_RATIO = 3.0
CUT_MARGIN = 0.01
PERSISTENCE = 0.5  # fraction of the jump still present two frames after it
WINDOW = 0.5  # seconds of neighbours each side that define "typical change"
MIN_SHOT = 0.12  # seconds

Cut = tuple[float, float]  # (time, strength)


def _is_cut(cand: Candidate, diffs: np.ndarray, window: int) -> bool:
    i = cand.index
    if cand.diff < CUT_MIN:
        return False
    lo, hi = max(1, i - window), min(len(diffs), i + window + 1)
    neighbours = np.concatenate([diffs[lo:i], diffs[i + 1:hi]])
    typical = float(np.median(neighbours)) if neighbours.size else 0.0
    if cand.diff < CUT_RATIO * typical + CUT_MARGIN:
        return False
    return cand.persistence is None or cand.persistence >= PERSISTENCE * cand.diff


def find_cuts(run: Run) -> list[Cut]:
    """The cuts inside one run, as (time of the new shot's first frame, strength 0..1)."""
    if not run.candidates:
        return []
    step = run.frame_step() or 1.0 / 30.0
    window = max(3, round(WINDOW / step))
    diffs = np.asarray(run.diffs, dtype=np.float64)
    kept: list[Candidate] = []
    for cand in run.candidates:
        if not _is_cut(cand, diffs, window):
            continue
        if kept and cand.time - kept[-1].time < MIN_SHOT:
            if cand.diff > kept[-1].diff:
                kept[-1] = cand
            continue
        kept.append(cand)
    return [(c.time, max(0.05, c.strength)) for c in kept]


def merge_cuts(groups: list[list[Cut]], tolerance: float = 0.02) -> list[Cut]:
    """All cuts in time order, one per moment (runs may overlap by a frame)."""
    merged: list[Cut] = []
    for time, strength in sorted(c for group in groups for c in group):
        if merged and time - merged[-1][0] < tolerance:
            merged[-1] = (merged[-1][0], max(merged[-1][1], strength))
        else:
            merged.append((time, strength))
    return merged
