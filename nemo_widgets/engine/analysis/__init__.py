"""What the video looks and sounds like over time, for the music composer.

``analyse_timeline`` gives the features of a whole draft (what the render will show and play),
``analyse_file`` those of one media file. Both return ``VideoFeatures``: per-second brightness,
saturation, warmth, motion and source loudness, exact shot-cut times with strengths, and speech
intervals.

Modules, one job each: ``frames`` (decoded picture → signature, thumbnail), ``runs`` (a stream
of frames → samples and cut candidates), ``decode`` (full or sparse decoding of a file),
``cuts`` (which candidates are cuts), ``picture`` (runs → 10 Hz curves), ``sound`` (the
source sound's level), ``speech`` (where it is speech), ``levels`` (decibels),
``media_file`` (one file), ``placement`` (a timeline), ``cache`` (per-file JSON),
``features`` (the result types), ``errors`` (``AnalysisError``).

Speed: a 60 s 1080p30 phone clip (12 Mbit/s H.264, key frame every second, eleven cuts)
analyses with the sparse scan in about 3 CPU-seconds, a quarter of what decoding every frame
costs (11-12), 1.8-3.3 s of wall clock on a two-core machine shared with other work. A clip
with key frames 8 s apart is decoded in full, at about 1.2× the CPU of a bare decode. See
``benchmarks/analysis.py``.
"""

from __future__ import annotations

from nemo_widgets.engine.analysis.errors import AnalysisError
from nemo_widgets.engine.analysis.features import Curves, VideoFeatures
from nemo_widgets.engine.analysis.media_file import analyse_file, file_curves
from nemo_widgets.engine.analysis.placement import analyse_timeline

__all__ = ["AnalysisError", "Curves", "VideoFeatures", "analyse_file", "analyse_timeline",
           "file_curves"]
