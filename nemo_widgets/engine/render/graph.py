"""Clips → the FFmpeg inputs and one ``filter_complex`` graph (pure: no FFmpeg is run).

Timing is done in whole output frames: every piece of the video track is trimmed to an exact
frame count computed from the same rounding (``Canvas.frame_at``), so pieces never drift against
each other and the output has exactly ``round(d * fps)`` frames. Audio is trimmed to exact sample
counts at 48 kHz. Paths and words never enter the graph's syntax unescaped: titles are read from
files, and paths are escaped for both of FFmpeg's unescaping levels (``filter_escape``).
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import av

from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.media.ffmpeg import ffmpeg_exe
from nemo_widgets.engine.render.clips import SAMPLE_RATE, AudioClip, Canvas, TextItem, VideoClip

__all__ = [
    "RAW_AUDIO_ARGS", "FFmpegCaps", "FilterGraph", "build_audio_graph", "build_graph",
    "can_stream_copy", "displays_as_coded", "ffmpeg_caps", "filter_escape", "graph_args", "secs",
]

RAW_AUDIO_ARGS = ("-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2")
# Above this many characters the graph goes to a file: Windows caps a whole command line at
# 32 767 characters and Linux a single argument at 128 KiB.
SCRIPT_THRESHOLD = 4000
STREAM_COPY_CONTAINERS = frozenset({"mp4", "mov", "mkv"})
_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")


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


def filter_escape(value: str) -> str:
    """Escape a value (a path) for an option inside a filtergraph.

    FFmpeg unescapes twice: once when it splits the graph into filters, once when it splits a
    filter's options. Backslash-escaping every ASCII character that is not plainly safe, at both
    levels, makes any path (spaces, colons, quotes, brackets, a Windows drive) arrive intact.
    """

    def once(text: str) -> str:
        return "".join(c if c in _SAFE_CHARS or ord(c) > 127 else "\\" + c for c in text)

    return once(once(value))


def secs(ms: int | float) -> str:
    """Milliseconds as FFmpeg seconds, exact to the millisecond."""
    return f"{ms / 1000:.3f}"


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
        options = ["-ss", secs(clip.source_in_ms)] if clip.source_in_ms else []
        # Read a few frames more than needed so the rate conversion never runs short.
        margin_ms = 3000 / float(canvas.fps)
        options += ["-t", secs(canvas.seconds(frames) * 1000 + margin_ms)]
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
        steps.append(f"afade=t=in:st=0:d={secs(min(clip.fade_in_ms, clip.duration_ms))}")
    if clip.fade_out_ms > 0:
        fade = min(clip.fade_out_ms, clip.duration_ms)
        steps.append(f"afade=t=out:st={secs(clip.duration_ms - fade)}:d={secs(fade)}")
    if clip.start_ms > 0:
        steps.append(f"adelay=delays={clip.start_ms}:all=1")
    graph.chains.append(f"[{index}:a:0]" + ",".join(steps) + label)


def _sound_input(graph: FilterGraph, clip: AudioClip) -> int:
    """Open an audio segment's source, seeking to its in-point and looping it if asked."""
    options = ["-stream_loop", "-1"] if clip.loop else []
    if clip.source_in_ms:
        options += ["-ss", secs(clip.source_in_ms)]
    options += ["-t", secs(clip.duration_ms + 100)]
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


def graph_args(graph: FilterGraph, caps: FFmpegCaps, workdir: Path, token: str) -> list[str]:
    """Pass the graph inline when short, else from a file (never overflowing a command line)."""
    inline = graph.text()
    if len(inline) <= SCRIPT_THRESHOLD:
        return ["-filter_complex", inline]
    script = workdir / f"graph-{token}.txt"
    script.write_text(graph.text(";\n"), encoding="utf-8")
    flag = "-/filter_complex" if caps.major >= 7 else "-filter_complex_script"
    return [flag, str(script)]
