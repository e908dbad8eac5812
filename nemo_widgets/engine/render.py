"""Turn a draft (``docs/draft.md``) into an MP4 with one FFmpeg run.

``plan_render`` is the thinking half: it validates the draft, resolves its media, decides
whether the video stream can be copied, and builds the complete FFmpeg command (a single
``filter_complex`` graph, written to a file when long). ``run_render`` is the doing half: it runs
that command, reports progress from FFmpeg's own ``-progress`` output, honours cancellation and
publishes the result atomically. Keeping them apart lets the graph be unit-tested without
running FFmpeg, and lets the HTTP layer reject a bad draft before it queues anything.

Timing is done in whole output frames: every piece of the video track is trimmed to an exact
frame count computed from the same rounding, so pieces never drift against each other and the
output has exactly ``round(d * fps)`` frames. Audio is trimmed to exact sample counts at 48 kHz.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import queue
import re
import secrets
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
import numpy as np

from nemo_widgets import protocol
from nemo_widgets.engine import fonts
from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.loudness import LoudnessReport, normalize
from nemo_widgets.engine.media import MediaInfo, ffmpeg_exe
from nemo_widgets.engine.processes import child_preexec
from nemo_widgets.timeline import Segment, Timeline

__all__ = [
    "AudioClip", "AudioPass", "Canvas", "FFmpegCaps", "FilterGraph", "MediaResolver",
    "RenderPlan", "TextItem", "VideoClip", "build_audio_graph", "build_graph", "can_stream_copy",
    "clean_text", "displays_as_coded", "ffmpeg_caps", "filter_escape", "parse_progress_line",
    "plan_render", "run_render",
]

log = logging.getLogger(__name__)

MediaResolver = Callable[[str], tuple[Path, MediaInfo]]

SAMPLE_RATE = 48_000
VIDEO_CODEC_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p")
AUDIO_CODEC_ARGS = ("-c:a", "aac", "-b:a", "192k", "-ar", str(SAMPLE_RATE), "-ac", "2")
RAW_AUDIO_ARGS = ("-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2")
DEFAULT_LOUDNESS_LUFS = -14.0
# Share of the progress bar that the audio pass and the loudness measurement take.
AUDIO_PASS_SHARE = 15.0
# Above this many characters the graph goes to a file: Windows caps a whole command line at
# 32 767 characters and Linux a single argument at 128 KiB.
SCRIPT_THRESHOLD = 4000
STREAM_COPY_CONTAINERS = frozenset({"mp4", "mov", "mkv"})
_ALLOWED_CANVASES = frozenset(protocol.CANVAS_SIZES.values())
_COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_POSITIONS = ("top", "center", "bottom")
_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")


# --- the draft, validated ----------------------------------------------------------------------


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


@dataclass(frozen=True)
class FFmpegCaps:
    """What the FFmpeg binary supports, for the few options that changed across versions."""

    major: int = 9
    amix_normalize: bool = True
    text_align: bool = True


@dataclass
class FilterGraph:
    """The inputs, the ``filter_complex`` chains and the two outputs to map."""

    inputs: list[list[str]] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    video_out: str = "[vout]"
    audio_out: str = "[aout]"
    stream_copy: bool = False

    def add_input(self, path: Path, options: Sequence[str] = ()) -> int:
        self.inputs.append([*options, "-i", str(path)])
        return len(self.inputs) - 1

    def text(self, separator: str = ";") -> str:
        return separator.join(self.chains)


@dataclass
class RenderPlan:
    """Everything ``run_render`` needs; ``argv`` writes to ``partial``, renamed to ``output``."""

    argv: list[str]
    duration_ms: int
    stream_copy: bool
    width: int
    height: int
    workdir: Path
    output: Path
    partial: Path
    audio_pass: AudioPass | None = None


@dataclass
class AudioPass:
    """The first of two runs when loudness is normalised: the mix alone, as raw float samples.

    ``run_render`` runs ``argv`` (writing ``mix``), measures and normalises the samples in
    Python (``loudness.normalize``) into ``normalized``, which the main run then encodes.
    """

    argv: list[str]
    mix: Path
    normalized: Path
    target_lufs: float
    report: LoudnessReport | None = None


# --- small helpers -------------------------------------------------------------------------------


def filter_escape(value: str) -> str:
    """Escape a value (a path) for an option inside a filtergraph.

    FFmpeg unescapes twice: once when it splits the graph into filters, once when it splits a
    filter's options. Backslash-escaping every ASCII character that is not plainly safe, at both
    levels, makes any path (spaces, colons, quotes, brackets, a Windows drive) arrive intact.
    """

    def once(text: str) -> str:
        return "".join(c if c in _SAFE_CHARS or ord(c) > 127 else "\\" + c for c in text)

    return once(once(value))


def _secs(ms: int | float) -> str:
    """Milliseconds as FFmpeg seconds, exact to the millisecond."""
    return f"{ms / 1000:.3f}"


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


def _canvas(timeline: Timeline) -> Canvas:
    """Validate the root: length, canvas size, fps, background and fit."""
    if timeline.duration_ms <= 0:
        raise RenderError("The draft's length d must be a positive number of milliseconds.")
    size = (timeline.width, timeline.height)
    if size not in _ALLOWED_CANVASES:
        allowed = ", ".join(f"{w}x{h}" for w, h in protocol.CANVAS_SIZES.values())
        raise RenderError(f"Canvas {size[0]}x{size[1]} is not supported; use one of {allowed}.")
    meta = timeline.meta
    fit = meta.get("fit") or "pad"
    if fit not in ("pad", "crop"):
        raise RenderError(f"m.fit must be 'pad' or 'crop', not {fit!r}.")
    return Canvas(width=size[0], height=size[1], fps=_fps(meta.get("fps")),
                  background=_color(meta.get("background"), "m.background", "#000000"),
                  fit=str(fit), duration_ms=timeline.duration_ms)


def _clip_to(seg: Segment, start: int, limit: int) -> tuple[int, int, int] | None:
    """The part of ``seg`` inside ``[start, limit)`` as (start, duration, source_in), or None."""
    begin = max(seg.start_ms, start)
    end = min(seg.end_ms, limit)
    if end <= begin:
        return None
    return begin, end - begin, max(0, seg.source_in_ms) + (begin - seg.start_ms)


class _Media:
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


def _video_clips(timeline: Timeline, canvas: Canvas, media: _Media) -> list[VideoClip]:
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
        clips.append(VideoClip(path=path, info=info, start_ms=start, duration_ms=duration,
                               source_in_ms=source_in, volume=_volume(seg),
                               fade_in_ms=max(0, seg.fade_in_ms),
                               fade_out_ms=max(0, seg.fade_out_ms)))
        cursor = start + duration
    return clips


def _audio_clips(timeline: Timeline, canvas: Canvas, media: _Media,
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


def _text_items(timeline: Timeline, canvas: Canvas, workdir: Path, token: str) -> list[TextItem]:
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


def can_stream_copy(videos: Sequence[VideoClip], texts: Sequence[TextItem],
                    canvas: Canvas) -> bool:
    """True when the source's H.264 stream can be the output's picture as it is: one clip that
    already has the canvas' codec, pixel format and size, starts at its first frame at time 0,
    and lasts the whole draft, with nothing drawn on top.

    The frame rate is deliberately not compared: a copied stream keeps its own rate (``m.fps``
    applies when re-encoding). Turning a 25 or 29.97 fps clip into 30 fps only duplicates frames,
    and would send the most common render, "my video plus music", down the slow path.
    """
    if len(videos) != 1 or texts:
        return False
    clip = videos[0]
    info = clip.info
    half_frame_ms = 500 / (info.fps or float(canvas.fps))
    return (
        not clip.still
        and info.video_codec == "h264"
        and info.pix_fmt == "yuv420p"
        and info.container in STREAM_COPY_CONTAINERS
        and (info.width, info.height) == (canvas.width, canvas.height)
        and clip.source_in_ms == 0
        and clip.start_ms == 0
        and clip.duration_ms == canvas.duration_ms
        and info.duration * 1000 + half_frame_ms >= canvas.duration_ms
    )


def displays_as_coded(path: Path) -> bool:
    """True if the picture is shown as stored: square pixels and no rotation flag.

    A phone clip stored 1920x1080 but flagged "rotate 90" plays as portrait; copying it into a
    16:9 render would keep the flag, while a re-encode turns it upright and letterboxes it. The
    probe does not record either fact, so look at the first frame (only for copy candidates).
    """
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            sar = stream.sample_aspect_ratio
            for frame in container.decode(stream):
                return (sar is None or sar in (0, 1)) and not int(frame.rotation)
    except (av.error.FFmpegError, OSError, ValueError, IndexError, AttributeError):
        pass
    return False


# --- the filter graph ----------------------------------------------------------------------------


@functools.cache
def ffmpeg_caps() -> FFmpegCaps:
    """Ask the FFmpeg binary (once per process) for its version and the options we rely on."""

    def output(*args: str) -> str:
        try:
            done = subprocess.run([ffmpeg_exe(), "-hide_banner", *args], capture_output=True,
                                  text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout + done.stderr

    match = re.search(r"version n?(\d+)\.", output("-version"))
    return FFmpegCaps(major=int(match.group(1)) if match else 99,  # git builds are the newest
                      amix_normalize="normalize" in output("-h", "filter=amix"),
                      text_align="text_align" in output("-h", "filter=drawtext"))


def _fit_filters(canvas: Canvas) -> list[str]:
    """Scale into the canvas: letterbox with the background ("pad") or fill and cut ("crop")."""
    w, h = canvas.width, canvas.height
    if canvas.fit == "crop":
        return [f"scale={w}:{h}:force_original_aspect_ratio=increase", f"crop={w}:{h}"]
    return [f"scale={w}:{h}:force_original_aspect_ratio=decrease",
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color={canvas.background}"]


def _video_chain(graph: FilterGraph, clip: VideoClip, canvas: Canvas, frames: int,
                 label: str) -> int:
    """Add the input and chain that turn one clip into exactly ``frames`` canvas frames."""
    fit = [*_fit_filters(canvas), "setsar=1"]
    rate = f"fps={canvas.fps_text}"
    if clip.still:
        index = graph.add_input(clip.path)
        # Scale the picture once, then repeat it: far cheaper than scaling every frame.
        steps = ["trim=end_frame=1", *fit, "format=yuv420p",
                 f"loop=loop={frames - 1}:size=1:start=0",
                 f"setpts=N/({canvas.fps_text}*TB)", rate]
    else:
        options = ["-ss", _secs(clip.source_in_ms)] if clip.source_in_ms else []
        # Read a few frames more than needed so the rate conversion never runs short.
        margin_ms = 3000 / float(canvas.fps)
        options += ["-t", _secs(canvas.seconds(frames) * 1000 + margin_ms)]
        index = graph.add_input(clip.path, options)
        # Convert the rate where there are fewer frames to scale.
        slower = 0 < clip.info.fps < float(canvas.fps)
        steps = ["setpts=PTS-STARTPTS", *([*fit, rate] if slower else [rate, *fit]),
                 "format=yuv420p"]
        if clip.info.duration * 1000 < clip.source_in_ms + clip.duration_ms:
            steps.append(f"tpad=stop=-1:stop_mode=add:color={canvas.background}")
    steps.append(f"trim=end_frame={frames}")
    graph.chains.append(f"[{index}:v:0]" + ",".join(steps) + label)
    return index


def _gap_chain(graph: FilterGraph, canvas: Canvas, frames: int, label: str) -> None:
    """Background colour for ``frames`` frames (gaps, and the whole picture without video)."""
    graph.chains.append(
        f"color=c={canvas.background}:s={canvas.width}x{canvas.height}:r={canvas.fps_text}"
        f":d={canvas.seconds(frames + 1):.6f},format=yuv420p,trim=end_frame={frames}{label}")


def _text_filter(item: TextItem, canvas: Canvas, caps: FFmpegCaps) -> str:
    """One drawtext, shown only during its segment, fading its alpha in and out."""
    start, end = item.start_ms / 1000, (item.start_ms + item.duration_ms) / 1000
    margin = round(canvas.height * 0.08)
    y = {"top": f"{margin}", "center": "(h-text_h)/2", "bottom": f"h-text_h-{margin}"}
    options = []
    if item.font is not None:
        options.append(f"fontfile={filter_escape(str(item.font))}")
    options += [f"textfile={filter_escape(str(item.textfile))}", "expansion=none",
                f"fontsize={item.size}", f"fontcolor={item.color}", "x=(w-text_w)/2",
                f"y={y[item.position]}", f"enable=gte(t\\,{start:.3f})*lt(t\\,{end:.3f})"]
    fades = []
    if item.fade_in_ms > 0:
        fades.append(f"(t-{start:.3f})/{min(item.fade_in_ms, item.duration_ms) / 1000:.3f}")
    if item.fade_out_ms > 0:
        fades.append(f"({end:.3f}-t)/{min(item.fade_out_ms, item.duration_ms) / 1000:.3f}")
    if fades:
        ramp = fades[0] if len(fades) == 1 else f"min({fades[0]}\\,{fades[1]})"
        options.append(f"alpha=clip({ramp}\\,0\\,1)")
    if item.box:
        options += ["box=1", "boxcolor=black@0.5", f"boxborderw={max(1, item.size // 4)}"]
    else:  # an outline keeps white words readable on a bright picture
        options += [f"borderw={max(2, item.size // 28)}", "bordercolor=black@0.55"]
    if caps.text_align:
        options.append("text_align=C")
    return "drawtext=" + ":".join(options)


def _picture(graph: FilterGraph, videos: Sequence[VideoClip], texts: Sequence[TextItem],
             canvas: Canvas, caps: FFmpegCaps) -> dict[int, int]:
    """Build the picture: clips and background gaps, concatenated, titles drawn on top.
    Returns the input index of each video clip, so that its sound can reuse the input."""
    inputs: dict[int, int] = {}
    pieces: list[str] = []
    cursor = 0
    for i, clip in enumerate(videos):
        first = max(canvas.frame_at(clip.start_ms), cursor)
        last = min(canvas.frame_at(clip.end_ms), canvas.total_frames)
        if last <= first:
            continue
        if first > cursor:
            pieces.append(f"[g{len(pieces)}]")
            _gap_chain(graph, canvas, first - cursor, pieces[-1])
        pieces.append(f"[v{len(pieces)}]")
        inputs[i] = _video_chain(graph, clip, canvas, last - first, pieces[-1])
        cursor = last
    if cursor < canvas.total_frames or not pieces:
        pieces.append(f"[g{len(pieces)}]")
        _gap_chain(graph, canvas, max(1, canvas.total_frames - cursor), pieces[-1])
    draw = ",".join(_text_filter(t, canvas, caps) for t in texts)
    if len(pieces) == 1:
        graph.chains.append(f"{pieces[0]}{draw or 'null'}[vout]")
    else:
        # Every piece has an exact frame count, so frame n belongs at n/fps. Renumbering also
        # undoes concat's guess of a one-frame piece's length (it counts it as zero).
        tail = f",{draw}" if draw else ""
        graph.chains.append(f"{''.join(pieces)}concat=n={len(pieces)}:v=1:a=0,"
                            f"setpts=N/({canvas.fps_text}*TB){tail}[vout]")
    return inputs


def _sound_chain(graph: FilterGraph, clip: AudioClip, index: int, label: str) -> None:
    """One sound: 48 kHz stereo, cut to its length, at its volume, faded, placed in time."""
    samples = clip.duration_ms * SAMPLE_RATE // 1000
    steps = ["asetpts=PTS-STARTPTS", f"aresample={SAMPLE_RATE}",
             f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo",
             f"atrim=end_sample={samples}"]
    if clip.volume != 1:
        steps.append(f"volume={clip.volume:.6g}")
    if clip.fade_in_ms > 0:
        steps.append(f"afade=t=in:st=0:d={_secs(min(clip.fade_in_ms, clip.duration_ms))}")
    if clip.fade_out_ms > 0:
        fade = min(clip.fade_out_ms, clip.duration_ms)
        steps.append(f"afade=t=out:st={_secs(clip.duration_ms - fade)}:d={_secs(fade)}")
    if clip.start_ms > 0:
        steps.append(f"adelay=delays={clip.start_ms}:all=1")
    graph.chains.append(f"[{index}:a:0]" + ",".join(steps) + label)


def _sound_input(graph: FilterGraph, clip: AudioClip) -> int:
    """Open an audio segment's source, seeking to its in-point and looping it if asked."""
    options = ["-stream_loop", "-1"] if clip.loop else []
    if clip.source_in_ms:
        options += ["-ss", _secs(clip.source_in_ms)]
    options += ["-t", _secs(clip.duration_ms + 100)]
    return graph.add_input(clip.path, options)


