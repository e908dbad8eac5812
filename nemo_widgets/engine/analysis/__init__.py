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

Speed: a 60 s 1080p30 phone clip (12 Mbit/s H.264, key frame every second) analyses in about
2 s on two cores with the sparse scan, where decoding every frame takes 9-10 s; see
``benchmarks/analysis.py``.
"""

from __future__ import annotations

from nemo_widgets.engine.analysis.errors import AnalysisError
from nemo_widgets.engine.analysis.features import Curves, VideoFeatures
from nemo_widgets.engine.analysis.media_file import analyse_file, file_curves
from nemo_widgets.engine.analysis.placement import analyse_timeline

__all__ = ["AnalysisError", "Curves", "VideoFeatures", "analyse_file", "analyse_timeline",
           "file_curves"]
