"""Offline music generation that fits a video: royalty-free, deterministic, numpy/scipy only.

``plan_music`` reads the video's features and the user's prompt and decides mood, style, key,
a constant tempo whose beats catch the cuts, sections and the ending; ``generate`` composes and
synthesises it into a 48 kHz stereo mix and four stems of exactly the video's length.
"""

from __future__ import annotations

from nemo_widgets.engine.music.api import generate, render_plan, write_wav
from nemo_widgets.engine.music.model import SAMPLE_RATE, STEM_NAMES, MusicPlan, MusicResult
from nemo_widgets.engine.music.planner import VARIATIONS, plan_music
from nemo_widgets.engine.music.styles import DRUM_STYLES, STYLES

__all__ = [
    "DRUM_STYLES",
    "SAMPLE_RATE",
    "STEM_NAMES",
    "STYLES",
    "VARIATIONS",
    "MusicPlan",
    "MusicResult",
    "generate",
    "plan_music",
    "render_plan",
    "write_wav",
]
