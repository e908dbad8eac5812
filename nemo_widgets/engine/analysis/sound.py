"""The source's own sound: its level ten times a second and where it is speech.

The first audio stream is decoded with PyAV and resampled to mono 16 kHz (enough for levels
and for the voice band, and a third of the work of 48 kHz). Samples are placed by the first
frame's timestamp, so sound that starts late (or is primed early) lines up with the pictures.
Everything is computed as the samples stream past; nothing holds the whole recording.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from nemo_widgets.engine.analysis.features import RATE, Interval, bins_count
from nemo_widgets.engine.analysis.speech import SAMPLE_RATE, SpeechFrames, detect_speech

log = logging.getLogger(__name__)

BIN = SAMPLE_RATE // RATE
MAX_ERRORS = 50
_ERRORS = (av.error.FFmpegError, OSError, ValueError, EOFError)


@dataclass
class SoundScan:
    """Mean square per 1/RATE s bin (over the whole duration) and speech intervals."""

    energy: list[float]
    speech: list[Interval] = field(default_factory=list)
    errors: int = 0


class _EnergyMeter:
    """Sum of squares per ``BIN`` samples, streamed."""

    def __init__(self) -> None:
        self._sums: list[float] = []
        self._rest = np.zeros(0, dtype=np.float64)

    def push(self, samples: NDArray[np.float32]) -> None:
        data = np.concatenate([self._rest, samples.astype(np.float64)])
        whole = len(data) // BIN
        if whole:
            squares = np.square(data[:whole * BIN]).reshape(whole, BIN).mean(axis=1)
            self._sums.extend(float(v) for v in squares)
        self._rest = data[whole * BIN:]

    def finish(self, count: int) -> list[float]:
        energies = list(self._sums)
        if self._rest.size:
            energies.append(float(np.mean(np.square(self._rest))))
        energies = energies[:count]
        return energies + [0.0] * (count - len(energies))


def _frames(container: Any, stream: Any, errors: list[int]) -> Iterator[Any]:
    """Decoded audio frames; bad packets are skipped, a read error ends the stream."""
    codec = stream.codec_context
    try:
        for packet in container.demux(stream):
            try:
                decoded = codec.decode(packet)
            except _ERRORS as exc:
                errors[0] += 1
                log.debug("analysis: audio packet did not decode: %s", exc)
                if errors[0] > MAX_ERRORS:
                    return
                continue
            yield from decoded
    except _ERRORS as exc:
        errors[0] += 1
        log.warning("analysis: audio read error, keeping what was decoded: %s", exc)


class _Sink:
    """Takes resampled sound in time order and feeds the meters in blocks of about a second
    (per-frame numpy calls would cost more than the arithmetic on a few hundred samples).

    ``skip`` samples are dropped first (sound primed before the file's start); ``silence``
    inserts a gap (sound that starts late, or packets lost to damage).
    """

    def __init__(self) -> None:
        self.meter = _EnergyMeter()
        self.speech = SpeechFrames()
        self.skip = 0
        self.received = False
        self._pending: list[NDArray[np.float32]] = []
        self._size = 0

    def silence(self, seconds: float) -> None:
        self.add(np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32))

    def add(self, samples: NDArray[np.float32]) -> None:
        if self.skip:
            dropped = min(self.skip, len(samples))
            samples, self.skip = samples[dropped:], self.skip - dropped
        if len(samples):
            self._pending.append(samples)
            self._size += len(samples)
            if self._size >= SAMPLE_RATE:
                self.flush()

    def flush(self) -> None:
        if self._pending:
            block = np.concatenate(self._pending)
            self._pending, self._size = [], 0
            self.meter.push(block)
            self.speech.push(block)


GAP = 0.05
"""Seconds of missing sound (by the frames' timestamps) that are filled with silence."""


def scan_sound(path: Path, duration: float) -> SoundScan | None:
    """Level and speech of ``path``'s first audio stream; None if it has none that decodes."""
    try:
        container: Any = av.open(str(path), metadata_errors="ignore")
    except (*_ERRORS, UnicodeDecodeError) as exc:
        log.warning("analysis: cannot open %s for its sound: %s", path.name, exc)
        return None
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        start = container.start_time
        origin = float(start) / av.time_base if start is not None else 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        sink = _Sink()
        errors = [0]
        expected: float | None = None  # where the next frame should start, in seconds
        for frame in _frames(container, stream, errors):
            at = float(frame.time) - origin if frame.time is not None else expected
            if at is not None:
                if expected is None and at < 0:
                    sink.skip = round(-at * SAMPLE_RATE)
                elif at - (expected or 0.0) > GAP:
                    sink.silence(at - (expected or 0.0))
                expected = at + frame.samples / max(1, frame.sample_rate)
            try:
                for out in resampler.resample(frame):
                    sink.add(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
                    sink.received = True
            except _ERRORS as exc:
                errors[0] += 1
                log.debug("analysis: audio frame did not resample: %s", exc)
        try:
            for out in resampler.resample(None):
                sink.add(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except _ERRORS:
            pass
        sink.flush()
    if not sink.received:
        return None
    spoken = [(a, min(b, duration)) for a, b in detect_speech(sink.speech.finish())
              if a < duration]
    return SoundScan(energy=sink.meter.finish(bins_count(duration)), speech=spoken,
                     errors=errors[0])
