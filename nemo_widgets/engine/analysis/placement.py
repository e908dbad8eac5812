"""The features of a whole timeline: each file's analysis placed where the draft shows it.

The picture is the video track as the renderer draws it (``nemo_widgets.engine.render``):
every ``tt=0`` segment in start order, cut to ``[0, d)``, an earlier start winning over a later
overlapping one; gaps, and the time after a clip's source runs out, show the canvas background
(black unless ``m.background`` says otherwise) in silence. Each 100 ms bin of the timeline
takes the value of the source bin under its centre, so clips land within 50 ms of where they
are; per-second values are averaged only after placing.

Cuts are the clips' own cuts inside their windows plus every boundary where the picture
changes source (strength 1.0). A boundary between two pieces of one clip that continue each
other (same source, the second starting where the first stopped) shows no change and is not a
cut. The source sound counts only where the segment's volume is above 0, scaled by the volume
and its fades (as energy, so ``volume=0.5`` reads 6 dB quieter).

A file that cannot be resolved or analysed is logged and shown as a gap: the music still gets
features for the rest of the timeline instead of an error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nemo_widgets import protocol
from nemo_widgets.engine.analysis import cache
from nemo_widgets.engine.analysis.cuts import merge_cuts
from nemo_widgets.engine.analysis.errors import AnalysisError
from nemo_widgets.engine.analysis.features import (
    RATE,
    Curves,
    Interval,
    VideoFeatures,
    bins_count,
    per_second,
)
from nemo_widgets.engine.analysis.frames import thumb_from_rgb
from nemo_widgets.engine.analysis.levels import energy_to_db
from nemo_widgets.engine.analysis.media_file import file_curves
from nemo_widgets.engine.media import MediaInfo
from nemo_widgets.timeline import Segment, Timeline

log = logging.getLogger(__name__)

MediaResolver = Callable[[str], tuple[Path, MediaInfo]]  # as nemo_widgets.engine.render's
CONTINUITY = 0.02  # seconds: a split clip whose halves meet this closely shows no cut


@dataclass(frozen=True)
class Piece:
    """The visible part of one video-track segment, in seconds."""

    segment: Segment
    start: float
    end: float
    source_in: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def visible_pieces(timeline: Timeline, duration_ms: int) -> list[Piece]:
    """The video track's segments as the renderer shows them: in start order, inside
    ``[0, d)``, never covering the segment before them."""
    segments = [s for t in timeline.tracks if t.type == protocol.TRACK_VIDEO for s in t.segments]
    segments.sort(key=lambda s: s.start_ms)
    pieces = []
    cursor = 0
    for seg in segments:
        begin, end = max(seg.start_ms, cursor), min(seg.end_ms, duration_ms)
        if end <= begin:
            continue
        source_in = max(0, seg.source_in_ms) + (begin - seg.start_ms)
        pieces.append(Piece(seg, begin / 1000, end / 1000, source_in / 1000))
        cursor = end
    return pieces


def _background(meta: dict[str, Any]) -> tuple[float, float, float]:
    """(brightness, saturation, warmth) of the canvas colour shown in gaps."""
    text = str(meta.get("background") or "#000000").lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        rgb = [int(text[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        rgb = [0, 0, 0]
    thumb = thumb_from_rgb(np.array([[rgb]], dtype=np.uint8))
    return thumb.brightness, thumb.saturation, thumb.warmth


def _gain(piece: Piece, times: np.ndarray) -> np.ndarray:
    """The clip's volume with its fades (linear amplitude) at ``times``."""
    seg = piece.segment
    volume = seg.volume if math.isfinite(seg.volume) and seg.volume > 0 else 0.0
    gain = np.full(times.shape, volume)
    if seg.fade_in_ms > 0:
        gain *= np.clip((times - piece.start) / (seg.fade_in_ms / 1000), 0.0, 1.0)
    if seg.fade_out_ms > 0:
        gain *= np.clip((piece.end - times) / (seg.fade_out_ms / 1000), 0.0, 1.0)
    return gain


def _continues(before: Piece, after: Piece, still: bool) -> bool:
    """Whether ``after`` shows what ``before`` would have shown next (a split, not a cut)."""
    if before.segment.source != after.segment.source or after.start - before.end > CONTINUITY:
        return False
    return still or abs(after.source_in - (before.source_in + before.duration)) <= CONTINUITY


