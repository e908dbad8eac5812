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

import copy
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

MS, S, US = 1.0, 1000.0, 0.001
UNITLESS: float | None = None
"""A key whose unit the draft itself must tell (``guess_unit``)."""

Variant = tuple[str, float | None]


Index = dict[str, tuple[int, float | None]]


class Table(tuple):  # type: ignore[type-arg]
    """A variant table (names, or ``(name, unit)`` pairs) with its lookup index built once,
    so that a lookup costs the object's few keys, not the table's many variants."""

    lookup: Index


def _build(names: Sequence[str | Variant]) -> Index:
    index: Index = {}
    for rank, entry in enumerate(names):
        name, unit = (entry, UNITLESS) if isinstance(entry, str) else entry
        index.setdefault(name, (rank, unit))
    return index


def table(entries: Iterable[str | Variant]) -> Table:
    """``entries`` as a ``Table`` (order is priority: the first present variant wins)."""
    made = Table(entries)
    made.lookup = _build(made)
    return made


def timed_variants(stems: Sequence[str], unitless: Sequence[str] = ()) -> Table:
    """``start`` → start_ms, startMs, start_s, startS, start_sec, start_seconds, start_us…"""
    out: list[Variant] = []
    for stem in stems:
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), stem)
        for suffix, unit in (("ms", MS), ("s", S), ("sec", S), ("seconds", S), ("us", US)):
            out += [(f"{stem}_{suffix}", unit), (f"{camel}{suffix.capitalize()}", unit)]
    out += [(name, UNITLESS) for name in unitless]
    return table(dict.fromkeys(out))


START = timed_variants(("start", "start_time", "begin", "offset", "timeline_start"),
               ("start", "start_time", "startTime", "begin", "offset", "st", "at"))
DURATION = timed_variants(("duration", "dur", "length"), ("duration", "dur", "length", "len"))
END = timed_variants(("end", "end_time", "stop"), ("end", "end_time", "endTime", "stop"))
SOURCE_IN = timed_variants(("source_in", "in", "trim_start", "source_start", "in_point"),
                   ("source_in", "sourceIn", "in_point", "inPoint", "trim_start", "trimStart",
                    "source_start", "sourceStart", "trim_in", "trimIn"))
FADE_IN = timed_variants(("fade_in",), ("fade_in", "fadeIn"))
FADE_OUT = timed_variants(("fade_out",), ("fade_out", "fadeOut"))

RANGES = table((
    ("time_range", UNITLESS), ("timeRange", UNITLESS), ("timerange", UNITLESS),
    ("target_timerange", UNITLESS), ("targetTimerange", UNITLESS), ("range", UNITLESS),
    ("timing", UNITLESS), ("time", UNITLESS), ("span", UNITLESS), ("display_range", UNITLESS),
    ("time_range_ms", MS), ("timeRangeMs", MS), ("time_range_s", S), ("timeRangeS", S)))
SOURCE_RANGES = table((
    ("source_range", UNITLESS), ("sourceRange", UNITLESS), ("source_timerange", UNITLESS),
    ("sourceTimerange", UNITLESS), ("trim", UNITLESS), ("source_range_ms", MS),
    ("sourceRangeMs", MS)))
RANGE_START = timed_variants(("start",), ("start", "from", "begin", "in", "offset"))
RANGE_DURATION = timed_variants(("duration",), ("duration", "dur", "length"))
RANGE_END = timed_variants(("end",), ("end", "to", "stop", "out"))

IDS = table(("id", "segment_id", "segmentId", "seg_id", "clip_id", "clipId", "uuid", "uid"))
KINDS = table(("kind", "type", "media_type", "mediaType", "material_type", "materialType",
         "segment_type", "segmentType"))
SOURCES = table(("source", "src", "url", "uri", "file", "path", "media", "media_url", "mediaUrl",
           "file_url", "fileUrl", "cdn_url", "cdnUrl", "video_url", "videoUrl", "audio_url",
           "audioUrl", "image_url", "imageUrl", "asset", "asset_url", "assetUrl", "material",
           "resource"))
SOURCE_INNER = table(("url", "src", "uri", "path", "cdn_url", "cdnUrl", "file", "hash"))
LABELS = table(("label", "name", "title", "filename", "file_name", "fileName", "display_name",
          "displayName"))
NAME_INNER = table(("name", "filename", "file_name", "fileName", "title", "label"))
TEXTS = table(("text", "content", "caption", "title", "value", "words", "subtitle", "string"))
VOLUMES = table((
    ("volume", UNITLESS), ("vol", UNITLESS), ("gain", UNITLESS), ("audio_volume", UNITLESS),
    ("audioVolume", UNITLESS), ("level", UNITLESS), ("volume_pct", 0.01), ("volumePct", 0.01),
    ("volume_percent", 0.01), ("volumePercent", 0.01)))
LOOPS = table(("loop", "looping", "repeat"))
STYLES = table(("style", "text_style", "textStyle", "font"))
TRACK_NAMES = table(("name", "title", "label", "track_name", "trackName"))
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


