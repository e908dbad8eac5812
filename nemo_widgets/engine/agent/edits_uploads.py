"""Edits on named uploads (batch work in one session): add, replace, swap, remove, keep, clear.

A session may hold several uploads that are meant to be edited one at a time, each with its own
music and render: "use bright_fast.mp4" makes that clip the whole video, "add b.mp4 after
a.mp4" inserts it, "remove a.mp4" takes it off, "clear the timeline" starts again. Only the
files named are touched; the video track is kept back to back and ``settle`` refits the rest.
"""

from __future__ import annotations

from typing import Any

from nemo_widgets.engine.agent.intents import TargetUploads
from nemo_widgets.engine.agent.model import MediaItem
from nemo_widgets.engine.agent.notes import Note, NoteValue, seconds_text
from nemo_widgets.engine.agent.tracks import (
    VIDEO_NAME,
    by_start,
    content_end_ms,
    ensure_video_track,
    remove_tracks,
    segment_for_upload,
    still_length,
    video_segments,
    video_tracks,
)
from nemo_widgets.engine.agent.workspace import Edit, Workspace
from nemo_widgets.timeline import Segment, Track


def apply_upload_edit(workspace: Workspace, intent: TargetUploads) -> Edit:
    """Run the edit ``intent.action`` names (see ``intents.TargetUploads``)."""
    if intent.action == "clear":
        return clear(workspace)
    if intent.action == "remove":
        return remove_uploads(workspace, intent.files)
    if intent.action == "keep_only":
        return keep_only(workspace, intent.files)
    if intent.action == "swap":
        return swap(workspace, intent.files[0], intent.files[-1])
    if intent.action == "exchange":
        return exchange(workspace, intent.files[0], intent.files[-1])
    if intent.action == "replace":
        return replace_video(workspace, intent.files)
    return add_uploads(workspace, intent)


def upload_named(media: list[MediaItem], filename: str) -> MediaItem | None:
    """The upload called ``filename`` (the latest, when the same name was uploaded twice)."""
    return next((m for m in reversed(media) if m.filename == filename), None)


def _items(workspace: Workspace, files: tuple[str, ...]) -> list[MediaItem]:
    named = [upload_named(workspace.media, name) for name in files]
    return [m for m in named if m is not None and m.file_type != "audio"]


def _new_segments(workspace: Workspace, track: Track, items: list[MediaItem],
                  start_ms: int) -> list[Segment]:
    still_ms = still_length(track, None)
    segments = []
    for item in items:
        segment = segment_for_upload(item, start_ms, still_ms, workspace.ids.next())
        segments.append(segment)
        start_ms = segment.end_ms
    return segments


def _length(workspace: Workspace) -> str:
    return seconds_text(content_end_ms(workspace.timeline))


def restack(track: Track) -> None:
    """Lay the track's clips back to back from 0, in the track's list order."""
    cursor = 0
    for segment in track.segments:
        segment.start_ms = cursor
        cursor = segment.end_ms


