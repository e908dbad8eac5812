"""What a media file really is: probed with PyAV, never trusted from its name.

The upload route stores bytes first and asks ``probe`` what they are; the render and the agent
read the resulting ``MediaInfo``. The imageio-ffmpeg wheel has no ffprobe, so probing decodes
with PyAV, which also proves the file is decodable (an undecodable file is a 4001, not a crash
later in the render).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import av

from nemo_widgets import protocol
from nemo_widgets.engine.errors import UnsupportedMedia

FileType = Literal["video", "image", "audio"]

# PyAV container format names (any of the comma-separated aliases) → our canonical extension.
_CONTAINERS: dict[str, str] = {
    "mov": "mov", "mp4": "mp4", "m4a": "m4a", "3gp": "mp4", "3g2": "mp4", "mj2": "mp4",
    "matroska": "mkv", "webm": "webm", "avi": "avi",
    "mp3": "mp3", "wav": "wav", "aac": "aac",
    "png_pipe": "png", "apng": "png", "jpeg_pipe": "jpg", "mjpeg": "jpg", "gif": "gif",
    "webp_pipe": "webp", "webp": "webp", "image2": "image",
}
_IMAGE_CODECS = {"png": "png", "mjpeg": "jpg", "gif": "gif", "webp": "webp", "apng": "png"}
_STILL_CONTAINERS = {"png", "jpg", "gif", "webp", "image"}


@dataclass(frozen=True)
class MediaInfo:
    """The facts about one media file that the protocol and the renderer need."""

    file_type: FileType
    container: str
    duration: float
    width: int
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    video_codec: str | None = None
    audio_codec: str | None = None
    pix_fmt: str | None = None
    sample_rate: int | None = None
    frames: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MediaInfo:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def _container_kind(format_name: str) -> str | None:
    for alias in format_name.split(","):
        if alias in _CONTAINERS:
            return _CONTAINERS[alias]
    return None


def _decode_one(container: av.container.InputContainer, stream: Any) -> bool:
    """True if at least one frame of ``stream`` decodes: proves the data is real media."""
    try:
        for _frame in container.decode(stream):
            return True
    except (av.error.FFmpegError, ValueError):
        return False
    return False


def probe(path: Path) -> MediaInfo:
    """Identify and check a media file; raise ``UnsupportedMedia`` (4001) for anything else."""
    formats = protocol.supported_formats_text()
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnsupportedMedia(f"Not a media file we can read. Supported: {formats}.") from exc
    with container:
        kind = _container_kind(container.format.name)
        videos = [s for s in container.streams.video]
        audios = [s for s in container.streams.audio]
        if kind is None or (not videos and not audios):
            raise UnsupportedMedia(
                f"Unsupported format ({container.format.name}). Supported: {formats}.")
        video = videos[0] if videos else None
        audio = audios[0] if audios else None
        kind = _refine_container(kind, container, video, audio)
        duration = _duration_seconds(container, video or audio)
        if video is not None:
            codec = video.codec_context.name
            is_still = kind in _STILL_CONTAINERS or (
                codec in _IMAGE_CODECS and kind not in {"mp4", "mov", "mkv", "webm", "avi"})
            if kind == "image":
                kind = _IMAGE_CODECS.get(codec, "image")
            if is_still and kind not in protocol.IMAGE_EXTENSIONS:
                raise UnsupportedMedia(f"Unsupported image type ({codec}). Supported: {formats}.")
            if not _decode_one(container, video):
                raise UnsupportedMedia("The file is damaged: its pictures cannot be decoded.")
            rate = video.average_rate or video.guessed_rate
            fps = float(rate) if rate else 0.0
            file_type: FileType = "image" if is_still else "video"
            if file_type == "video" and duration <= 0:
                raise UnsupportedMedia("The video has no duration: it may be truncated.")
            return MediaInfo(
                file_type=file_type, container=kind,
                duration=0.0 if file_type == "image" and kind != "gif" else round(duration, 3),
                width=int(video.codec_context.width), height=int(video.codec_context.height),
                fps=0.0 if file_type == "image" else round(fps, 3),
                has_video=True, has_audio=audio is not None,
                video_codec=codec, audio_codec=audio.codec_context.name if audio else None,
                pix_fmt=video.codec_context.pix_fmt,
                sample_rate=int(audio.codec_context.sample_rate) if audio else None,
                frames=int(video.frames or 0),
            )
        assert audio is not None
        if kind not in protocol.AUDIO_EXTENSIONS:
            raise UnsupportedMedia(f"Unsupported audio container ({kind}). Supported: {formats}.")
        if not _decode_one(container, audio):
            raise UnsupportedMedia("The file is damaged: its sound cannot be decoded.")
        if duration <= 0:
            raise UnsupportedMedia("The audio has no duration: it may be truncated.")
        return MediaInfo(
            file_type="audio", container=kind,
            duration=round(duration, 3), width=0, height=0, fps=0.0,
            has_video=False, has_audio=True, audio_codec=audio.codec_context.name,
            sample_rate=int(audio.codec_context.sample_rate),
        )


_WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}


def _refine_container(kind: str, container: Any, video: Any, audio: Any) -> str:
    """Tell apart what one demuxer reads: MP4 from QuickTime, WebM from Matroska."""
    if kind in {"mov", "mp4"}:
        brand = str(container.metadata.get("major_brand", "")).strip()
        if video is None:
            return "m4a"
        return "mov" if brand == "qt" else "mp4"
    if kind in {"mkv", "webm"}:
        codecs = {s.codec_context.name for s in (video, audio) if s is not None}
        return "webm" if codecs <= _WEBM_CODECS else "mkv"
    return kind


def _duration_seconds(container: av.container.InputContainer, stream: Any) -> float:
    if container.duration:
        return float(container.duration) / av.time_base
    if stream is not None and stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0
