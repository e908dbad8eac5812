"""The loudness pass: the mix alone, measured and normalised in numpy, before the main run.

FFmpeg's one-pass ``loudnorm`` rides the gain and misses the target on short clips, so when a
draft asks for a loudness (``m.loudness``, −14 LUFS by default) the render first makes the
sound alone as raw 48 kHz stereo float samples — summed in numpy from the decoded sources
(``numpy_mix``), or, for what that does not do (loops), by an FFmpeg run for the sound only
(no picture is decoded); ``normalize_mix``
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
import numpy.typing as npt

from nemo_widgets.engine.dsp.loudness import LoudnessReport, apply_gain, measure, plan_gain
from nemo_widgets.engine.media.ffmpeg import ffmpeg_exe
from nemo_widgets.engine.render.clips import AudioClip, Canvas
from nemo_widgets.engine.render.graph import (
    RAW_AUDIO_ARGS,
    FFmpegCaps,
    build_audio_graph,
    graph_args,
)
from nemo_widgets.engine.render.numpy_mix import numpy_mixable

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
    sounds: list[AudioClip] | None = None
    """Set when the mix is summed in numpy (``numpy_mix``) instead of running ``argv``."""
    total_samples: int = 0
    samples: npt.NDArray[np.float32] | None = None
    """The mix as (n, 2), when it was summed in memory (then ``mix`` is never written)."""


def plan_audio_pass(canvas: Canvas, sounds: Sequence[AudioClip], caps: FFmpegCaps,
                    workdir: Path, token: str, target: float,
                    use_numpy: bool = True) -> AudioPass:
    """How the mix alone is made into ``workdir``: summed in numpy when that reproduces the
    FFmpeg graph (``numpy_mixable``, unless ``use_numpy`` is False), else the FFmpeg command."""
    mix = workdir / f"mix-{token}.f32"
    normalized = workdir / f"mix-{token}-normalized.f32"
    if use_numpy and numpy_mixable(sounds):
        return AudioPass(argv=[], mix=mix, normalized=normalized, target_lufs=target,
                         sounds=list(sounds), total_samples=canvas.total_samples)
    graph = build_audio_graph(canvas, sounds, caps)
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-nostats", "-progress", "pipe:1",
        *(arg for options in graph.inputs for arg in options),
        *graph_args(graph, caps, workdir, token + "-audio"),
        "-map", graph.audio_out, *RAW_AUDIO_ARGS, str(mix),
    ]
    return AudioPass(argv=argv, mix=mix, normalized=normalized, target_lufs=target)


def normalize_mix(audio_pass: AudioPass) -> None:
    """Measure the raw mix, normalise it, and write the samples the main run will encode.

    The mix is ``audio_pass.samples`` when it was summed in memory, else the file ``mix``,
    memory-mapped and read in chunks, twice (measure, then apply the gain), so a long render's
    sound never has to fit in memory. Frames are interleaved (n, 2); their transpose is the
    DSP layout (channels, samples) without a copy.
    """
    temp = audio_pass.normalized.with_suffix(".tmp")
    frames: npt.NDArray[np.float32]
    if audio_pass.samples is not None:
        frames = audio_pass.samples
    elif audio_pass.mix.stat().st_size == 0:
        frames = np.zeros((0, 2), dtype=np.float32)
    else:
        frames = np.memmap(audio_pass.mix, dtype="<f4", mode="r").reshape(-1, 2)
    if len(frames) == 0:
        temp.write_bytes(b"")
        os.replace(temp, audio_pass.normalized)
        audio_pass.report = LoudnessReport(float("-inf"), float("-inf"), 0.0, float("-inf"))
        return
    samples = frames.T
    try:
        gain, report = plan_gain(measure(samples), audio_pass.target_lufs)
        with temp.open("wb") as out:

            def write(chunk: npt.NDArray[np.float32]) -> None:
                np.ascontiguousarray(chunk.T, dtype="<f4").tofile(out)

            apply_gain(samples, gain, write)
        os.replace(temp, audio_pass.normalized)
    finally:
        del frames, samples
        audio_pass.samples = None
        temp.unlink(missing_ok=True)
    audio_pass.report = report
    log.info("loudness %.1f -> %.1f LUFS (gain %+.1f dB, true peak %.1f dBTP)",
             report.input_lufs, report.output_lufs, report.gain_db, report.true_peak_dbtp)
