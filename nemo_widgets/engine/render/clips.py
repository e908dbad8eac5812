"""Draft → clips: validate a draft and turn it into the pieces the filter graph draws.

This is the thinking before any FFmpeg command exists: the canvas (size, rate, background, fit,
length), the picture track cut into non-overlapping ``VideoClip``s, every sound of the mix as an
``AudioClip``, and the titles as ``TextItem``s whose words wait in files. Every problem a user can
fix becomes a ``RenderError`` with a sentence saying what to change, before anything is queued.
The limits (``RenderLimits``) keep one render from taking the machine: its length, its track and
segment counts and the temporary space its loudness pass needs are bounded by settings.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from nemo_widgets import protocol
from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.media import fonts
from nemo_widgets.engine.media.probe import MediaInfo
from nemo_widgets.timeline import Segment, Timeline

__all__ = [
    "DEFAULT_FIT", "AudioClip", "Canvas", "MediaLookup", "MediaResolver", "RenderLimits",
    "TextItem", "VideoClip", "audio_clips", "check_limits", "clean_text", "loudness_target",
    "read_canvas", "text_items", "video_clips",
]

log = logging.getLogger(__name__)

MediaResolver = Callable[[str], tuple[Path, MediaInfo]]

SAMPLE_RATE = 48_000
DEFAULT_LOUDNESS_LUFS = -14.0
DEFAULT_FIT = "crop"
"""How a source whose shape differs from the canvas is fitted when the draft does not say:
``crop`` fills the frame (a landscape clip made vertical loses its sides, not two thirds of the
frame to black bars); ``pad`` keeps the whole picture and letterboxes it."""
FITS = {"crop": "crop", "fill": "crop", "pad": "pad", "fit": "pad", "letterbox": "pad"}
_ALLOWED_CANVASES = frozenset(protocol.CANVAS_SIZES.values())
_COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_POSITIONS = ("top", "center", "bottom")
# Raw 48 kHz stereo float32: what the loudness pass keeps on disk per second (mix + normalised).
TEMP_BYTES_PER_SECOND = SAMPLE_RATE * 2 * 4 * 2


@dataclass(frozen=True)
class RenderLimits:
    """Upper bounds of one render (settings ``render_max_*``; see ``docs/security.md``).

    Without them a draft one billion milliseconds long with a looping sound is accepted, and its
    loudness pass fills the disk at 100 MB/s while every other user's render waits.
    """

    max_duration_ms: int = 2 * 3600 * 1000
    max_tracks: int = 64
    max_segments: int = 2000
    max_temp_bytes: int = 8 * 1024 ** 3


def check_limits(timeline: Timeline, limits: RenderLimits) -> None:
    """Refuse a draft beyond the limits, with the limit and the setting that raises it."""
    if timeline.duration_ms > limits.max_duration_ms:
        raise RenderError(
            f"The draft is {timeline.duration_ms / 1000:.0f} s long; this engine renders at most "
            f"{limits.max_duration_ms / 1000:.0f} s (setting render_max_duration_s). "
            "Shorten the timeline (d) or raise the setting.")
    if len(timeline.tracks) > limits.max_tracks:
        raise RenderError(
            f"The draft has {len(timeline.tracks)} tracks; at most {limits.max_tracks} can be "
            "rendered (setting render_max_tracks). Merge tracks or raise the setting.")
    segments = sum(len(track.segments) for track in timeline.tracks)
    if segments > limits.max_segments:
        raise RenderError(
            f"The draft has {segments} segments; at most {limits.max_segments} can be rendered "
            "(setting render_max_segments). Remove some or raise the setting.")
    needed = timeline.duration_ms * TEMP_BYTES_PER_SECOND // 1000
    if needed > limits.max_temp_bytes:
        raise RenderError(
            f"This render would need {needed / 1024 ** 3:.1f} GB of temporary space for its "
            f"sound; the limit is {limits.max_temp_bytes / 1024 ** 3:.1f} GB (setting "
            "render_max_temp_bytes). Shorten the timeline or raise the setting.")


@dataclass(frozen=True)
class Canvas:
    """The output picture and clock: size, frame rate, background, fit and length."""

    width: int
    height: int
    fps: Fraction
    background: str  # FFmpeg colour, 0xrrggbb
    fit: str  # "pad" or "crop"
    duration_ms: int

    @property
    def fps_text(self) -> str:
        return f"{self.fps.numerator}/{self.fps.denominator}"

    def frame_at(self, ms: int) -> int:
        """The output frame index at which a timeline time falls (the one rounding used)."""
        return round(Fraction(ms) * self.fps / 1000)

    @property
    def total_frames(self) -> int:
        return self.frame_at(self.duration_ms)

    @property
    def total_samples(self) -> int:
        return self.duration_ms * SAMPLE_RATE // 1000

    def seconds(self, frames: int) -> float:
        return float(Fraction(frames) / self.fps)


@dataclass(frozen=True)
class VideoClip:
    """A video or still on the picture track, already clipped to the timeline and de-overlapped."""

    path: Path
    info: MediaInfo
    start_ms: int
    duration_ms: int
    source_in_ms: int = 0
    volume: float = 1.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0

    @property
    def still(self) -> bool:
        return self.info.file_type == "image"

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


@dataclass(frozen=True)
class AudioClip:
    """One sound in the mix: an audio segment, or a video clip's own sound (``video_index``)."""

    path: Path
    info: MediaInfo
    start_ms: int
    duration_ms: int
    source_in_ms: int = 0
    volume: float = 1.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    loop: bool = False
    video_index: int | None = None  # index into the video clips: reuse that clip's input


