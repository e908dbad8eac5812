"""The draft timeline as typed objects, shared by the engine and the client.

The draft travels as JSON (see ``docs/draft.md``). Only its skeleton is public (``t`` tracks,
``tt`` track type, ``sg`` segments, ``d`` duration in ms, ``m`` metadata); segment keys are each
backend's own. This module reads the engine's keys and, through ``draft_variants``, the variants
another backend plausibly writes (``startMs``, ``start`` in seconds, a nested
``timeRange``…), keeps every key it does not know, and writes a draft back **unchanged** except
for the fields code actually changed, each in the place and unit it came from. When a segment's
times cannot be found, it says so (``Segment.timed``; the summary reads "(times unknown)")
instead of pretending it spans 0-0s. A draft whose skeleton is not what the protocol promises
raises ``DraftError`` (a ``ValueError``), never a bare ``TypeError``. pandas is loaded only when
a DataFrame is asked for.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nemo_widgets import draft_variants as dv
from nemo_widgets.protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Json = dict[str, Any]

DEFAULT_TRACK_NAMES = {TRACK_VIDEO: "Video", TRACK_AUDIO: "Audio", TRACK_TEXT: "Text"}
KIND_BY_TRACK = {TRACK_VIDEO: "video", TRACK_AUDIO: "audio", TRACK_TEXT: "text"}

_FIELDS = ("kind", "start_ms", "duration_ms", "id", "source", "source_in_ms", "label", "volume",
           "fade_in_ms", "fade_out_ms", "loop", "text", "style")
_TIME_FIELDS = {"start_ms", "duration_ms", "source_in_ms", "fade_in_ms", "fade_out_ms"}
_TT, _SG = dv.table(("tt",)), dv.table(("sg",))
_TRACK_SEGMENTS = dv.table(("segments", "clips"))
"""Where a track's segments may be when ``sg`` is missing."""
_TRACK_TYPES = dv.table(("track_type", "trackType", "type"))
"""Where a track's type may be when ``tt`` is missing."""


class DraftError(ValueError):
    """The draft's public skeleton is not what the protocol promises (``t`` not a list…)."""


