"""The loudness pass: the mix alone, measured and normalised in numpy, before the main run.

FFmpeg's one-pass ``loudnorm`` rides the gain and misses the target on short clips, so when a
draft asks for a loudness (``m.loudness``, −14 LUFS by default) the render first runs FFmpeg for
the sound only (no picture is decoded), writing raw 48 kHz stereo float samples; ``normalize_mix``
brings them to the target under the true-peak ceiling (``engine.dsp.loudness``), and the main
run encodes those samples as the output's AAC track.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nemo_widgets.engine.dsp.loudness import LoudnessReport, normalize
from nemo_widgets.engine.media.ffmpeg import ffmpeg_exe
from nemo_widgets.engine.render.clips import AudioClip, Canvas
from nemo_widgets.engine.render.graph import (
    RAW_AUDIO_ARGS,
    FFmpegCaps,
    build_audio_graph,
    graph_args,
)

__all__ = ["AudioPass", "normalize_mix", "plan_audio_pass"]

log = logging.getLogger(__name__)


@dataclass
class AudioPass:
    """The first of two runs when loudness is normalised: the mix alone, as raw float samples.

    ``run_render`` runs ``argv`` (writing ``mix``), then ``normalize_mix`` measures and
    normalises the samples into ``normalized``, which the main run encodes.
    """

    argv: list[str]
    mix: Path
    normalized: Path
    target_lufs: float
    report: LoudnessReport | None = None


def plan_audio_pass(canvas: Canvas, sounds: Sequence[AudioClip], caps: FFmpegCaps,
                    workdir: Path, token: str, target: float) -> AudioPass:
    """The FFmpeg command that writes the mix alone into ``workdir``."""
    graph = build_audio_graph(canvas, sounds, caps)
    mix = workdir / f"mix-{token}.f32"
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-nostats", "-progress", "pipe:1",
        *(arg for options in graph.inputs for arg in options),
        *graph_args(graph, caps, workdir, token + "-audio"),
        "-map", graph.audio_out, *RAW_AUDIO_ARGS, str(mix),
    ]
    return AudioPass(argv=argv, mix=mix, normalized=workdir / f"mix-{token}-normalized.f32",
                     target_lufs=target)


def normalize_mix(audio_pass: AudioPass) -> None:
    """Measure the raw mix, normalise it, and write the samples the main run will encode.

    FFmpeg writes interleaved frames; their transpose is the DSP layout (channels, samples)
    without a copy.
    """
    samples = np.fromfile(audio_pass.mix, dtype="<f4").reshape(-1, 2).T
    normalized, report = normalize(samples, audio_pass.target_lufs)
    temp = audio_pass.normalized.with_suffix(".tmp")
    try:
        np.ascontiguousarray(normalized.T, dtype="<f4").tofile(temp)
        os.replace(temp, audio_pass.normalized)
    finally:
        temp.unlink(missing_ok=True)
    audio_pass.report = report
    log.info("loudness %.1f -> %.1f LUFS (gain %+.1f dB, true peak %.1f dBTP)",
             report.input_lufs, report.output_lufs, report.gain_db, report.true_peak_dbtp)
