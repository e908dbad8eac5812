"""The draft timeline as typed objects, shared by the engine and the client.

The draft travels as JSON (see ``docs/draft.md``). This module parses it into ``Timeline`` /
``Track`` / ``Segment`` objects without losing keys it does not know, writes it back, and produces
the one-line summary every face shows. It imports nothing heavy: pandas is loaded only when a
DataFrame is asked for.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nemo_widgets.protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Json = dict[str, Any]

_SEGMENT_KEYS = (
    "id", "kind", "start_ms", "duration_ms", "source", "source_in_ms", "label", "volume",
    "fade_in_ms", "fade_out_ms", "loop", "text", "style",
)
_TRACK_KEYS = ("tt", "sg", "name", "role")
_ROOT_KEYS = ("t", "d", "m")

DEFAULT_TRACK_NAMES = {TRACK_VIDEO: "Video", TRACK_AUDIO: "Audio", TRACK_TEXT: "Text"}
KIND_BY_TRACK = {TRACK_VIDEO: "video", TRACK_AUDIO: "audio", TRACK_TEXT: "text"}


def _int(value: Any, default: int = 0) -> int:
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@dataclass
class Segment:
    """One piece of a track: a clip, a still, a sound or a text, placed in time."""

    kind: str
    start_ms: int = 0
    duration_ms: int = 0
    id: str = ""
    source: str | None = None
    source_in_ms: int = 0
    label: str = ""
    volume: float = 1.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    loop: bool = False
    text: str | None = None
    style: Json = field(default_factory=dict)
    extra: Json = field(default_factory=dict)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @classmethod
    def from_json(cls, data: Json, track_type: int) -> Segment:
        style = data.get("style")
        return cls(
            kind=str(data.get("kind") or KIND_BY_TRACK.get(track_type, "video")),
            start_ms=_int(data.get("start_ms")),
            duration_ms=_int(data.get("duration_ms")),
            id=str(data.get("id") or ""),
            source=data.get("source"),
            source_in_ms=_int(data.get("source_in_ms")),
            label=str(data.get("label") or ""),
            volume=_float(data.get("volume"), 1.0),
            fade_in_ms=_int(data.get("fade_in_ms")),
            fade_out_ms=_int(data.get("fade_out_ms")),
            loop=bool(data.get("loop", False)),
            text=data.get("text"),
            style=dict(style) if isinstance(style, dict) else {},
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _SEGMENT_KEYS},
        )

    def to_json(self) -> Json:
        out: Json = {
            "id": self.id, "kind": self.kind,
            "start_ms": self.start_ms, "duration_ms": self.duration_ms,
        }
        if self.source is not None:
            out["source"] = self.source
        if self.source_in_ms:
            out["source_in_ms"] = self.source_in_ms
        if self.label:
            out["label"] = self.label
        if self.kind != "text":
            out["volume"] = self.volume
        if self.fade_in_ms:
            out["fade_in_ms"] = self.fade_in_ms
        if self.fade_out_ms:
            out["fade_out_ms"] = self.fade_out_ms
        if self.loop:
            out["loop"] = True
        if self.text is not None:
            out["text"] = self.text
        if self.style:
            out["style"] = copy.deepcopy(self.style)
        out.update(copy.deepcopy(self.extra))
        return out


@dataclass
class Track:
    """A lane of the timeline: video (``tt`` 0), audio (1) or text (7)."""

    type: int
    segments: list[Segment] = field(default_factory=list)
    name: str = ""
    role: str | None = None
    extra: Json = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name or DEFAULT_TRACK_NAMES.get(self.type, f"Track {self.type}")

    @property
    def start_ms(self) -> int:
        return min((s.start_ms for s in self.segments), default=0)

    @property
    def end_ms(self) -> int:
        return max((s.end_ms for s in self.segments), default=0)

    @classmethod
    def from_json(cls, data: Json) -> Track:
        track_type = _int(data.get("tt"), TRACK_VIDEO)
        raw_segments = data.get("sg") or []
        segments = [Segment.from_json(s, track_type) for s in raw_segments if isinstance(s, dict)]
        return cls(
            type=track_type,
            segments=segments,
            name=str(data.get("name") or ""),
            role=data.get("role"),
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _TRACK_KEYS},
        )

    def to_json(self) -> Json:
        out: Json = {"tt": self.type}
        if self.name:
            out["name"] = self.name
        if self.role:
            out["role"] = self.role
        out["sg"] = [s.to_json() for s in self.segments]
        out.update(copy.deepcopy(self.extra))
        return out

    def summary(self) -> str:
        """``Video: a.mp4, b.mp4 (0-12s)``, ``BGM: Lo-fi (0-10s, 35%)``, ``Title: "Hi" (0-3s)``."""
        if self.type == TRACK_TEXT:
            labels = [f'"{s.text or s.label}"' for s in self.segments]
        else:
            labels = [s.label or s.kind for s in self.segments]
        what = ", ".join(dict.fromkeys(labels)) or "empty"
        span = f"{_seconds(self.start_ms)}-{_seconds(self.end_ms)}s"
        volumes = {round(s.volume * 100) for s in self.segments if s.kind != "text"}
        if len(volumes) == 1 and (volume := volumes.pop()) != 100:
            span += f", {volume}%"
        return f"{self.display_name}: {what} ({span})"


def _seconds(ms: int) -> str:
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)


@dataclass
class Timeline:
    """The whole draft. ``Timeline.from_draft(d).to_draft() == d`` up to key order and defaults."""

    tracks: list[Track] = field(default_factory=list)
    duration_ms: int = 0
    meta: Json = field(default_factory=dict)
    extra: Json = field(default_factory=dict)

    @classmethod
    def from_draft(cls, draft: Json | None) -> Timeline:
        draft = draft or {}
        meta = draft.get("m")
        return cls(
            tracks=[Track.from_json(t) for t in draft.get("t") or [] if isinstance(t, dict)],
            duration_ms=_int(draft.get("d")),
            meta=copy.deepcopy(meta) if isinstance(meta, dict) else {},
            extra={k: copy.deepcopy(v) for k, v in draft.items() if k not in _ROOT_KEYS},
        )

    def to_draft(self) -> Json:
        out: Json = {"t": [t.to_json() for t in self.tracks], "d": self.duration_ms,
                     "m": copy.deepcopy(self.meta)}
        out.update(copy.deepcopy(self.extra))
        return out

    @property
    def width(self) -> int:
        return _int(self.meta.get("width"), 1920)

    @property
    def height(self) -> int:
        return _int(self.meta.get("height"), 1080)

    @property
    def renderable(self) -> bool:
        """The protocol's rule: at least one track with a non-empty segment list."""
        return any(t.segments for t in self.tracks)

    def content_end_ms(self) -> int:
        return max((t.end_ms for t in self.tracks), default=0)

    def summary(self) -> str:
        tracks = [t for t in self.tracks if t.segments]
        if not tracks:
            return "Timeline (0 tracks): empty"
        parts = " ".join(f"{i}. {t.summary()}" for i, t in enumerate(tracks, 1))
        noun = "track" if len(tracks) == 1 else "tracks"
        return f"Timeline ({len(tracks)} {noun}): {parts}"

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: track, kind, start_s, end_s, duration_s, volume, label, source."""
        import pandas as pd

        rows = []
        for number, track in enumerate(self.tracks, 1):
            for seg in track.segments:
                rows.append({
                    "track": f"{number}. {track.display_name}",
                    "kind": seg.kind,
                    "start_s": seg.start_ms / 1000,
                    "end_s": seg.end_ms / 1000,
                    "duration_s": seg.duration_ms / 1000,
                    "volume": None if seg.kind == "text" else seg.volume,
                    "label": seg.text if seg.kind == "text" else seg.label,
                    "source": seg.source,
                })
        columns = ["track", "kind", "start_s", "end_s", "duration_s", "volume", "label", "source"]
        return pd.DataFrame(rows, columns=columns)


def summarize(draft: Json | None) -> str:
    """The seed's one-line summary of a draft JSON."""
    return Timeline.from_draft(draft).summary()
