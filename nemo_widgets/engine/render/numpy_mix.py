"""The mix for the loudness pass, summed in numpy from the decoded sounds (no FFmpeg run).

The loudness pass needs the final mix as raw 48 kHz stereo float samples. FFmpeg can make it
(``build_audio_graph``: a process, a filter graph and a file), but for the usual draft — the
video's own sound plus a music track, at set volumes, perhaps faded or moved in time — the graph
does nothing numpy cannot do sample for sample, and a process start and a second decode of the
sources cost more than the sum itself. ``mix_in_numpy`` does what each of the graph's steps
does, in the same order and the same float32 arithmetic:

- open the source at its in-point (FFmpeg's input ``-ss`` is sample-accurate for audio: the
  samples before it are decoded and dropped), at 48 kHz stereo through libswresample (PyAV's
  ``AudioResampler``, the library behind ``aresample``/``aformat``);
- keep exactly ``duration × 48 000 / 1000`` samples (``atrim=end_sample``);
- ``volume``; ``afade`` in and out (linear ramps, FFmpeg's ``tri`` curve, gain
  ``k / range``); ``adelay`` to the start (whole milliseconds, so whole samples);
- sum (``amix … normalize=0``) and pad or cut to the canvas' length (``apad,atrim``).

``tests/engine/render/test_numpy_mix.py`` compares it with the FFmpeg graph on drafts with
in-points, fades, delays, volumes, a mono and a 44.1 kHz source: bit for bit the same. Sounds
it does not reproduce exactly (a looped segment; an in-point in AAC or MP3, where the decoder's
first frames after a seek differ) keep the FFmpeg pass (``numpy_mixable``).
A mix of up to ~11 minutes stays in memory (no file is written or read back); a longer one is
summed into a memory-mapped file, one sound at a time, so it never has to fit in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.render.clips import SAMPLE_RATE, AudioClip
from nemo_widgets.engine.render.ffmpeg import failure_sentence

__all__ = ["mix_in_numpy", "numpy_mixable"]

_READ_ERRORS = (av.error.FFmpegError, OSError, ValueError, EOFError)
_MAX_ERRORS = 50
_BATCH = SAMPLE_RATE  # samples gathered before they are added to the mix
IN_MEMORY_BYTES = 256 << 20
"""A mix up to this size (about 11 minutes) stays in memory; a longer one goes to a
memory-mapped file, so a long render's sound never has to fit in memory."""


def numpy_mixable(sounds: Sequence[AudioClip]) -> bool:
    """Whether ``mix_in_numpy`` reproduces the FFmpeg graph for these sounds bit for bit.

    Not for loops, nor for an in-point in a compressed sound (AAC, MP3…): after a seek the
    decoder's first frames depend on where the demuxer landed, and FFmpeg's seek lands
    elsewhere than PyAV's (the two mixes then differ by up to −26 dBFS for ~0.1 s). PCM (a WAV,
    the engine's own music) seeks exactly.
    """
    return bool(sounds) and all(
        not clip.loop and (clip.source_in_ms == 0
                           or str(clip.info.audio_codec or "").startswith("pcm_"))
        for clip in sounds)


def _decoded(path: Path, source_in_ms: int, samples: int
             ) -> Iterator[npt.NDArray[np.float32]]:
    """The source's sound from ``source_in_ms`` as (n, 2) float32 blocks, ``samples`` at most.

    Times are the container's, counted from its start time (as FFmpeg's ``-ss`` counts them).
    Without an in-point every decoded sample is kept, as ``asetpts=PTS-STARTPTS`` keeps them.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.audio[0]
        origin = container.start_time / av.time_base if container.start_time else 0.0
        skip = 0
        if source_in_ms:
            target = origin + source_in_ms / 1000
            container.seek(int(target / float(stream.time_base)), stream=stream,
                           backward=True, any_frame=False)
            skip = -1  # set from the first frame's time
        # libswresample, as FFmpeg's aresample/aformat; not needed (and exact without it)
        # when the decoder already gives 48 kHz stereo float planes, as AAC's does
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=SAMPLE_RATE)
        left = samples

        def decoded_frames() -> Iterator[Any]:
            """Frames in order; a packet that does not decode is skipped, as FFmpeg does."""
            errors = 0
            for packet in container.demux(stream):
                try:
                    yield from packet.decode()
                except (av.error.InvalidDataError, av.error.UndefinedError):
                    errors += 1
                    if errors > _MAX_ERRORS:
                        raise

        def frames() -> Iterator[tuple[float | None, npt.NDArray[np.float32]]]:
            for frame in decoded_frames():
                if (frame.format.name == "fltp" and frame.sample_rate == SAMPLE_RATE
                        and frame.layout.name == "stereo"):
                    at = float(frame.pts * frame.time_base) if frame.pts is not None else None
                    yield at, frame.to_ndarray().T
                    continue
                for out in resampler.resample(frame):
                    yield _timed(out)
            for out in resampler.resample(None):
                yield _timed(out)

        pending: list[npt.NDArray[np.float32]] = []
        held = 0
        for at, block in frames():
            if skip == -1:
                skip = max(0, round((source_in_ms / 1000 - ((at if at is not None else origin)
                                                           - origin)) * SAMPLE_RATE))
            if skip:
                dropped = min(skip, len(block))
                block, skip = block[dropped:], skip - dropped
            block = block[:left]
            if len(block):
                left -= len(block)
                pending.append(block)
                held += len(block)
            if left <= 0 or held >= _BATCH:  # whole seconds at a time: less per-frame work
                if pending:
                    yield np.concatenate(pending)
                pending, held = [], 0
            if left <= 0:
                return
        if pending:
            yield np.concatenate(pending)


def _timed(frame: Any) -> tuple[float | None, npt.NDArray[np.float32]]:
    """A resampled (packed stereo float) frame's time and samples as (n, 2)."""
    at = float(frame.pts * frame.time_base) if frame.pts is not None else None
    samples: npt.NDArray[np.float32] = frame.to_ndarray().reshape(-1, 2)
    return at, samples


