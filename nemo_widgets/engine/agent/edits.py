"""Applying one intent to the timeline: the tool the real agent would call, done locally.

Each ``apply_*`` function changes the ``Workspace``'s timeline in place (it is the planner's own
copy) and returns an ``Edit``: the tool's name and arguments as the functionCall shows them, and
a ``Note`` saying what happened. A request that cannot be met (no music to make quieter, a
track that does not exist) changes nothing and returns ``ok=False`` with a note explaining why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from nemo_widgets.engine.agent.edits_text import add_text
from nemo_widgets.engine.agent.edits_uploads import apply_upload_edit
from nemo_widgets.engine.agent.intents import (
    AddText,
    Describe,
    Fade,
    FadeTarget,
    GenerateMusic,
    Intent,
    PlaceMedia,
    RemoveTrack,
    SetCanvas,
    SetVolume,
    TargetUploads,
    Trim,
    UseUploadedMusic,
)
from nemo_widgets.engine.agent.model import MediaItem
from nemo_widgets.engine.agent.music_words import sections_from_end, sections_text
from nemo_widgets.engine.agent.notes import Note, NoteValue, Term, percent_text, seconds_text
from nemo_widgets.engine.agent.tracks import (
    BGM_NAME,
    DEFAULT_META,
    TITLE_NAME,
    VIDEO_NAME,
    bgm_segments,
    bgm_tracks,
    by_start,
    content_end_ms,
    ensure_bgm_track,
    ensure_video_track,
    lay_back_to_back,
    remove_tracks,
    segment_for_upload,
    still_length,
    text_segments,
    text_tracks,
    to_ms,
    video_segments,
    video_tracks,
)
from nemo_widgets.engine.agent.workspace import Edit, Workspace
from nemo_widgets.protocol import TRACK_AUDIO
from nemo_widgets.timeline import Segment, Timeline, Track

DEFAULT_BGM_VOLUME = 0.35
BGM_FADE_IN_MS, BGM_FADE_OUT_MS = 500, 1500
ASPECT_RATIOS = {(1920, 1080): "16:9", (1080, 1920): "9:16", (1080, 1080): "1:1"}


def apply_intent(intent: Intent, workspace: Workspace) -> Edit | None:
    """Run the tool for ``intent``; None for intents that are answered without a tool."""
    match intent:
        case PlaceMedia():
            return place_media(workspace, intent)
        case SetVolume():
            return set_volume(workspace, intent)
        case UseUploadedMusic():
            return use_uploaded_music(workspace, intent)
        case Fade():
            return apply_fade(workspace, intent)
        case AddText():
            return add_text(workspace, intent)
        case RemoveTrack():
            return remove_track(workspace, intent)
        case Trim():
            return trim(workspace, intent)
        case SetCanvas():
            return set_canvas(workspace, intent)
        case Describe():
            return describe(workspace)
        case GenerateMusic():
            return request_music(intent, workspace.timeline.duration_ms / 1000)
        case TargetUploads():
            return apply_upload_edit(workspace, intent)
        case _:
            return None


# --- placing uploads -----------------------------------------------------------------------------
def visual_uploads(media: list[MediaItem]) -> list[MediaItem]:
    """Uploads that belong on the video track: clips and photos (never audio files)."""
    return [m for m in media if m.file_type in ("video", "image")]


def place_media(workspace: Workspace, intent: PlaceMedia) -> Edit:
    """Append the uploads not yet on the video track, in upload order, back to back."""
    visuals = visual_uploads(workspace.media)
    args: dict[str, Any] = {"track": VIDEO_NAME}
    if not visuals:
        return Edit("add_media_to_timeline", args, Note("nothing_to_place"), ok=False)
    track = ensure_video_track(workspace.timeline)
    still_ms = still_length(track, intent.image_seconds)
    adds = intent.add_missing or not track.segments
    retimed = intent.image_seconds is not None and retime_stills(track, still_ms)
    new = uploads_not_on_track(visuals, track) if adds else []
    cursor = track.end_ms
    for item in new:
        segment = segment_for_upload(item, cursor, still_ms, workspace.ids.next())
        track.segments.append(segment)
        cursor = segment.end_ms
    args["files"] = [m.filename for m in new]
    if any(m.file_type == "image" for m in visuals):
        args["image_duration_s"] = still_ms / 1000
    end = seconds_text(track.end_ms)
    if new:
        return Edit("add_media_to_timeline", args, placed_note(new, end, still_ms))
    if retimed:
        return Edit("add_media_to_timeline", args,
                    Note("stills_retimed", {"seconds": seconds_text(still_ms), "end": end}))
    return Edit("add_media_to_timeline", args, Note("already_placed"))


def placed_note(new: list[MediaItem], end: str, still_ms: int) -> Note:
    """Clips keep their sound, photos last ``still_ms``: say whichever applies."""
    kinds = {m.file_type for m in new}
    if kinds == {"video"}:
        key = "placed"
    elif kinds == {"image"}:
        key = "placed_photos"
    else:
        key = "placed_mixed"
    if len(new) == 1:
        key = "placed_one" if kinds == {"video"} else "placed_photo_one"
    return Note(key, {"files": [m.filename for m in new], "end": end,
                      "seconds": seconds_text(still_ms)})


def uploads_not_on_track(visuals: list[MediaItem], track: Track) -> list[MediaItem]:
    """The uploads still to place; an upload made twice is placed twice (counted per hash)."""
    on_track = Counter(s.source for s in track.segments)
    missing = []
    for item in visuals:
        if on_track[item.hash] > 0:
            on_track[item.hash] -= 1
        else:
            missing.append(item)
    return missing


def retime_stills(track: Track, still_ms: int) -> bool:
    """Give every photo the asked length and close the gaps; True if anything moved."""
    stills = [s for s in track.segments if s.kind == "image" and s.duration_ms != still_ms]
    for still in stills:
        still.duration_ms = still_ms
    if stills:
        lay_back_to_back(track)
    return bool(stills)


# --- volumes and music -------------------------------------------------------------------------
def scaled(volume: float, intent: SetVolume) -> float:
    """The new gain: the asked level, or the old one scaled, kept within 0..1."""
    value = intent.volume if intent.volume is not None else volume * (intent.scale or 1.0)
    return round(min(max(value, 0.0), 1.0), 3)


def volume_args(intent: SetVolume) -> dict[str, Any]:
    """The functionCall arguments: the target and either the level or the factor."""
    args: dict[str, Any] = {"target": intent.target}
    if intent.volume is not None:
        args["volume"] = intent.volume
    else:
        args["scale"] = intent.scale
    return args


def set_volume(workspace: Workspace, intent: SetVolume) -> Edit:
    """The clips' own sound ("original") or the background music, set or scaled."""
    if intent.target == "bgm":
        segments = bgm_segments(workspace.timeline)
        missing = Note("no_bgm")
    else:
        segments = video_segments(workspace.timeline, kind="video")
        missing = Note("no_video")
    if not segments:
        return Edit("set_volume", volume_args(intent), missing, ok=False)
    before = segments[0].volume
    for segment in segments:
        segment.volume = scaled(segment.volume, intent)
    after = segments[0].volume
    return Edit("set_volume", volume_args(intent), volume_note(intent, before, after))