def _mix(graph: FilterGraph, labels: list[str], canvas: Canvas, caps: FFmpegCaps) -> None:
    """Sum the sounds at their set volumes (no renormalising) into exactly ``d`` of audio."""
    end = f"atrim=end_sample={canvas.total_samples}"
    if not labels:
        graph.chains.append(f"anullsrc=r={SAMPLE_RATE}:cl=stereo,{end}[aout]")
    elif len(labels) == 1:
        graph.chains.append(f"{labels[0]}apad,{end}[aout]")
    elif caps.amix_normalize:
        graph.chains.append(f"{''.join(labels)}amix=inputs={len(labels)}:duration=longest"
                            f":normalize=0,apad,{end}[aout]")
    else:
        # Old amix divides by the number of inputs; merge the channels and add them with pan.
        padded = []
        for i, label in enumerate(labels):
            padded.append(f"[p{i}]")
            graph.chains.append(f"{label}apad,{end}{padded[-1]}")
        left = "+".join(f"c{2 * i}" for i in range(len(labels)))
        right = "+".join(f"c{2 * i + 1}" for i in range(len(labels)))
        graph.chains.append(f"{''.join(padded)}amerge=inputs={len(labels)},"
                            f"pan=stereo|c0={left}|c1={right}[aout]")


def build_graph(canvas: Canvas, videos: Sequence[VideoClip], sounds: Sequence[AudioClip],
                texts: Sequence[TextItem], caps: FFmpegCaps,
                stream_copy: bool = False, premixed: Path | None = None) -> FilterGraph:
    """The FFmpeg inputs and filter graph for a validated draft (pure: no I/O).

    With ``stream_copy`` the single video clip is input 0 and its stream is mapped as is; only
    the sound goes through the graph. With ``premixed`` (raw 48 kHz stereo float samples made
    by the audio pass) that file is the whole sound and ``sounds`` is ignored.
    """
    graph = FilterGraph(stream_copy=stream_copy)
    if stream_copy:
        inputs = {0: graph.add_input(videos[0].path)}
        graph.video_out = f"{inputs[0]}:v:0"
    else:
        inputs = _picture(graph, videos, texts, canvas, caps)
    if premixed is not None:
        index = graph.add_input(premixed, RAW_AUDIO_ARGS)
        graph.chains.append(f"[{index}:a:0]apad,atrim=end_sample={canvas.total_samples}[aout]")
        return graph
    labels: list[str] = []
    for clip in sounds:
        if clip.video_index is not None:
            if clip.video_index not in inputs:
                continue  # the clip was shorter than a frame and was dropped
            index = inputs[clip.video_index]
        else:
            index = _sound_input(graph, clip)
        labels.append(f"[a{len(labels)}]")
        _sound_chain(graph, clip, index, labels[-1])
    if len(labels) > 64 and not caps.amix_normalize:
        raise RenderError("Too many sounds to mix with this FFmpeg (at most 64).")
    _mix(graph, labels, canvas, caps)
    return graph


