"""Turn a draft (``docs/draft.md``) into an MP4: draft → clips → filter graph → FFmpeg → file.

- ``clips``: validate the draft (and its limits) and cut it into video, audio and text pieces;
- ``graph``: the FFmpeg inputs and one ``filter_complex`` graph for those pieces (pure);
- ``loudness_pass``: the mix alone, normalised in numpy, before the main run;
- ``plan``: the complete FFmpeg command(s) for a draft (``plan_render``);
- ``ffmpeg``: run one FFmpeg command with progress, cancellation and a plain failure sentence;
- ``run``: run a plan and publish the file atomically (``run_render``);
- ``jobs``: the background worker pool the HTTP layer submits renders to.
"""

from nemo_widgets.engine.render.clips import (
    DEFAULT_FIT,
    AudioClip,
    Canvas,
    MediaResolver,
    RenderLimits,
    TextItem,
    VideoClip,
    clean_text,
)
from nemo_widgets.engine.render.ffmpeg import parse_progress_line
from nemo_widgets.engine.render.graph import (
    FFmpegCaps,
    FilterGraph,
    build_audio_graph,
    build_graph,
    can_stream_copy,
    displays_as_coded,
    ffmpeg_caps,
    filter_escape,
)
from nemo_widgets.engine.render.loudness_pass import AudioPass
from nemo_widgets.engine.render.plan import RenderPlan, plan_render, validate_draft
from nemo_widgets.engine.render.run import run_render

__all__ = [
    "DEFAULT_FIT", "AudioClip", "AudioPass", "Canvas", "FFmpegCaps", "FilterGraph",
    "MediaResolver", "RenderLimits", "RenderPlan", "TextItem", "VideoClip", "build_audio_graph",
    "build_graph", "can_stream_copy", "clean_text", "displays_as_coded", "ffmpeg_caps",
    "filter_escape", "parse_progress_line", "plan_render", "run_render", "validate_draft",
]
