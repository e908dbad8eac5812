"""What changed between two drafts, in plain words.

About a third of the agent's edits close the stream with no text at all, and a dropped stream
leaves the client with nothing but the state: in both cases the user is told what changed by
comparing the draft before the turn with the draft after it. Segments are matched by ``id``;
tracks by their segments (or, when empty, by position).
"""

from __future__ import annotations

from nemo_widgets.timeline import Segment, Timeline, Track


def _seconds(ms: int) -> str:
    value = round(ms / 1000, 1)
    return str(int(value)) if value == int(value) else str(value)


def _what(track: Track, seg: Segment) -> str:
    if seg.kind == "text":
        return f'{track.display_name.lower()} "{seg.text or seg.label}"'
    return f"{seg.display_label} on {track.display_name}"


def _span(seg: Segment) -> str:
    if not seg.timed:
        return "times unknown"
    return f"{_seconds(seg.start_ms)}-{_seconds(seg.end_ms)}s"


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _segments(timeline: Timeline) -> dict[str, tuple[Track, Segment]]:
    found: dict[str, tuple[Track, Segment]] = {}
    for t_index, track in enumerate(timeline.tracks):
        for s_index, seg in enumerate(track.segments):
            found[seg.id or f"#{t_index}.{s_index}"] = (track, seg)
    return found


def _segment_changes(track: Track, old: Segment, new: Segment) -> list[str]:
    what = _what(track, new)
    out = []
    if old.volume != new.volume and new.kind != "text":
        if new.volume == 0:
            out.append(f"muted {what}")
        elif old.volume == 0:
            out.append(f"unmuted {what} ({_percent(new.volume)})")
        else:
            out.append(f"{what}: volume {_percent(old.volume)} → {_percent(new.volume)}")
    if (old.start_ms, old.duration_ms, old.timed) != (new.start_ms, new.duration_ms, new.timed):
        out.append(f"{what}: {_span(old)} → {_span(new)}")
    if old.text != new.text and new.kind == "text":
        out.append(f'text "{old.text}" → "{new.text}"')
    if (old.fade_in_ms, old.fade_out_ms) != (new.fade_in_ms, new.fade_out_ms):
        out.append(f"{what}: fades {_seconds(new.fade_in_ms)}s in, "
                   f"{_seconds(new.fade_out_ms)}s out")
    if old.style != new.style and new.kind == "text":
        out.append(f"{what}: style changed")
    if old.source_in_ms != new.source_in_ms:
        out.append(f"{what}: now starts {_seconds(new.source_in_ms)}s into the source")
    return out


def describe_changes(before: Timeline | None, after: Timeline) -> str | None:
    """A sentence listing the changes, or None when the drafts are the same."""
    if before is None:
        return None
    old_segments, new_segments = _segments(before), _segments(after)
    changes: list[str] = []
    for key, (track, seg) in new_segments.items():
        if key not in old_segments:
            changes.append(f"added {_what(track, seg)} ({_span(seg)})")
    for key, (track, seg) in old_segments.items():
        if key not in new_segments:
            changes.append(f"removed {_what(track, seg)}")
    for key, (track, seg) in new_segments.items():
        if key in old_segments:
            changes.extend(_segment_changes(track, old_segments[key][1], seg))
    if (before.width, before.height) != (after.width, after.height):
        changes.append(f"canvas {before.width}×{before.height} → {after.width}×{after.height}")
    if before.duration_ms != after.duration_ms and before.duration_ms and after.duration_ms:
        changes.append(f"length {_seconds(before.duration_ms)}s → "
                       f"{_seconds(after.duration_ms)}s")
    old_names = [t.display_name for t in before.tracks if t.segments]
    new_names = [t.display_name for t in after.tracks if t.segments]
    if not changes and old_names != new_names:
        changes.append("tracks reordered")
    if not changes and before.to_draft() != after.to_draft():
        changes.append("details of the timeline changed")
    if not changes:
        return None
    text = "; ".join(changes)
    return text[0].upper() + text[1:] + "."