def build_audio_graph(canvas: Canvas, sounds: Sequence[AudioClip],
                      caps: FFmpegCaps) -> FilterGraph:
    """The mix alone, every sound opened as its own input (no picture is decoded)."""
    graph = FilterGraph()
    labels: list[str] = []
    for clip in sounds:
        index = _sound_input(graph, replace(clip, loop=clip.loop and clip.video_index is None))
        labels.append(f"[a{len(labels)}]")
        _sound_chain(graph, clip, index, labels[-1])
    _mix(graph, labels, canvas, caps)
    return graph


def _loudness_target(timeline: Timeline) -> float | None:
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


def _audio_pass(canvas: Canvas, sounds: Sequence[AudioClip], caps: FFmpegCaps, workdir: Path,
                token: str, target: float) -> AudioPass:
    graph = build_audio_graph(canvas, sounds, caps)
    mix = workdir / f"mix-{token}.f32"
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-nostats", "-progress", "pipe:1",
        *(arg for options in graph.inputs for arg in options),
        *_graph_args(graph, caps, workdir, token + "-audio"),
        "-map", graph.audio_out, *RAW_AUDIO_ARGS, str(mix),
    ]
    return AudioPass(argv=argv, mix=mix, normalized=workdir / f"mix-{token}-normalized.f32",
                     target_lufs=target)