def volume_note(intent: SetVolume, before: float, after: float) -> Note:
    """Music reports before → after; the clips' sound reports muted, restored or the level."""
    if intent.target == "bgm":
        return Note("music_volume", {"before": percent_text(before), "after": percent_text(after)})
    if after == 0:
        return Note("original_muted")
    if after == 1 and intent.volume == 1:
        return Note("original_restored")
    return Note("original_volume", {"percent": percent_text(after)})


def chosen_audio(media: list[MediaItem], hint: str | None) -> MediaItem | None:
    """The upload named in the message, else the most recent audio upload."""
    audio = [m for m in media if m.file_type == "audio"]
    named = [m for m in audio if m.filename == hint]
    choices = named or audio
    return choices[-1] if choices else None


def use_uploaded_music(workspace: Workspace, intent: UseUploadedMusic) -> Edit:
    """One looping-if-needed segment of the song under the whole video, on the "BGM" track."""
    song = chosen_audio(workspace.media, intent.filename_hint)
    volume = intent.volume if intent.volume is not None else DEFAULT_BGM_VOLUME
    args: dict[str, Any] = {"track": BGM_NAME, "volume": volume}
    if song is None:
        return Edit("add_media_to_timeline", args, Note("no_audio_upload"), ok=False)
    timeline = workspace.timeline
    track = ensure_bgm_track(timeline)
    remove_tracks(timeline, bgm_tracks(timeline)[1:])
    track.segments = []
    song_ms = to_ms(song.duration)
    length = content_end_ms(timeline) or song_ms
    track.segments.append(Segment(
        kind="audio", start_ms=0, duration_ms=length, id=workspace.ids.next(), source=song.hash,
        label=song.filename, volume=volume, fade_in_ms=BGM_FADE_IN_MS,
        fade_out_ms=BGM_FADE_OUT_MS, loop=song_ms < length))
    args["files"] = [song.filename]
    key = "bgm_added_looped" if song_ms < length else "bgm_added"
    return Edit("add_media_to_timeline", args, Note(key, {
        "file": song.filename, "end": seconds_text(length), "percent": percent_text(volume)}))


