"""What the view shows, made small on the kernel side: thumbnails, timeline lanes, the music's
waveform with its beats and cuts, the list of music versions, the canvas, the audition's video.

The view draws from plain JSON (traits) and from bytes pushed in chunks; nothing here holds a
token or a backend URL (those stay in the kernel: ``Version.url``), and every picture or
waveform is shrunk before it travels.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nemo_widgets.client.media import MusicVersion
from nemo_widgets.timeline import KIND_BY_TRACK, Timeline

log = logging.getLogger("nemo_widgets.widget")

THUMB_WIDTH = 160
PEAKS = 240
"""Waveform columns sent for the BGM lane (≈1 kB of JSON, whatever the track's length)."""
MAX_MARKS = 240
"""Beat marks beyond this many are thinned to bar lines (a long track at a fast tempo)."""
PREVIEW_AS_IS_BYTES = 60 * 2**20
"""A source video up to this size that browsers play (MP4, WebM) is auditioned as it is;
a larger one, or another container, is first made into a 360p preview."""
PLAYABLE = {".mp4", ".m4v", ".webm"}
Json = dict[str, Any]


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


def peaks(path: Path, columns: int = PEAKS) -> list[float]:
    """The loudest sample of each of ``columns`` equal slices of an audio file, 0..1.

    Each decoded frame (≈20 ms) is reduced to its own peak as it comes, so a long track never
    sits in memory whole."""
    import av
    import numpy as np

    frame_peaks: list[float] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                data = frame.to_ndarray()
                peak = float(np.abs(data).max()) if data.size else 0.0
                if np.issubdtype(data.dtype, np.integer):
                    peak /= float(np.iinfo(data.dtype).max)
                frame_peaks.append(peak)
    except (av.error.FFmpegError, IndexError, ValueError, OSError) as exc:
        log.info("no waveform for %s: %s", path.name, exc)
        return []
    if not frame_peaks:
        return []
    slices = np.array_split(np.asarray(frame_peaks), min(columns, len(frame_peaks)))
    return [round(float(min(1.0, s.max())), 2) for s in slices]


def timeline_view(timeline: Timeline | None, thumbs: dict[str, str] | None = None) -> Json:
    """The timeline as the view draws it: one lane per track, segments in milliseconds; a
    video segment whose source is an upload in ``thumbs`` (hash → thumbnail key) carries
    that key, drawn along the video lane."""
    if timeline is None:
        return {"duration_ms": 0, "tracks": [], "summary": ""}
    tracks = []
    for track in timeline.tracks:
        tracks.append({
            "kind": KIND_BY_TRACK.get(track.type, "video"),
            "name": track.display_name,
            "role": track.role or "",
            "segments": [{"start_ms": s.start_ms, "duration_ms": s.duration_ms,
                          "label": s.label or (s.text or "") or _short(s.source),
                          "volume": round(s.volume, 2),
                          "kind": "music" if track.role == "bgm" else s.kind,
                          **_thumb(s.source, thumbs or {})}
                         for s in track.segments],
        })
    end = max([timeline.duration_ms, *[t.end_ms for t in timeline.tracks]], default=0)
    return {"duration_ms": end, "tracks": tracks, "summary": timeline.summary()}


def _thumb(source: str | None, thumbs: dict[str, str]) -> Json:
    key = next((k for h, k in thumbs.items() if source and h and h in source), None)
    return {"thumb": key} if key else {}


def _short(source: str | None) -> str:
    """A label for a segment without one: a file name, never a URL's host."""
    if not source:
        return ""
    return Path(urlsplit(source).path).name or source[:12]


def canvas_view(timeline: Timeline, canvas_config: Json) -> Json:
    """The output frame: its size and aspect, as the view draws it beside the lanes."""
    width = int(canvas_config.get("width") or timeline.width or 1920)
    height = int(canvas_config.get("height") or timeline.height or 1080)
    return {"width": width, "height": height, "aspect": _aspect(width, height)}


def _aspect(width: int, height: int) -> str:
    for label, ratio in (("16:9", 16 / 9), ("9:16", 9 / 16), ("1:1", 1.0), ("4:3", 4 / 3),
                         ("3:4", 3 / 4), ("4:5", 4 / 5), ("21:9", 21 / 9)):
        if height and abs(width / height - ratio) < 0.02:
            return label
    return f"{width}:{height}"


@dataclass(frozen=True)
class Version:
    """One generated music track of the session, with the URL the kernel fetches it from."""

    number: int
    hash: str
    label: str
    url: str
    facts: Json
    plan: Json

    @property
    def blob(self) -> str:
        return f"music-{self.hash[:16]}"


def music_versions(found: list[MusicVersion]) -> list[Version]:
    """The session's music versions as the widget shows them, from the client's one tolerant
    adapter (``SessionState.music_versions``), so the widget numbers and names them exactly as
    "use music version N" and ``Conversation.music_versions()`` do. A version without a URL
    cannot be played and is left out; its number is kept for the others."""
    out: list[Version] = []
    for item in found:
        if not item.url:
            continue
        raw_plan = item.raw.get("plan")
        plan: Json = raw_plan if isinstance(raw_plan, dict) else {}
        tempo = item.tempo_bpm or plan.get("tempo_bpm") or 0
        facts = {"style": item.style or str(plan.get("style") or ""),
                 "tempo_bpm": round(float(tempo)) if isinstance(tempo, (int, float)) else 0,
                 "key": item.key or "",
                 "duration_s": round(item.duration_s or 0.0, 2)}
        out.append(Version(item.version, item.hash or str(item.version), item.name, item.url,
                           facts, plan))
    return out


def in_use(timeline: Timeline, versions: list[Version]) -> Version | None:
    """The version whose file is on the background-music lane, if any."""
    sources = {s.source or "" for t in timeline.tracks for s in t.segments
               if t.role == "bgm" or KIND_BY_TRACK.get(t.type) == "audio"}
    for version in reversed(versions):
        if any(version.hash and version.hash in source for source in sources):
            return version
    return None


def versions_view(versions: list[Version], current: Version | None) -> list[Json]:
    return [{"version": v.number, "label": v.label, "blob": v.blob,
             "in_use": current is not None and v.hash == current.hash, **v.facts}
            for v in versions]


def music_view(timeline: Timeline, current: Version | None, waveform: list[float]) -> Json:
    """The BGM lane's picture: where the track sits, its waveform, its beats and the cuts."""
    if current is None:
        return {}
    segment = next((s for t in timeline.tracks for s in t.segments
                    if current.hash and current.hash in (s.source or "")), None)
    beats = [round(float(b), 2) for b in current.plan.get("beats", [])]
    if len(beats) > MAX_MARKS:
        beats = [round(float(b), 2) for b in current.plan.get("downbeats", [])][:MAX_MARKS]
    cuts = [round(float(c["cut"]), 2) for c in current.plan.get("cut_alignment", [])
            if isinstance(c, dict) and "cut" in c][:MAX_MARKS]
    return {"label": current.label, "version": current.number, "blob": current.blob,
            "start_ms": segment.start_ms if segment else 0,
            "duration_ms": segment.duration_ms if segment else
            round(float(current.facts["duration_s"]) * 1000),
            "volume": round(segment.volume, 2) if segment else 1.0,
            "peaks": waveform, "beats": beats, "cuts": cuts}


def first_video(timeline: Timeline) -> Json | None:
    """The first video segment (the picture the audition plays), as source and volume."""
    for track in timeline.tracks:
        if KIND_BY_TRACK.get(track.type) != "video":
            continue
        for segment in track.segments:
            if segment.source:
                return {"source": segment.source, "start_ms": segment.start_ms,
                        "in_ms": segment.source_in_ms, "volume": round(segment.volume, 2)}
    return None


def preview_video(source: Path, folder: Path) -> Path:
    """The file the audition plays: the source itself when a browser plays it and it is
    small, else a 360p H.264 copy (imageio-ffmpeg), made once."""
    if source.suffix.lower() in PLAYABLE and source.stat().st_size <= PREVIEW_AS_IS_BYTES:
        return source
    target = folder / f"preview-{source.stem}.mp4"
    if target.is_file():
        return target
    import imageio_ffmpeg

    temp = target.with_suffix(".part.mp4")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-i", str(source),
                    "-vf", "scale=-2:360", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "30", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart",
                    str(temp)], check=True, timeout=600)
    temp.replace(target)
    return target
