"""Finding, creating and tidying the tracks the agent manages, and keeping the draft consistent.

The draft's invariants live here, in one place, so that every edit ends the same way
(``settle``): ``d`` is the end of the video track's content (or of everything when there is no
video), background music covers 0..d (or less, when its length was asked for), text never runs
past d, and fades fit their segments.
"""

from __future__ import annotations

import hashlib

from nemo_widgets.engine.agent.model import MediaItem
from nemo_widgets.protocol import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO
from nemo_widgets.timeline import Segment, Timeline, Track

VIDEO_NAME, BGM_NAME, TITLE_NAME, TEXT_NAME = "Video", "BGM", "Title", "Text"
BGM_ROLE = "bgm"
DEFAULT_META = {"title": "project", "width": 1920, "height": 1080, "fit": "crop", "fps": 30}
DEFAULT_STILL_S = 3.0
KEEP_LENGTH = "keep_length"
"""Segment key (``True``) of music made to a length the user asked for ("make the music 15
seconds long"): it is clipped when the video gets shorter but never stretched or looped to
cover the video, since its ending is composed. The music tool sets it."""


class SegmentIds:
    """Hands out segment ids that are unique in the draft and the same for the same turn.

    Ids are hashes of the turn's inputs and a counter, so planning the same message twice gives
    the same draft, while ids already in the draft are never reused.
    """

    def __init__(self, timeline: Timeline, salt: str) -> None:
        self._used = {s.id for t in timeline.tracks for s in t.segments if s.id}
        self._salt = salt
        self._counter = 0

    def next(self) -> str:
        """A fresh id, never one already in the draft."""
        while True:
            self._counter += 1
            digest = hashlib.sha256(f"{self._salt}:{self._counter}".encode()).hexdigest()
            candidate = "sg_" + digest[:12]
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


def to_ms(seconds: float) -> int:
    """Drafts count whole milliseconds; users speak in (fractional) seconds."""
    return round(seconds * 1000)


def by_start(segments: list[Segment]) -> list[Segment]:
    """Segments in time order, as the draft keeps them."""
    return sorted(segments, key=lambda s: (s.start_ms, s.end_ms))


# --- finding -----------------------------------------------------------------------------------
def is_bgm(track: Track) -> bool:
    """Only the track marked ``role: "bgm"`` is the music the agent manages."""
    return track.role == BGM_ROLE


def video_tracks(timeline: Timeline) -> list[Track]:
    """Tracks of type 0: the clips and photos, whose end is the draft's length."""
    return [t for t in timeline.tracks if t.type == TRACK_VIDEO]


def video_segments(timeline: Timeline, kind: str | None = None) -> list[Segment]:
    """The video tracks' segments in time order (only clips with ``kind="video"``)."""
    segments = [s for t in video_tracks(timeline) for s in t.segments]
    return by_start([s for s in segments if kind is None or s.kind == kind])


def bgm_tracks(timeline: Timeline) -> list[Track]:
    """The background-music tracks (normally one)."""
    return [t for t in timeline.tracks if is_bgm(t)]


def bgm_segments(timeline: Timeline) -> list[Segment]:
    """All background-music segments in time order: what volume and fade edits act on."""
    return by_start([s for t in bgm_tracks(timeline) for s in t.segments])


def text_tracks(timeline: Timeline, name: str | None = None) -> list[Track]:
    """Text tracks (type 7), optionally only the ones called ``name`` ("Title", "Text")."""
    return [t for t in timeline.tracks
            if t.type == TRACK_TEXT and (name is None or t.display_name == name)]


def text_segments(timeline: Timeline) -> list[Segment]:
    """Every text segment in time order."""
    return by_start([s for t in text_tracks(timeline) for s in t.segments])


# --- creating ----------------------------------------------------------------------------------
def ensure_video_track(timeline: Timeline) -> Track:
    """The first video track, created at the top when the draft has none."""
    existing = video_tracks(timeline)
    if existing:
        return existing[0]
    track = Track(type=TRACK_VIDEO, name=VIDEO_NAME)
    timeline.tracks.insert(0, track)
    return track


def ensure_bgm_track(timeline: Timeline) -> Track:
    """The background-music track, created above the text tracks when missing."""
    existing = bgm_tracks(timeline)
    if existing:
        return existing[0]
    track = Track(type=TRACK_AUDIO, name=BGM_NAME, role=BGM_ROLE)
    first_text = next((i for i, t in enumerate(timeline.tracks) if t.type == TRACK_TEXT),
                      len(timeline.tracks))
    timeline.tracks.insert(first_text, track)
    return track


def ensure_text_track(timeline: Timeline, name: str) -> Track:
    """The text track called ``name`` ("Title" or "Text"), appended when missing."""
    existing = text_tracks(timeline, name)
    if existing:
        return existing[0]
    track = Track(type=TRACK_TEXT, name=name)
    timeline.tracks.append(track)
    return track