@dataclass(frozen=True)
class TextItem:
    """A title: its words live in ``textfile`` so that no character can reach the filter syntax."""

    textfile: Path
    font: Path | None
    start_ms: int
    duration_ms: int
    fade_in_ms: int = 0
    fade_out_ms: int = 0
    size: int = 64
    color: str = "0xffffff"
    position: str = "center"
    box: bool = False


def _color(value: Any, what: str, default: str) -> str:
    """A ``#rrggbb`` (or ``#rgb``) draft colour as FFmpeg's ``0xrrggbb``; RenderError otherwise."""
    if value is None or value == "":
        value = default
    match = _COLOR_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise RenderError(f"{what} must be a colour like #rrggbb, not {value!r}.")
    hex_digits = match.group(1)
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    return "0x" + hex_digits.lower()


def _fps(value: Any) -> Fraction:
    if value is None:
        return Fraction(30)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RenderError(f"m.fps must be a number, not {value!r}.")
    try:
        fps = Fraction(value).limit_denominator(1001)
    except (ValueError, ZeroDivisionError) as exc:
        raise RenderError(f"m.fps must be a number, not {value!r}.") from exc
    if not 1 <= fps <= 120:
        raise RenderError(f"m.fps must be between 1 and 120, not {value!r}.")
    return fps


def _volume(seg: Segment) -> float:
    if not math.isfinite(seg.volume) or seg.volume < 0:
        raise RenderError(f"Segment {seg.id or seg.label!r}: volume must be 0 or more.")
    return seg.volume


def read_canvas(timeline: Timeline) -> Canvas:
    """Validate the root: length, canvas size, fps, background and fit."""
    if timeline.duration_ms <= 0:
        raise RenderError("The draft's length d must be a positive number of milliseconds.")
    size = (timeline.width, timeline.height)
    if size not in _ALLOWED_CANVASES:
        allowed = ", ".join(f"{w}x{h}" for w, h in protocol.CANVAS_SIZES.values())
        raise RenderError(f"Canvas {size[0]}x{size[1]} is not supported; use one of {allowed}.")
    meta = timeline.meta
    raw_fit = meta.get("fit") or DEFAULT_FIT
    fit = FITS.get(raw_fit) if isinstance(raw_fit, str) else None
    if fit is None:
        raise RenderError(f"m.fit must be 'crop' (fill the frame) or 'pad' (keep the whole "
                          f"picture, letterboxed), not {raw_fit!r}.")
    return Canvas(width=size[0], height=size[1], fps=_fps(meta.get("fps")),
                  background=_color(meta.get("background"), "m.background", "#000000"),
                  fit=fit, duration_ms=timeline.duration_ms)


def _clip_to(seg: Segment, start: int, limit: int) -> tuple[int, int, int] | None:
    """The part of ``seg`` inside ``[start, limit)`` as (start, duration, source_in), or None."""
    begin = max(seg.start_ms, start)
    end = min(seg.end_ms, limit)
    if end <= begin:
        return None
    return begin, end - begin, max(0, seg.source_in_ms) + (begin - seg.start_ms)


class MediaLookup:
    """Resolves source hashes once each, turning unknown ones into a clear RenderError."""

    def __init__(self, resolve: MediaResolver) -> None:
        self._resolve = resolve
        self._cache: dict[str, tuple[Path, MediaInfo]] = {}

    def get(self, seg: Segment) -> tuple[Path, MediaInfo]:
        name = seg.label or seg.id or "?"
        if not seg.source or not isinstance(seg.source, str):
            raise RenderError(f"Segment {name!r} has no media source.")
        if seg.source not in self._cache:
            try:
                self._cache[seg.source] = self._resolve(seg.source)
            except KeyError as exc:
                raise RenderError(
                    f"Segment {name!r} uses unknown media {seg.source[:12]}…; upload it first."
                ) from exc
        return self._cache[seg.source]


def _check_in_point(seg: Segment, info: MediaInfo, source_in_ms: int) -> None:
    """A segment must start inside its source: an in-point at or past the source's end has
    nothing to show (FFmpeg would fail with a wall of its own words)."""
    length_ms = info.duration * 1000
    if length_ms > 0 and source_in_ms >= length_ms:
        raise RenderError(
            f"Segment {seg.label or seg.id!r} starts {source_in_ms / 1000:.2f} s into its "
            f"source, but the source is only {info.duration:.2f} s long. Move its in-point "
            "(source_in_ms) before the end of the source.")


