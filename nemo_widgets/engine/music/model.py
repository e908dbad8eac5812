"""The music engine's public records: the plan (every decision, JSON-able) and the result.

The plan is kept apart from the audio so that the agent can explain it (``reasons``), an editor
can cut to it (``beats``, ``downbeats``, ``cut_alignment``), and a follow-up request ("more
upbeat", "another one") can start from it without re-reading the video.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
STEM_NAMES: tuple[str, ...] = ("drums", "bass", "harmony", "melody")


@dataclass
class MusicPlan:
    """Every musical decision for one piece, before a note is written.

    ``beats`` is the pulse the music plays: a constant-tempo grid from ``beat_offset_s`` (the
    first beat at or after 0 s) to the final hit (``final_hit_s``), after which the last chord
    rings out to the end of the video. ``downbeats`` are its bar lines (every fourth beat)
    and, as the last entry, the final hit: when the final hit is not a whole number of bars
    away, the last bar is shortened rather than the tempo changed. ``cut_alignment`` measures
    each cut against the same grid (continued past the final hit for cuts in the last second
    or two). ``drums`` is False for drumless pieces (piano, ambient, or "no drums").
    """

    style: str
    tempo_bpm: float
    key: str
    mode: str
    valence: float
    arousal: float
    beat_offset_s: float
    beats: list[float]
    downbeats: list[float]
    sections: list[dict[str, Any]]
    cut_alignment: list[dict[str, Any]]
    duration_s: float
    seed: int
    reasons: list[str]
    drums: bool = True
    final_hit_s: float = 0.0
    beats_per_bar: int = 4
    prompt: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain-JSON copy (lists and dicts of numbers and strings only)."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MusicPlan:
        """Rebuild a plan; unknown keys (from a newer engine) are ignored, not fatal."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_json(cls, text: str) -> MusicPlan:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a music plan must be a JSON object")
        return cls.from_dict(data)


@dataclass
class MusicResult:
    """The rendered piece.

    ``mix`` and every stem are ``(n, 2)`` float32 at 48 kHz with ``n == round(duration_s *
    48000)``. The stems are *post*-master: the master bus is a pure gain envelope (compressor,
    limiter, peak normalisation, end fades and speech ducking, all linked across the stems),
    applied identically to each stem, so ``sum(stems.values()) == mix`` up to float32 rounding.
    Drumless pieces still have a (silent) ``drums`` stem.

    The stems are rendered on first access to ``stems`` (by ``stem_renderer``), not with the
    mix: four separate reverbs cost about as much as the whole mix, and most pieces are only
    ever heard as a mix.
    """

    plan: MusicPlan
    mix: npt.NDArray[np.float32]
    cue: dict[str, Any]
    stem_renderer: Callable[[], dict[str, npt.NDArray[np.float32]]] | None = field(
        default=None, repr=False, compare=False)
    _stems: dict[str, npt.NDArray[np.float32]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def stems(self) -> dict[str, npt.NDArray[np.float32]]:
        """The four stems, rendered once on first access."""
        if self._stems is None:
            if self.stem_renderer is None:
                raise ValueError("this result was made without its stems")
            self._stems = self.stem_renderer()
        return self._stems

    @property
    def sample_rate(self) -> int:
        return SAMPLE_RATE