def _clone(value: Any) -> Any:
    """A copy that keeps whole JSON trees apart; scalars (most values) are shared as is."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return copy.deepcopy(value)


def _seconds(ms: int) -> str:
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)


@dataclass
class _Origin:
    """How an object was read: the raw JSON, where each field came from and its value then."""

    raw: Json
    slots: dict[str, dv.Slot]
    read: dict[str, Any]
    unit: float = dv.MS
    start_found: bool = True
    length_found: bool = True

    def consumed(self) -> set[str]:
        return {slot.path[0] for slot in self.slots.values()}


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
    timed: bool = True
    """False when the draft did not say where the segment lies in time (the times are 0)."""
    _origin: _Origin | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def display_label(self) -> str:
        """What to call the segment: its label, its text, its source's file name, its kind."""
        if self.kind == "text":
            return self.text or self.label
        return self.label or dv.label_from_source(self.source) or self.kind

    @classmethod
    def from_json(cls, data: Json, track_type: int, unit: float = dv.MS) -> Segment:
        """A segment from any backend's keys (``unit``: ms per unit-less time value)."""
        slots: dict[str, dv.Slot] = {}

        def take(name: str, slot: dv.Slot | None) -> dv.Slot | None:
            if slot is not None:
                slots[name] = slot
            return slot

        start = take("start_ms", dv.find(data, dv.START)
                     or dv.find_nested(data, dv.RANGES, dv.RANGE_START))
        length = take("duration_ms", dv.find(data, dv.DURATION)
                      or dv.find_nested(data, dv.RANGES, dv.RANGE_DURATION))
        end = dv.find(data, dv.END) or dv.find_nested(data, dv.RANGES, dv.RANGE_END)
        start_ms, length_ms, end_ms = (dv.to_ms(start, unit), dv.to_ms(length, unit),
                                       dv.to_ms(end, unit))
        if length_ms is None and end is not None and end_ms is not None:
            slots.pop("duration_ms", None)
            slots["end"] = end
            length_ms = end_ms - (start_ms or 0.0)
        kind_slot = dv.find(data, dv.KINDS,
                            lambda v: isinstance(v, str) and v.lower() in dv.KIND_WORDS)
        kind = (dv.KIND_WORDS[kind_slot.raw.lower()] if kind_slot is not None
                else KIND_BY_TRACK.get(track_type, "video"))
        take("kind", kind_slot)
        text_slot = (take("text", dv.find(data, dv.TEXTS, dv.is_text))
                     if kind == "text" or "text" in data else None)
        source, label = dv.source_and_label(data, slots, text_slot)
        volume = dv.read_volume(data, slots)
        id_slot = take("id", dv.find(data, dv.IDS, lambda v: isinstance(v, (str, int))
                                    and not isinstance(v, bool)))
        source_in = take("source_in_ms", dv.find(data, dv.SOURCE_IN) or dv.find_nested(
            data, dv.SOURCE_RANGES, dv.RANGE_START))
        fade_in = take("fade_in_ms", dv.find(data, dv.FADE_IN))
        fade_out = take("fade_out_ms", dv.find(data, dv.FADE_OUT))
        loop = take("loop", dv.find(data, dv.LOOPS, lambda v: isinstance(v, bool)))
        style = take("style", dv.find(data, dv.STYLES, lambda v: isinstance(v, dict)))
        segment = cls(
            kind=kind,
            start_ms=dv.whole(start_ms), duration_ms=max(0, dv.whole(length_ms)),
            id=str(id_slot.raw) if id_slot is not None else "",
            source=source, source_in_ms=dv.whole(dv.to_ms(source_in, unit)), label=label,
            volume=volume, fade_in_ms=dv.whole(dv.to_ms(fade_in, unit)),
            fade_out_ms=dv.whole(dv.to_ms(fade_out, unit)),
            loop=bool(loop.raw) if loop is not None else False,
            text=text_slot.raw if text_slot is not None else None,
            style=_clone(style.raw) if style is not None else {},
            timed=start_ms is not None and length_ms is not None,
        )
        consumed = {slot.path[0] for slot in slots.values()}
        segment.extra = {k: _clone(v) for k, v in data.items() if k not in consumed}
        segment._origin = _Origin(
            raw={k: _clone(v) for k, v in data.items() if k in consumed}, slots=slots,
            read={name: _clone(getattr(segment, name)) for name in _FIELDS}, unit=unit,
            start_found=start_ms is not None, length_found=length_ms is not None)
        return segment

    def to_json(self) -> Json:
        """The segment as JSON: a segment read from a draft goes back as it came, with only
        the changed fields rewritten (in their own keys and units); a new one in the engine's
        keys."""
        origin = self._origin
        if origin is None:
            return self._engine_json()
        out: Json = {k: _clone(v) for k, v in origin.raw.items()}
        moved = False
        for name in _FIELDS:
            value = getattr(self, name)
            if value == origin.read.get(name):
                continue
            moved |= name in ("start_ms", "duration_ms")
            slot = origin.slots.get(name)
            if slot is None:  # the draft did not have it: the engine's own key
                out[name] = _clone(value)
                continue
            dv.put_at(out, origin.raw, slot.path, self._encode(name, slot, value, origin.unit))
        end = origin.slots.get("end")
        if moved and end is not None:
            dv.put_at(out, origin.raw, end.path, dv.from_ms(end, self.end_ms, origin.unit))
        out.update(_clone(self.extra))
        return out

    @staticmethod
    def _encode(name: str, slot: dv.Slot, value: Any, unit: float) -> Any:
        if name in _TIME_FIELDS:
            return dv.from_ms(slot, float(value), unit)
        if name == "volume":
            scaled = float(value) / (slot.unit or 1.0)
            return round(scaled) if isinstance(slot.raw, int) and scaled == round(scaled) \
                else round(scaled, 6)
        if name == "id" and isinstance(slot.raw, int) and str(value).isdigit():
            return int(value)
        return _clone(value)

    def _engine_json(self) -> Json:
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
            out["style"] = _clone(self.style)
        out.update(_clone(self.extra))
        return out


