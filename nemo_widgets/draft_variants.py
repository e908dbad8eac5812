"""Where a draft's segment fields may hide: the key variants a backend plausibly uses.

The protocol makes only the draft's skeleton public (``t``/``tt``/``sg``/``d``/``m``); segment
keys are each backend's own. The embedded engine writes ``start_ms``, ``duration_ms``…; the cloud
may write ``startMs``, ``start`` in seconds, or a nested ``timeRange: {start, duration}``. This
table lists the variants (milliseconds, seconds and microseconds; camel and snake case; nested
time ranges; time strings such as ``"1.5s"`` or ``"00:01.500"``), and ``find`` returns a
``Slot``: the value found, in milliseconds where it is a time, plus the path and unit it was
read from, so that a changed value is written back in the same place and unit and an unchanged
draft goes back byte for byte. Keys without a unit (``start``, ``duration``) are resolved once
per draft by ``guess_unit``, against the draft's duration ``d`` (milliseconds, public).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

MS, S, US = 1.0, 1000.0, 0.001
UNITLESS: float | None = None
"""A key whose unit the draft itself must tell (``guess_unit``)."""

Variant = tuple[str, float | None]


def timed_variants(stems: Sequence[str], unitless: Sequence[str] = ()) -> tuple[Variant, ...]:
    """``start`` → start_ms, startMs, start_s, startS, start_sec, start_seconds, start_us…"""
    out: list[Variant] = []
    for stem in stems:
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), stem)
        for suffix, unit in (("ms", MS), ("s", S), ("sec", S), ("seconds", S), ("us", US)):
            out += [(f"{stem}_{suffix}", unit), (f"{camel}{suffix.capitalize()}", unit)]
    out += [(name, UNITLESS) for name in unitless]
    return tuple(dict.fromkeys(out))


START = timed_variants(("start", "start_time", "begin", "offset", "timeline_start"),
               ("start", "start_time", "startTime", "begin", "offset", "st", "at"))
DURATION = timed_variants(("duration", "dur", "length"), ("duration", "dur", "length", "len"))
END = timed_variants(("end", "end_time", "stop"), ("end", "end_time", "endTime", "stop"))
SOURCE_IN = timed_variants(("source_in", "in", "trim_start", "source_start", "in_point"),
                   ("source_in", "sourceIn", "in_point", "inPoint", "trim_start", "trimStart",
                    "source_start", "sourceStart", "trim_in", "trimIn"))
FADE_IN = timed_variants(("fade_in",), ("fade_in", "fadeIn"))
FADE_OUT = timed_variants(("fade_out",), ("fade_out", "fadeOut"))

RANGES: tuple[Variant, ...] = (
    ("time_range", UNITLESS), ("timeRange", UNITLESS), ("timerange", UNITLESS),
    ("target_timerange", UNITLESS), ("targetTimerange", UNITLESS), ("range", UNITLESS),
    ("timing", UNITLESS), ("time", UNITLESS), ("span", UNITLESS), ("display_range", UNITLESS),
    ("time_range_ms", MS), ("timeRangeMs", MS), ("time_range_s", S), ("timeRangeS", S))
SOURCE_RANGES: tuple[Variant, ...] = (
    ("source_range", UNITLESS), ("sourceRange", UNITLESS), ("source_timerange", UNITLESS),
    ("sourceTimerange", UNITLESS), ("trim", UNITLESS), ("source_range_ms", MS),
    ("sourceRangeMs", MS))
RANGE_START = timed_variants(("start",), ("start", "from", "begin", "in", "offset"))
RANGE_DURATION = timed_variants(("duration",), ("duration", "dur", "length"))
RANGE_END = timed_variants(("end",), ("end", "to", "stop", "out"))

IDS = ("id", "segment_id", "segmentId", "seg_id", "clip_id", "clipId", "uuid", "uid")
KINDS = ("kind", "type", "media_type", "mediaType", "material_type", "materialType",
         "segment_type", "segmentType")
SOURCES = ("source", "src", "url", "uri", "file", "path", "media", "media_url", "mediaUrl",
           "file_url", "fileUrl", "cdn_url", "cdnUrl", "video_url", "videoUrl", "audio_url",
           "audioUrl", "image_url", "imageUrl", "asset", "asset_url", "assetUrl", "material",
           "resource")
SOURCE_INNER = ("url", "src", "uri", "path", "cdn_url", "cdnUrl", "file", "hash")
LABELS = ("label", "name", "title", "filename", "file_name", "fileName", "display_name",
          "displayName")
NAME_INNER = ("name", "filename", "file_name", "fileName", "title", "label")
TEXTS = ("text", "content", "caption", "title", "value", "words", "subtitle", "string")
VOLUMES: tuple[Variant, ...] = (
    ("volume", UNITLESS), ("vol", UNITLESS), ("gain", UNITLESS), ("audio_volume", UNITLESS),
    ("audioVolume", UNITLESS), ("level", UNITLESS), ("volume_pct", 0.01), ("volumePct", 0.01),
    ("volume_percent", 0.01), ("volumePercent", 0.01))
LOOPS = ("loop", "looping", "repeat")
STYLES = ("style", "text_style", "textStyle", "font")
TRACK_NAMES = ("name", "title", "label", "track_name", "trackName")
TRACK_TYPES = {"video": 0, "main": 0, "clip": 0, "image": 0, "audio": 1, "music": 1, "bgm": 1,
               "sound": 1, "voice": 1, "text": 7, "title": 7, "subtitle": 7, "caption": 7,
               "sticker": 7}
KIND_WORDS = {"video": "video", "clip": "video", "movie": "video", "image": "image",
              "photo": "image", "picture": "image", "still": "image", "audio": "audio",
              "music": "audio", "bgm": "audio", "sound": "audio", "voice": "audio",
              "text": "text", "title": "text", "subtitle": "text", "caption": "text"}


@dataclass(frozen=True)
class Slot:
    """Where a value was read: ``path`` into the segment object, ``unit`` (milliseconds per
    raw unit, ``None`` when the draft must tell) and the ``raw`` value as the backend sent it."""

    path: tuple[str, ...]
    unit: float | None
    raw: Any


def find(data: Json, names: Iterable[str | Variant]) -> Slot | None:
    """The first present, non-null variant of ``names`` in ``data``."""
    for entry in names:
        name, unit = (entry, UNITLESS) if isinstance(entry, str) else entry
        if name in data and data[name] is not None:
            return Slot((name,), unit, data[name])
    return None


def find_nested(data: Json, containers: Sequence[Variant], inner: Sequence[Variant]
                ) -> Slot | None:
    """A variant of ``inner`` inside the first container of ``containers`` that is an object;
    the container's own unit (``time_range_ms``) applies when the inner key has none."""
    for name, unit in containers:
        box = data.get(name)
        if isinstance(box, dict):
            found = find(box, inner)
            if found is not None:
                return Slot((name, *found.path), found.unit if found.unit is not None
                            else unit, found.raw)
    return None


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_WITH_UNIT = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(ms|s|sec|us|µs)$", re.IGNORECASE)
_STRING_UNITS = {"ms": MS, "s": S, "sec": S, "us": US, "µs": US}


