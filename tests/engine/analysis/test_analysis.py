"""The video analysis, checked against media with known answers made at test time with FFmpeg:
shots with known cut times, pictures of known colour and motion, sounds that are or are not
speech, and drafts that place them on a timeline."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import signal

from nemo_widgets.engine.analysis import (
    AnalysisError,
    Curves,
    VideoFeatures,
    analyse_file,
    analyse_timeline,
    file_curves,
    placement,
)
from nemo_widgets.engine.analysis.decode import scan_video
from nemo_widgets.engine.analysis.frames import thumb_from_rgb
from nemo_widgets.engine.analysis.speech import SAMPLE_RATE, SpeechFrames, detect_speech
from nemo_widgets.engine.media import MediaInfo, probe
from tests.media_factory import make_audio, make_image, make_video, run_ffmpeg

SR = SAMPLE_RATE
FPS = 25
FRAME = 1 / FPS
CUTS = [1.00, 2.40, 3.12]
PHONE_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30",
              "-bf", "2", "-x264-params", "scenecut=0"]  # fixed 1.2 s GOPs: most cuts inside


# --- sounds with known answers -------------------------------------------------------------------

VOWELS = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
          (660, 1720, 2410), (490, 1350, 1690), (570, 840, 2410)]


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """A crude talker: a glottal pulse train with a wandering pitch, through three formant
    resonators gliding between vowels inside each syllable (4-5 a second, with pauses), and
    hissy consonants before some syllables."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    block = SR // 100
    blocks = n // block + 1
    envelope = np.zeros(blocks)
    formants = np.tile(np.array(VOWELS[0], dtype=float), (blocks, 1))
    hiss = np.zeros(blocks)
    pos = int(rng.uniform(5, 15))
    while pos < blocks - 10:
        end = min(blocks, pos + int(rng.uniform(12, 28)))
        a, b = rng.choice(len(VOWELS), 2, replace=False)
        k = np.linspace(0.0, 1.0, end - pos)
        formants[pos:end] = np.outer(1 - k, VOWELS[a]) + np.outer(k, VOWELS[b])
        envelope[pos:end] = np.sin(np.pi * np.clip(k * 1.15, 0, 1)) ** 0.6
        if rng.random() < 0.5:
            hiss[max(0, pos - 5):pos] = 1.0
        pos = end + int(rng.uniform(4, 12)) + (int(rng.uniform(20, 40)) if rng.random() < 0.15
                                              else 0)
    t = np.arange(n) / SR
    pitch = 120 + 40 * np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, 6)) + 15 * np.sin(
        2 * np.pi * 3.1 * t)
    pulses = np.diff(np.floor(np.cumsum(pitch / SR)), prepend=0.0)
    source = signal.lfilter([1.0, -1.0], [1.0, -0.7], pulses)
    voice = np.zeros(n)
    states = [np.zeros(2) for _ in range(3)]
    for i in range(blocks):
        lo, hi = i * block, min(n, (i + 1) * block)
        if lo >= n:
            break
        for j, (freq, width) in enumerate(zip(formants[i], (80.0, 100.0, 120.0), strict=True)):
            r = np.exp(-np.pi * width / SR)
            coeffs = [1.0, -2 * r * np.cos(2 * np.pi * freq / SR), r * r]
            out, states[j] = signal.lfilter([1 - r * r], coeffs, source[lo:hi], zi=states[j])
            voice[lo:hi] += out * envelope[i]
    band = signal.butter(4, [2500, 6000], "bandpass", fs=SR, output="sos")
    noise = signal.sosfilt(band, rng.standard_normal(n))
    voice += 0.15 * np.max(np.abs(voice)) / np.max(np.abs(noise)) * noise * np.repeat(
        hiss, block)[:n]
    return np.asarray(0.3 * voice / np.max(np.abs(voice)), dtype=np.float32)


