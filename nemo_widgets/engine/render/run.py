"""Run a planned render: the loudness pass (when there is one: the mix, summed in numpy or by an
FFmpeg run, then normalised), then the main FFmpeg run.

The output appears atomically: FFmpeg writes ``plan.partial`` beside it and the finished file is
renamed over ``plan.output``, so no one ever sees half a file; every failing path removes what
it wrote (the mix, the normalised samples, the partial output).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable

from nemo_widgets.engine.render.ffmpeg import run_ffmpeg
from nemo_widgets.engine.render.loudness_pass import normalize_mix
from nemo_widgets.engine.render.numpy_mix import mix_in_numpy
from nemo_widgets.engine.render.plan import RenderPlan

__all__ = ["AUDIO_PASS_SHARE", "run_render"]

log = logging.getLogger(__name__)

# Share of the progress bar that the audio pass and the loudness measurement take.
AUDIO_PASS_SHARE = 15.0


def _scaled(on_progress: Callable[[float], None] | None, low: float, high: float
            ) -> Callable[[float], None] | None:
    """A progress callback that maps 0-100 onto ``low``-``high`` of the caller's bar."""
    if on_progress is None:
        return None
    callback = on_progress
    return lambda percent: callback(low + (high - low) * percent / 100)


def run_render(plan: RenderPlan, on_progress: Callable[[float], None] | None = None,
               cancel: threading.Event | None = None, max_temp_bytes: int | None = None) -> None:
    """Run the planned FFmpeg command(s); publish ``plan.output`` only if all succeed.

    ``on_progress`` gets 0-100, rising, 100 last. Setting ``cancel`` kills FFmpeg and raises
    RenderError("cancelled"); a failure raises RenderError with a sentence for the user. With
    an audio pass, the mix is rendered and normalised first (the first 15 % of the bar); its raw
    samples may not outgrow ``max_temp_bytes``.
    """
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    share = 0.0
    audio = plan.audio_pass
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        plan.timings[stage] = round(now - clock, 3)
        clock = now

    try:
        if audio is not None:
            share = AUDIO_PASS_SHARE
            if audio.sounds is not None:
                audio.samples = mix_in_numpy(audio.sounds, audio.total_samples, audio.mix,
                                             cancel, max_temp_bytes)
            else:
                run_ffmpeg(audio.argv, audio.mix, plan.duration_ms,
                           _scaled(on_progress, 0, share * 0.8), cancel, max_temp_bytes)
            lap("sound")
            try:
                normalize_mix(audio)
            finally:
                audio.mix.unlink(missing_ok=True)
            lap("loudness")
        run_ffmpeg(plan.argv, plan.partial, plan.duration_ms,
                   _scaled(on_progress, share, 100), cancel)
        os.replace(plan.partial, plan.output)
        lap("main")
    finally:
        if audio is not None:
            audio.normalized.unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            plan.partial.unlink()
    if on_progress is not None:
        on_progress(100.0)