def video_clips(timeline: Timeline, canvas: Canvas, media: MediaLookup) -> list[VideoClip]:
    """The picture track: every tt=0 segment, in time order, cut to [0, d) and so that a
    segment never covers the one before it (the earlier start wins)."""
    segs = [s for t in timeline.tracks if t.type == protocol.TRACK_VIDEO for s in t.segments]
    segs.sort(key=lambda s: s.start_ms)
    clips: list[VideoClip] = []
    cursor = 0
    for seg in segs:
        part = _clip_to(seg, cursor, canvas.duration_ms)
        if part is None:
            continue
        path, info = media.get(seg)
        if not info.has_video:
            raise RenderError(f"Segment {seg.label or seg.id!r} has no picture; put sound on an "
                              "audio track.")
        start, duration, source_in = part
        if info.file_type != "image":
            _check_in_point(seg, info, source_in)
        clips.append(VideoClip(path=path, info=info, start_ms=start, duration_ms=duration,
                               source_in_ms=source_in, volume=_volume(seg),
                               fade_in_ms=max(0, seg.fade_in_ms),
                               fade_out_ms=max(0, seg.fade_out_ms)))
        cursor = start + duration
    return clips


def audio_clips(timeline: Timeline, canvas: Canvas, media: MediaLookup,
                 videos: list[VideoClip]) -> list[AudioClip]:
    """Every sound of the mix: the video clips' own sound, then the tt=1 segments."""
    sounds = [
        AudioClip(path=v.path, info=v.info, start_ms=v.start_ms, duration_ms=v.duration_ms,
                  source_in_ms=v.source_in_ms, volume=v.volume, fade_in_ms=v.fade_in_ms,
                  fade_out_ms=v.fade_out_ms, video_index=i)
        for i, v in enumerate(videos) if not v.still and v.info.has_audio and v.volume > 0
    ]
    for track in timeline.tracks:
        if track.type != protocol.TRACK_AUDIO:
            continue
        for seg in track.segments:
            part = _clip_to(seg, 0, canvas.duration_ms)
            if part is None or _volume(seg) == 0:
                continue
            path, info = media.get(seg)
            if info.file_type == "image":
                raise RenderError(f"Segment {seg.label or seg.id!r} is an image; it cannot be "
                                  "on an audio track.")
            if not info.has_audio:
                log.info("Segment %r has no sound; it adds nothing to the mix.", seg.id)
                continue
            start, duration, source_in = part
            _check_in_point(seg, info, source_in)
            sounds.append(AudioClip(path=path, info=info, start_ms=start, duration_ms=duration,
                                    source_in_ms=source_in, volume=seg.volume,
                                    fade_in_ms=max(0, seg.fade_in_ms),
                                    fade_out_ms=max(0, seg.fade_out_ms), loop=seg.loop))
    return sounds


def clean_text(text: str) -> str:
    """The words as drawtext should see them: Unix newlines, no trailing blank lines, no other
    control characters (they would draw as boxes)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = "".join(c for c in text if c == "\n" or ord(c) >= 0x20)
    return text.strip("\n").rstrip()


def _text_style(seg: Segment) -> tuple[int, str, str, bool]:
    """Validated (size, colour, position, box) of a text segment's style."""
    style = seg.style
    size = style.get("size", 64)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 4 <= size <= 2000:
        raise RenderError(f"Text {seg.id!r}: style.size must be a number of pixels (4-2000).")
    position = style.get("position") or "center"
    if position not in _POSITIONS:
        raise RenderError(f"Text {seg.id!r}: style.position must be top, center or bottom.")
    color = _color(style.get("color"), f"Text {seg.id!r} style.color", "#ffffff")
    return round(size), color, str(position), bool(style.get("box", False))


def text_items(timeline: Timeline, canvas: Canvas, workdir: Path, token: str) -> list[TextItem]:
    """Write each title to its own UTF-8 file in ``workdir`` and describe how to draw it."""
    items: list[TextItem] = []
    for track in timeline.tracks:
        if track.type != protocol.TRACK_TEXT:
            continue
        for seg in track.segments:
            words = clean_text(seg.text) if isinstance(seg.text, str) else ""
            part = _clip_to(seg, 0, canvas.duration_ms)
            if not words or part is None:
                continue
            size, color, position, box = _text_style(seg)
            textfile = workdir / f"text-{token}-{len(items)}.txt"
            textfile.write_text(words, encoding="utf-8", errors="replace")
            items.append(TextItem(textfile=textfile, font=fonts.pick_font(words),
                                  start_ms=part[0], duration_ms=part[1],
                                  fade_in_ms=max(0, seg.fade_in_ms),
                                  fade_out_ms=max(0, seg.fade_out_ms),
                                  size=size, color=color, position=position, box=box))
    return items


def loudness_target(timeline: Timeline) -> float | None:
    """``m.loudness`` (LUFS), −14 by default; ``null`` keeps the mix as it is."""
    value = timeline.meta.get("loudness", DEFAULT_LOUDNESS_LUFS)
    if value is None:
        return None
    try:
        target = float(value)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"m.loudness must be a number of LUFS or null, not {value!r}.") from exc
    if not -40 <= target <= -5:
        raise RenderError(f"m.loudness must be between -40 and -5 LUFS, not {value!r}.")
    return target