# --- fades -------------------------------------------------------------------------------------
def fade_segments(timeline: Timeline, target: FadeTarget) -> tuple[FadeTarget, list[Segment]]:
    """What a fade applies to: the music if any, else the clips' sound (for ``auto``)."""
    if target == "auto":
        target = "bgm" if bgm_segments(timeline) else "video"
    if target == "bgm":
        return target, bgm_segments(timeline)
    if target == "text":
        return target, text_segments(timeline)
    return target, video_segments(timeline, kind="video")


def apply_fade(workspace: Workspace, intent: Fade) -> Edit:
    """Fade in the first segment and out the last (every segment, for text)."""
    target, segments = fade_segments(workspace.timeline, intent.target)
    args: dict[str, Any] = {"target": target}
    if intent.fade_in_s is not None:
        args["fade_in_s"] = intent.fade_in_s
    if intent.fade_out_s is not None:
        args["fade_out_s"] = intent.fade_out_s
    if not segments:
        missing = {"bgm": "no_bgm", "text": "no_text"}.get(target, "no_video")
        return Edit("fade", args, Note(missing), ok=False)
    firsts = segments if target == "text" else segments[:1]
    lasts = segments if target == "text" else segments[-1:]
    if intent.fade_in_s is not None:
        for segment in firsts:
            segment.fade_in_ms = to_ms(intent.fade_in_s)
    if intent.fade_out_s is not None:
        for segment in lasts:
            segment.fade_out_ms = to_ms(intent.fade_out_s)
    key = ("faded" if intent.fade_in_s is not None and intent.fade_out_s is not None
           else "faded_in" if intent.fade_in_s is not None else "faded_out")
    return Edit("fade", args, Note(key, {
        "target": Term(target), "fade_in": seconds_text(firsts[0].fade_in_ms),
        "fade_out": seconds_text(lasts[-1].fade_out_ms)}))


