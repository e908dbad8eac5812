"""One media file's analysis: its pictures and its sound over its own duration."""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from nemo_widgets.engine.analysis.decode import scan_video, still_thumb
from nemo_widgets.engine.analysis.errors import AnalysisError
from nemo_widgets.engine.analysis.features import Curves, VideoFeatures
from nemo_widgets.engine.analysis.picture import (
    PictureCurves,
    blank_curves,
    picture_curves,
    still_curves,
)
from nemo_widgets.engine.analysis.sound import SoundScan, scan_sound
from nemo_widgets.engine.media import MediaInfo

log = logging.getLogger(__name__)

STILL_SECONDS = 1.0
"""An image is described as one second of a constant picture; the timeline stretches it."""


def file_curves(path: Path, info: MediaInfo, *, sparse: bool | None = None) -> Curves:
    """Analyse ``path`` at the curves' resolution (what the timeline places and the cache keeps).

    A file that decodes only in part is analysed in part (the rest holds the last picture and
    is silent). Raises ``AnalysisError`` only when neither a picture nor a sound decodes.
    ``sparse`` forces the video scan's strategy (None: chosen by the decoding work).
    """
    began = time.perf_counter()
    path = Path(path)
    if info.file_type == "image":
        return _still(path)
    duration = max(info.duration, 0.0)
    failure: AnalysisError | None = None
    picture: PictureCurves
    mode = "none"
    early = _sound_in_background(path, duration) if info.has_audio and duration > 0 else None
    if info.has_video:
        try:
            scan = scan_video(path, info, sparse=sparse)
        except AnalysisError as exc:
            failure = exc
            picture = blank_curves(duration)
        else:
            if duration <= 0:
                duration = max(run.end for run in scan.runs) + 1.0 / max(info.fps, 1.0)
            picture = picture_curves(scan, duration)
            mode = f"{scan.mode}, {scan.frames} frames, {scan.errors} errors"
    else:
        picture = blank_curves(duration)
    if early is not None:
        sound = early.result()
    else:
        sound = scan_sound(path, duration) if info.has_audio and duration > 0 else None
    if failure is not None and sound is None:
        raise failure
    if duration <= 0:
        raise AnalysisError(f"{path.name} has no duration to analyse.")
    log.info("analysed %s (%.1f s, %s) in %.2f s", path.name, duration, mode,
             time.perf_counter() - began)
    return Curves(
        duration=duration,
        brightness=picture.brightness,
        saturation=picture.saturation,
        warmth=picture.warmth,
        motion=picture.motion,
        energy=sound.energy if sound is not None else [],
        cuts=[at for at, _ in picture.cuts],
        cut_strength=[strength for _, strength in picture.cuts],
        speech=sound.speech if sound is not None else [],
        has_audio=sound is not None,
    )


def _sound_in_background(path: Path, duration: float) -> Future[SoundScan | None]:
    """Start reading the sound on a second thread, to overlap the picture scan: both spend most
    of their time in FFmpeg without the GIL, and the picture scan leaves a core partly idle."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis-sound")
    try:
        return pool.submit(scan_sound, path, duration)
    finally:
        pool.shutdown(wait=False)


def _still(path: Path) -> Curves:
    picture = still_curves(still_thumb(path), STILL_SECONDS)
    return Curves(duration=STILL_SECONDS, brightness=picture.brightness,
                  saturation=picture.saturation, warmth=picture.warmth, motion=picture.motion)


def analyse_file(path: Path, info: MediaInfo, *, sparse: bool | None = None) -> VideoFeatures:
    """Per-second features of one video, image or sound file over its own duration.

    Images read as one second of a constant picture with no motion; sound files as a black,
    still picture. See ``file_curves`` for errors and ``sparse``.
    """
    return file_curves(path, info, sparse=sparse).to_features()