def number(raw: Any) -> tuple[float, float | None] | None:
    """``(value, unit)`` of a raw time: a finite number (unit unknown), a numeric string, a
    string with its unit (``"1.5s"``) or a clock (``"00:01.500"``, seconds)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
        return (value, None) if math.isfinite(value) else None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    match = _WITH_UNIT.match(text)
    if match:
        return float(match.group(1)), _STRING_UNITS[match.group(2).lower()]
    match = _CLOCK.match(text)
    if match:
        hours, minutes, seconds = match.groups()
        return (int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)), S
    try:
        value = float(text)
    except ValueError:
        return None
    return (value, None) if math.isfinite(value) else None


def to_ms(slot: Slot | None, unitless: float) -> float | None:
    """The slot's time in milliseconds (``unitless`` applies when neither key nor string
    tells the unit); None when the raw value is not a time."""
    if slot is None:
        return None
    parsed = number(slot.raw)
    if parsed is None:
        return None
    value, unit = parsed
    scale = unit if unit is not None else slot.unit if slot.unit is not None else unitless
    result = value * scale
    return result if math.isfinite(result) and abs(result) < 1e13 else None


def from_ms(slot: Slot, ms: float, unitless: float) -> Any:
    """``ms`` written the way ``slot`` was read (same unit; a string stays a string)."""
    parsed = number(slot.raw)
    string_unit = parsed[1] if parsed is not None and isinstance(slot.raw, str) else None
    scale = (string_unit if string_unit is not None
             else slot.unit if slot.unit is not None else unitless)
    value = ms / scale
    if isinstance(slot.raw, str):
        if _CLOCK.match(slot.raw.strip()):
            minutes, seconds = divmod(value, 60)
            hours, minutes = divmod(int(minutes), 60)
            return f"{hours:02d}:{minutes:02d}:{seconds:06.3f}"
        suffix = _WITH_UNIT.match(slot.raw.strip())
        text = f"{value:g}"
        return f"{text}{suffix.group(2)}" if suffix else text
    if isinstance(slot.raw, int) and not isinstance(slot.raw, bool) and value == round(value):
        return round(value)
    return round(value, 6)


def unitless_times(segment: Json) -> list[float]:
    """The segment's time values whose unit the draft must tell (start, duration, end)."""
    found: list[float] = []
    starts = [find(segment, START), find_nested(segment, RANGES, RANGE_START)]
    lengths = [find(segment, DURATION), find_nested(segment, RANGES, RANGE_DURATION),
               find(segment, END), find_nested(segment, RANGES, RANGE_END)]
    start = 0.0
    for slot in starts:
        parsed = number(slot.raw) if slot is not None else None
        if slot is not None and parsed is not None and parsed[1] is None and slot.unit is None:
            start = parsed[0]
            found.append(parsed[0])
            break
    for slot in lengths:
        parsed = number(slot.raw) if slot is not None else None
        if slot is not None and parsed is not None and parsed[1] is None and slot.unit is None:
            is_end = slot.path[-1] in {n for n, _ in END} | {n for n, _ in RANGE_END}
            found.append(parsed[0] if is_end else start + parsed[0])
            break
    return found


def guess_unit(values: Sequence[float], duration_ms: float) -> float:
    """Milliseconds per unit for a draft's unit-less times: the unit (s, ms or µs) whose
    latest end comes closest to the draft's duration ``d``; without ``d``, by magnitude."""
    values = [abs(v) for v in values if math.isfinite(v)]
    if not values:
        return MS
    end = max(values)
    if end <= 0:
        return MS
    if duration_ms > 0:
        return min((S, MS, US), key=lambda unit: abs(math.log(end * unit / duration_ms)))
    if end >= 1e8:
        return US
    if any(v != int(v) for v in values) or end <= 600:
        return S
    return MS