def _fade_gain(clip: AudioClip, first: int, count: int, samples: int
               ) -> npt.NDArray[np.float64] | None:
    """The fades' gain for samples ``first … first + count`` of the clip (None: no fade
    there). ``afade`` counts a fade-in from its start (``k / range``) and a fade-out down to
    its end, each ``min(fade, duration)`` long."""
    gain: npt.NDArray[np.float64] | None = None
    index = np.arange(first, first + count, dtype=np.int64)
    if clip.fade_in_ms > 0:
        span = min(clip.fade_in_ms, clip.duration_ms) * SAMPLE_RATE // 1000
        if first < span:
            gain = np.clip(index / span, 0.0, 1.0)
    if clip.fade_out_ms > 0:
        span = min(clip.fade_out_ms, clip.duration_ms) * SAMPLE_RATE // 1000
        begin = clip.duration_ms * SAMPLE_RATE // 1000 - span
        if first + count > begin:
            out = np.clip((begin + span - index) / span, 0.0, 1.0)
            out[index < begin] = 1.0
            gain = out if gain is None else gain * out
    return gain


def _add_clip(mix: npt.NDArray[np.float32], clip: AudioClip) -> None:
    """Add one sound into ``mix`` (total samples × 2), as the graph's chain for it would."""
    samples = clip.duration_ms * SAMPLE_RATE // 1000
    offset = clip.start_ms * SAMPLE_RATE // 1000
    volume = np.float32(float(f"{clip.volume:.6g}"))  # the graph writes volume=%.6g
    done = 0
    for block in _decoded(clip.path, clip.source_in_ms, samples):
        at = offset + done
        end = min(at + len(block), len(mix))
        if end <= at:
            break
        part = block[: end - at]
        if clip.volume != 1:
            part = part * volume
        gain = _fade_gain(clip, done, len(part), samples)
        if gain is not None:
            part = (part * gain[:, None]).astype(np.float32)
        mix[at:end] += part
        done += len(block)


def mix_in_numpy(sounds: Sequence[AudioClip], total_samples: int, out: Path,
                 cancel: threading.Event | None = None, max_bytes: int | None = None
                 ) -> npt.NDArray[np.float32] | None:
    """The mix of ``sounds`` as (``total_samples``, 2) 48 kHz float32 — what the FFmpeg audio
    pass writes. Up to ``IN_MEMORY_BYTES`` it is returned in memory and nothing is written;
    longer, it is written to ``out`` (raw interleaved, memory-mapped) and None is returned.
    Raises RenderError with a sentence for the user when a source cannot be read or the mix
    would outgrow ``max_bytes``."""
    size = total_samples * 2 * 4
    if max_bytes is not None and size > max_bytes:
        raise RenderError(
            f"The render outgrew its temporary space ({max_bytes // 1024 ** 2} MB, setting "
            "render_max_temp_bytes) and was stopped. Shorten the timeline or raise the setting.")
    out.unlink(missing_ok=True)
    total_samples = max(0, total_samples)
    in_memory = size <= IN_MEMORY_BYTES
    mix: npt.NDArray[np.float32] = (
        np.zeros((total_samples, 2), dtype=np.float32) if in_memory or not total_samples
        else np.memmap(out, dtype="<f4", mode="w+", shape=(total_samples, 2)))
    try:
        for clip in sounds:
            if cancel is not None and cancel.is_set():
                raise RenderError("cancelled")
            try:
                _add_clip(mix, clip)
            except _READ_ERRORS as exc:
                raise RenderError(failure_sentence(1, f"Invalid data found: {exc}")) from exc
        if in_memory or not total_samples:
            return mix
        assert isinstance(mix, np.memmap)
        mix.flush()
    except BaseException:
        del mix
        out.unlink(missing_ok=True)
        raise
    del mix
    return None
