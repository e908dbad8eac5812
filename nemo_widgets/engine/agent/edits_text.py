"""Text edits: a title (big, centred, on the "Title" track) or other text (on the "Text" track).

A new text replaces whatever text overlaps it on its track; a new title said without a time
takes the place of the current one; text never runs past the video's end.
"""

from __future__ import annotations

from typing import Any

from nemo_widgets.engine.agent.intents import AddText, Position, TextSpan
from nemo_widgets.engine.agent.notes import Note, Term, seconds_text
from nemo_widgets.engine.agent.tracks import (
    TEXT_NAME,
    TITLE_NAME,
    by_start,
    content_end_ms,
    ensure_text_track,
    text_tracks,
    to_ms,
    video_segments,
)
from nemo_widgets.engine.agent.workspace import Edit, Workspace
from nemo_widgets.timeline import Segment, Timeline

DEFAULT_TEXT_S = 3.0
TITLE_STYLE: dict[str, Any] = {"size": 96, "position": "center"}
TEXT_STYLE: dict[str, Any] = {"size": 56, "position": "bottom"}
TITLE_FADE_MS = 300


def text_window(timeline: Timeline, intent: AddText) -> tuple[int, int]:
    """Start and end (ms) of a new text, from what the user said and the kind's defaults.

    A new title said without any timing takes the place of the current title.
    """
    span = intent.span
    if intent.kind == "title" and span == TextSpan():
        current = text_segments_named(timeline, TITLE_NAME)
        if current:
            return current[0].start_ms, current[0].end_ms
    length = to_ms(span.duration_s if span.duration_s is not None else DEFAULT_TEXT_S)
    if span.at_end and span.start_s is None:
        end = timeline.duration_ms or length
        return max(end - length, 0), end
    start = to_ms(span.start_s or 0)
    end = to_ms(span.end_s) if span.end_s is not None else start + length
    return start, end


def text_segments_named(timeline: Timeline, name: str) -> list[Segment]:
    """The segments of the text track(s) called ``name``, in time order."""
    return by_start([s for t in text_tracks(timeline, name) for s in t.segments])


def current_position(timeline: Timeline, name: str) -> Position | None:
    """Where the current title sits, so that a new title replacing it stays there."""
    for segment in text_segments_named(timeline, name):
        position = segment.style.get("position")
        if position in ("top", "center", "bottom"):
            return position  # type: ignore[no-any-return]
    return None


def add_text(workspace: Workspace, intent: AddText) -> Edit:
    """Draw the words on the "Title" or "Text" track, replacing whatever text overlaps them."""
    timeline = workspace.timeline
    is_title = intent.kind == "title"
    name = TITLE_NAME if is_title else TEXT_NAME
    start, end = text_window(timeline, intent)
    keep_position = current_position(timeline, name) if is_title else None
    default: Position = "center" if is_title else "bottom"
    position: Position = intent.position or keep_position or default
    args: dict[str, Any] = {"track": name, "text": intent.text, "start_s": start / 1000,
                            "end_s": end / 1000, "position": position}
    if intent.text is None:
        return Edit("add_text", args, Note("text_missing", {"kind": Term(intent.kind)}), ok=False)
    video_end = content_end_ms(timeline) if video_segments(timeline) else 0
    if end <= start or (video_end and start >= video_end):
        return Edit("add_text", args, Note("text_outside", {
            "start": seconds_text(start), "end": seconds_text(video_end or start)}), ok=False)
    end = min(end, video_end) if video_end else end
    args["end_s"] = end / 1000
    track = ensure_text_track(timeline, name)
    track.segments = [s for s in track.segments if s.end_ms <= start or s.start_ms >= end]
    style = dict(TITLE_STYLE if is_title else TEXT_STYLE, position=position)
    fade_ms = TITLE_FADE_MS if is_title else 0
    track.segments = by_start([*track.segments, Segment(
        kind="text", start_ms=start, duration_ms=end - start, id=workspace.ids.next(),
        text=intent.text, style=style, fade_in_ms=fade_ms, fade_out_ms=fade_ms)])
    return Edit("add_text", args, Note("title_added" if is_title else "text_added", {
        "text": intent.text, "start": seconds_text(start), "end": seconds_text(end),
        "position": Term(position)}))