def add_uploads(workspace: Workspace, intent: TargetUploads) -> Edit:
    """Put the named clips on the video track: at the end, or right after/before another
    (a named clip already on the track moves there)."""
    args: dict[str, Any] = {"track": VIDEO_NAME, "files": list(intent.files)}
    anchor_name = intent.after or intent.before
    if anchor_name:
        args["after" if intent.after else "before"] = anchor_name
    track = ensure_video_track(workspace.timeline)
    if intent.at is not None:
        args["at"] = intent.at
    anchor = upload_named(workspace.media, anchor_name) if anchor_name else None
    named = _items(workspace, intent.files)
    # "add a.mp4 after a.mp4" repeats the clip; otherwise the anchor itself does not move.
    items = [m for m in named if anchor is None or m.hash != anchor.hash] or named
    repeat = anchor is not None and all(m.hash == anchor.hash for m in items)
    ordered = by_start(track.segments)
    on_track = {s.source for s in ordered}
    at = [i for i, s in enumerate(ordered) if anchor is not None and s.source == anchor.hash]
    moves = bool(at) or intent.at is not None
    if not moves:
        items = [m for m in items if m.hash not in on_track]
    if not items:
        return Edit("add_media_to_timeline", args,
                    Note("uploads_already", {"files": list(intent.files)}), ok=False)
    hashes = {m.hash for m in items}
    moving = [s for s in ordered if s.source in hashes] if moves and not repeat else []
    ordered = [s for s in ordered if s not in moving]
    at = [i for i, s in enumerate(ordered) if anchor is not None and s.source == anchor.hash]
    index = (at[-1] + 1 if intent.after else at[0]) if at else len(ordered)
    if intent.at == "start":
        index = 0
    moved = {s.source for s in moving}
    new = moving + _new_segments(workspace, track, [m for m in items if m.hash not in moved], 0)
    track.segments = ordered[:index] + new + ordered[index:]
    restack(track)
    values: dict[str, NoteValue] = {
        "files": [m.filename for m in items], "start": seconds_text(new[0].start_ms),
        "end": seconds_text(new[-1].end_ms), "length": _length(workspace)}
    if anchor_name and not at:
        values["anchor"] = anchor_name
        return Edit("add_media_to_timeline", args, Note("upload_added_at_end", values))
    if moving and len(moving) == len(new):
        return Edit("add_media_to_timeline", args, Note("upload_moved", values))
    return Edit("add_media_to_timeline", args, Note("upload_added", values))


def _drop_generated_music(workspace: Workspace) -> bool:
    """Music composed for another video does not fit this one: take it off (True if any)."""
    dropped = False
    for track in workspace.timeline.tracks:
        kept = [s for s in track.segments if not s.extra.get("generated")]
        dropped = dropped or len(kept) != len(track.segments)
        track.segments = kept
    _drop_empty(workspace)
    return dropped


def _drop_empty(workspace: Workspace) -> None:
    timeline = workspace.timeline
    remove_tracks(timeline, [t for t in timeline.tracks if not t.segments])


def replace_video(workspace: Workspace, files: tuple[str, ...]) -> Edit:
    """The named clips become the whole video, in the order named; music made for the
    previous video goes when none of it stays."""
    args: dict[str, Any] = {"track": VIDEO_NAME, "files": list(files)}
    items = _items(workspace, files)
    before = {s.source for s in video_segments(workspace.timeline)}
    if before == {m.hash for m in items} and len(video_segments(workspace.timeline)) == len(items):
        return Edit("replace_media", args, Note("uploads_already", {"files": list(files)}),
                    ok=False)
    tracks = video_tracks(workspace.timeline)
    track = ensure_video_track(workspace.timeline)
    remove_tracks(workspace.timeline, [t for t in tracks if t is not track])
    track.segments = []
    track.segments = _new_segments(workspace, track, items, 0)
    fresh = not (before & {m.hash for m in items})
    dropped = fresh and _drop_generated_music(workspace)
    key = "video_replaced_music" if dropped else "video_replaced"
    return Edit("replace_media", args, Note(key, {
        "files": [m.filename for m in items], "end": seconds_text(track.end_ms)}))


def swap(workspace: Workspace, old: str, new: str) -> Edit:
    """Put ``new`` exactly where ``old`` was (the clips after it move to stay back to back)."""
    args: dict[str, Any] = {"track": VIDEO_NAME, "old": old, "new": new}
    old_item, new_items = upload_named(workspace.media, old), _items(workspace, (new,))
    segments = [s for t in video_tracks(workspace.timeline) for s in t.segments
                if old_item is not None and s.source == old_item.hash]
    if not segments or not new_items:
        return Edit("replace_media", args, Note("not_on_timeline", {"files": [old]}), ok=False)
    for segment in segments:
        replacement = _new_segments(workspace, ensure_video_track(workspace.timeline),
                                    new_items, segment.start_ms)[0]
        replacement.id = segment.id
        for track in video_tracks(workspace.timeline):
            track.segments = [replacement if s is segment else s for s in track.segments]
    for track in video_tracks(workspace.timeline):
        restack(track)
    first = next(s for s in video_segments(workspace.timeline) if s.source == new_items[0].hash)
    return Edit("replace_media", args, Note("swapped", {
        "old": old, "new": new, "start": seconds_text(first.start_ms),
        "end": seconds_text(first.end_ms), "length": _length(workspace)}))