# --- removing tracks ---------------------------------------------------------------------------
def tracks_called(timeline: Timeline, which: str) -> list[Track]:
    """The tracks a word like "music", "title" or "text" refers to."""
    if which == "bgm":
        return [t for t in timeline.tracks
                if t.role == "bgm" or (t.type == TRACK_AUDIO and t.display_name == BGM_NAME)]
    if which == "title":
        return text_tracks(timeline, TITLE_NAME)
    if which == "text":
        plain = [t for t in text_tracks(timeline) if t.display_name != TITLE_NAME]
        return plain or text_tracks(timeline)
    if which == "video":
        return video_tracks(timeline)
    return [t for t in timeline.tracks if t.type == TRACK_AUDIO and t.role != "bgm"]


def remove_track(workspace: Workspace, intent: RemoveTrack) -> Edit:
    """Remove a track by what it is, or by its number as the summary counts them; the reply
    says what was on it and what is left."""
    timeline = workspace.timeline
    if intent.number is not None:
        return remove_track_number(timeline, intent.number)
    which = intent.which or "text"
    doomed = [t for t in tracks_called(timeline, which) if t.segments]
    args: dict[str, Any] = {"track": which}
    term = Term(f"{which}_track")
    if not doomed:
        return Edit("remove_track", args, Note("no_such_track", {"track": term}), ok=False)
    labels = [f'"{s.text}"' if s.text else (s.label or s.kind) for t in doomed for s in t.segments]
    remove_tracks(timeline, doomed)
    left = [t for t in timeline.tracks if t.segments]
    values: dict[str, NoteValue] = {"track": term, "what": list(dict.fromkeys(labels)),
                                    "left": str(len(left))}
    key = "track_removed_named" if left else "track_removed_named_empty"
    return Edit("remove_track", args, Note(key, values))


def remove_track_number(timeline: Timeline, number: int) -> Edit:
    """Numbers are the summary's: 1-based over the non-empty tracks; -1 is the last one."""
    visible = [t for t in timeline.tracks if t.segments]
    index = len(visible) if number == -1 else number
    args: dict[str, Any] = {"index": index}
    if not 1 <= index <= len(visible):
        return Edit("remove_track", args, Note("no_track_number", {
            "number": str(index), "count": str(len(visible))}), ok=False)
    doomed = visible[index - 1]
    args["track"] = doomed.display_name
    remove_tracks(timeline, [doomed])
    return Edit("remove_track", args, Note("track_removed_number", {
        "number": str(index), "name": Term(doomed.display_name)}))


# --- trimming ----------------------------------------------------------------------------------
def keep_first(track: Track, limit_ms: int) -> None:
    """Everything before ``limit_ms`` stays; a clip across it is shortened."""
    kept = [s for s in by_start(track.segments) if s.start_ms < limit_ms]
    for segment in kept:
        segment.duration_ms = min(segment.duration_ms, limit_ms - segment.start_ms)
    track.segments = kept


def cut_front(track: Track, cut_ms: int) -> None:
    """The first ``cut_ms`` of the timeline go; everything after moves earlier by as much."""
    kept = []
    for segment in by_start(track.segments):
        if segment.end_ms <= cut_ms:
            continue
        if segment.start_ms < cut_ms:
            inside = cut_ms - segment.start_ms
            if segment.kind != "image":
                segment.source_in_ms += inside
            segment.duration_ms -= inside
            segment.start_ms = cut_ms
        segment.start_ms -= cut_ms
        kept.append(segment)
    track.segments = kept


def trim(workspace: Workspace, intent: Trim) -> Edit:
    """Shorten the video; ``settle`` then fits the music and clips the text to the new end."""
    timeline = workspace.timeline
    args: dict[str, Any] = {"mode": intent.mode, "seconds": intent.seconds}
    if not video_segments(timeline):
        return Edit("trim", args, Note("no_video"), ok=False)
    before = content_end_ms(timeline)
    amount = to_ms(intent.seconds)
    limit = amount if intent.mode == "keep_first" else before - amount
    values: dict[str, Any] = {"seconds": seconds_text(amount), "end": seconds_text(before)}
    if intent.mode == "keep_first" and amount >= before:
        return Edit("trim", args, Note("trim_not_shorter", values), ok=False)
    if amount <= 0 or limit <= 0:
        return Edit("trim", args, Note("trim_too_much", values), ok=False)
    for track in video_tracks(timeline):
        if intent.mode == "cut_first":
            cut_front(track, amount)
        else:
            keep_first(track, limit)
    follows = bgm_segments(timeline) or text_segments(timeline)
    return Edit("trim", args, Note("trimmed_all" if follows else "trimmed", {
        "end": seconds_text(content_end_ms(timeline)), "before": seconds_text(before)}))