def remove_tracks(timeline: Timeline, doomed: list[Track]) -> None:
    """Drop these track objects (by identity: two tracks may look alike)."""
    timeline.tracks = [t for t in timeline.tracks if all(t is not d for d in doomed)]


def fill_meta_defaults(timeline: Timeline) -> None:
    """A draft without a canvas gets the default 16:9 one (the product's new-project canvas)."""
    for key, value in DEFAULT_META.items():
        timeline.meta.setdefault(key, value)


def still_length(track: Track, asked_s: float | None) -> int:
    """How long a photo shows: as asked, else as the photos already placed, else 3 s."""
    if asked_s is not None:
        return to_ms(asked_s)
    placed = [s.duration_ms for s in track.segments if s.kind == "image"]
    return placed[-1] if placed else to_ms(DEFAULT_STILL_S)


def segment_for_upload(item: MediaItem, start_ms: int, still_ms: int, segment_id: str) -> Segment:
    """A clip with its own sound at full volume, or a still shown for ``still_ms``."""
    is_clip = item.file_type == "video" and item.duration > 0
    return Segment(kind="video" if item.file_type == "video" else "image", start_ms=start_ms,
                   duration_ms=to_ms(item.duration) if is_clip else still_ms, id=segment_id,
                   source=item.hash, label=item.filename, volume=1.0)


# --- keeping the draft consistent --------------------------------------------------------------
def content_end_ms(timeline: Timeline) -> int:
    """Where the render ends: the video's end, or everything's end when there is no video."""
    video = video_segments(timeline)
    if video:
        return max(s.end_ms for s in video)
    return timeline.content_end_ms()


def settle(timeline: Timeline, media: list[MediaItem]) -> None:
    """Re-establish the draft's invariants after any edit (see the module docstring)."""
    end = content_end_ms(timeline)
    timeline.duration_ms = end
    natural = {m.hash: to_ms(m.duration) for m in media if m.duration > 0}
    emptied: list[Track] = []
    for track in bgm_tracks(timeline):
        if fit_to_length(track, end, natural) and not track.segments:
            emptied.append(track)
    for track in text_tracks(timeline):
        if clip_to_length(track, end) and not track.segments:
            emptied.append(track)
    remove_tracks(timeline, emptied)
    for track in timeline.tracks:
        for segment in track.segments:
            clamp_fades(segment)


def fit_to_length(track: Track, end: int, natural_ms: dict[str, int]) -> bool:
    """Make a music track cover 0..end: clip what runs past, stretch (looping) what stops short.

    Returns True when something changed. A looped source is one whose in-point plus length
    exceeds the file's own length; when the file is unknown (generated music), a stretched
    segment is marked as looping. Music made to an asked length (``KEEP_LENGTH``) is never
    stretched: it ends where its composed ending is.
    """
    if end <= 0 or not track.segments:
        return False
    before = [(s.start_ms, s.duration_ms, s.loop) for s in track.segments]
    kept = [s for s in by_start(track.segments) if s.start_ms < end]
    for segment in kept:
        segment.duration_ms = min(segment.duration_ms, end - segment.start_ms)
    if kept and kept[-1].end_ms < end and not kept[-1].extra.get(KEEP_LENGTH):
        kept[-1].duration_ms = end - kept[-1].start_ms
        kept[-1].loop = kept[-1].loop or kept[-1].source not in natural_ms
    for segment in kept:
        if segment.source in natural_ms:
            segment.loop = segment.source_in_ms + segment.duration_ms > natural_ms[segment.source]
    track.segments = kept
    return before != [(s.start_ms, s.duration_ms, s.loop) for s in kept]


def clip_to_length(track: Track, end: int) -> bool:
    """Cut text that runs past ``end`` and drop text that starts after it; True if changed."""
    if end <= 0:
        return False
    before = len(track.segments), sum(s.duration_ms for s in track.segments)
    kept = [s for s in by_start(track.segments) if s.start_ms < end]
    for segment in kept:
        segment.duration_ms = min(segment.duration_ms, end - segment.start_ms)
    track.segments = kept
    return before != (len(kept), sum(s.duration_ms for s in kept))


def clamp_fades(segment: Segment) -> None:
    """Fades longer than their segment would ask the renderer for the impossible: scale them."""
    total = segment.fade_in_ms + segment.fade_out_ms
    if total > segment.duration_ms > 0:
        ratio = segment.duration_ms / total
        segment.fade_in_ms = int(segment.fade_in_ms * ratio)
        segment.fade_out_ms = int(segment.fade_out_ms * ratio)


def lay_back_to_back(track: Track) -> None:
    """Close the gaps: segments follow each other from the first one's start, in order."""
    segments = by_start(track.segments)
    cursor = segments[0].start_ms if segments else 0
    for segment in segments:
        segment.start_ms = cursor
        cursor += segment.duration_ms
    track.segments = segments