class _Canvas:
    """The timeline's curves being filled in, bin by bin."""

    def __init__(self, duration: float, background: tuple[float, float, float]) -> None:
        self.duration = duration
        count = bins_count(duration)
        self.centres = (np.arange(count) + 0.5) / RATE
        self.brightness = np.full(count, background[0])
        self.saturation = np.full(count, background[1])
        self.warmth = np.full(count, background[2])
        self.motion = np.zeros(count)
        self.energy = np.zeros(count)
        self.audible = False
        self.cuts: list[tuple[float, float]] = []
        self.speech: list[Interval] = []

    def place(self, piece: Piece, curves: Curves, still: bool) -> None:
        inside = np.flatnonzero((self.centres >= piece.start) & (self.centres < piece.end))
        source_time = self.centres[inside] - piece.start + piece.source_in
        if still:
            source_time = np.zeros_like(source_time)
        shown = source_time < curves.duration
        bins, times = inside[shown], source_time[shown]
        index = np.minimum((times * RATE).astype(np.int64), len(curves.brightness) - 1)
        self.brightness[bins] = np.asarray(curves.brightness)[index]
        self.saturation[bins] = np.asarray(curves.saturation)[index]
        self.warmth[bins] = np.asarray(curves.warmth)[index]
        self.motion[bins] = np.asarray(curves.motion)[index]
        source_end = piece.source_in + piece.duration
        for at, strength in zip(curves.cuts, curves.cut_strength, strict=True):
            if piece.source_in - 1e-3 <= at < source_end - 1e-3:  # one at the start merges
                self.cuts.append((piece.start + at - piece.source_in, strength))
        if not still and piece.source_in < curves.duration < source_end - CONTINUITY:
            self.cuts.append((piece.start + curves.duration - piece.source_in, 1.0))
        gain = _gain(piece, self.centres[bins])
        if still or not curves.has_audio or not gain.any():
            return
        self.audible = True
        self.energy[bins] = np.asarray(curves.energy)[index] * gain ** 2
        for a, b in curves.speech:
            a, b = max(a, piece.source_in), min(b, source_end)
            if b > a:
                self.speech.append((piece.start + a - piece.source_in,
                                    piece.start + b - piece.source_in))

    def features(self) -> VideoFeatures:
        cuts = [c for c in merge_cuts([self.cuts]) if 0.0 < c[0] < self.duration]
        energies = per_second(self.energy.tolist(), self.duration)
        return VideoFeatures(
            duration=self.duration,
            brightness=per_second(self.brightness.tolist(), self.duration),
            saturation=per_second(self.saturation.tolist(), self.duration),
            warmth=per_second(self.warmth.tolist(), self.duration),
            motion=per_second(self.motion.tolist(), self.duration),
            cuts=[at for at, _ in cuts],
            cut_strength=[strength for _, strength in cuts],
            loudness_db=[energy_to_db(e) for e in energies] if self.audible else [],
            speech=_merged(self.speech),
            has_audio=self.audible,
        )


def _merged(intervals: list[Interval], gap: float = 0.05) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def analyse_timeline(draft: dict[str, Any], resolve: MediaResolver, cache_dir: Path, *,
                     sparse: bool | None = None) -> VideoFeatures:
    """Features of the draft's picture and source sound over its length ``d``.

    ``has_audio`` says whether any source sound is heard (a clip with sound at a volume above
    0); ``loudness_db`` is empty when none is. Each file is analysed once and kept in
    ``cache_dir/<source hash>.json``; later calls (and other drafts using the same media) read
    the cache instead of decoding again. ``sparse`` forces the video scan's strategy.
    """
    timeline = Timeline.from_draft(draft)
    duration_ms = timeline.duration_ms if timeline.duration_ms > 0 else timeline.content_end_ms()
    if duration_ms <= 0:
        return VideoFeatures(duration=0.0)
    canvas = _Canvas(duration_ms / 1000, _background(timeline.meta))
    memo: dict[str, tuple[Curves, bool] | None] = {}
    previous: Piece | None = None
    for piece in visible_pieces(timeline, duration_ms):
        source = piece.segment.source
        if not isinstance(source, str) or not source:
            found = None
        else:
            if source not in memo:
                memo[source] = _analysed(source, resolve, Path(cache_dir), sparse)
            found = memo[source]
        if found is None:
            continue  # shown as a gap
        curves, still = found
        canvas.place(piece, curves, still)
        if previous is None or not _continues(previous, piece, still):
            canvas.cuts.append((piece.start, 1.0))
            if previous is not None and previous.end < piece.start:
                canvas.cuts.append((previous.end, 1.0))
        previous = piece
    if previous is not None and previous.end < canvas.duration:
        canvas.cuts.append((previous.end, 1.0))
    return canvas.features()


def _analysed(source: str, resolve: MediaResolver, cache_dir: Path, sparse: bool | None
              ) -> tuple[Curves, bool] | None:
    """(curves, is a still) for one source, or None if it cannot be had."""
    try:
        path, info = resolve(source)
    except (KeyError, OSError, ValueError) as exc:
        log.warning("analysis: media %s… is not available (%s); shown as a gap",
                    source[:12], exc)
        return None
    if not info.has_video:
        return None  # the renderer refuses sound on the picture track
    try:
        curves = cache.cached(cache_dir, source, lambda: file_curves(path, info, sparse=sparse))
    except AnalysisError as exc:
        log.warning("analysis: %s cannot be analysed (%s); shown as a gap", path.name, exc)
        return None
    except Exception:  # a bug must not cost the user the music for the rest of the timeline
        log.exception("analysis: unexpected failure on %s; shown as a gap", path.name)
        return None
    return curves, info.file_type == "image"