# --- planning ------------------------------------------------------------------------------------


def _graph_args(graph: FilterGraph, caps: FFmpegCaps, workdir: Path, token: str) -> list[str]:
    """Pass the graph inline when short, else from a file (never overflowing a command line)."""
    inline = graph.text()
    if len(inline) <= SCRIPT_THRESHOLD:
        return ["-filter_complex", inline]
    script = workdir / f"graph-{token}.txt"
    script.write_text(graph.text(";\n"), encoding="utf-8")
    flag = "-/filter_complex" if caps.major >= 7 else "-filter_complex_script"
    return [flag, str(script)]


def plan_render(draft: dict[str, Any], resolve: MediaResolver, output: Path,
                workdir: Path) -> RenderPlan:
    """Validate ``draft`` and build the FFmpeg command that renders it to ``output``.

    Raises RenderError with a message meant for the user when the draft cannot be rendered:
    nothing on any track, an unknown source, an unsupported canvas, a bad length or style.
    Writes the titles (and a long graph) into ``workdir``.
    """
    if not isinstance(draft, dict):
        raise RenderError("The draft must be a JSON object.")
    timeline = Timeline.from_draft(draft)
    if not timeline.renderable:
        raise RenderError("Nothing to render: add a video, image or sound to the timeline first.")
    canvas = _canvas(timeline)
    media = _Media(resolve)
    videos = _video_clips(timeline, canvas, media)
    sounds = _audio_clips(timeline, canvas, media, videos)
    workdir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    texts = _text_items(timeline, canvas, workdir, token)
    copy = can_stream_copy(videos, texts, canvas) and displays_as_coded(videos[0].path)
    caps = ffmpeg_caps()
    target = _loudness_target(timeline)
    audio_pass = (_audio_pass(canvas, sounds, caps, workdir, token, target)
                  if target is not None and sounds else None)
    graph = build_graph(canvas, videos, sounds, texts, caps, stream_copy=copy,
                        premixed=audio_pass.normalized if audio_pass else None)
    output = Path(output)
    partial = output.with_name(f".{output.stem}.{token}.part.mp4")
    video_args = ["-c:v", "copy"] if copy else [*VIDEO_CODEC_ARGS, "-r", canvas.fps_text]
    title = timeline.meta.get("title")
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-nostats", "-progress", "pipe:1",
        *(arg for options in graph.inputs for arg in options),
        *_graph_args(graph, caps, workdir, token),
        "-map", graph.video_out, "-map", graph.audio_out,
        *video_args, *AUDIO_CODEC_ARGS,
        "-t", _secs(canvas.duration_ms),
        "-map_metadata", "-1", "-map_chapters", "-1",
        *(["-metadata", f"title={title}"] if isinstance(title, str) and title else []),
        "-movflags", "+faststart", "-f", "mp4", str(partial),
    ]
    log.debug("render plan: %s", argv)
    return RenderPlan(argv=argv, duration_ms=canvas.duration_ms, stream_copy=copy,
                      width=canvas.width, height=canvas.height, workdir=workdir,
                      output=output, partial=partial, audio_pass=audio_pass)