def find(data: Json, names: Sequence[str | Variant],
         accept: Callable[[Any], bool] | None = None, *, skip: str | None = None
         ) -> Slot | None:
    """The present, non-null variant of ``names`` in ``data`` that comes first in ``names``
    (and whose value ``accept`` takes, if given; never the key ``skip``)."""
    index = names.lookup if isinstance(names, Table) else _build(names)
    best: tuple[int, str, float | None, Any] | None = None
    for key, value in data.items():
        entry = index.get(key)
        if entry is None or value is None or key == skip or (
                accept is not None and not accept(value)):
            continue
        if best is None or entry[0] < best[0]:
            best = (entry[0], key, entry[1], value)
    return None if best is None else Slot((best[1],), best[2], best[3])


def is_text(value: Any) -> bool:
    return isinstance(value, str)


def is_number(value: Any) -> bool:
    return number(value) is not None


def find_nested(data: Json, containers: Table, inner: Table) -> Slot | None:
    """A variant of ``inner`` inside the first container of ``containers`` that is an object;
    the container's own unit (``time_range_ms``) applies when the inner key has none."""
    boxes = sorted((containers.lookup[k][0], k) for k, v in data.items()
                   if isinstance(v, dict) and k in containers.lookup)
    for _, name in boxes:
        found = find(data[name], inner)
        if found is not None:
            unit = containers.lookup[name][1]
            return Slot((name, *found.path), found.unit if found.unit is not None else unit,
                        found.raw)
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
    if _UNITLESS_KEYS.isdisjoint(segment):
        return []  # the engine's own segments, and any whose keys all say their unit
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


# --- reading helpers (used by ``timeline``) ---------------------------------------------
def whole(value: Any, default: int = 0) -> int:
    """``value`` rounded to an int; ``default`` for anything not a finite number."""
    try:
        number = float(value)
        return round(number) if math.isfinite(number) else default
    except (TypeError, ValueError, OverflowError):
        return default


def put_at(out: Json, raw: Json, path: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``path`` in ``out``, copying the enclosing objects from ``raw``."""
    target: Json = out
    source: Any = raw
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            inner = source.get(key) if isinstance(source, dict) else None
            target[key] = copy.deepcopy(inner) if isinstance(inner, dict) else {}
        target = target[key]
        source = source.get(key) if isinstance(source, dict) else None
    target[path[-1]] = value


def label_from_source(source: str | None) -> str:
    if not source:
        return ""
    tail = re.split(r"[/\\]", source.split("?", 1)[0].rstrip("/"))[-1]
    return tail


def source_and_label(data: Json, slots: dict[str, Slot], text_slot: Slot | None
                      ) -> tuple[str | None, str]:
    """The source (a string, or a URL inside a source object) and the label (a name key, or
    the source object's name)."""
    source: str | None = None
    inner_name: Slot | None = None
    found = find(data, SOURCES, lambda v: isinstance(v, (str, dict)))
    if found is not None and isinstance(found.raw, str):
        slots["source"], source = found, found.raw
    elif found is not None and isinstance(found.raw, dict):
        inner = find(found.raw, SOURCE_INNER, is_text)
        if inner is not None:
            slots["source"] = Slot(found.path + inner.path, None, inner.raw)
            source = inner.raw
        named = find(found.raw, NAME_INNER, is_text)
        if named is not None:
            inner_name = Slot(found.path + named.path, None, named.raw)
    taken = text_slot.path[0] if text_slot is not None else None
    label = find(data, LABELS, is_text, skip=taken)
    label = label or inner_name
    if label is not None:
        slots["label"] = label
    return source, str(label.raw) if label is not None else ""


def read_volume(data: Json, slots: dict[str, Slot]) -> float:
    """The volume as a fraction (percent keys, and plain values above 4, are percents)."""
    found = find(data, VOLUMES, is_number)
    if found is None:
        return 1.0
    parsed = number(found.raw)
    value = parsed[0] if parsed is not None else 1.0
    scale = found.unit if found.unit is not None else (0.01 if value > 4 else 1.0)
    slots["volume"] = Slot(found.path, scale, found.raw)
    return value * scale


def track_type(raw: Any) -> int:
    """``tt`` as a number: an int (or its text), or a type's name (``"audio"`` → 1)."""
    if isinstance(raw, str) and raw.strip().lower() in TRACK_TYPES:
        return TRACK_TYPES[raw.strip().lower()]
    return whole(raw, 0)


def meta_size(meta: Json) -> tuple[int, int]:
    """Width and height from ``m``: ``width``/``height``, ``w``/``h``, ``resolution`` as
    ``"1920x1080"`` or a ``size``/``canvas`` object; 1920×1080 when nothing says."""
    for box in (meta, meta.get("size"), meta.get("canvas"), meta.get("canvas_config")):
        if isinstance(box, dict):
            width = whole(box.get("width", box.get("w")))
            height = whole(box.get("height", box.get("h")))
            if width > 0 and height > 0:
                return width, height
    resolution = meta.get("resolution")
    if isinstance(resolution, str):
        match = re.match(r"^\s*(\d+)\s*[x×*:]\s*(\d+)\s*$", resolution)
        if match:
            return int(match.group(1)), int(match.group(2))
    return 1920, 1080


_UNITLESS_KEYS = frozenset(
    {name for table_ in (START, DURATION, END) for name, unit in table_ if unit is None}
    | set(RANGES.lookup))
"""Keys whose values may need ``guess_unit``: unit-less times and nested time ranges."""
