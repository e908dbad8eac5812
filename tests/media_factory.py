"""Small media files made at test time with the real FFmpeg (no binaries in git)."""

from __future__ import annotations

import itertools
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


_SHOT_COLOURS = ("0x1f4e79", "0xc0392b", "0x27ae60", "0xf1c40f", "0x8e44ad", "0xe67e22",
                 "0x16a085", "0x2c3e50")


def make_cut_video(path: Path, cuts: list[float], seconds: float, *, size: str = "320x180",
                   fps: int = 25, audio: Path | None = None,
                   colours: tuple[str, ...] = _SHOT_COLOURS) -> Path:
    """Shots of moving test patterns over different colours, cut exactly at ``cuts``."""
    bounds = [0.0, *cuts, seconds]
    chains = []
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        colour = colours[index % len(colours)]
        length = f"{end - start + 0.1:.3f}"
        chains.append(f"color=c={colour}:size={size}:rate={fps}:duration={length}[c{index}];"
                      f"testsrc2=size=80x60:rate={fps}:duration={length}[t{index}];"
                      f"[c{index}][t{index}]overlay=x='100+90*sin(t*2)':y=40,"
                      f"trim=end_frame={round((end - start) * fps)},setpts=PTS-STARTPTS[v{index}]")
    shots = len(bounds) - 1
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(shots)) + \
        f"concat=n={shots}:v=1:a=0[vout]"
    args: list[str] = []
    maps = ["-map", "[vout]"]
    if audio is not None:
        args += ["-i", str(audio)]
        maps += ["-map", "0:a:0", "-c:a", "aac"]
    run_ffmpeg([*args, "-filter_complex", graph, *maps, "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p", "-t", f"{seconds:.3f}", str(path)])
    return path


def speech_like(seconds: float, rate: int = 48_000, seed: int = 0,
                talk: list[tuple[float, float]] | None = None):
    """A voice-like signal: a gliding glottal pulse train through formant filters, spoken in
    syllables (≈4.5 per second) during the ``talk`` intervals and silent elsewhere."""
    import numpy as np
    from scipy import signal

    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    pitch = 150 + 30 * np.sin(2 * np.pi * 0.7 * t) + 10 * np.sin(2 * np.pi * 3.1 * t)
    phase = np.cumsum(pitch / rate)
    pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(np.float64)
    glottal = signal.lfilter([1.0], [1.0, -0.96], pulses)
    voice = np.zeros(n)
    for formant, width in ((700, 130), (1220, 70), (2600, 160)):
        b, a = signal.iirpeak(formant, formant / width, fs=rate)
        voice += signal.lfilter(b, a, glottal)
    syllables = np.clip(np.sin(2 * np.pi * 4.5 * t + rng.uniform(0, 6)), 0, None) ** 0.7
    gate = np.zeros(n)
    for start, end in talk or [(0.0, seconds)]:
        gate[int(start * rate):int(end * rate)] = 1.0
    gate = signal.lfilter([0.01], [1, -0.99], gate)
    out = voice * syllables * gate
    out = 0.3 * out / max(1e-9, float(np.abs(out).max()))
    return np.stack([out, out], axis=1).astype(np.float32)


def write_wav(path: Path, audio, rate: int = 48_000) -> Path:
    """16-bit PCM WAV with the standard library (no extra dependency)."""
    import wave

    import numpy as np

    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(pcm.shape[1] if pcm.ndim == 2 else 1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return path