@dataclass
class Track:
    """A lane of the timeline: video (``tt`` 0), audio (1) or text (7)."""

    type: int
    segments: list[Segment] = field(default_factory=list)
    name: str = ""
    role: str | None = None
    extra: Json = field(default_factory=dict)
    _origin: _Origin | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def display_name(self) -> str:
        return self.name or DEFAULT_TRACK_NAMES.get(self.type, f"Track {self.type}")

    @property
    def timed_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.timed]

    @property
    def start_ms(self) -> int:
        return min((s.start_ms for s in self.timed_segments), default=0)

    @property
    def end_ms(self) -> int:
        return max((s.end_ms for s in self.timed_segments), default=0)

    @classmethod
    def from_json(cls, data: Json, unit: float = dv.MS) -> Track:
        slots: dict[str, dv.Slot] = {}
        type_slot = dv.find(data, _TT) or dv.find(
            data, _TRACK_TYPES, lambda v: isinstance(v, (int, str)))
        track_type = dv.track_type(type_slot.raw) if type_slot is not None else TRACK_VIDEO
        if type_slot is not None:
            slots["type"] = type_slot
        seg_slot = dv.find(data, _SG) or dv.find(
            data, _TRACK_SEGMENTS, lambda v: isinstance(v, list))
        raw_segments = seg_slot.raw if seg_slot is not None else []
        if not isinstance(raw_segments, list):
            raise DraftError(f"A track's segments (sg) must be a list, not "
                             f"{type(raw_segments).__name__}.")
        if seg_slot is not None:
            slots["segments"] = seg_slot
        if not all(isinstance(s, dict) for s in raw_segments):
            raise DraftError("Every segment of a track (sg) must be an object.")
        segments = [Segment.from_json(s, track_type, unit) for s in raw_segments]
        _place_sequential(segments)
        name_slot = dv.find(data, dv.TRACK_NAMES, dv.is_text)
        if name_slot is not None:
            slots["name"] = name_slot
        role = data.get("role")
        if isinstance(role, str):
            slots["role"] = dv.Slot(("role",), None, role)
        track = cls(type=track_type, segments=segments,
                    name=str(name_slot.raw) if name_slot is not None else "",
                    role=role if isinstance(role, str) else None)
        consumed = {slot.path[0] for slot in slots.values()}
        track.extra = {k: _clone(v) for k, v in data.items() if k not in consumed}
        track._origin = _Origin(
            raw={k: _clone(v) for k, v in data.items()
                 if k in consumed and k != (seg_slot.path[0] if seg_slot else None)},
            slots=slots, read={"type": track_type, "name": track.name, "role": track.role})
        return track

    def to_json(self) -> Json:
        origin = self._origin
        if origin is None:
            out: Json = {"tt": self.type}
            if self.name:
                out["name"] = self.name
            if self.role:
                out["role"] = self.role
            out["sg"] = [s.to_json() for s in self.segments]
            out.update(_clone(self.extra))
            return out
        out = {k: _clone(v) for k, v in origin.raw.items()}
        for name, key in (("type", "tt"), ("name", "name"), ("role", "role")):
            value = getattr(self, name)
            if value != origin.read[name]:
                slot = origin.slots.get(name)
                out[slot.path[0] if slot is not None else key] = value
        segments = origin.slots.get("segments")
        out[segments.path[0] if segments is not None else "sg"] = [
            s.to_json() for s in self.segments]
        out.update(_clone(self.extra))
        return out

    def summary(self) -> str:
        """``Video: a.mp4, b.mp4 (0-12s)``, ``BGM: Lo-fi (0-10s, 35%)``, ``Title: "Hi" (0-3s)``;
        ``(times unknown)`` when the draft does not say where its segments lie."""
        if self.type == TRACK_TEXT:
            labels = [f'"{s.text or s.label}"' for s in self.segments]
        else:
            labels = [s.display_label for s in self.segments]
        what = ", ".join(dict.fromkeys(labels)) or "empty"
        if self.timed_segments:
            span = f"{_seconds(self.start_ms)}-{_seconds(self.end_ms)}s"
        else:
            span = "times unknown"
        volumes = {round(s.volume * 100) for s in self.segments if s.kind != "text"}
        if len(volumes) == 1 and (volume := volumes.pop()) != 100:
            span += f", {volume}%"
        return f"{self.display_name}: {what} ({span})"


def _place_sequential(segments: list[Segment]) -> None:
    """Segments with a length but no start follow each other (a list of clips)."""
    cursor = 0
    for seg in segments:
        origin = seg._origin
        if origin is not None and not origin.start_found and origin.length_found:
            seg.start_ms, seg.timed = cursor, True
            origin.read["start_ms"] = cursor
        if seg.timed:
            cursor = seg.end_ms


def _segment_list(track: Json) -> Any:
    """The raw segment list of a track: ``sg``, else a plausible variant."""
    slot = dv.find(track, _SG) or dv.find(
        track, _TRACK_SEGMENTS, lambda v: isinstance(v, list))
    return slot.raw if slot is not None else []


