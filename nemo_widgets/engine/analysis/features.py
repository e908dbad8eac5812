"""What the composer learns about a video: ``VideoFeatures`` (per second) and ``Curves`` (fine).

Two resolutions exist for a reason. The composer thinks in seconds (``VideoFeatures``), but a
timeline places clips at any millisecond: a file's per-second values cannot be shifted by half a
second without smearing them. So each file is analysed once into ``Curves`` sampled ten times a
second, placed on the timeline at that resolution, and only then averaged into seconds. Cuts and
speech are kept as exact times throughout, because the music puts beats on them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nemo_widgets.engine.analysis.levels import SILENCE_DB, energy_to_db

RATE = 10
"""Samples per second of ``Curves``: fine enough to place a clip within 50 ms."""

Interval = tuple[float, float]


def seconds_count(duration: float) -> int:
    """How many per-second values cover ``duration`` (a partial last second counts; at least 1)."""
    return max(1, math.ceil(duration - 1e-6))


def bins_count(duration: float) -> int:
    """How many ``RATE`` bins cover ``duration`` (at least 1)."""
    return max(1, math.ceil(duration * RATE - 1e-6))


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values] if isinstance(values, list) else []


def _intervals(values: Any) -> list[Interval]:
    out: list[Interval] = []
    if isinstance(values, list):
        for item in values:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                out.append((float(item[0]), float(item[1])))
    return out


@dataclass
class VideoFeatures:
    """What the picture and the source sound do over time, one value per second.

    ``loudness_db`` is empty when no source sound is heard; otherwise it has one RMS level per
    second with ``-90`` for silence. Lists of per-second values all have ``ceil(duration)``
    entries (a partial last second counts).
    """

    duration: float
    brightness: list[float] = field(default_factory=list)
    saturation: list[float] = field(default_factory=list)
    warmth: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    cut_strength: list[float] = field(default_factory=list)
    loudness_db: list[float] = field(default_factory=list)
    speech: list[Interval] = field(default_factory=list)
    has_audio: bool = False

    # --- summaries the composer asks for -----------------------------------------------------

    @property
    def mean_brightness(self) -> float:
        return _mean(self.brightness)

    @property
    def mean_saturation(self) -> float:
        return _mean(self.saturation)

    @property
    def mean_warmth(self) -> float:
        return _mean(self.warmth)

    @property
    def mean_motion(self) -> float:
        return _mean(self.motion)

    @property
    def cut_rate(self) -> float:
        """Cuts per minute: the editing pace, a cue for tempo and density."""
        return len(self.cuts) * 60.0 / self.duration if self.duration > 0 else 0.0

    @property
    def speech_fraction(self) -> float:
        """The share of the duration with speech, which the mix must leave room for."""
        if self.duration <= 0:
            return 0.0
        return min(1.0, sum(end - start for start, end in self.speech) / self.duration)

    @property
    def mean_loudness_db(self) -> float:
        """The source's overall level (energy mean, not a mean of decibels); -90 without sound."""
        if not self.loudness_db:
            return SILENCE_DB
        energies = [10.0 ** (db / 10.0) for db in self.loudness_db]
        return energy_to_db(sum(energies) / len(energies))

    # --- JSON ----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "duration": round(self.duration, 3),
            "brightness": _rounded(self.brightness),
            "saturation": _rounded(self.saturation),
            "warmth": _rounded(self.warmth),
            "motion": _rounded(self.motion),
            "cuts": [round(t, 4) for t in self.cuts],
            "cut_strength": _rounded(self.cut_strength),
            "loudness_db": [round(v, 2) for v in self.loudness_db],
            "speech": [[round(a, 3), round(b, 3)] for a, b in self.speech],
            "has_audio": self.has_audio,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoFeatures:
        return cls(
            duration=float(data.get("duration", 0.0)),
            brightness=_floats(data.get("brightness")),
            saturation=_floats(data.get("saturation")),
            warmth=_floats(data.get("warmth")),
            motion=_floats(data.get("motion")),
            cuts=_floats(data.get("cuts")),
            cut_strength=_floats(data.get("cut_strength")),
            loudness_db=_floats(data.get("loudness_db")),
            speech=_intervals(data.get("speech")),
            has_audio=bool(data.get("has_audio", False)),
        )


@dataclass
class Curves:
    """One file's analysis at ``RATE`` samples a second: what the cache keeps and the timeline
    places. ``energy`` is the sound's mean square (linear, full scale = 1) per bin, and is
    empty when the file has no sound."""

    duration: float
    brightness: list[float] = field(default_factory=list)
    saturation: list[float] = field(default_factory=list)
    warmth: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    energy: list[float] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    cut_strength: list[float] = field(default_factory=list)
    speech: list[Interval] = field(default_factory=list)
    has_audio: bool = False

    def to_features(self) -> VideoFeatures:
        """Average the bins into seconds (a partial last second averages what it has)."""
        return VideoFeatures(
            duration=self.duration,
            brightness=per_second(self.brightness, self.duration),
            saturation=per_second(self.saturation, self.duration),
            warmth=per_second(self.warmth, self.duration),
            motion=per_second(self.motion, self.duration),
            cuts=list(self.cuts),
            cut_strength=list(self.cut_strength),
            loudness_db=([energy_to_db(e) for e in per_second(self.energy, self.duration)]
                         if self.has_audio else []),
            speech=list(self.speech),
            has_audio=self.has_audio,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "duration": round(self.duration, 4),
            "brightness": _rounded(self.brightness),
            "saturation": _rounded(self.saturation),
            "warmth": _rounded(self.warmth),
            "motion": _rounded(self.motion),
            "energy": [float(f"{e:.4g}") for e in self.energy],
            "cuts": [round(t, 4) for t in self.cuts],
            "cut_strength": _rounded(self.cut_strength),
            "speech": [[round(a, 3), round(b, 3)] for a, b in self.speech],
            "has_audio": self.has_audio,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Curves:
        curves = cls(
            duration=float(data["duration"]),
            brightness=_floats(data.get("brightness")),
            saturation=_floats(data.get("saturation")),
            warmth=_floats(data.get("warmth")),
            motion=_floats(data.get("motion")),
            energy=_floats(data.get("energy")),
            cuts=_floats(data.get("cuts")),
            cut_strength=_floats(data.get("cut_strength")),
            speech=_intervals(data.get("speech")),
            has_audio=bool(data.get("has_audio", False)),
        )
        n = bins_count(curves.duration)
        lists = [curves.brightness, curves.saturation, curves.warmth, curves.motion]
        if curves.has_audio:
            lists.append(curves.energy)
        if any(len(values) != n for values in lists) or len(curves.cuts) != len(
                curves.cut_strength):
            raise ValueError("curves do not match their duration")
        return curves


def per_second(values: Sequence[float], duration: float) -> list[float]:
    """Mean of each second's ``RATE`` bins, over ``ceil(duration)`` seconds."""
    if not values:
        return []
    array = np.asarray(values, dtype=np.float64)
    out = []
    for second in range(seconds_count(duration)):
        chunk = array[second * RATE:(second + 1) * RATE]
        out.append(float(chunk.mean()) if chunk.size else float(array[-1]))
    return out


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def _rounded(values: Sequence[float]) -> list[float]:
    return [round(float(v), 4) for v in values]
