"""Small media files made at test time with the real FFmpeg (no binaries in git)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from nemo_widgets.engine.media import ffmpeg_exe

# Per extension: (kind, extra output arguments).
FORMAT_ARGS: dict[str, tuple[str, list[str]]] = {
    "mp4": ("video", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
    "mov": ("video", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
    "avi": ("video", ["-c:v", "mpeg4", "-c:a", "mp3"]),
    "webm": ("video", ["-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus"]),
    "mkv": ("video", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
    "jpg": ("image", ["-frames:v", "1"]),
    "png": ("image", ["-frames:v", "1"]),
    "gif": ("image", ["-frames:v", "1"]),
    "webp": ("image", ["-frames:v", "1", "-c:v", "libwebp"]),
    "mp3": ("audio", ["-c:a", "libmp3lame"]),
    "wav": ("audio", ["-c:a", "pcm_s16le"]),
    "m4a": ("audio", ["-c:a", "aac"]),
    "aac": ("audio", ["-c:a", "aac", "-f", "adts"]),
}


def run_ffmpeg(args: list[str]) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, stdin=subprocess.DEVNULL)


def make_video(path: Path, seconds: float = 2.0, size: str = "320x240", fps: int = 25,
               audio: bool = True, tone_hz: int = 440, extra: list[str] | None = None,
               pattern: str = "testsrc2") -> Path:
    """A test-pattern clip with an optional sine tone, encoded by extension (or ``extra``)."""
    ext = path.suffix.lstrip(".").lower()
    inputs = ["-f", "lavfi", "-i", f"{pattern}=size={size}:rate={fps}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i",
                   f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}"]
    codec_args = extra if extra is not None else FORMAT_ARGS.get(ext, ("video", []))[1]
    if not audio:
        codec_args = [a for a in codec_args]
        codec_args += ["-an"]
    run_ffmpeg([*inputs, *codec_args, "-t", str(seconds), str(path)])
    return path


def make_image(path: Path, size: str = "640x360", color: str = "orange") -> Path:
    ext = path.suffix.lstrip(".").lower()
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=1:duration=1",
                *FORMAT_ARGS[ext][1], str(path)])
    _ = color
    return path


def make_audio(path: Path, seconds: float = 2.0, tone_hz: int = 330) -> Path:
    ext = path.suffix.lstrip(".").lower()
    run_ffmpeg(["-f", "lavfi", "-i",
                f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
                "-ac", "2", *FORMAT_ARGS[ext][1], str(path)])
    return path


def make_any(path: Path, seconds: float = 2.0) -> Path:
    """A small valid file of whatever format ``path``'s extension names."""
    kind = FORMAT_ARGS[path.suffix.lstrip(".").lower()][0]
    if kind == "video":
        return make_video(path, seconds)
    if kind == "image":
        return make_image(path)
    return make_audio(path, seconds)
