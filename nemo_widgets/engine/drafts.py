"""Engine-side helpers around the draft: a new project's draft, the canvas it implies, and the
check that a draft sent by a client is one the engine can work on."""

from __future__ import annotations

import math
from typing import Any

from nemo_widgets.engine.errors import BadRequest
from nemo_widgets.timeline import Timeline


def empty_draft(title: str = "project") -> Timeline:
    """What a new session starts with: no tracks, a 16:9 1080p canvas that sources fill
    (``fit: crop``; "keep the whole picture" asks for ``pad``, see docs/draft.md)."""
    return Timeline.from_draft(
        {"t": [], "d": 0,
         "m": {"title": title, "width": 1920, "height": 1080, "fit": "crop", "fps": 30}})


def canvas_config(timeline: Timeline) -> dict[str, Any]:
    """The state's ``canvas_config``: size, aspect ratio name, fit and frame rate."""
    width, height = timeline.width, timeline.height
    ratio = {(1920, 1080): "16:9", (1080, 1920): "9:16", (1080, 1080): "1:1"}.get(
        (width, height), f"{width}:{height}")
    return {"width": width, "height": height, "aspect_ratio": ratio,
            "fit": timeline.meta.get("fit", "crop"), "fps": timeline.meta.get("fps", 30)}


def _walk(value: Any, max_depth: int) -> None:
    """Reject nesting deeper than ``max_depth`` and numbers that are not finite (iteratively:
    a hostile draft must not exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise BadRequest(f"The draft is nested more than {max_depth} levels deep; send "
                             "tracks (`t`) of segments (`sg`) as the protocol describes.")
        if isinstance(item, float) and not math.isfinite(item):
            raise BadRequest("The draft holds a number that is not finite (such as 1e400); "
                             "send durations and times as finite milliseconds.")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


_NUMBERS = ("start_ms", "duration_ms", "source_in_ms", "volume", "fade_in_ms", "fade_out_ms")
_TEXTS = ("source", "text", "kind", "id", "label")


def _check_segment(track: int, segment: dict[str, Any]) -> None:
    for key in _NUMBERS:
        value = segment.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise BadRequest(f"Track {track}: a segment's `{key}` must be a number, not "
                             f"{type(value).__name__}.")
    for key in _TEXTS:
        value = segment.get(key)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"Track {track}: a segment's `{key}` must be a string.")


def checked_draft(draft: Any, *, max_depth: int) -> Timeline:
    """The client's draft as a ``Timeline``, or ``BadRequest`` (422) naming what to fix."""
    if not isinstance(draft, dict):
        raise BadRequest("The draft must be a JSON object with `t` (tracks), `d` and `m`.")
    _walk(draft, max_depth)
    tracks = draft.get("t", [])
    if not isinstance(tracks, list) or not all(isinstance(t, dict) for t in tracks):
        raise BadRequest("The draft's `t` must be a list of track objects.")
    for number, track in enumerate(tracks, 1):
        segments = track.get("sg", [])
        if not isinstance(segments, list) or not all(isinstance(s, dict) for s in segments):
            raise BadRequest(f"Track {number}'s `sg` must be a list of segment objects.")
        for segment in segments:
            _check_segment(number, segment)
    for key in ("d",):
        if key in draft and (isinstance(draft[key], bool)
                             or not isinstance(draft[key], (int, float))):
            raise BadRequest("The draft's `d` must be its duration in milliseconds.")
    if "m" in draft and not isinstance(draft["m"], dict):
        raise BadRequest("The draft's `m` must be an object (title, width, height…).")
    try:
        return Timeline.from_draft(draft)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        raise BadRequest(f"The draft cannot be read ({type(exc).__name__}: {exc}); check its "
                         "tracks and segments against docs/draft.md.") from exc