@dataclass
class Timeline:
    """The whole draft. ``Timeline.from_draft(d).to_draft() == d`` for any draft ``d`` that
    was not changed in between (unknown keys included)."""

    tracks: list[Track] = field(default_factory=list)
    duration_ms: int = 0
    meta: Json = field(default_factory=dict)
    extra: Json = field(default_factory=dict)
    _origin: _Origin | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_draft(cls, draft: Json | None) -> Timeline:
        """Parse a draft; ``DraftError`` when its public skeleton is malformed."""
        if draft is None:
            draft = {}
        if not isinstance(draft, dict):
            raise DraftError(f"A draft must be an object, not {type(draft).__name__}.")
        try:
            return cls._parse(draft)
        except RecursionError:
            raise DraftError("The draft is nested too deeply to read.") from None

    @classmethod
    def _parse(cls, draft: Json) -> Timeline:
        tracks = draft.get("t")
        if tracks is None:
            tracks = []
        if not isinstance(tracks, list):
            raise DraftError(f"The draft's tracks (t) must be a list, not "
                             f"{type(tracks).__name__}.")
        if not all(isinstance(t, dict) for t in tracks):
            raise DraftError("Every track of the draft (t) must be an object.")
        duration = dv.whole(draft.get("d"))
        times = [v for t in tracks for s in _segment_list(t) or [] if isinstance(s, dict)
                 for v in dv.unitless_times(s)] if all(
            isinstance(_segment_list(t) or [], list) for t in tracks) else []
        unit = dv.guess_unit(times, duration)
        meta = draft.get("m")
        timeline = cls(
            tracks=[Track.from_json(t, unit) for t in tracks], duration_ms=duration,
            meta=_clone(meta) if isinstance(meta, dict) else {},
            extra={k: _clone(v) for k, v in draft.items()
                   if k not in ("t", "d", "m") or (k == "m" and not isinstance(v, dict))})
        timeline._origin = _Origin(raw={k: _clone(draft[k]) for k in ("d",)
                                        if k in draft},
                                   slots={}, read={"duration_ms": duration,
                                                   "has_t": "t" in draft, "has_m": "m" in draft},
                                   unit=unit)
        return timeline

    def to_draft(self) -> Json:
        origin = self._origin
        out: Json = {}
        if origin is None or origin.read["has_t"] or self.tracks:
            out["t"] = [t.to_json() for t in self.tracks]
        if origin is not None and "d" in origin.raw and \
                self.duration_ms == origin.read["duration_ms"]:
            out["d"] = _clone(origin.raw["d"])
        elif origin is None or "d" in origin.raw or self.duration_ms:
            out["d"] = self.duration_ms
        if origin is None or origin.read["has_m"] or self.meta:
            out["m"] = _clone(self.meta)
        out.update(_clone(self.extra))
        return out

    @property
    def width(self) -> int:
        return dv.meta_size(self.meta)[0]

    @property
    def height(self) -> int:
        return dv.meta_size(self.meta)[1]

    @property
    def renderable(self) -> bool:
        """The protocol's rule: at least one track with a non-empty segment list."""
        return any(t.segments for t in self.tracks)

    @property
    def timed(self) -> bool:
        """True when every segment's place in time is known."""
        return all(s.timed for t in self.tracks for s in t.segments)

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
        """One row per segment: track, kind, start_s, end_s, duration_s, volume, label, source
        (times are NaN, not zero, for a segment whose times the draft does not give)."""
        import pandas as pd

        rows = []
        for number, track in enumerate(self.tracks, 1):
            for seg in track.segments:
                rows.append({
                    "track": f"{number}. {track.display_name}",
                    "kind": seg.kind,
                    "start_s": seg.start_ms / 1000 if seg.timed else None,
                    "end_s": seg.end_ms / 1000 if seg.timed else None,
                    "duration_s": seg.duration_ms / 1000 if seg.timed else None,
                    "volume": None if seg.kind == "text" else seg.volume,
                    "label": seg.display_label,
                    "source": seg.source,
                })
        columns = ["track", "kind", "start_s", "end_s", "duration_s", "volume", "label", "source"]
        frame = pd.DataFrame(rows, columns=columns)
        times = ["start_s", "end_s", "duration_s"]
        frame[times] = frame[times].astype(float)  # unknown times are NaN, not 0
        return frame
