"""Stretches of consecutive decoded frames ("runs"), reduced as they stream past.

A run is the unit of certainty: inside it no frame was skipped, so the frame where the picture
jumps is the frame of the cut. Full decoding gives one run per file (more after a decode
error); sparse decoding gives one short run per group of pictures, then longer runs where a cut
is suspected. ``RunBuilder`` keeps only small things per frame (its time and how much it
changed), makes thumbnails ten times a second for the colour and motion features, and makes
extra thumbnails on both sides of every frame that jumps, so a cut's strength can be judged
later without decoding again.
"""

from __future__ import annotations

import itertools
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from nemo_widgets.engine.analysis.features import RATE
from nemo_widgets.engine.analysis.frames import (
    Signature,
    Thumb,
    luma_change,
    make_thumb,
    shot_difference,
    signature,
    signature_diff,
)

SAMPLE_STEP = 1.0 / RATE
"""Seconds between thumbnails: colour and motion are sampled at the curves' rate."""
MOTION_STEP = 0.1
"""Motion is the picture change over this many seconds, whatever the frame rate."""
CANDIDATE_MIN = 0.035
"""Signature change above which a frame might be a cut and gets its thumbnails made now."""
CANDIDATE_RATIO = 2.0
"""...and that many times the recent typical change (so steady fast motion is not a candidate)."""
PERSIST_AFTER = 2
"""A cut must still show this many frames later (so a one-frame flash is not a cut)."""
MIN_MOTION_SPAN = 0.15 * MOTION_STEP
"""Shortest span a motion sample may cover (scaled up to ``MOTION_STEP``): one frame at up to
60 fps, so a sparse scan's probe of a key frame and the frame after it measures motion."""


@dataclass
class Candidate:
    """A frame whose signature jumped: maybe the first frame of a new shot."""

    index: int
    time: float
    diff: float
    strength: float
    before: Signature  # two frames before the jump (one at the start of a run)
    persistence: float | None = None  # change from ``before`` to two frames after the jump


@dataclass
class ColourSample:
    time: float
    brightness: float
    saturation: float
    warmth: float


@dataclass
class MotionSample:
    """Picture change between two thumbnails, scaled to ``MOTION_STEP`` seconds."""

    start: float
    end: float
    change: float


@dataclass
class Run:
    """What one stretch of consecutive frames showed."""

    times: list[float] = field(default_factory=list)
    diffs: list[float] = field(default_factory=list)  # diffs[i]: frame i-1 to frame i
    candidates: list[Candidate] = field(default_factory=list)
    colour: list[ColourSample] = field(default_factory=list)
    motion: list[MotionSample] = field(default_factory=list)
    first_thumb: Thumb | None = None
    last_thumb: Thumb | None = None

    @property
    def start(self) -> float:
        return self.times[0] if self.times else 0.0

    @property
    def end(self) -> float:
        return self.times[-1] if self.times else 0.0

    def frame_step(self) -> float:
        """Typical seconds between frames (the median, robust to variable frame rates)."""
        if len(self.times) < 2:
            return 0.0
        steps = [b - a for a, b in itertools.pairwise(self.times) if b > a]
        return statistics.median(steps) if steps else 0.0


class RunBuilder:
    """Feed decoded frames of one run in display order; ``finish`` returns the ``Run``.

    ``keep_ends`` also keeps thumbnails of the first and last frame, which the sparse scan
    compares across the groups of pictures it did not decode.
    """

    def __init__(self, keep_ends: bool = False) -> None:
        self._run = Run()
        self._keep_ends = keep_ends
        self._signatures: deque[Signature] = deque(maxlen=PERSIST_AFTER)
        self._pending: list[Candidate] = []
        self._prev_frame: Any = None
        self._prev_thumb: Thumb | None = None  # thumbnail of the previous frame, if it has one
        self._sample_thumb: Thumb | None = None
        self._next_sample = float("-inf")

    def __len__(self) -> int:
        return len(self._run.times)

    @property
    def settled(self) -> bool:
        """Whether every candidate cut so far has been judged with the frames after it
        (stopping here would not cut a candidate's evidence short)."""
        return not self._pending and bool(self._run.times)

    def last_thumb(self) -> Thumb:
        """The last frame's thumbnail (made now if it has none yet, and kept)."""
        if self._prev_thumb is None:
            self._prev_thumb = make_thumb(self._prev_frame)
        return self._prev_thumb

    def add(self, time: float, frame: Any) -> None:
        run = self._run
        if run.times and time <= run.times[-1]:
            return  # a repeated or out-of-order timestamp adds nothing we can place
        sig = signature(frame)
        index = len(run.times)
        diff = signature_diff(self._signatures[-1], sig) if self._signatures else 0.0
        typical = statistics.median(run.diffs[-8:]) if index > 1 else 0.0
        run.times.append(time)
        run.diffs.append(diff)
        thumb: Thumb | None = None
        for cand in self._pending:
            if index - cand.index == PERSIST_AFTER:
                cand.persistence = signature_diff(cand.before, sig)
        self._pending = [c for c in self._pending if c.persistence is None]
        if index > 0 and diff >= CANDIDATE_MIN and diff >= CANDIDATE_RATIO * typical:
            before = self._prev_thumb or make_thumb(self._prev_frame)
            thumb = make_thumb(frame)
            cand = Candidate(index=index, time=time, diff=diff,
                             strength=shot_difference(before, thumb),
                             before=self._signatures[0])
            run.candidates.append(cand)
            self._pending.append(cand)
        if time >= self._next_sample - 1e-6:
            thumb = thumb or make_thumb(frame)
            self._sample(time, thumb)
        if index == 0 and self._keep_ends:
            run.first_thumb = thumb or make_thumb(frame)
        self._signatures.append(sig)
        self._prev_frame = frame
        self._prev_thumb = thumb

    def _sample(self, time: float, thumb: Thumb) -> None:
        run = self._run
        run.colour.append(ColourSample(time, thumb.brightness, thumb.saturation, thumb.warmth))
        if self._sample_thumb is not None:
            start = run.colour[-2].time
            span = time - start
            if MIN_MOTION_SPAN <= span <= 3.0 * MOTION_STEP:
                change = luma_change(self._sample_thumb, thumb) * MOTION_STEP / span
                run.motion.append(MotionSample(start, time, change))
        self._sample_thumb = thumb
        # Aim at the next grid point, so samples stay ~SAMPLE_STEP apart at any frame rate.
        self._next_sample = max(time + 0.5 * SAMPLE_STEP,
                                (int(time / SAMPLE_STEP + 1e-6) + 1) * SAMPLE_STEP)

    def finish(self) -> Run:
        """Close the run: settle the candidates near its end and keep its last thumbnail (with
        ``keep_ends``, also as a colour and motion sample: a probe's last frame is its motion)."""
        run = self._run
        if self._pending and self._signatures:
            last = self._signatures[-1]
            for cand in self._pending:
                cand.persistence = signature_diff(cand.before, last)
        self._pending = []
        if self._keep_ends and self._prev_frame is not None:
            if self._prev_thumb is None:
                self._prev_thumb = make_thumb(self._prev_frame)
                self._sample(run.times[-1], self._prev_thumb)
            run.last_thumb = self._prev_thumb
        self._prev_frame = None
        return run