def buzz_speech(seconds: float) -> np.ndarray:
    """The crudest talker: one vowel (fixed formants) on a gliding pitch, pulsed at 4.5
    syllables a second with a gap after each."""
    t = np.arange(int(seconds * SR)) / SR
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.6 * t) + 8 * np.sin(2 * np.pi * 2.9 * t)
    pulses = np.diff(np.floor(np.cumsum(pitch / SR)), prepend=0.0)
    source = signal.lfilter([1.0, -1.0], [1.0, -0.8], pulses)
    voice = np.zeros_like(t)
    for centre in (650, 1150, 2500):
        b, a = signal.iirpeak(centre, centre / 120, fs=SR)
        voice += signal.lfilter(b, a, source)
    voice *= np.clip(np.sin(2 * np.pi * 4.5 * t), 0, None) ** 0.7
    return np.asarray(0.3 * voice / np.max(np.abs(voice)), dtype=np.float32)


def melody(seconds: float, notes_per_second: float) -> np.ndarray:
    """A plucked tune: syllable-rate notes in the voice band, each holding its pitch."""
    scale = [261.6, 293.7, 329.6, 392.0, 440.0, 392.0, 329.6, 293.7]
    length = int(SR / notes_per_second)
    t = np.arange(length) / SR
    shape = np.exp(-t / 0.25) * np.minimum(1, t / 0.003)
    tune = np.concatenate([
        sum(np.sin(2 * np.pi * scale[i % len(scale)] * h * t) / h for h in range(1, 6)) * shape
        for i in range(int(seconds * notes_per_second))])
    return np.asarray(0.3 * tune / np.max(np.abs(tune)), dtype=np.float32)


def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(int(seconds * SR)) / SR)).astype(np.float32)


def chords(seconds: float, step: float, plucked: bool) -> np.ndarray:
    """Triads with five harmonics each, changing every ``step`` s: held like a pad, or
    plucked (sharp attack, fast decay) so that they also pulse at a syllable-like rate."""
    progression = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6),
                   (196.0, 246.9, 293.7)]
    length = int(step * SR)
    t = np.arange(length) / SR
    if plucked:
        shape = np.exp(-t / 0.25) * np.minimum(1, t / 0.003)
    else:
        shape = np.minimum(1, t / 0.05) * np.minimum(1, (step - t) / 0.05)
    out = []
    for i in range(int(seconds / step)):
        chord = progression[i % len(progression)]
        note = sum(np.sin(2 * np.pi * f * h * t) / h for f in chord for h in range(1, 6))
        out.append(note * shape)
    music = np.concatenate(out)
    return np.asarray(0.3 * music / np.max(np.abs(music)), dtype=np.float32)


def speech_in(samples: np.ndarray) -> list[tuple[float, float]]:
    frames = SpeechFrames()
    for i in range(0, len(samples), 4000):  # streamed in pieces, as decoding delivers it
        frames.push(samples[i:i + 4000])
    return detect_speech(frames.finish())


def covered(intervals: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SR)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


# --- pictures with known answers -----------------------------------------------------------------


def lavfi(spec: str, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"{spec},trim=duration={seconds},setpts=PTS-STARTPTS"]