# --- canvas, description, music ----------------------------------------------------------------
def set_canvas(workspace: Workspace, intent: SetCanvas) -> Edit:
    """Canvas size and fit in ``m``; the renderer letterboxes ("pad") or fills ("crop")."""
    meta = workspace.timeline.meta
    wanted: dict[str, Any] = {}
    if intent.width is not None and intent.height is not None:
        wanted.update(width=intent.width, height=intent.height)
    if intent.fit is not None:
        wanted["fit"] = intent.fit
    unchanged = all(meta.get(key) == value for key, value in wanted.items())
    meta.update(wanted)
    width, height = int(meta.get("width", 1920)), int(meta.get("height", 1080))
    ratio = ASPECT_RATIOS.get((width, height), f"{width}:{height}")
    args = dict(wanted, aspect_ratio=ratio) if "width" in wanted else wanted
    return Edit("set_canvas", args, Note("canvas_same" if unchanged else "canvas_set", {
        "width": str(width), "height": str(height), "ratio": ratio,
        "fit": Term(str(meta.get("fit", DEFAULT_META["fit"])))}))


def describe(workspace: Workspace) -> Edit:
    """The seed's summary line plus one line per track, the canvas and the length."""
    timeline = workspace.timeline
    tracks = [f"{i}. {t.summary()}" for i, t in enumerate(
        [t for t in timeline.tracks if t.segments], 1)]
    width, height = timeline.width, timeline.height
    ratio = ASPECT_RATIOS.get((width, height), f"{width}:{height}")
    return Edit("describe_timeline", {}, Note("described", {
        "summary": timeline.summary(), "tracks": tracks, "width": str(width),
        "height": str(height), "ratio": ratio, "length": seconds_text(timeline.duration_ms),
        "fit": Term(str(timeline.meta.get("fit", DEFAULT_META["fit"])))}),
        extra_result={"tracks": tracks})


def request_music(intent: GenerateMusic, video_s: float = 0.0) -> Edit:
    """Music is made by the music tool: this only records the request for the HTTP layer
    (sections counted from the end placed on the music's length, as in ``MusicRequest``)."""
    args: dict[str, Any] = {"prompt": intent.prompt}
    if intent.variation is not None:
        args["variation"] = intent.variation
    if intent.bpm is not None:
        args["bpm"] = intent.bpm
    args.update(intent.options.as_args())
    if "sections" in args:
        args["sections"] = sections_from_end(args["sections"],
                                             intent.options.duration_s or video_s)
    values: dict[str, Any] = {}
    if intent.variation is not None:
        values["variation"] = Term(intent.variation)
    key = "music_variation" if intent.variation else "music_requested"
    if intent.bpm is not None:
        values["bpm"] = str(intent.bpm)
    if intent.options.duration_s is not None and intent.variation is None:
        key = "music_length"
        values["seconds"] = seconds_text(to_ms(intent.options.duration_s))
    elif intent.options.count > 1:
        key = "music_count"
        values["count"] = str(intent.options.count)
    elif intent.options.sections and intent.variation is None:
        key = "music_shaped"
        values["sections_en"] = sections_text(intent.options.sections, "en")
        values["sections_zh"] = sections_text(intent.options.sections, "zh")
    return Edit("generate_music", args, Note(key, values))


__all__ = ["Edit", "Workspace", "apply_intent"]
