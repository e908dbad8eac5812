"""Reading a video's pictures as cheaply as the features allow: full or sparse decoding.

Decoding is the whole cost of the picture analysis (a 1080p H.264 stream decodes at a few
hundred frames a second on two cores; everything else is small). Two strategies:

* **full**: decode every frame once, in one pass. Exact and simple; used for small files,
  where it is cheap anyway.
* **sparse**, for large files: pass 1 decodes each group of pictures' key frame and the
  packet after it (a *probe*: colour, and motion from the change between the two) and reads,
  without decoding, every packet's size. Pass 2 decodes only the groups where a cut may hide:
  the picture changed between the probe and the next key frame, one packet is far bigger than
  the others (an encoder spends intra bits on a new shot), the probe itself jumped, or the
  group is longer than ``MAX_SPARSE_GOP`` (motion would be sampled too rarely). It decodes such
  a group from its key frame only until the cut is settled and the picture matches the next
  key frame (the same test, from later in the group); a group whose next key frame may itself
  be the cut is decoded through that key frame. Phones write a key frame every second or so,
  so a calm clip costs about a tenth of a full decode, plus part of a group per cut, and every
  cut is still found to the exact frame inside a decoded run. Files whose index shows key
  frames far apart (x264's default of 250 frames) are decoded in full from the start: pass 2
  would decode nearly everything anyway.

Errors never escape as crashes: a packet that fails to decode, or a frame the decoder marks
corrupt, ends the current run; the frames after it are skipped until the next key frame (the
decoder patches them up from missing data, and the patched pictures would read as cuts), and
decoding goes on. A read error ends the scan with whatever was decoded so far
(``PictureScan.errors`` counts errors).
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

from nemo_widgets.engine.analysis.cuts import find_cuts
from nemo_widgets.engine.analysis.errors import AnalysisError
from nemo_widgets.engine.analysis.frames import (
    Thumb,
    layout_distance,
    make_thumb,
    palette_distance,
)
from nemo_widgets.engine.analysis.runs import Run, RunBuilder
from nemo_widgets.engine.media import MediaInfo

log = logging.getLogger(__name__)

SPARSE_MIN_WORK = 1.0e9
"""Pixels × frames (about one second of decoding) above which the sparse scan pays off."""
MAX_SPARSE_GOP = 2.5
"""Seconds: longer groups of pictures are decoded in full (their motion would be a guess)."""
GOP_PALETTE = 0.2
GOP_LAYOUT = 0.2
"""Palette or layout change between a probe's end and the next key frame (camera motion over a
second stays well under these; a new shot goes far over) that calls for a full decode."""
SPIKE_OF_TYPICAL = 3.0
SPIKE_OF_KEY = 0.15
"""A packet this big (over the group's 80th percentile, and of its key frame) may be a new
shot: an encoder spends intra bits on a picture it cannot predict."""
SPARSE_THREADS = 2
"""Decoder threads for the sparse scan. With N frame threads up to N - 1 frames are in flight
past the one returned, and every time pass 2 stops a group early they were decoded for
nothing; two threads still fill two cores, with half the waste of FFmpeg's default there
(cores + 1 threads)."""
MAX_ERRORS = 50
RESYNC_LIMIT = 2.0
"""After an error, frames are skipped until a key frame, or for at most this many seconds
(streams refreshed without key frames would otherwise be skipped to the end)."""

_READ_ERRORS = (av.error.FFmpegError, OSError, ValueError, EOFError)


@dataclass
class PictureScan:
    """Runs of decoded frames and how the scan went."""

    runs: list[Run]
    mode: str  # "full" or "sparse"
    frames: int  # frames decoded
    errors: int


@dataclass
class _Gop:
    """One group of pictures as pass 1 saw it."""

    key_time: float
    key_size: int
    sizes: list[int] = field(default_factory=list)  # the other packets' sizes
    times: list[float] = field(default_factory=list)  # and their times
    run: Run | None = None


class _Reader:
    """One open video stream: packets in, timed frames out, errors counted instead of raised."""

    def __init__(self, path: Path) -> None:
        try:
            self.container: Any = av.open(str(path), metadata_errors="ignore")
        except (*_READ_ERRORS, UnicodeDecodeError) as exc:
            raise AnalysisError(f"Cannot open {path.name} for analysis: {exc}") from exc
        if not self.container.streams.video:
            self.container.close()
            raise AnalysisError(f"{path.name} has no picture to analyse.")
        self.stream: Any = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.time_base = float(self.stream.time_base or 0) or 1.0 / 90000
        start = self.container.start_time
        self.origin = float(start) / av.time_base if start is not None else 0.0
        rate = self.stream.average_rate or self.stream.guessed_rate
        self.step = 1.0 / float(rate) if rate else 1.0 / 30.0
        self.errors = 0
        self.frames = 0
        self.broken = False  # an error happened since the caller last looked
        self.resync = False  # after an error, frames are concealment until the next key frame
        self._last_time = -math.inf
        self._resync_from: float | None = None

    def close(self) -> None:
        self.container.close()

    def packets(self) -> Iterator[Any]:
        """The stream's packets; a read error ends them (and counts)."""
        try:
            yield from self.container.demux(self.stream)
        except _READ_ERRORS as exc:
            log.warning("analysis: read error, keeping what was decoded: %s", exc)
            self.errors += 1
            self.broken = True

    def packet_time(self, packet: Any) -> float | None:
        if packet.pts is None:
            return None
        return float(packet.pts) * self.time_base - self.origin

    def decode(self, packet: Any) -> list[tuple[float, Any]]:
        """Frames (with their time in seconds from the file's start) that ``packet`` completes.

        ``None`` drains the decoder at the end of a stream that ended without a flush packet.
        """
        if self.errors > MAX_ERRORS:
            return []
        try:
            frames = self.stream.codec_context.decode(packet)
        except (av.error.FFmpegError, ValueError, EOFError) as exc:
            self.errors += 1
            self.broken = self.resync = True
            log.debug("analysis: packet did not decode: %s", exc)
            return []
        out = []
        for frame in frames:
            if frame.is_corrupt:
                self.broken = self.resync = True
            time = float(frame.time) - self.origin if frame.time is not None else (
                self._last_time + self.step)
            if self.resync:
                if self._resync_from is None:
                    self._resync_from = time
                if not frame.key_frame and time - self._resync_from < RESYNC_LIMIT:
                    continue  # patched up from missing data: it would look like a cut
            self.resync = False
            self._resync_from = None
            self._last_time = time
            self.frames += 1
            out.append((time, frame))
        return out

    def key_interval(self) -> float | None:
        """Median seconds between key frames from the container's index (MP4 and MOV have one
        for every frame; others may not), or None when the index cannot tell."""
        try:
            entries = self.stream.index_entries
            keys = [entry.timestamp for entry in entries if entry.is_keyframe]
            total = len(entries)
        except (AttributeError, av.error.FFmpegError):
            return None
        if len(keys) < 2 or total < 0.9 * max(1, int(self.stream.frames or 0)):
            return None
        return float(np.median(np.diff(keys))) * self.time_base

    def seek(self, time: float) -> None:
        target = math.floor((time + self.origin) / self.time_base)
        self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        self._last_time = -math.inf
        self.broken = self.resync = False
        self._resync_from = None


def scan_video(path: Path, info: MediaInfo, *, sparse: bool | None = None) -> PictureScan:
    """Decode ``path``'s pictures into runs; ``sparse=None`` picks the sparse scan for large
    files whose key frames are close enough together for it to pay (when the index says).

    Raises ``AnalysisError`` only when not a single frame decodes.
    """
    reader = _Reader(path)
    if sparse is None:
        count = info.frames or info.duration * (info.fps or 30.0)
        interval = reader.key_interval()
        sparse = (count * info.width * info.height > SPARSE_MIN_WORK
                  and (interval is None or interval <= MAX_SPARSE_GOP))
    if sparse:
        reader.stream.codec_context.thread_count = SPARSE_THREADS
    try:
        runs = [run for run in (_sparse(reader) if sparse else _full(reader)) if run.times]
    finally:
        reader.close()
    frames, errors = reader.frames, reader.errors
    if sparse and not runs:  # no usable key frames: read it all the plain way
        reader = _Reader(path)
        try:
            runs = [run for run in _full(reader) if run.times]
        finally:
            reader.close()
        sparse, frames, errors = False, frames + reader.frames, errors + reader.errors
    if not runs:
        raise AnalysisError(f"No picture of {path.name} could be decoded.")
    return PictureScan(runs=sorted(runs, key=lambda r: r.start),
                       mode="sparse" if sparse else "full", frames=frames, errors=errors)


def _add(reader: _Reader, builder: RunBuilder, runs: list[Run], time: float, frame: Any,
         keep_ends: bool = False) -> RunBuilder:
    """Add a frame, first closing the run if an error broke the sequence since the last one."""
    if reader.broken:
        reader.broken = False
        if len(builder):
            runs.append(builder.finish())
            builder = RunBuilder(keep_ends)
    builder.add(time, frame)
    return builder


def _full(reader: _Reader) -> list[Run]:
    runs: list[Run] = []
    builder = RunBuilder()
    drained = False
    for packet in reader.packets():
        drained = drained or packet.size == 0
        for time, frame in reader.decode(packet):
            builder = _add(reader, builder, runs, time, frame)
    if not drained:
        for time, frame in reader.decode(None):
            builder = _add(reader, builder, runs, time, frame)
    runs.append(builder.finish())
    return runs


# --- sparse --------------------------------------------------------------------------------------


def _sparse(reader: _Reader) -> list[Run]:
    gops, probe_runs = _pass_one(reader)
    keys = [g.key_time for g in gops]
    for run in probe_runs:
        index = bisect.bisect_right(keys, run.start + 1e-6) - 1
        if index >= 0 and gops[index].run is None:
            gops[index].run = run
    flagged = [_needs_full_decode(gops, i) for i in range(len(gops))]
    runs = [g.run for g, flag in zip(gops, flagged, strict=True) if g.run is not None and not flag]
    index = 0
    while index < len(gops):
        if not flagged[index]:
            index += 1
            continue
        decoded, index = _decode_groups(reader, gops, flagged, index)
        runs.extend(decoded)
    log.debug("analysis: sparse scan decoded %d of %d groups", sum(flagged), len(gops))
    return runs


def _pass_one(reader: _Reader) -> tuple[list[_Gop], list[Run]]:
    """Key frames and probes decoded, every packet's size read."""
    # The key frame and the packet after it: two frames a frame or so apart, their change is
    # the group's motion sample (every further probe packet costs as much as the key frame).
    probe_packets = 2
    gops: list[_Gop] = []
    runs: list[Run] = []
    builder = RunBuilder(keep_ends=True)
    sent = 0
    drained = False
    for packet in reader.packets():
        if packet.size == 0:
            frames = reader.decode(packet)
            drained = True
        else:
            time = reader.packet_time(packet)
            if packet.is_keyframe and time is not None:
                gops.append(_Gop(key_time=time, key_size=int(packet.size)))
                sent = 0
            elif gops:
                gops[-1].sizes.append(int(packet.size))
                gops[-1].times.append(time if time is not None else gops[-1].key_time)
            frames = []
            if gops and sent < probe_packets:
                frames = reader.decode(packet)
                sent += 1
        for time, frame in frames:
            if frame.key_frame and len(builder):
                runs.append(builder.finish())
                builder = RunBuilder(keep_ends=True)
            builder = _add(reader, builder, runs, time, frame, keep_ends=True)
    if not drained:
        for time, frame in reader.decode(None):
            builder = _add(reader, builder, runs, time, frame, keep_ends=True)
    runs.append(builder.finish())
    return gops, [r for r in runs if r.times]


def _spike_limit(gop: _Gop) -> float:
    """Packet size above which a packet of ``gop`` may start a new shot (inf: too few to tell)."""
    if len(gop.sizes) < 3:
        return math.inf
    typical = float(np.percentile(gop.sizes, 80))
    return max(SPIKE_OF_TYPICAL * typical, SPIKE_OF_KEY * gop.key_size)


def _needs_full_decode(gops: list[_Gop], index: int) -> bool:
    """Whether group ``index`` may hide a cut (or its motion needs more than a probe)."""
    gop = gops[index]
    if index + 1 >= len(gops):
        return True  # nothing after it to compare with
    following = gops[index + 1]
    if following.key_time - gop.key_time > MAX_SPARSE_GOP or gop.run is None:
        return True
    if find_cuts(gop.run):
        return True
    last: Thumb | None = gop.run.last_thumb
    nxt = following.run.first_thumb if following.run is not None else None
    if last is None or nxt is None:
        return True
    return _differs(last, nxt) or max(gop.sizes, default=0) >= _spike_limit(gop)


def _differs(a: Thumb, b: Thumb) -> bool:
    """Whether two pictures may belong to different shots (camera motion over a second stays
    under both thresholds)."""
    return palette_distance(a, b) >= GOP_PALETTE or layout_distance(a, b) >= GOP_LAYOUT


def _may_stop(gops: list[_Gop], index: int, time: float, builder: RunBuilder) -> bool:
    """Whether decoding group ``index`` may stop at the frame at ``time`` (the builder's last):
    every candidate cut so far has been judged, no packet still to come is a spike, and the
    picture already matches the next key frame. It is the test that lets the sparse scan skip
    a whole group, applied from later in the group: after the cut, the rest is the new shot."""
    if index + 1 >= len(gops) or not builder.settled:
        return False
    gop, following = gops[index], gops[index + 1]
    if gop.run is not None and time < gop.run.end:
        return False  # not before the probe's end: a cut it saw may lead away and back
    nxt = following.run.first_thumb if following.run is not None else None
    if nxt is None or following.key_time - gop.key_time > MAX_SPARSE_GOP:
        return False
    limit = _spike_limit(gop)
    if any(size >= limit and at > time for at, size in zip(gop.times, gop.sizes, strict=True)):
        return False
    return not _differs(builder.last_thumb(), nxt)


def _decode_groups(reader: _Reader, gops: list[_Gop], flagged: list[bool],
                   first: int) -> tuple[list[Run], int]:
    """Decode from the key frame of group ``first`` through the flagged groups after it, up to
    and including the next unflagged key frame (a cut may fall on it), stopping a group early
    where ``_may_stop`` allows. Returns the runs and the index of the group to look at next."""
    runs: list[Run] = []
    builder = RunBuilder()
    keys = [g.key_time for g in gops]
    start = keys[first]
    try:
        reader.seek(start)
    except _READ_ERRORS as exc:
        log.warning("analysis: cannot seek to %.3f s: %s", start, exc)
        reader.errors += 1
        return runs, first + 1
    half = 0.5 * reader.step
    resume = len(gops)  # where to go on after this call; len(gops): the end
    for packet in reader.packets():
        for time, frame in reader.decode(packet):
            if time < start - half:
                continue
            builder = _add(reader, builder, runs, time, frame)
            index = max(first, bisect.bisect_right(keys, time + half) - 1)
            if index > first and not flagged[index]:
                resume = index  # the unflagged key frame after the span closes it
                break
            if _may_stop(gops, index, time, builder):
                resume = index + 1
                break
        else:
            if packet.size == 0:
                break
            continue
        break
    runs.append(builder.finish())
    return runs, resume


def still_thumb(path: Path) -> Thumb:
    """The first picture of an image file (what the renderer shows for a still)."""
    reader = _Reader(path)
    try:
        for packet in reader.packets():
            for _time, frame in reader.decode(packet):
                return make_thumb(frame)
            if packet.size == 0:
                break
    finally:
        reader.close()
    raise AnalysisError(f"The picture in {path.name} could not be decoded.")