# --- running -------------------------------------------------------------------------------------


_TIME_KEYS = (b"out_time_us=", b"out_time_ms=")  # both are microseconds (an FFmpeg quirk)


def parse_progress_line(line: bytes) -> int | None:
    """Microseconds of output written, from one ``-progress`` line, or None."""
    for key in _TIME_KEYS:
        if line.startswith(key):
            try:
                return int(line[len(key):].strip())
            except ValueError:  # "N/A" before the first frame
                return None
    return None


def _read_progress(stream: IO[bytes], sink: queue.Queue[int | None]) -> None:
    """Reader thread: forward output times to ``sink``; None when FFmpeg closes its stdout."""
    try:
        for line in stream:
            micros = parse_progress_line(line)
            if micros is not None:
                sink.put(micros)
    except (OSError, ValueError):  # the pipe was closed under us: FFmpeg is gone
        pass
    finally:
        sink.put(None)


def _stderr_tail(log_file: IO[bytes], lines: int = 15) -> str:
    log_file.seek(0)
    text = log_file.read().decode("utf-8", "replace")
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(tail)[-3000:]


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _watch(proc: subprocess.Popen[bytes], duration_ms: int,
           on_progress: Callable[[float], None] | None, cancel: threading.Event | None) -> None:
    """Follow FFmpeg until it closes its output, reporting progress in the caller's thread."""
    assert proc.stdout is not None
    updates: queue.Queue[int | None] = queue.Queue()
    reader = threading.Thread(target=_read_progress, args=(proc.stdout, updates), daemon=True,
                              name="ffmpeg-progress")
    reader.start()
    last = 0.0
    try:
        if on_progress is not None:
            on_progress(last)
        while True:
            if cancel is not None and cancel.is_set():
                raise RenderError("cancelled")
            try:
                micros = updates.get(timeout=0.1)
            except queue.Empty:
                continue
            if micros is None:
                break
            percent = min(99.9, max(0.0, micros / (duration_ms * 10)))
            if on_progress is not None and percent > last:
                last = percent
                on_progress(percent)
    except BaseException:
        proc.kill()  # cancelled, or the callback failed: stop FFmpeg before anything else
        proc.wait()
        raise
    finally:
        reader.join(timeout=5)


