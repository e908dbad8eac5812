"""What the widget's view shows, made small on the kernel side: thumbnails and the timeline
as lanes.

The view draws from plain JSON (a trait) and from bytes pushed in chunks; nothing here holds a
token, and every picture is shrunk before it travels.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

from nemo_widgets.timeline import KIND_BY_TRACK, Timeline

log = logging.getLogger("nemo_widgets.widget")

THUMB_WIDTH = 160


def thumbnail(path: Path, width: int = THUMB_WIDTH) -> bytes | None:
    """A small JPEG of the first picture of a video or image, or None (audio, or unreadable)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            frame = next(container.decode(video=0))
            height = max(2, round(frame.height * width / max(frame.width, 1) / 2) * 2)
            small = frame.reformat(width=width, height=height, format="yuvj420p")
            codec = av.CodecContext.create("mjpeg", "w")
            codec.width, codec.height = width, height
            codec.pix_fmt = "yuvj420p"
            codec.time_base = Fraction(1, 25)
            packets = [*codec.encode(small), *codec.encode(None)]
            return b"".join(bytes(p) for p in packets) or None
    except (av.error.FFmpegError, StopIteration, ValueError, OSError) as exc:
        log.info("no thumbnail for %s: %s", path.name, exc)
        return None


def timeline_view(timeline: Timeline | None) -> dict[str, Any]:
    """The timeline as the view draws it: one lane per track, segments in milliseconds."""
    if timeline is None:
        return {"duration_ms": 0, "tracks": [], "summary": ""}
    tracks = []
    for track in timeline.tracks:
        tracks.append({
            "kind": KIND_BY_TRACK.get(track.type, "video"),
            "name": track.display_name,
            "role": track.role or "",
            "segments": [{"start_ms": s.start_ms, "duration_ms": s.duration_ms,
                          "label": s.label or (s.text or "") or Path(s.source or "").name,
                          "volume": round(s.volume, 2), "kind": s.kind}
                         for s in track.segments],
        })
    end = max([timeline.duration_ms, *[t.end_ms for t in timeline.tracks]], default=0)
    return {"duration_ms": end, "tracks": tracks, "summary": timeline.summary()}
