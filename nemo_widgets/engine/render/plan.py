"""Plan a render: the validated draft, its media and the complete FFmpeg command(s).

``plan_render`` is the thinking half of a render (``run_render`` the doing half): it validates
the draft, resolves its media, decides whether the video stream can be copied, and builds the
FFmpeg command with a single ``filter_complex`` graph (written to a file when long). Keeping the
halves apart lets the graph be tested without running FFmpeg, and lets the HTTP layer reject a
bad draft before it queues anything (``validate_draft``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.media.ffmpeg import ffmpeg_exe
from nemo_widgets.engine.render.clips import (
    SAMPLE_RATE,
    MediaLookup,
    MediaResolver,
    RenderLimits,
    audio_clips,
    check_limits,
    loudness_target,
    read_canvas,
    text_items,
    video_clips,
)
from nemo_widgets.engine.render.graph import (
    build_graph,
    can_stream_copy,
    displays_as_coded,
    ffmpeg_caps,
    graph_args,
    secs,
)
from nemo_widgets.engine.render.loudness_pass import AudioPass, plan_audio_pass
from nemo_widgets.timeline import Timeline

__all__ = ["AUDIO_CODEC_ARGS", "VIDEO_CODEC_ARGS", "RenderPlan", "plan_render", "validate_draft"]

log = logging.getLogger(__name__)

VIDEO_CODEC_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p")
AUDIO_CODEC_ARGS = ("-c:a", "aac", "-b:a", "192k", "-ar", str(SAMPLE_RATE), "-ac", "2")


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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, once run


def validate_draft(draft: Any, limits: RenderLimits | None = None) -> Timeline:
    """The checks that need no media: a renderable draft within the limits, or RenderError.

    The submit route calls this before it records a job, so a draft that can never render is
    a 4xx with a sentence, not a queued job that fails later.
    """
    if not isinstance(draft, dict):
        raise RenderError("The draft must be a JSON object.")
    try:
        timeline = Timeline.from_draft(draft)
    except (TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise RenderError(f"The draft is malformed ({type(exc).__name__}); see docs/draft.md "
                          "for its shape: t (a list of tracks), d (milliseconds), m.") from exc
    if not timeline.renderable:
        raise RenderError("The draft has nothing to render: add a video, image or sound to the "
                          "timeline first.")
    read_canvas(timeline)
    check_limits(timeline, limits or RenderLimits())
    return timeline


def plan_render(draft: dict[str, Any], resolve: MediaResolver, output: Path,
                workdir: Path, limits: RenderLimits | None = None) -> RenderPlan:
    """Validate ``draft`` and build the FFmpeg command that renders it to ``output``.

    Raises RenderError with a message meant for the user when the draft cannot be rendered:
    nothing on any track, an unknown source, an unsupported canvas, a bad length or style, a
    draft beyond ``limits``. Writes the titles (and a long graph) into ``workdir``.
    """
    timeline = validate_draft(draft, limits)
    canvas = read_canvas(timeline)
    media = MediaLookup(resolve)
    videos = video_clips(timeline, canvas, media)
    sounds = audio_clips(timeline, canvas, media, videos)
    workdir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    texts = text_items(timeline, canvas, workdir, token)
    copy = can_stream_copy(videos, texts, canvas) and displays_as_coded(videos[0].path)
    caps = ffmpeg_caps()
    target = loudness_target(timeline)
    audio_pass = (plan_audio_pass(canvas, sounds, caps, workdir, token, target)
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
        *graph_args(graph, caps, workdir, token),
        "-map", graph.video_out, "-map", graph.audio_out,
        *video_args, *AUDIO_CODEC_ARGS,
        "-t", secs(canvas.duration_ms),
        "-map_metadata", "-1", "-map_chapters", "-1",
        *(["-metadata", f"title={title}"] if isinstance(title, str) and title else []),
        "-movflags", "+faststart", "-f", "mp4", str(partial),
    ]
    log.debug("render plan: %s", argv)
    return RenderPlan(argv=argv, duration_ms=canvas.duration_ms, stream_copy=copy,
                      width=canvas.width, height=canvas.height, workdir=workdir,
                      output=output, partial=partial, audio_pass=audio_pass)