def _run_ffmpeg(argv: list[str], target: Path, duration_ms: int,
                on_progress: Callable[[float], None] | None,
                cancel: threading.Event | None) -> None:
    """Run one FFmpeg command that writes ``target``; delete it and raise on any failure."""
    _remove(target)
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=errors, preexec_fn=child_preexec())
        except OSError as exc:
            raise RenderError(f"Cannot start FFmpeg: {exc}") from exc
        try:
            _watch(proc, duration_ms, on_progress, cancel)
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            _remove(target)
            raise
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
        if code != 0 or not target.is_file():
            _remove(target)
            detail = _stderr_tail(errors) or "no error output"
            raise RenderError(f"FFmpeg failed (exit code {code}): {detail}")


def _scaled(on_progress: Callable[[float], None] | None, low: float, high: float
            ) -> Callable[[float], None] | None:
    """A progress callback that maps 0-100 onto ``low``-``high`` of the caller's bar."""
    if on_progress is None:
        return None
    callback = on_progress
    return lambda percent: callback(low + (high - low) * percent / 100)


def _normalize_mix(audio_pass: AudioPass) -> None:
    """Measure the raw mix, normalise it, and write the samples the main run will encode."""
    samples = np.fromfile(audio_pass.mix, dtype="<f4").reshape(-1, 2)
    normalized, report = normalize(samples, audio_pass.target_lufs)
    temp = audio_pass.normalized.with_suffix(".tmp")
    normalized.astype("<f4").tofile(temp)
    os.replace(temp, audio_pass.normalized)
    audio_pass.report = report
    log.info("loudness %.1f -> %.1f LUFS (gain %+.1f dB, true peak %.1f dBTP)",
             report.input_lufs, report.output_lufs, report.gain_db, report.true_peak_dbtp)