def make_cut_clip(path: Path, codec: list[str] = PHONE_X264, sound: bool = False) -> Path:
    """Four moving shots at 25 fps with cuts at 1.00, 2.40 and 3.12 s. The first two are the
    same test pattern mirrored (same colours, different layout: the hard kind of cut)."""
    size = f"size=320x180:rate={FPS}"
    shots = [
        *lavfi(f"testsrc2={size}", 1.0),
        *lavfi(f"testsrc2={size},hflip", 1.4),
        *lavfi(f"mandelbrot={size}", 0.72),
        *lavfi(f"smptebars={size},scroll=horizontal=0.01", 0.88),
    ]
    tone_input = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4"]
    run_ffmpeg([*shots, *(tone_input if sound else []), "-filter_complex",
                "[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p[v]", "-map", "[v]",
                *(["-map", "4:a", "-c:a", "aac"] if sound else []), *codec, str(path)])
    return path


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Library:
    """Media by content hash, standing in for the engine's upload store."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Path, MediaInfo]] = {}
        self.calls = 0

    def add(self, path: Path) -> str:
        source = content_hash(path)
        self.items[source] = (path, probe(path))
        return source

    def __call__(self, source: str) -> tuple[Path, MediaInfo]:
        self.calls += 1
        return self.items[source]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("analysis")
    out: dict[str, Path] = {"cuts": make_cut_clip(root / "cuts.mp4")}
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x141e46:size=320x180:rate=25:duration=2",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(root / "dark.mp4")])
    out["dark"] = root / "dark.mp4"
    run_ffmpeg(["-f", "lavfi", "-i",
                "testsrc2=size=320x180:rate=25:duration=2,scroll=horizontal=0.03,"
                "colorchannelmixer=rr=0.6:rg=0.3:gr=0.3:gg=0.35:br=0.05:bb=0.1,"
                "eq=brightness=0.25",
                "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(root / "orange.mp4")])
    out["orange"] = root / "orange.mp4"
    out["moving"] = make_video(root / "moving.mp4", seconds=5, size="320x180", fps=FPS,
                               audio=False)
    out["still"] = make_image(root / "still.png", size="320x180")
    return out


def features(path: Path, **options: Any) -> VideoFeatures:
    return analyse_file(path, probe(path), **options)


def assert_cuts(found: list[float], truth: list[float], tolerance: float = FRAME) -> None:
    assert len(found) == len(truth), f"found {found}, expected {truth}"
    for got, want in zip(found, truth, strict=True):
        assert abs(got - want) <= tolerance + 1e-6, f"cut at {got}, expected {want}"


# --- cuts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sparse", [False, True], ids=["full", "sparse"])
def test_cuts_are_found_to_the_frame(media: dict[str, Path], sparse: bool) -> None:
    found = features(media["cuts"], sparse=sparse)
    assert_cuts(found.cuts, CUTS)
    assert all(0.3 <= s <= 1.0 for s in found.cut_strength)
    assert found.cut_rate == pytest.approx(3 * 60 / found.duration)


@pytest.mark.parametrize("sparse", [False, True], ids=["full", "sparse"])
def test_a_moving_shot_without_cuts_has_none(media: dict[str, Path], sparse: bool) -> None:
    found = features(media["moving"], sparse=sparse)
    assert found.cuts == []
    assert found.mean_motion > 0.1


def test_fast_zoom_and_a_flash_are_not_cuts(tmp_path: Path) -> None:
    zoom = tmp_path / "zoom.mp4"
    run_ffmpeg([*lavfi("mandelbrot=size=320x180:rate=25", 3.0), "-pix_fmt", "yuv420p",
                str(zoom)])
    assert features(zoom).cuts == []
    flash = tmp_path / "flash.mp4"
    run_ffmpeg([*lavfi("testsrc2=size=320x180:rate=25", 1.0),
                *lavfi("color=c=white:size=320x180:rate=25", 0.04),
                *lavfi("testsrc2=size=320x180:rate=25", 1.0),
                "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", "-c:v", "libx264", str(flash)])
    assert features(flash).cuts == []


def test_cuts_in_a_variable_frame_rate_clip(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    run_ffmpeg([*lavfi("testsrc2=size=320x180:rate=25", 1.2),
                *lavfi("smptebars=size=320x180:rate=12", 1.0),
                *lavfi("mandelbrot=size=320x180:rate=30", 0.8),
                "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", "-fps_mode", "passthrough", "-c:v", "libx264", str(path)])
    found = features(path)
    assert_cuts(found.cuts, [1.2, 2.2], tolerance=1 / 30)


def test_sparse_decoding_skips_groups_without_a_change(tmp_path: Path) -> None:
    """A calm clip with one cut: the sparse scan decodes a fraction of the frames and still
    puts the cut on the exact frame."""
    path = tmp_path / "calm.mp4"
    run_ffmpeg([*lavfi("testsrc2=size=320x180:rate=25", 4.52),
                *lavfi("smptebars=size=320x180:rate=25", 3.48),
                "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", *PHONE_X264, str(path)])
    info = probe(path)
    scan = scan_video(path, info, sparse=True)
    assert scan.mode == "sparse" and scan.frames < 0.6 * info.frames
    sparse, full = features(path, sparse=True), features(path, sparse=False)
    assert_cuts(sparse.cuts, [4.52])
    # motion is sampled once per group of pictures, and agrees with the full decode
    assert sparse.motion[0] > 0.2 and sparse.motion[6] < 0.1
    assert sparse.motion == pytest.approx(full.motion, abs=0.15)


def test_sparse_decoding_stops_a_group_once_its_cut_is_found(tmp_path: Path) -> None:
    """Key frames every 1.2 s (0, 1.2, 2.4, 3.6, 4.8). A cut early in a group, one on a key
    frame, two in one group: each is found to the frame, and a group whose cut comes early is
    not decoded past the frames that settle it."""
    path = tmp_path / "groups.mp4"
    size = f"size=320x180:rate={FPS}"
    run_ffmpeg([*lavfi(f"testsrc2={size}", 1.32),
                *lavfi(f"smptebars={size},scroll=horizontal=0.002", 2.28),
                *lavfi(f"mandelbrot={size}", 0.32),
                *lavfi(f"testsrc2={size},hflip", 0.40),
                *lavfi(f"rgbtestsrc={size},scroll=vertical=0.01", 1.68),
                "-filter_complex", "[0:v][1:v][2:v][3:v][4:v]concat=n=5:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", *PHONE_X264, str(path)])
    truth = [1.32, 3.60, 3.92, 4.32]
    info = probe(path)
    scan = scan_video(path, info, sparse=True)
    # Without stopping early: 2 probe frames per group, then groups 1-4 whole (+1 key frame).
    assert scan.mode == "sparse" and scan.frames < 10 + 4 * 30 + 1 - 20
    assert_cuts(features(path, sparse=True).cuts, truth)
    assert_cuts(features(path, sparse=False).cuts, truth)


def test_sparse_decoding_does_not_stop_before_a_cut_its_probe_saw(tmp_path: Path) -> None:
    """A cut just after a key frame and back to the first (still) shot before the next one: the
    key frames match, but the probe saw the first cut (and the packet sizes show both), so the
    group is decoded past them."""
    path = tmp_path / "away_and_back.mp4"
    size = f"size=320x180:rate={FPS}"
    run_ffmpeg([*lavfi(f"smptehdbars={size}", 1.24),
                *lavfi(f"testsrc2={size}", 0.56),
                *lavfi(f"smptehdbars={size}", 1.2),
                "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", *PHONE_X264, str(path)])
    assert_cuts(features(path, sparse=True).cuts, [1.24, 1.80])


# --- colour and motion ---------------------------------------------------------------------------


def test_dark_blue_static_versus_bright_orange_moving(media: dict[str, Path]) -> None:
    dark, orange = features(media["dark"]), features(media["orange"])
    assert dark.mean_brightness < 0.2 < 0.45 < orange.mean_brightness
    assert dark.mean_warmth < -0.3 and orange.mean_warmth > 0.2
    assert dark.mean_motion < 0.05 and orange.mean_motion > 0.3
    assert len(dark.brightness) == len(dark.motion) == 2
    assert all(0.0 <= v <= 1.0 for v in [*orange.saturation, *orange.motion])


def test_colour_measures_on_plain_pictures() -> None:
    def facts(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
        thumb = thumb_from_rgb(np.full((9, 16, 3), rgb, dtype=np.uint8))
        return thumb.brightness, thumb.saturation, thumb.warmth

    assert facts((255, 140, 0))[2] == pytest.approx(1.0, abs=0.01)  # orange: warm
    assert facts((0, 0, 255))[2] == pytest.approx(-1.0, abs=0.01)  # blue: cool
    grey = facts((128, 128, 128))
    assert grey[1] == pytest.approx(0.0, abs=0.01) and grey[2] == pytest.approx(0.0, abs=0.01)
    assert facts((0, 0, 0)) == pytest.approx((0.0, 0.0, 0.0), abs=0.01)
    assert facts((255, 255, 255))[0] == pytest.approx(1.0, abs=0.01)


# --- sound and speech ----------------------------------------------------------------------------


@pytest.mark.parametrize("talker", ["gliding vowels 0", "gliding vowels 1",
                                    "gliding vowels 2", "one-vowel buzz"])
def test_speech_like_signal_is_speech(talker: str) -> None:
    quiet = np.zeros(SR, dtype=np.float32)
    voice = buzz_speech(4.0) if talker == "one-vowel buzz" else speech_like(4.0, int(talker[-1]))
    found = speech_in(np.concatenate([quiet, voice, quiet]))
    assert covered(found, 1.0, 5.0) >= 0.6 * 4.0, found
    assert covered(found, 0.0, 0.8) == 0 and covered(found, 5.3, 6.0) == 0, found
    assert all(b - a >= 0.3 for a, b in found)


@pytest.mark.parametrize("name", ["silence", "tone", "pad chords", "plucked chords",
                                  "fast plucked chords", "plucked melody", "noise"])
def test_music_tones_and_silence_are_not_speech(name: str) -> None:
    sounds = {
        "silence": np.zeros(4 * SR, dtype=np.float32),
        "tone": tone(6.0),
        "pad chords": chords(8.0, 1.0, plucked=False),
        "plucked chords": chords(8.0, 0.5, plucked=True),
        "fast plucked chords": chords(8.0, 0.25, plucked=True),
        "plucked melody": melody(8.0, 4.0),
        "noise": (0.1 * np.random.default_rng(0).standard_normal(5 * SR)).astype(np.float32),
    }
    quiet = np.zeros(SR, dtype=np.float32)
    assert speech_in(sounds[name]) == []
    # also with silence around it, so that it stands out from the noise floor
    assert speech_in(np.concatenate([quiet, sounds[name], quiet])) == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_synthesised_voice_is_speech(tmp_path: Path) -> None:
    wav = tmp_path / "voice.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Hello everyone, and welcome back. Today we "
                    "walk along the beach and talk about the summer."], check=True)
    clip = tmp_path / "voice.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=8", "-i", str(wav),
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(clip)])
    found = features(clip)
    spoken = probe(wav).duration
    assert covered(found.speech, 0.0, spoken) >= 0.7 * spoken


def test_speech_and_level_in_a_video_file(tmp_path: Path) -> None:
    quiet = np.zeros(SR, dtype=np.float32)
    sound = np.concatenate([quiet, speech_like(3.0, seed=7), quiet, tone(2.0)])
    wav = write_wav(tmp_path / "talk.wav", sound)
    clip = tmp_path / "talk.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=7", "-i", str(wav),
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(clip)])
    found = features(clip)
    assert found.has_audio and len(found.loudness_db) == 7
    assert covered(found.speech, 1.0, 4.0) >= 1.8 and covered(found.speech, 5.0, 7.0) == 0
    assert found.loudness_db[0] < -60  # silence (AAC leaves a whisper of noise, no more)
    assert found.loudness_db[6] == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=1.0)


# --- timeline ------------------------------------------------------------------------------------


def segment(source: str, start: int, duration: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"sg_{start}", "kind": extra.pop("kind", "video"), "source": source,
            "start_ms": start, "duration_ms": duration, **extra}


def draft(segments: list[dict[str, Any]], d: int) -> dict[str, Any]:
    return {"t": [{"tt": 0, "name": "Video", "sg": segments}], "d": d,
            "m": {"width": 1920, "height": 1080, "fps": 30}}


@pytest.fixture(scope="module")
def library(media: dict[str, Path]) -> tuple[Library, dict[str, str]]:
    lib = Library()
    return lib, {name: lib.add(path) for name, path in media.items()}


def test_timeline_places_clips_gaps_and_cuts(library: tuple[Library, dict[str, str]],
                                             tmp_path: Path) -> None:
    lib, src = library
    doc = draft([segment(src["dark"], 0, 2000),
                 segment(src["orange"], 2000, 2000, volume=0.0),
                 segment(src["cuts"], 5000, 2000, source_in_ms=500)], d=7000)
    found = analyse_timeline(doc, lib, tmp_path / "cache")
    assert found.duration == 7.0 and len(found.brightness) == 7
    # the clips' own cuts (1.00 and 2.40 s into the source, from 0.5 s on) and the boundaries
    assert_cuts(found.cuts, [2.0, 4.0, 5.0, 5.5, 6.9])
    assert found.cut_strength[:3] == [1.0, 1.0, 1.0]
    assert found.brightness[0] < 0.2 and found.brightness[2] > 0.45
    assert found.brightness[4] == pytest.approx(0.0, abs=1e-6)  # the gap is black
    assert found.warmth[0] < -0.3 < 0.2 < found.warmth[3]
    # only the dark clip is heard: the orange one is muted, the gap and the cut clip are silent
    assert found.has_audio
    assert found.loudness_db[0] > -30 and found.loudness_db[1] > -30
    assert found.loudness_db[2:] == [-90.0] * 5


def test_split_clip_is_not_a_cut_and_volume_scales_loudness(
        library: tuple[Library, dict[str, str]], tmp_path: Path) -> None:
    lib, src = library
    whole = analyse_timeline(draft([segment(src["dark"], 0, 2000)], d=2000), lib, tmp_path)
    split = analyse_timeline(draft([segment(src["dark"], 0, 1000, volume=0.5),
                                    segment(src["dark"], 1000, 1000, source_in_ms=1000,
                                            volume=0.5)], d=2000), lib, tmp_path)
    assert whole.cuts == split.cuts == []
    at_a_cut = analyse_timeline(draft([segment(src["cuts"], 0, 1000),
                                       segment(src["cuts"], 1000, 2000, source_in_ms=1000)],
                                      d=3000), lib, tmp_path)
    assert_cuts(at_a_cut.cuts, [1.0, 2.4])  # a split on the clip's own cut keeps the cut
    for loud, quiet in zip(whole.loudness_db, split.loudness_db, strict=True):
        assert loud - quiet == pytest.approx(6.02, abs=0.1)


def test_stills_silent_clips_and_an_empty_track(library: tuple[Library, dict[str, str]],
                                                tmp_path: Path) -> None:
    lib, src = library
    doc = draft([segment(src["still"], 0, 3000, kind="image"),
                 segment(src["moving"], 3000, 2000)], d=5000)
    found = analyse_timeline(doc, lib, tmp_path)
    assert found.motion[:3] == [0.0, 0.0, 0.0] and found.motion[3] > 0.1
    assert len(set(found.brightness[:3])) == 1
    assert found.cuts == [3.0]
    assert not found.has_audio and found.loudness_db == [] and found.speech == []
    empty = analyse_timeline({"t": [], "d": 2000}, lib, tmp_path)
    assert empty.brightness == [0.0, 0.0] and empty.cuts == [] and not empty.has_audio
    assert analyse_timeline({"t": [], "d": 0}, lib, tmp_path).duration == 0.0


def test_unknown_media_is_a_gap_not_an_error(library: tuple[Library, dict[str, str]],
                                             tmp_path: Path) -> None:
    lib, src = library
    doc = draft([segment("f" * 64, 0, 1000), segment(src["dark"], 1000, 1000)], d=2000)
    found = analyse_timeline(doc, lib, tmp_path)
    assert found.brightness[0] == 0.0 and found.brightness[1] > 0.05
    assert found.cuts == [1.0]


def test_per_file_analysis_is_cached(library: tuple[Library, dict[str, str]], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    lib, src = library
    doc = draft([segment(src["dark"], 0, 2000), segment(src["cuts"], 2000, 4000)], d=6000)
    first = analyse_timeline(doc, lib, tmp_path / "cache")
    assert (tmp_path / "cache" / f"{src['dark']}.json").is_file()
    assert (tmp_path / "cache" / f"{src['cuts']}.json").is_file()

    decoded: list[Path] = []

    def decode_again(path: Path, *_args: object, **_kwargs: object) -> Curves:
        decoded.append(path)
        raise AssertionError("decoded a file that is in the cache")

    monkeypatch.setattr(placement, "file_curves", decode_again)
    second = analyse_timeline(doc, lib, tmp_path / "cache")
    assert decoded == []
    assert second.to_json() == first.to_json()
    assert_cuts(second.cuts, [2.0, 3.0, 4.4, 5.12])


def test_a_damaged_cache_entry_is_analysed_again(library: tuple[Library, dict[str, str]],
                                                 tmp_path: Path) -> None:
    lib, src = library
    (tmp_path / f"{src['dark']}.json").write_text("{not json")
    found = analyse_timeline(draft([segment(src["dark"], 0, 2000)], d=2000), lib, tmp_path)
    assert found.brightness[0] < 0.2
    assert "curves" in (tmp_path / f"{src['dark']}.json").read_text()


# --- odd files -----------------------------------------------------------------------------------


def test_image_is_one_still_second(media: dict[str, Path]) -> None:
    found = features(media["still"])
    assert found.duration == 1.0 and found.motion == [0.0] and found.cuts == []
    assert len(found.brightness) == 1 and 0.1 < found.brightness[0] < 0.9
    assert not found.has_audio and found.loudness_db == []


def test_sound_file_and_silent_video(tmp_path: Path, media: dict[str, Path]) -> None:
    sound = features(make_audio(tmp_path / "tone.mp3", seconds=2.0))
    assert sound.has_audio and sound.brightness == [0.0, 0.0] and sound.speech == []
    assert sound.loudness_db[0] == pytest.approx(-21.0, abs=1.5)  # FFmpeg's sine: 1/8 peak
    silent = features(media["moving"])
    assert not silent.has_audio and silent.loudness_db == []


def test_sound_that_starts_late_lines_up(tmp_path: Path) -> None:
    path = tmp_path / "late.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4",
                "-itsoffset", "1.5", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=48000:duration=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)])
    curves = file_curves(path, probe(path))
    heard = [i for i, e in enumerate(curves.energy) if e > 1e-4]  # 100 ms bins
    assert heard[0] in (14, 15) and heard[-1] in (34, 35)


def test_very_short_clip(tmp_path: Path) -> None:
    found = features(make_video(tmp_path / "short.mp4", seconds=0.4, size="320x180"))
    assert found.duration == pytest.approx(0.4, abs=0.05)
    assert len(found.brightness) == len(found.loudness_db) == 1 and found.cuts == []


@pytest.mark.parametrize("sparse", [False, True], ids=["full", "sparse"])
def test_damaged_files_give_what_decodes(tmp_path: Path, sparse: bool) -> None:
    clean = make_cut_clip(tmp_path / "clean.mp4", [*PHONE_X264, "-movflags", "+faststart"],
                          sound=True)
    info = probe(clean)
    data = clean.read_bytes()
    rng = np.random.default_rng(0)
    # Garbage over a stretch in the middle: what decodes is analysed, and the pictures the
    # decoder patches up after the damage do not read as cuts.
    middle = len(data) // 2
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(data[:middle] + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
                        + data[middle + 4000:])
    found = analyse_file(damaged, info, sparse=sparse)
    assert len(found.brightness) == 4 and found.has_audio and len(found.loudness_db) == 4
    assert found.cuts and all(min(abs(c - t) for t in CUTS) <= FRAME for c in found.cuts)
    # The file stops halfway: the first half is there, the rest holds the last picture.
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[:middle])
    found = analyse_file(truncated, info, sparse=sparse)
    assert len(found.brightness) == 4 and found.cuts[:1] == [pytest.approx(1.0)]
    # Nothing decodes at all: a clear error.
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    with pytest.raises(AnalysisError):
        analyse_file(junk, info, sparse=sparse)


# --- results -------------------------------------------------------------------------------------


def test_features_round_trip_through_json(media: dict[str, Path]) -> None:
    found = features(media["cuts"])
    again = VideoFeatures.from_json(found.to_json())
    assert again.to_json() == found.to_json()
    assert again.cuts == pytest.approx(found.cuts, abs=1e-4)
    curves = file_curves(media["dark"], probe(media["dark"]))
    assert Curves.from_json(curves.to_json()).to_json() == curves.to_json()
    with pytest.raises(ValueError):
        Curves.from_json({**curves.to_json(), "brightness": [0.5]})
    assert found.speech_fraction == 0.0 and found.mean_loudness_db == -90.0