def exchange(workspace: Workspace, first: str, second: str) -> Edit:
    """Switch the places of two clips on the video track ("swap a.mp4 and b.mp4")."""
    args: dict[str, Any] = {"track": VIDEO_NAME, "files": [first, second]}
    one, two = upload_named(workspace.media, first), upload_named(workspace.media, second)
    track = ensure_video_track(workspace.timeline)
    ordered = by_start(track.segments)
    ones = [i for i, s in enumerate(ordered) if one is not None and s.source == one.hash]
    twos = [i for i, s in enumerate(ordered) if two is not None and s.source == two.hash]
    missing = [name for name, found in ((first, ones), (second, twos)) if not found]
    if missing:
        return Edit("move_media", args, Note("not_on_timeline", {"files": missing}), ok=False)
    ordered[ones[0]], ordered[twos[0]] = ordered[twos[0]], ordered[ones[0]]
    track.segments = ordered
    restack(track)
    return Edit("move_media", args, Note("exchanged", {"files": [first, second]}))


def remove_uploads(workspace: Workspace, files: tuple[str, ...]) -> Edit:
    """Take the named uploads off every track (clips close up; an uploaded song leaves the
    music track)."""
    args: dict[str, Any] = {"files": list(files)}
    hashes = {m.hash for name in files if (m := upload_named(workspace.media, name))}
    found = [s for t in workspace.timeline.tracks for s in t.segments if s.source in hashes]
    if not found:
        return Edit("remove_media", args, Note("not_on_timeline", {"files": list(files)}),
                    ok=False)
    for track in workspace.timeline.tracks:
        track.segments = [s for s in track.segments if s.source not in hashes]
    for track in video_tracks(workspace.timeline):
        restack(track)
    _drop_empty(workspace)
    if not any(t.segments for t in workspace.timeline.tracks):
        return Edit("remove_media", args, Note("upload_removed_empty", {"files": list(files)}))
    return Edit("remove_media", args, Note("upload_removed", {
        "files": list(files), "length": _length(workspace)}))


def keep_only(workspace: Workspace, files: tuple[str, ...]) -> Edit:
    """Remove every other clip from the video track; clips named but not there are placed."""
    args: dict[str, Any] = {"track": VIDEO_NAME, "files": list(files)}
    items = _items(workspace, files)
    wanted = {m.hash for m in items}
    segments = video_segments(workspace.timeline)
    if not any(s.source in wanted for s in segments):
        edit = replace_video(workspace, files)
        return Edit("keep_media", args, edit.note, ok=edit.ok)
    if all(s.source in wanted for s in segments):
        return Edit("keep_media", args, Note("uploads_already", {"files": list(files)}),
                    ok=False)
    for track in video_tracks(workspace.timeline):
        track.segments = [s for s in by_start(track.segments) if s.source in wanted]
        restack(track)
    _drop_empty(workspace)
    return Edit("keep_media", args, Note("kept_only", {
        "files": [m.filename for m in items], "end": _length(workspace)}))


def clear(workspace: Workspace) -> Edit:
    """Every track goes; the canvas stays."""
    timeline = workspace.timeline
    if not any(t.segments for t in timeline.tracks):
        return Edit("clear_timeline", {}, Note("already_empty"), ok=False)
    timeline.tracks = []
    timeline.duration_ms = 0
    return Edit("clear_timeline", {}, Note("cleared"))