def run_render(plan: RenderPlan, on_progress: Callable[[float], None] | None = None,
               cancel: threading.Event | None = None) -> None:
    """Run the planned FFmpeg command(s); publish ``plan.output`` only if all succeed.

    FFmpeg writes to ``plan.partial`` next to the output, renamed over it at the end, so no one
    ever sees half a file. ``on_progress`` gets 0-100, rising, 100 last. Setting ``cancel`` kills
    FFmpeg and raises RenderError("cancelled"); a failure raises RenderError with the end of
    FFmpeg's error output. stderr goes to a temporary file so its pipe can never fill and block.
    With an audio pass, the mix is rendered and normalised first (the first 15 % of the bar).
    """
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    share = 0.0
    if plan.audio_pass is not None:
        share = AUDIO_PASS_SHARE
        _run_ffmpeg(plan.audio_pass.argv, plan.audio_pass.mix, plan.duration_ms,
                    _scaled(on_progress, 0, share * 0.8), cancel)
        try:
            _normalize_mix(plan.audio_pass)
        finally:
            _remove(plan.audio_pass.mix)
    try:
        _run_ffmpeg(plan.argv, plan.partial, plan.duration_ms,
                    _scaled(on_progress, share, 100), cancel)
    finally:
        if plan.audio_pass is not None:
            _remove(plan.audio_pass.normalized)
    os.replace(plan.partial, plan.output)
    if on_progress is not None:
        on_progress(100.0)
